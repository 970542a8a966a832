"""Listens to input changes and marks the affected categories' rankings stale.

The recompute itself is queued after commit by scoring.services (see mark_inputs_changed).
Inputs are: results (the inputs_changed signal of mystery_tests), entry status, the
edition's settings (METHODOLOGY §2) and its grid (§3).
"""

from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from election.models import SETTING_FIELDS, Category, Edition, Entry
from mystery_tests.models import Criterion
from mystery_tests.signals import inputs_changed

from .services import mark_inputs_changed, mark_inputs_removed


@receiver(inputs_changed)
def on_inputs_changed(sender, *, category_ids, **kwargs) -> None:
    mark_inputs_changed(category_ids=set(category_ids))


def _edition_category_ids(edition_id: int) -> list[int]:
    return list(Category.objects.filter(edition_id=edition_id).values_list("id", flat=True))


# -- entries: status or category changed, entry added or removed ----------------------------


@receiver(pre_save, sender=Entry, dispatch_uid="scoring_entry_pre_save")
def remember_entry(sender, instance: Entry, raw=False, **kwargs) -> None:
    if raw or instance.pk is None:
        instance._scoring_before = None
        return
    instance._scoring_before = Entry.objects.filter(pk=instance.pk).values_list("status", "category_id").first()


@receiver(post_save, sender=Entry, dispatch_uid="scoring_entry_post_save")
def entry_saved(sender, instance: Entry, created: bool, raw=False, **kwargs) -> None:
    if raw:
        return
    before = getattr(instance, "_scoring_before", None)
    if created or before is None:
        mark_inputs_changed(category_ids=[instance.category_id])
        return
    status, category_id = before
    if status != instance.status or category_id != instance.category_id:
        mark_inputs_changed(category_ids={category_id, instance.category_id})


@receiver(post_delete, sender=Entry, dispatch_uid="scoring_entry_post_delete")
def entry_deleted(sender, instance: Entry, **kwargs) -> None:
    mark_inputs_removed(category_ids=[instance.category_id])


# -- edition settings --------------------------------------------------------------------------


@receiver(pre_save, sender=Edition, dispatch_uid="scoring_edition_pre_save")
def remember_settings(sender, instance: Edition, raw=False, **kwargs) -> None:
    if raw or instance.pk is None:
        instance._scoring_settings = None
        return
    instance._scoring_settings = Edition.objects.filter(pk=instance.pk).values(*SETTING_FIELDS).first()


@receiver(post_save, sender=Edition, dispatch_uid="scoring_edition_post_save")
def settings_saved(sender, instance: Edition, created: bool, raw=False, **kwargs) -> None:
    before = getattr(instance, "_scoring_settings", None)
    if raw or created or before is None:
        return
    if any(before[f] != getattr(instance, f) for f in SETTING_FIELDS):
        mark_inputs_changed(category_ids=_edition_category_ids(instance.pk))


# -- grid --------------------------------------------------------------------------------------


@receiver(post_save, sender=Criterion, dispatch_uid="scoring_criterion_post_save")
def criterion_saved(sender, instance: Criterion, raw=False, **kwargs) -> None:
    if raw:
        return
    mark_inputs_changed(category_ids=_edition_category_ids(instance.edition_id))


@receiver(post_delete, sender=Criterion, dispatch_uid="scoring_criterion_post_delete")
def criterion_deleted(sender, instance: Criterion, **kwargs) -> None:
    mark_inputs_removed(category_ids=_edition_category_ids(instance.edition_id))
