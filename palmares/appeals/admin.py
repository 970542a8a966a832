"""Organisers' appeal queue: filters, the impact preview of each appeal, decisions one by one or in bulk.

Appeals are filed by brands and decided through palmares.appeals.services only: the admin never
edits an appeal's fields (every field is read-only) and its actions call the services.
"""

from zoneinfo import ZoneInfo

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from common.admin import ChosenFilter, ExtraPagesAdmin, TitledAdmin
from common.display import format_date, format_score
from election.admin import EntryColumnsMixin
from election.models import Category, Edition
from mystery_tests.models import TestResult
from palmares.appeals.forms import DecisionForm
from palmares.appeals.services import (
    AppealError,
    appeal_accept,
    appeal_preview,
    appeal_reject,
    appeals_accept,
    appeals_preview,
    appeals_reject,
)
from palmares.models import Appeal


class EditionFilter(ChosenFilter):
    title = _("edition")
    parameter_name = "edition"
    lookup = "entry__category__edition_id"

    def lookups(self, request, model_admin):
        return [(e.pk, e.name) for e in Edition.objects.order_by("-year", "country")]


class CategoryFilter(ChosenFilter):
    """Categories of the chosen edition (names repeat from one edition to the next)."""

    title = _("category")
    parameter_name = "category"
    lookup = "entry__category_id"

    def lookups(self, request, model_admin):
        categories = Category.objects.select_related("edition").order_by("-edition__year", "edition__country", "slug")
        if edition := request.GET.get(EditionFilter.parameter_name):
            categories = categories.filter(edition_id=edition)
        return [(c.pk, f"{c.reader_name} ({c.edition.country} {c.edition.year})") for c in categories]


def _decide_in_bulk(modeladmin, request: HttpRequest, queryset: QuerySet, *, accept: bool):
    """An action with an intermediate page: the combined impact, then one answer for all."""
    if not modeladmin.has_change_permission(request):
        raise PermissionDenied
    appeals = list(queryset.select_related("entry__brand", "entry__category__edition", "result__agency"))
    form = DecisionForm(request.POST if "apply" in request.POST else None)
    if form.is_bound and form.is_valid():
        service = appeals_accept if accept else appeals_reject
        try:
            decided = service(appeals=appeals, user=request.user, answer=form.cleaned_data["answer"])
        except AppealError as error:
            form.add_error(None, error.message)
        else:
            text = (
                ngettext("%(n)d appeal accepted.", "%(n)d appeals accepted.", len(decided))
                if accept
                else ngettext("%(n)d appeal rejected.", "%(n)d appeals rejected.", len(decided))
            )
            modeladmin.message_user(request, text % {"n": len(decided)}, messages.SUCCESS)
            return None
    open_appeals = [a for a in appeals if a.status == Appeal.Status.OPEN]
    context = {
        **modeladmin.admin_site.each_context(request),
        "opts": modeladmin.model._meta,
        "title": _("Accept the selected appeals") if accept else _("Reject the selected appeals"),
        "accept": accept,
        "appeals": appeals,
        "decided": [a for a in appeals if a.status != Appeal.Status.OPEN],
        "impacts": appeals_preview(appeals=open_appeals) if accept and open_appeals else [],
        "form": form,
        "action": "accept_selected" if accept else "reject_selected",
        "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        "media": modeladmin.media,
    }
    return TemplateResponse(request, "admin/palmares/appeal/bulk_decision.html", context)


