from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PalmaresConfig(AppConfig):
    name = "palmares"
    verbose_name = _("Palmarès")

    def ready(self) -> None:
        # Importing the receivers connects them (issue/revoke certificates with the publication); at
        # ready(), because they import models.
        from palmares.certificates import receivers  # noqa: F401, PLC0415
