"""Reads of the mystery_tests layer: what each caller may see of campaigns, results and progress."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import get_language

from common import permissions
from common.display import localised
from election.models import Category, Edition, Entry

from .models import Agency, Campaign, Criterion, ImportJob, TestResult

# Who acts for whom lives in one place (common.permissions); ``is_staff`` alone makes no organiser.
agency_of = permissions.agency_of
is_organiser = permissions.is_organiser


def _agency_scoped(queryset: QuerySet, user, agency_field: str) -> QuerySet:
    """All of ``queryset`` for an organiser, the rows of the agency ``user`` acts for (by ``agency_field``)
    for an agency member, none for anyone else."""
    if is_organiser(user):
        return queryset
    agency = agency_of(user)
    if agency is None:
        return queryset.none()
    return queryset.filter(**{agency_field: agency.pk})


def campaigns_for(*, user) -> QuerySet[Campaign]:
    """Campaigns ``user`` may see: all for organisers, its own agency's for an agency user, none otherwise."""
    return _agency_scoped(Campaign.objects.order_by("id"), user, "agency_id")


def with_contract_details(campaigns: QuerySet[Campaign]) -> QuerySet[Campaign]:
    """Everything the campaign object of API.md shows, in a fixed number of queries whatever the count."""
    return campaigns.select_related("edition", "agency").prefetch_related(
        Prefetch("edition__criteria", queryset=Criterion.objects.order_by("channel", "position", "id")),
        Prefetch(
            "categories",
            queryset=Category.objects.order_by("slug").prefetch_related(
                Prefetch(
                    "entries",
                    queryset=Entry.objects.filter(status=Entry.Status.REGISTERED)
                    .select_related("brand")
                    .order_by("id"),
                    to_attr="registered_entries",
                )
            ),
        ),
    )


def criterion_labels(edition_id: int, channel: str, language: str | None = None) -> dict[str, str]:
    """{criterion code: label} of one channel of an edition's grid, in the grid's order, each label in
    ``language`` (by default the reader's), falling back to the edition's language (Criterion.label_for)."""
    language = language or get_language()
    rows = Criterion.objects.filter(edition_id=edition_id, channel=channel).order_by("position", "id")
    return {
        code: localised(label, labels, language) for code, label, labels in rows.values_list("code", "label", "labels")
    }


def campaign_channels(campaign: Campaign) -> list[dict]:
    """The edition's channels (quota above 0) with quota, weight and the grid in force, in the rule book's order.

    Reads ``edition.criteria`` through the prefetch of ``with_contract_details`` when present.
    """
    edition = campaign.edition
    by_channel: dict[str, list[Criterion]] = {}
    for criterion in edition.criteria.all():
        by_channel.setdefault(criterion.channel, []).append(criterion)
    quota, weight = edition.quota, edition.weight
    return [
        {
            "channel": channel,
            "quota": quota[channel],
            "weight": weight[channel],
            "criteria": [
                {"code": c.code, "label": c.label, "labels": c.labels, "weight": c.weight, "max_points": 2}
                for c in sorted(by_channel.get(channel, []), key=lambda c: (c.position, c.pk))
            ],
        }
        for channel in edition.channels
    ]


def campaign_entries(campaign: Campaign) -> list[dict]:
    """Registered entries of the campaign's categories as ``{"id", "brand", "category"}``, by id.

    Reads the prefetch of ``with_contract_details``.
    """
    rows = [
        {
            "id": entry.pk,
            "brand": {"slug": entry.brand.slug, "name": entry.brand.name},
            "category": {"slug": category.slug, "name": category.name, "names": category.names},
        }
        for category in campaign.categories.all()
        for entry in category.registered_entries
    ]
    return sorted(rows, key=lambda row: row["id"])


def results_for(*, campaign: Campaign) -> QuerySet[TestResult]:
    """The campaign's results (a campaign belongs to one agency, so these are that agency's), by id."""
    return TestResult.objects.filter(campaign=campaign).order_by("id")


def campaign_progress(*, campaign: Campaign, agency: Agency | None = None) -> list[dict]:
    """One row per registered entry of the campaign and channel of the edition:
    ``{"entry", "brand": {"slug", "name"}, "category": {"slug", "name", "names"}, "channel", "quota", "received",
    "counted"}``.

    ``received`` counts stored results, ``counted`` those not excluded (METHODOLOGY §5). With ``agency``
    only that agency's results count; without, every agency's results for those entries (the quota is
    per entry, whoever performs the tests).
    """
    edition = campaign.edition
    entries = list(
        Entry.objects.filter(category__campaigns=campaign, status=Entry.Status.REGISTERED)
        .select_related("brand", "category")
        .order_by("category__slug", "brand__slug", "id")
    )
    results = TestResult.objects.filter(entry__in=[e.pk for e in entries])
    if agency is not None:
        results = results.filter(agency=agency)
    tallies = {
        (row["entry_id"], row["channel"]): row
        for row in results.order_by()
        .values("entry_id", "channel")
        .annotate(received=Count("id"), counted=Count("id", filter=Q(excluded=False)))
    }
    quota = edition.quota
    rows = []
    for entry in entries:
        brand = {"slug": entry.brand.slug, "name": entry.brand.name}
        category = {"slug": entry.category.slug, "name": entry.category.name, "names": entry.category.names}
        for channel in edition.channels:
            tally = tallies.get((entry.pk, channel), {})
            rows.append(
                {
                    "entry": entry.pk,
                    "brand": brand,
                    "category": category,
                    "channel": channel,
                    "quota": quota[channel],
                    "received": tally.get("received", 0),
                    "counted": tally.get("counted", 0),
                }
            )
    return rows


def editions_for(*, user) -> QuerySet[Edition]:
    """Editions ``user`` may list: all for organisers, the published ones for everyone else."""
    editions = Edition.objects.order_by("id")
    if is_organiser(user):
        return editions
    return editions.filter(published_at__isnull=False, published_at__lte=timezone.now())


# -- file imports ------------------------------------------------------------------------------


def imports_visible_to(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[ImportJob]:
    """Organisers see every import; an agency member sees the imports of the agency's campaigns."""
    jobs = ImportJob.objects.select_related("campaign__edition", "campaign__agency", "uploaded_by")
    if not user.is_authenticated:
        return jobs.none()
    return _agency_scoped(jobs, user, "campaign__agency_id")


def recent_imports(*, campaign: Campaign, limit: int = 10) -> list[ImportJob]:
    return list(ImportJob.objects.filter(campaign=campaign).select_related("uploaded_by").order_by("-id")[:limit])
