"""Appeal pages for brand members (/portal/appeals/) and agency staff (/agency/appeals/), and the
read-only API addition /api/v1/appeals/ for agencies and organisers."""

from django.urls import path

from palmares.appeals import api, views

urlpatterns = [
    path("portal/appeals/", views.appeal_list, name="appeal-list"),
    path("portal/appeals/new/<int:result_id>/", views.appeal_new, name="appeal-new"),
    path("portal/appeals/<int:appeal_id>/evidence/", views.appeal_evidence, name="appeal-evidence"),
    path("agency/appeals/", views.agency_appeal_list, name="agency-appeal-list"),
    path("agency/appeals/<int:appeal_id>/answer/", views.agency_appeal_answer, name="agency-appeal-answer"),
    path("api/v1/appeals/", api.AppealListView.as_view(), name="api-appeal-list"),
    path("api/v1/appeals/<int:pk>/", api.AppealDetailView.as_view(), name="api-appeal-detail"),
]
