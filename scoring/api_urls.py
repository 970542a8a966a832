from django.urls import path

from .api import EditionRankingsView, EditionRecomputeView

urlpatterns = [
    path("editions/<int:pk>/rankings/", EditionRankingsView.as_view(), name="api-edition-rankings"),
    path("editions/<int:pk>/recompute/", EditionRecomputeView.as_view(), name="api-edition-recompute"),
]
