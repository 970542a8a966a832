from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PalmaresConfig(AppConfig):
    name = "palmares"
    verbose_name = _("Palmarès")

    def ready(self) -> None:
        from . import certificate_receivers  # noqa: F401  (issue/revoke certificates with the publication)
