from django.urls import path

from .api import EditionPalmaresView

urlpatterns = [
    path("editions/<int:pk>/palmares/", EditionPalmaresView.as_view(), name="api-edition-palmares"),
]
