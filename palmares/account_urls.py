"""Django's own login, logout and password-reset views at /accounts/, with a throttled login and reset."""

from django.urls import include, path

from .account_views import ThrottledPasswordResetView
from .portal_views import ThrottledLoginView

urlpatterns = [
    # Before Django's URLs so that the throttled views answer /accounts/login/ and /accounts/password_reset/.
    path("login/", ThrottledLoginView.as_view(), name="login"),
    path("password_reset/", ThrottledPasswordResetView.as_view(), name="password_reset"),
    path("", include("django.contrib.auth.urls")),
]
