from django.urls import path

from palmares.audit.api import AuditChecksView, AuditRedrawView, AuditSampleView, AuditSignoffView
from palmares.publication.api import EditionPalmaresView, EditionProofView, KeysView

urlpatterns = [
    path("editions/<int:pk>/palmares/", EditionPalmaresView.as_view(), name="api-edition-palmares"),
    path("editions/<int:pk>/proofs/", EditionProofView.as_view(), name="api-edition-proofs"),
    path("keys/", KeysView.as_view(), name="api-keys"),
    path("editions/<int:pk>/audit/sample/", AuditSampleView.as_view(), name="api-edition-audit-sample"),
    path("editions/<int:pk>/audit/checks/", AuditChecksView.as_view(), name="api-edition-audit-checks"),
    path("editions/<int:pk>/audit/signoff/", AuditSignoffView.as_view(), name="api-edition-audit-signoff"),
    path("editions/<int:pk>/audit/redraw/", AuditRedrawView.as_view(), name="api-edition-audit-redraw"),
]
