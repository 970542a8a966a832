from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class ElectionConfig(AppConfig):
    name = "election"
    verbose_name = _("Competition")

    def ready(self) -> None:
        # common.permissions imports auth's models: only once the app registry is ready (AppConfig.ready).
        from common.permissions import sync_organisers_after_migrate  # noqa: PLC0415 -- see above

        # After every migrate the "Organisers" group is created if missing and gets the permissions of the
        # competition apps' models, those of models added later included.
        post_migrate.connect(sync_organisers_after_migrate, dispatch_uid="election.sync_organisers_group")
