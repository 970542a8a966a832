"""The quality review in the organiser console (METHODOLOGY §5): the filters that find the tests
worth a second look, and how a result's values read there — criterion and channel labels rather
than codes, numbers and dates in the reader's language, scores rounded once (common.display).
"""

from __future__ import annotations

import datetime as dt

from django.contrib import admin
from django.core.exceptions import FieldDoesNotExist
from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from common.display import format_score
from election.channels import channel_label
from election.models import Entry

from .fields import RESULT_FIELDS
from .models import TestResult

_FIELDS = {f.name: f for f in RESULT_FIELDS}


def number_html(value) -> str:
    """A measure (seconds, hours, points) in the reader's language: whole numbers as such, others to 2 decimals."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if float(value).is_integer():
        return formats.number_format(int(value), use_l10n=True)
    return format_score(value)


def moment_text(value) -> str:
    """A moment (a datetime or its ISO text) in the reader's language and the site's time zone."""
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, dt.datetime):
        return formats.localize(timezone.localtime(value) if timezone.is_aware(value) else value)
    return "—" if value is None else str(value)


def points_html(points: dict, labels: dict[str, str]) -> str:
    """The points of a test as a table of criterion labels, in the grid's order (a code only if the grid lost it)."""
    if not points:
        return "—"
    order = [code for code in labels if code in points] + sorted(code for code in points if code not in labels)
    rows = [(labels.get(code, code), number_html(points[code])) for code in order]
    return format_html(
        "<table><tbody>{}</tbody></table>", format_html_join("", '<tr><th scope="row">{}</th><td>{}</td></tr>', rows)
    )


def _field_label(name: str) -> str:
    field = _FIELDS.get(name)
    try:
        return str(TestResult._meta.get_field(field.stored if field else name).verbose_name)
    except FieldDoesNotExist:
        return name


def _value_html(key: str, value, labels: dict[str, str]) -> str:
    kind = _FIELDS[key].kind if key in _FIELDS else key
    if kind == "points":
        return points_html(value or {}, labels)
    if kind == "score":
        return format_score(value, empty="—")
    if kind == "datetime":
        return moment_text(value)
    if kind == "boolean":
        return "—" if value is None else (gettext("Yes") if value else gettext("No"))
    if kind == "channel":
        return channel_label(value)
    if kind == "entry":
        entry = Entry.objects.select_related("brand", "category").filter(pk=value).first()
        return f"{entry.brand.name} — {entry.category.reader_name}" if entry else "—"
    if kind == "text":
        return value or "—"
    return number_html(value)


def version_html(data: dict, labels: dict[str, str]) -> str:
    """A replaced version (ResultEvent.data) as labelled values in the reader's language."""
    rows = [(capfirst(_field_label(key)), _value_html(key, value, labels)) for key, value in data.items()]
    return format_html("<dl>{}</dl>", format_html_join("", "<dt>{}</dt><dd>{}</dd>", rows))


def history_html(result: TestResult, labels: dict[str, str]) -> str:
    """A result's own history: creation, replacements, exclusions and restores — when, what, who, why."""
    events = result.events.select_related("user").order_by("at", "id")
    rows = [
        (
            moment_text(e.at),
            e.get_kind_display(),
            e.user.get_username() if e.user else "—",
            e.reason or "—",
            version_html(e.data, labels) if e.kind == e.Kind.REPLACED and e.data else "—",
            e.fingerprint or "—",  # METHODOLOGY §12: the created or replaced version's fingerprint
        )
        for e in events
    ]
    if not rows:
        return "—"
    meta = result.events.model._meta
    heads = [(capfirst(meta.get_field(name).verbose_name),) for name in ("at", "kind", "user", "reason")]
    heads.append((capfirst(_("replaced version")),))
    heads.append((capfirst(meta.get_field("fingerprint").verbose_name),))
    return format_html(
        "<table><thead><tr>{}</tr></thead><tbody>{}</tbody></table>",
        format_html_join("", '<th scope="col">{}</th>', heads),
        format_html_join(
            "", '<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class="fingerprint">{}</td></tr>', rows
        ),
    )


class ScoreBandFilter(admin.SimpleListFilter):
    """Scores /20 in four bands of 5 points (the upper bound belongs to the next band; 20 to the last)."""

    title = _("score band")
    parameter_name = "score_band"
    BANDS = {"0-5": (0, 5), "5-10": (5, 10), "10-15": (10, 15), "15-20": (15, 20)}

    def lookups(self, request, model_admin):
        return [(key, _("%(low)s to %(high)s") % {"low": low, "high": high}) for key, (low, high) in self.BANDS.items()]

    def queryset(self, request, queryset):
        band = self.BANDS.get(self.value() or "")
        if band is None:
            return queryset
        low, high = band
        if high == 20:
            return queryset.filter(score__gte=low)
        return queryset.filter(score__gte=low, score__lt=high)


class UnreachedWaitFilter(admin.SimpleListFilter):
    """A measure that contradicts itself: a waiting time on a contact that never got through.
    (The fieldwork flags of mystery_tests.anomaly_flags cover the other anomalies, such as a comment
    repeated across brands.)"""

    title = _("inconsistent measure")
    parameter_name = "inconsistent"

    def lookups(self, request, model_admin):
        return [("unreached-wait", _("Not reached, with a waiting time"))]

    def queryset(self, request, queryset):
        if self.value() == "unreached-wait":
            return queryset.filter(reached=False, wait_seconds__gt=0)
        return queryset
