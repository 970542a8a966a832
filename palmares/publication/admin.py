"""Organiser administration of publications: publish an edition now or at a set time, unpublish
with a reason, read the frozen snapshot. Every write goes through palmares.publication.services."""

from __future__ import annotations

import zoneinfo

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from common.admin import ExtraPagesAdmin, TitledAdmin
from common.display import format_score, with_colon
from election.models import Edition
from palmares.audit import changes as audit_changes
from palmares.models import Publication
from palmares.publication import services


class PublishForm(forms.Form):
    edition = forms.ModelChoiceField(
        label=_("Edition"),
        queryset=Edition.objects.filter(frozen_at__isnull=True).order_by("-year", "country"),
        help_text=_("Editions already published or scheduled are not listed: unpublish them first."),
    )
    at = forms.DateTimeField(
        label=_("Public from"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=_(
            "Leave empty to publish now. The results are frozen at once either way; a time is read "
            "in the edition's time zone."
        ),
    )

    def clean(self):
        data = super().clean()
        at, edition = data.get("at"), data.get("edition")
        if at is not None and edition is not None:
            # The browser sends a wall-clock time: read it in the edition's own time zone.
            naive = timezone.make_naive(at) if timezone.is_aware(at) else at
            data["at"] = timezone.make_aware(naive, zoneinfo.ZoneInfo(edition.time_zone))
        return data


class UnpublishForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Recorded with the publication and shown in its history."),
    )


