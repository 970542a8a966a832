from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScoringConfig(AppConfig):
    name = "scoring"
    verbose_name = _("Scoring")

    def ready(self) -> None:
        # Once the app registry is ready: the receivers connect, and the tasks register so that
        # scoring.services can queue them by name (it does not import its tasks).
        from . import receivers, tasks  # noqa: F401, PLC0415 -- see above
