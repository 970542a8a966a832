from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MysteryTestsConfig(AppConfig):
    name = "mystery_tests"
    verbose_name = _("Mystery-shopper tests")

    def ready(self) -> None:
        from . import checks, receivers  # noqa: F401, PLC0415 -- the signing key check and the default-grid receiver register once the app registry is ready (Django's AppConfig.ready)
