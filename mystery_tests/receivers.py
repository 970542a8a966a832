"""Keeps what mystery_tests owns in step with the competition's own changes."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from election.models import Edition

from .services import grid_install_default


@receiver(post_save, sender=Edition, dispatch_uid="mystery_tests.edition_default_grid")
def install_default_grid(sender, instance: Edition, created: bool, raw: bool = False, **kwargs) -> None:
    if created and not raw:
        grid_install_default(edition=instance)
