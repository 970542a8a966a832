from django.urls import path

from .api import EditionPalmaresView
from .provenance_api import EditionProofView, KeysView

urlpatterns = [
    path("editions/<int:pk>/palmares/", EditionPalmaresView.as_view(), name="api-edition-palmares"),
    path("editions/<int:pk>/proofs/", EditionProofView.as_view(), name="api-edition-proofs"),
    path("keys/", KeysView.as_view(), name="api-keys"),
]
