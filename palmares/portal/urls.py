"""The brand portal's stable addresses (API.md "Stable page addresses"), and Django's own login,
logout and password-reset views at /accounts/ (``account_urlpatterns``), with a throttled login and reset."""

from django.urls import include, path

from palmares.portal import views

urlpatterns = [
    path("portal/", views.portal_home, name="portal-home"),
    path("portal/scorecards/<int:entry_id>/", views.scorecard, name="portal-scorecard"),
    path("portal/scorecards/<int:entry_id>/report.pdf", views.scorecard_report, name="portal-report"),
]

account_urlpatterns = [
    # Before Django's URLs so that the throttled views answer /accounts/login/ and /accounts/password_reset/.
    path("login/", views.ThrottledLoginView.as_view(), name="login"),
    path("password_reset/", views.ThrottledPasswordResetView.as_view(), name="password_reset"),
    path("", include("django.contrib.auth.urls")),
]
