"""Django's own login, logout and password-reset views at /accounts/, with a throttled login."""

from django.urls import include, path

from .portal_views import ThrottledLoginView

urlpatterns = [
    # Before Django's URLs so that the throttled view answers /accounts/login/.
    path("login/", ThrottledLoginView.as_view(), name="login"),
    path("", include("django.contrib.auth.urls")),
]
