"""The brand portal's stable addresses (API.md "Stable page addresses")."""

from django.urls import path

from . import portal_views

urlpatterns = [
    path("portal/", portal_views.portal_home, name="portal-home"),
    path("portal/scorecards/<int:entry_id>/", portal_views.scorecard, name="portal-scorecard"),
    path("portal/scorecards/<int:entry_id>/report.pdf", portal_views.scorecard_report, name="portal-report"),
]
