"""Certificates: public verification (stable address, API.md) and the laureate's PDF."""

from django.urls import path

from . import certificate_views, credential_views

app_name = "certificates"

urlpatterns = [
    path("verify/", certificate_views.verify_lookup, name="lookup"),
    path("verify/<str:code>/", certificate_views.verify, name="verify"),
    path("verify/<str:code>/credential.jwt", credential_views.credential, name="credential"),
    path("verify/<str:code>/status.json", credential_views.status, name="status"),
    path("portal/certificates/<str:code>.pdf", certificate_views.download, name="download"),
]
