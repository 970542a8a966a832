"""Certificates: public verification (stable address, API.md) and the laureate's PDF."""

from django.urls import include, path

from palmares.certificates import views

app_name = "certificates"

# A certificate's verification page and its machine-readable documents, under one stable prefix.
certificate_patterns = [
    path("", views.verify, name="verify"),
    path("credential.jwt", views.credential, name="credential"),
    path("status.json", views.status, name="status"),
]

urlpatterns = [
    path("verify/", views.verify_lookup, name="lookup"),
    path("verify/<str:code>/", include(certificate_patterns)),
    path("portal/certificates/<str:code>.pdf", views.download, name="download"),
]