@admin.register(Appeal)
class AppealAdmin(TitledAdmin, ExtraPagesAdmin, EntryColumnsMixin, admin.ModelAdmin):
    titles = {"change": _("Change the appeal"), "view": _("View the appeal")}
    # Status first: on a laptop screen the last columns scroll out of sight.
    list_display = (
        "id",
        "status_badge",
        "filed_at",
        "brand",
        "category",
        "test",
        "agency",
        "agency_answered",
    )
    list_display_links = ("id", "filed_at")
    list_filter = (EditionFilter, CategoryFilter, "status", "result__agency")
    search_fields = ("entry__brand__name", "entry__brand__slug", "result__external_id", "reason")
    list_select_related = ("entry__brand", "entry__category__edition", "result__agency")
    date_hierarchy = "filed_at"
    ordering = ("-filed_at", "-id")
    actions = ("accept_selected", "reject_selected")

    class Media:
        css = {"all": ("css/appeals_admin.css",)}

    fieldsets = (
        (_("Appeal"), {"fields": ("entry", "test_detail", "filed_by", "filed_at", "reason", "evidence")}),
        (_("Agency"), {"fields": ("agency_answer", "agency_answered_by", "agency_answered_at")}),
        (_("Decision"), {"fields": ("status", "decided_by", "decided_at", "answer")}),
    )
    readonly_fields = (
        "entry",
        "test_detail",
        "filed_by",
        "filed_at",
        "reason",
        "evidence",
        "agency_answer",
        "agency_answered_by",
        "agency_answered_at",
        "status",
        "decided_by",
        "decided_at",
        "answer",
    )

    # Brands file appeals from the portal and decisions are records: no add, no delete.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .select_related(
                "entry__brand",
                "entry__category__edition",
                "result__agency",
                "filed_by",
                "decided_by",
                "agency_answered_by",
            )
        )

    @admin.display(description=_("category"), ordering="entry__category__slug")
    def category(self, obj: Appeal) -> str:
        edition = obj.entry.category.edition
        return f"{obj.entry.category.reader_name} ({edition.country} {edition.year})"

    @admin.display(description=_("test"))
    def test(self, obj: Appeal) -> str:
        return f"{obj.result.get_channel_display()} · {obj.result.external_id}"

    @admin.display(description=_("agency"), ordering="result__agency__name")
    def agency(self, obj: Appeal) -> str:
        return obj.result.agency.name

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, obj: Appeal) -> str:
        badge = '<span class="appeal-status appeal-status-{}">{}</span>'
        return format_html(badge, obj.status, obj.get_status_display())

    @admin.display(description=_("agency answered"), boolean=True)
    def agency_answered(self, obj: Appeal) -> bool:
        return bool(obj.agency_answer)

    @admin.display(description=_("test"))
    def test_detail(self, obj: Appeal) -> str:
        r = obj.result
        performed = timezone.localtime(r.performed_at, ZoneInfo(obj.entry.category.edition.time_zone))
        url = reverse("admin:mystery_tests_testresult_change", args=[r.pk]) if self._has_result_admin() else ""
        text = _("%(channel)s by %(agency)s, %(when)s — %(ref)s — score %(score)s/20%(excluded)s") % {
            "channel": r.get_channel_display(),
            "agency": r.agency.name,
            "when": format_date(performed, "DATETIME_FORMAT"),  # the reader's date, not ISO
            "ref": r.external_id,
            "score": format_score(r.score, empty="—"),  # §10: 2 decimals, the reader's separator
            "excluded": _(" (excluded)") if r.excluded else "",
        }
        return format_html('<a href="{}">{}</a>', url, text) if url else text

    @admin.display(description=_("evidence"))
    def evidence(self, obj: Appeal) -> str:
        if not obj.attachment:
            return "—"
        return format_html('<a href="{}">{}</a>', reverse("appeal-evidence", args=[obj.pk]), _("Download"))

    def _has_result_admin(self) -> bool:
        return self.admin_site.is_registered(TestResult)

    # -- the decision on the change page ------------------------------------------------------

    extra_pages = (("<path:object_id>/decide/", "decide_view", "palmares_appeal_decide"),)

    def _decision_context(self, request: HttpRequest, appeal: Appeal, form: DecisionForm) -> dict:
        return {
            "appeal": appeal,
            "preview": appeal_preview(appeal=appeal) if appeal.status == Appeal.Status.OPEN else None,
            "decision_form": form,
            "decide_url": reverse("admin:palmares_appeal_decide", args=[appeal.pk]),
            "can_decide": appeal.status == Appeal.Status.OPEN and self.has_change_permission(request, appeal),
        }

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context=None):
        appeal = self.get_object(request, unquote(object_id))
        extra_context = dict(extra_context or {})
        if appeal is not None:
            extra_context.update(self._decision_context(request, appeal, DecisionForm()))
        extra_context.update(
            show_save=False, show_save_and_continue=False, show_save_and_add_another=False, show_delete=False
        )
        return super().change_view(request, object_id, form_url, extra_context)

    def decide_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        appeal = self.get_object(request, unquote(object_id))
        if appeal is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_change_permission(request, appeal):
            raise PermissionDenied
        form = DecisionForm(request.POST if request.method == "POST" else None)
        decision = request.POST.get("decision")
        if form.is_bound and decision not in ("accept", "reject"):
            form.add_error(None, _("Choose to accept or to reject the appeal."))
        if form.is_bound and form.is_valid():
            service = appeal_accept if decision == "accept" else appeal_reject
            try:
                service(appeal=appeal, user=request.user, answer=form.cleaned_data["answer"])
            except AppealError as error:
                form.add_error(None, error.message)
            else:
                text = _("Appeal #%(id)s accepted: the test is excluded and the category is being recomputed.")
                if decision == "reject":
                    text = _("Appeal #%(id)s rejected.")
                self.message_user(request, text % {"id": appeal.pk}, messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:palmares_appeal_change", args=[appeal.pk]))
        context = {
            **self.admin_site.each_context(request),
            **self._decision_context(request, appeal, form),
            "opts": self.opts,
            "original": appeal,
            "title": _("Decide appeal #%(id)s") % {"id": appeal.pk},
        }
        return TemplateResponse(
            request, "admin/palmares/appeal/decide.html", context, status=400 if form.is_bound else 200
        )

    # -- bulk --------------------------------------------------------------------------------------

    @admin.action(description=_("Accept the selected appeals…"))
    def accept_selected(self, request: HttpRequest, queryset: QuerySet):
        return _decide_in_bulk(self, request, queryset, accept=True)

    @admin.action(description=_("Reject the selected appeals…"))
    def reject_selected(self, request: HttpRequest, queryset: QuerySet):
        return _decide_in_bulk(self, request, queryset, accept=False)
