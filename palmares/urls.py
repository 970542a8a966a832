from django.urls import include, path

urlpatterns = [
    path("", include("palmares.publication.urls")),
    path("", include("palmares.portal.urls")),
    path("", include("palmares.certificates.urls")),
    path("", include("palmares.appeals.urls")),
    path("", include("palmares.audit.urls")),
]
