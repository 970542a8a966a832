"""Certificates: public verification (stable address, API.md) and the laureate's PDF."""

from django.urls import path

from palmares.certificates import views

app_name = "certificates"

urlpatterns = [
    path("verify/", views.verify_lookup, name="lookup"),
    path("verify/<str:code>/", views.verify, name="verify"),
    path("verify/<str:code>/credential.jwt", views.credential, name="credential"),
    path("verify/<str:code>/status.json", views.status, name="status"),
    path("portal/certificates/<str:code>.pdf", views.download, name="download"),
]
