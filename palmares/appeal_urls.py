"""Appeal pages for brand members (/portal/appeals/) and agency staff (/agency/appeals/), and the
read-only API addition /api/v1/appeals/ for agencies and organisers."""

from django.urls import path

from . import appeal_api, appeal_views

urlpatterns = [
    path("portal/appeals/", appeal_views.appeal_list, name="appeal-list"),
    path("portal/appeals/new/<int:result_id>/", appeal_views.appeal_new, name="appeal-new"),
    path("portal/appeals/<int:appeal_id>/evidence/", appeal_views.appeal_evidence, name="appeal-evidence"),
    path("agency/appeals/", appeal_views.agency_appeal_list, name="agency-appeal-list"),
    path("agency/appeals/<int:appeal_id>/answer/", appeal_views.agency_appeal_answer, name="agency-appeal-answer"),
    path("api/v1/appeals/", appeal_api.AppealListView.as_view(), name="api-appeal-list"),
    path("api/v1/appeals/<int:pk>/", appeal_api.AppealDetailView.as_view(), name="api-appeal-detail"),
]
