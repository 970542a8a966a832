from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MysteryTestsConfig(AppConfig):
    name = "mystery_tests"
    verbose_name = _("Mystery-shopper tests")

    def ready(self) -> None:
        # Once the app registry is ready: the signing key check and the default-grid receiver register,
        # and the tasks too, so that imports.py can queue run_import by name (it does not import tasks).
        from . import checks, receivers, tasks  # noqa: F401, PLC0415 -- see above
