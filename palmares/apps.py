from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PalmaresConfig(AppConfig):
    name = "palmares"
    verbose_name = _("Palmarès")

    def ready(self) -> None:
        # At ready(), once the models are loaded: importing the receivers connects them (issue/revoke
        # certificates with the publication); importing the tasks registers them, so that services
        # can queue them by name without importing their own tasks module.
        from palmares import tasks  # noqa: F401, PLC0415 -- see above
        from palmares.certificates import receivers  # noqa: F401, PLC0415 -- see above
