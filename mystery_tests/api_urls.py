from django.urls import path

from . import api, import_api, plan_api

urlpatterns: list = [
    path("editions/", api.EditionListView.as_view(), name="api-editions"),
    path("campaigns/", api.CampaignListView.as_view(), name="api-campaigns"),
    path("campaigns/<int:pk>/", api.CampaignDetailView.as_view(), name="api-campaign-detail"),
    path("campaigns/<int:pk>/results/", api.CampaignResultsView.as_view(), name="api-campaign-results"),
    path("campaigns/<int:pk>/progress/", api.CampaignProgressView.as_view(), name="api-campaign-progress"),
    # Issue 20, an addition to API.md: the campaign's fieldwork plan (JSON, or ?format=csv).
    path("campaigns/<int:pk>/plan/", plan_api.CampaignPlanView.as_view(), name="api-campaign-plan"),
    path("campaigns/<int:pk>/imports/", import_api.CampaignImportView.as_view(), name="api-campaign-imports"),
    path("imports/<int:pk>/", import_api.ImportDetailView.as_view(), name="api-import-detail"),
]
