"""Celery tasks of the scoring layer: thin, primitive ids in, services do the work."""

from celery import shared_task

from election.models import Edition

from . import services


@shared_task(name="scoring.recompute_categories")
def recompute_categories_task(category_ids: list[int]) -> dict[str, list[int]]:
    # Cleared before reading: a change committed while we compute queues a fresh run.
    services.clear_pending(category_ids=category_ids)
    return services.recompute_categories(category_ids=category_ids).as_dict()


@shared_task(name="scoring.recompute_edition")
def recompute_edition_task(edition_id: int) -> dict[str, list[int]]:
    edition = Edition.objects.filter(pk=edition_id).first()
    if edition is None:
        return {"recomputed": [], "superseded": [], "failed": []}
    return services.recompute_edition(edition=edition).as_dict()


@shared_task(name="scoring.sweep_stale")
def sweep_stale_task() -> dict[str, list[int]]:
    return services.sweep_stale().as_dict()
