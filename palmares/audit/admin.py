"""Organisers read the audits (read-only): who drew what, each drawn test's outcome and note. A
discrepancy links to the test, where the quality review may exclude it."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from common.admin import ReadOnlyAdmin, count_column
from common.permissions import is_organiser
from palmares.audit import changes
from palmares.models import Audit, AuditCheck


class OrganisersReadOnly(ReadOnlyAdmin):
    """Organisers see; nobody adds, changes or deletes here (the auditor writes through the audit area)."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_organiser(request.user)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return is_organiser(request.user)


def _test_link(check: AuditCheck) -> str:
    url = reverse("admin:mystery_tests_testresult_change", args=[check.result_id])
    return format_html('<a href="{}">{} · {}</a>', url, check.result.agency.slug, check.result.external_id)


class AuditCheckInline(OrganisersReadOnly, admin.TabularInline):
    model = AuditCheck
    extra = 0
    can_delete = False
    fields = ["position", "category_slug", "test", "fingerprint", "outcome", "note", "checked_at"]
    readonly_fields = fields
    ordering = ["position"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[AuditCheck]:
        return super().get_queryset(request).select_related("result__agency")

    @admin.display(description=_("test"))
    def test(self, obj: AuditCheck) -> str:
        return _test_link(obj)


@admin.register(Audit)
class AuditAdmin(OrganisersReadOnly, admin.ModelAdmin):
    list_display = [
        "edition",
        "auditor",
        "drawn_at",
        "signed_off_at",
        "sampled",
        "verified",
        "discrepancies",
        "changed_since",
    ]
    list_select_related = ["edition", "auditor"]
    inlines = [AuditCheckInline]
    fields = [
        "edition",
        "auditor",
        "rate",
        "nonce",
        "tree_hash",
        "seed",
        "counted_tests",
        "drawn_at",
        "signed_off_at",
        "signed_off_by",
        "signed_tree_hash",
        "tests_changed",
        "earlier",
    ]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Audit]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                n_sampled=Count("checks"),
                n_verified=Count("checks", filter=Q(checks__outcome=AuditCheck.Outcome.VERIFIED)),
                n_discrepancies=Count("checks", filter=Q(checks__outcome=AuditCheck.Outcome.DISCREPANCY)),
            )
        )

    @admin.display(description=_("tests changed"))
    def changed_since(self, obj: Audit) -> str:
        notice = changes.notice(obj)
        return format_html("<strong>{}</strong>", notice) if notice else "—"

    @admin.display(description=_("tests changed since"))
    def tests_changed(self, obj: Audit) -> str:
        warning = changes.organiser_warning(obj)
        return (
            format_html("<strong>{}</strong>", warning)
            if warning
            else _("Nothing changed: the audit covers the current tests.")
        )

    @admin.display(description=_("earlier draws"))
    def earlier(self, obj: Audit) -> str:
        if not obj.earlier_draws:
            return "—"
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td><code>{}</code></td><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    draw.get("drawn_at"),
                    draw.get("nonce"),
                    draw.get("tree_hash"),
                    draw.get("signed_off_at") or "—",
                    len(draw.get("tests", [])),
                    "; ".join(
                        f"{t['agency']} · {t['external_id']}: {t['note']}"
                        for t in draw.get("tests", [])
                        if t.get("outcome") == AuditCheck.Outcome.DISCREPANCY
                    )
                    or "—",
                )
                for draw in obj.earlier_draws
            ),
        )
        return format_html(
            "<table><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>{}</table>",
            _("drawn at"),
            _("nonce"),
            _("tree hash"),
            _("signed off at"),
            _("drawn tests"),
            _("discrepancies"),
            rows,
        )

    sampled = count_column("n_sampled", _("drawn tests"))
    verified = count_column("n_verified", _("verified"))

    @admin.display(description=_("discrepancies"), ordering="n_discrepancies")
    def discrepancies(self, obj: Audit) -> str:
        if not obj.n_discrepancies:
            return "0"
        url = reverse("admin:palmares_auditcheck_changelist") + f"?audit__id__exact={obj.pk}&outcome__exact=discrepancy"
        return format_html('<a href="{}"><strong>{}</strong></a>', url, obj.n_discrepancies)


@admin.register(AuditCheck)
class AuditCheckAdmin(OrganisersReadOnly, admin.ModelAdmin):
    list_display = ["test", "edition", "category_slug", "outcome", "note", "checked_at"]
    list_filter = ["outcome", "audit__edition"]
    list_select_related = ["audit__edition", "result__agency"]
    search_fields = ["result__external_id", "note"]
    ordering = ["audit", "position"]

    @admin.display(description=_("test"))
    def test(self, obj: AuditCheck) -> str:
        return _test_link(obj)

    @admin.display(description=_("edition"))
    def edition(self, obj: AuditCheck) -> str:
        return str(obj.audit.edition)
