"""The agencies' pages (login required; agency staff only)."""

from django.urls import path

from . import views

app_name = "mystery_tests"

urlpatterns = [
    path("agency/", views.agency_home, name="agency-home"),
    path("agency/campaigns/<int:pk>/", views.agency_campaign, name="agency-campaign"),
    path("agency/imports/<int:pk>/", views.agency_import, name="agency-import"),
]