@admin.register(Publication)
class PublicationAdmin(TitledAdmin, ExtraPagesAdmin, admin.ModelAdmin):
    titles = {"change": _("Change the publication"), "view": _("View the publication")}
    list_display = ["edition", "state", "goes_live_at", "decided_at", "decided_by", "unpublished_at"]
    list_filter = ["is_current", "edition__country"]
    list_select_related = ["edition", "decided_by"]
    search_fields = ["edition__name"]
    date_hierarchy = "decided_at"
    fields = [
        "edition",
        "state",
        "decided_at",
        "decided_by",
        "goes_live_at",
        "fingerprint",
        "unpublished_at",
        "unpublished_by",
        "unpublish_reason",
        "palmares_summary",
        "provenance_roots",
        "public_link",
        "unpublish_link",
    ]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Publication]:
        queryset = super().get_queryset(request)
        match = getattr(request, "resolver_match", None)
        # The list never shows the snapshot, which can be large.
        if match is not None and match.url_name == "palmares_publication_changelist":
            queryset = queryset.defer("snapshot")
        return queryset

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        # A publication is a record of what was public: it is withdrawn, never deleted.
        return False

    @admin.display(description=_("state"))
    def state(self, obj: Publication) -> str:
        if not obj.is_current:
            return _("Unpublished")
        return _("Live") if obj.goes_live_at <= timezone.now() else _("Scheduled")

    @admin.display(description=_("frozen palmarès"))
    def palmares_summary(self, obj: Publication) -> str:
        palmares = (obj.snapshot or {}).get("palmares", {})
        rows = []
        for category in palmares.get("categories", []):
            laureates = ", ".join(
                f"{lau['brand']['name']} ({format_score(lau['overall'])})" for lau in category["laureates"]
            )
            rows.append((category["name"], laureates or _("not awarded")))
        figures = palmares.get("figures") or {}
        head = format_html(
            "<p>{} {} · {} {} · {} {} · {} {}</p>",
            with_colon(_("categories")),
            figures.get("categories", "—"),
            # Counts categories (plural in French); scoring's "awarded" labels one category.
            with_colon(pgettext_lazy("number of categories", "awarded")),
            figures.get("awarded_categories", "—"),
            with_colon(_("entries")),
            figures.get("entries", "—"),
            with_colon(_("counted tests")),
            figures.get("counted_tests", "—"),
        )
        table = format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", rows)
        return format_html("{}<table>{}</table>", head, table)

    @admin.display(description=_("frozen roots (METHODOLOGY §12)"))
    def provenance_roots(self, obj: Publication) -> str:
        palmares = (obj.snapshot or {}).get("palmares", {})
        edition_root = (palmares.get("provenance") or {}).get("edition_root")
        if not edition_root:
            return "—"
        rows = [
            (c["name"], c["provenance"]["tests"], c["provenance"]["root"])
            for c in palmares.get("categories", [])
            if c.get("provenance")
        ]
        return format_html(
            "<p>{} <code>{}</code></p><table><tr><th>{}</th><th>{}</th><th>{}</th></tr>{}</table>",
            with_colon(_("edition root")),
            edition_root,
            _("category"),
            _("counted tests"),
            _("root"),
            format_html_join("", "<tr><td>{}</td><td>{}</td><td><code>{}</code></td></tr>", rows),
        )

    @admin.display(description=_("public page"))
    def public_link(self, obj: Publication) -> str:
        url = reverse("public:edition", args=[obj.edition.country.lower(), obj.edition.year])
        if obj.is_current and obj.goes_live_at <= timezone.now():
            return format_html('<a href="{}">{}</a>', url, url)
        if obj.is_current:
            return format_html('<a href="{}?preview=1">{}</a>', url, _("Preview (organisers only)"))
        return "—"

    @admin.display(description=_("withdraw"))
    def unpublish_link(self, obj: Publication) -> str:
        if not obj.is_current:
            return "—"
        url = reverse("admin:palmares_publication_unpublish", args=[obj.pk])
        return format_html('<a class="button" href="{}">{}</a>', url, _("Unpublish…"))

    extra_pages = (("<int:pk>/unpublish/", "unpublish_view", "palmares_publication_unpublish"),)

    # "Add publication" is the publish form: choose the edition, now or at a time.
    def add_view(self, request: HttpRequest, form_url: str = "", extra_context=None) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        initial = {"edition": request.GET.get("edition")} if request.GET.get("edition") else {}
        form = PublishForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            try:
                publication = services.edition_publish(
                    edition=form.cleaned_data["edition"], at=form.cleaned_data.get("at"), user=request.user
                )
            except services.PublicationError as exc:
                form.add_error(None, str(exc))
            else:
                when = timezone.localtime(publication.goes_live_at).strftime("%Y-%m-%d %H:%M %Z")
                self.message_user(
                    request,
                    _("%(edition)s is frozen (edition root %(root)s); its palmarès is public from %(when)s.")
                    % {
                        "edition": publication.edition,
                        "when": when,
                        "root": publication.snapshot["palmares"]["provenance"]["edition_root"],
                    },
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:palmares_publication_change", args=[publication.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Publish an edition"),
            "form": form,
            "opts": self.model._meta,
            "action_label": _("Freeze and publish"),
            # Tests changed since an audit's draw or sign-off (issue 17): said before the organiser publishes.
            "warnings": audit_changes.unpublished_warnings(),
            "intro": _(
                "Publishing freezes the edition's rankings and figures now (uploads are refused from this "
                "moment) and makes the palmarès public now or at the time given. Scorecards are released "
                "to brands at that time unless released earlier. The Merkle roots of each category's counted "
                "tests and the edition root (METHODOLOGY §12) are computed and frozen with it."
            ),
        }
        return TemplateResponse(request, "admin/palmares/publication/form.html", context)

    def unpublish_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not request.user.has_perm("palmares.add_publication"):
            raise PermissionDenied
        publication = get_object_or_404(Publication.objects.select_related("edition"), pk=pk)
        form = UnpublishForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.edition_unpublish(
                    edition=publication.edition, user=request.user, reason=form.cleaned_data["reason"]
                )
            except services.PublicationError as exc:
                form.add_error(None, str(exc))
            else:
                self.message_user(
                    request,
                    _("%(edition)s is no longer published; its results are unfrozen.")
                    % {"edition": publication.edition},
                    messages.WARNING,
                )
                return HttpResponseRedirect(reverse("admin:palmares_publication_change", args=[publication.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Unpublish %(edition)s") % {"edition": publication.edition},
            "form": form,
            "opts": self.model._meta,
            "original": publication,
            "action_label": _("Unpublish"),
            "intro": _(
                "The palmarès disappears from the public pages and the API at once, and the results are "
                "unfrozen. The publication stays recorded with your reason; publishing again makes a new one."
            ),
        }
        return TemplateResponse(request, "admin/palmares/publication/form.html", context)
