"""Appeal pages for brand members (/portal/appeals/) and agency staff (/agency/appeals/), and the
read-only API addition /api/v1/appeals/ for agencies and organisers."""

from django.urls import include, path

from palmares.appeals import api, views

brand_patterns = [
    path("", views.appeal_list, name="appeal-list"),
    path("new/<int:result_id>/", views.appeal_new, name="appeal-new"),
    path("<int:appeal_id>/evidence/", views.appeal_evidence, name="appeal-evidence"),
]
agency_patterns = [
    path("", views.agency_appeal_list, name="agency-appeal-list"),
    path("<int:appeal_id>/answer/", views.agency_appeal_answer, name="agency-appeal-answer"),
]
api_patterns = [
    path("", api.AppealListView.as_view(), name="api-appeal-list"),
    path("<int:pk>/", api.AppealDetailView.as_view(), name="api-appeal-detail"),
]

urlpatterns = [
    path("portal/appeals/", include(brand_patterns)),
    path("agency/appeals/", include(agency_patterns)),
    path("api/v1/appeals/", include(api_patterns)),
]
