"""The agencies' pages (login required; agency staff only)."""

from django.urls import path

from . import views

app_name = "mystery_tests"

urlpatterns = [
    path("agency/", views.agency_home, name="agency-home"),
    path("agency/campaigns/<int:pk>/", views.agency_campaign, name="agency-campaign"),
    path("agency/campaigns/<int:pk>/plan/", views.agency_plan, name="agency-plan"),
    path("agency/campaigns/<int:pk>/plan.csv", views.agency_plan_csv, name="agency-plan-csv"),
    path("agency/imports/<int:pk>/", views.agency_import, name="agency-import"),
]
