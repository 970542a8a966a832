from django.urls import path

from palmares.audit import views

app_name = "audit"

urlpatterns = [
    path("audit/", views.audit_home, name="home"),
    path("audit/<int:edition_id>/", views.audit_edition, name="edition"),
    path("audit/<int:edition_id>/tests/<int:check_id>/", views.audit_test, name="test"),
]
