"""The agencies' pages (login required; agency staff only)."""

from django.urls import include, path

from . import views

app_name = "mystery_tests"

campaign_patterns = [
    path("", views.agency_campaign, name="agency-campaign"),
    path("plan/", views.agency_plan, name="agency-plan"),
    path("plan.csv", views.agency_plan_csv, name="agency-plan-csv"),
]

urlpatterns = [
    path("agency/", views.agency_home, name="agency-home"),
    path("agency/campaigns/<int:pk>/", include(campaign_patterns)),
    path("agency/imports/<int:pk>/", views.agency_import, name="agency-import"),
]
