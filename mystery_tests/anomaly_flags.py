"""Anomaly flags of an edition's tests, read from the database (issue 20): the quality review's
"fieldwork flags" filter and column in the results admin.

The rules are mystery_tests.anomalies (pure); this module feeds them an edition's results and keeps
the answer for the rest of the request. Flags are questions, never exclusions: nothing is stored and
nothing counted changes. A test's upload time is when its row was first stored (``created_at``).
"""

from __future__ import annotations

from contextvars import ContextVar

from django.contrib import admin
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from election.models import Edition

from . import anomalies
from .models import TestResult

RULE_LABELS = {
    anomalies.LATE_UPLOAD: _("Uploaded long after the contact"),
    anomalies.ODD_HOURS: _("Outside the channel's plausible hours"),
    anomalies.SHARED_COMMENT: _("Same comment on several brands"),
    anomalies.BURST: _("Burst of tests of one entry"),
    anomalies.OUTLIER_SHOPPER: _("Shopper far from its peers"),
}


def edition_flags(edition: Edition) -> dict[int, dict[str, str]]:
    """{result id: {rule code: detail}} for the flagged tests of an edition."""
    rows = TestResult.objects.filter(campaign__edition=edition).values_list(
        "id",
        "entry_id",
        "entry__brand_id",
        "channel",
        "performed_at",
        "created_at",
        "reached",
        "score",
        "comment",
        "shopper",
        "agency__slug",
    )
    observations = [
        anomalies.Observation(
            key=r[0],
            entry=r[1],
            brand=r[2],
            channel=r[3],
            performed_at=r[4],
            uploaded_at=r[5],
            reached=r[6],
            score=r[7],
            comment=r[8],
            # Shopper codes are each agency's own: the same code at two agencies is two people.
            shopper=f"{r[10]}/{r[9]}" if r[9] else "",
        )
        for r in rows.iterator(chunk_size=5000)
    ]
    found: dict[int, dict[str, str]] = {}
    for rule, flagged in anomalies.all_flags(observations, time_zone=edition.time_zone).items():
        for key, detail in flagged.items():
            found.setdefault(key, {})[rule] = detail
    return found


def request_flags(request, edition_ids) -> dict[int, dict[str, str]]:
    """The flags of some editions, computed once per request (the column asks for each row: an edition
    already computed costs no query)."""
    cache = request.__dict__.setdefault("_fieldwork_flags", {})
    wanted = set(edition_ids)
    missing = wanted - cache.keys()
    if missing:
        for edition in Edition.objects.filter(pk__in=missing):
            cache[edition.pk] = edition_flags(edition)
    merged: dict[int, dict[str, str]] = {}
    for pk in wanted & cache.keys():
        merged.update(cache[pk])
    return merged


def flags_html(flags: dict[str, str]) -> str:
    if not flags:
        return "—"
    return format_html_join(
        "", '<span title="{}">⚑ {}</span><br>', ((detail, RULE_LABELS[rule]) for rule, detail in sorted(flags.items()))
    )


class FieldworkFlagFilter(admin.SimpleListFilter):
    """The tests an anomaly rule flags, in the edition chosen (or every edition), for a second look."""

    title = _("fieldwork flags")
    parameter_name = "flag"

    def lookups(self, request, model_admin):
        return [("any", _("Any flag")), *RULE_LABELS.items()]

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        edition = request.GET.get("edition", "")
        edition_ids = [int(edition)] if edition.isdigit() else Edition.objects.values_list("pk", flat=True)
        flags = request_flags(request, edition_ids)
        ids = [pk for pk, rules in flags.items() if value == "any" or value in rules]
        return queryset.filter(pk__in=ids)


# The request a results list is being drawn for (a ModelAdmin is shared between threads).
_current_request: ContextVar = ContextVar("fieldwork_flags_request", default=None)


class FieldworkFlagsColumn:
    """Mixin for the results admin: a "fieldwork flags" column, computed once per request and edition."""

    @admin.display(description=_("fieldwork flags"))
    def fieldwork_flags(self, obj: TestResult) -> str:
        # Read the whole edition's tests: drawn once an edition is chosen (the edition filter), or a flag filter is.
        request = _current_request.get()
        if request is None or not (request.GET.get("edition", "").isdigit() or request.GET.get("flag")):
            return "—"
        return flags_html(request_flags(request, [obj.campaign.edition_id]).get(obj.pk, {}))

    def changelist_view(self, request, extra_context=None):
        token = _current_request.set(request)
        try:
            response = super().changelist_view(request, extra_context)
            if hasattr(response, "render"):
                response.render()  # the rows are drawn now, while the request is known
            return response
        finally:
            _current_request.reset(token)
