"""Organiser administration of certificates: list with state and PDF progress, revoke with a
reason, (re)generate PDFs one task per certificate, download. Writes go through
palmares.certificates.services; certificates are never created or deleted by hand."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from common.admin import ExtraPagesAdmin, joined_links
from common.display import format_score
from election.admin import EntryColumnsMixin
from election.models import Edition
from palmares.certificates.selectors import (
    EXPIRED,
    REVOKED,
    SCHEDULED,
    VALID,
    certificate_generation_counts,
    with_validity,
)
from palmares.certificates.services import (
    CertificateError,
    certificate_is_current,
    certificate_revoke,
    certificates_issue,
    certificates_regenerate,
    verify_path,
    with_certificate_facts,
)
from palmares.models import Certificate, Publication

STATE_LABELS = {
    VALID: _("Valid"),
    EXPIRED: _("Expired"),
    REVOKED: _("Revoked"),
    SCHEDULED: _("Not public yet"),
}


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        help_text=_("Shown to whoever verifies the certificate."),
        max_length=2000,
    )


class GenerateForm(forms.Form):
    edition = forms.ModelChoiceField(
        label=_("Edition"),
        queryset=Edition.objects.filter(publications__is_current=True).distinct().order_by("-year", "country"),
        help_text=_(
            "Issues any missing certificate of the edition's current publication, then queues one task per certificate."
        ),
    )
    force = forms.BooleanField(
        label=_("Regenerate up-to-date PDFs too"),
        required=False,
        help_text=_("By default only missing or outdated PDFs are generated."),
    )


class StateFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return list(STATE_LABELS.items())

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        return queryset.filter(state=value)


class PdfFilter(admin.SimpleListFilter):
    title = _("PDF")
    parameter_name = "pdf"

    def lookups(self, request, model_admin):
        return [("yes", _("Generated")), ("no", _("Never generated"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.exclude(file="")
        if self.value() == "no":
            return queryset.filter(file="")
        return queryset


@admin.register(Certificate)
class CertificateAdmin(ExtraPagesAdmin, EntryColumnsMixin, admin.ModelAdmin):
    change_list_template = "palmares/certificate_admin_change_list.html"
    list_display = ["code", "brand", "category", "edition", "score", "state", "pdf", "links"]
    list_filter = [StateFilter, PdfFilter, "publication__edition"]
    search_fields = ["code", "entry__brand__name", "entry__brand__slug", "entry__category__name"]
    ordering = ["-publication__edition__year", "entry__category__name", "entry__brand__name", "pk"]
    actions = ["revoke_selected", "generate_selected", "regenerate_selected"]
    fields = [
        "code",
        "brand",
        "category",
        "edition",
        "score",
        "state",
        "issued_at",
        "valid_until",
        "revoked_at",
        "revoked_reason",
        "pdf",
        "generated_at",
        "links",
    ]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Certificate]:
        return with_validity(with_certificate_facts(super().get_queryset(request)), now=timezone.now())

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # issued from publications only

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        # An object's page is read-only (revoking goes through the action, which records a
        # reason); the model-level permission still decides who may run the actions.
        if obj is not None:
            return False
        return super().has_change_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # a printed certificate must keep answering at /verify/: revoke it instead

    # -- columns --------------------------------------------------------------------------------
    @admin.display(description=_("edition"), ordering="publication__edition__year")
    def edition(self, obj: Certificate) -> str:
        return obj.publication.edition.name

    @admin.display(description=_("score"), ordering="overall")
    def score(self, obj: Certificate) -> str:
        return f"{format_score(obj.overall)} / 20"

    @admin.display(description=_("state"))
    def state(self, obj: Certificate) -> str:
        label = STATE_LABELS[obj.state]
        if obj.state == REVOKED:
            return format_html("{} — {}", label, obj.revoked_reason)
        return label

    @admin.display(description=_("PDF"))
    def pdf(self, obj: Certificate) -> str:
        if not obj.file:
            return _("pending")
        if not certificate_is_current(obj):
            return _("outdated, waiting to be regenerated")
        return _("generated %(date)s") % {"date": timezone.localtime(obj.generated_at).strftime("%Y-%m-%d %H:%M")}

    @admin.display(description=_("links"))
    def links(self, obj: Certificate) -> str:
        return joined_links(
            (reverse("certificates:download", args=[obj.code]), _("Download PDF")),
            (verify_path(obj.code), _("Verification page"), True),
        )

    # -- list with generation progress ---------------------------------------------------------
    def changelist_view(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None:
            counts = certificate_generation_counts(queryset=changelist.queryset)
            counts["percent"] = round(100 * counts["generated"] / counts["total"]) if counts["total"] else 100
            response.context_data["generation"] = counts
        return response

    extra_pages = (("generate/", "generate_edition_view", "palmares_certificate_generate"),)

    def generate_edition_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_change_permission(request):
            raise PermissionDenied
        form = GenerateForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            edition = form.cleaned_data["edition"]
            publication = Publication.objects.get(edition=edition, is_current=True)
            try:
                # Idempotent: repairs a publication whose certificates could not be issued.
                certificates_issue(publication=publication)
            except CertificateError as error:
                self.message_user(request, str(error), messages.ERROR)
                return HttpResponseRedirect(request.path)
            queued = certificates_regenerate(
                certificates=Certificate.objects.filter(publication=publication, revoked_at__isnull=True),
                force=form.cleaned_data["force"],
            )
            self.message_user(
                request,
                ngettext(
                    "%(n)d certificate of %(edition)s queued for generation.",
                    "%(n)d certificates of %(edition)s queued for generation.",
                    queued,
                )
                % {"n": queued, "edition": edition},
                messages.SUCCESS,
            )
            changelist = reverse("admin:palmares_certificate_changelist")
            return HttpResponseRedirect(f"{changelist}?publication__edition__id__exact={edition.pk}")
        context = {
            **self.admin_site.each_context(request),
            "title": _("Generate an edition's certificates"),
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "palmares/certificate_admin_generate.html", context)

    # -- actions ----------------------------------------------------------------------------------
    @admin.action(description=_("Revoke the selected certificates…"), permissions=["change"])
    def revoke_selected(self, request: HttpRequest, queryset: QuerySet[Certificate]):
        form = RevokeForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            revoked, refused = 0, []
            for certificate in queryset:
                try:
                    certificate_revoke(certificate=certificate, user=request.user, reason=form.cleaned_data["reason"])
                    revoked += 1
                except CertificateError as error:
                    refused.append(str(error))
            if revoked:
                self.message_user(
                    request,
                    ngettext("%(n)d certificate revoked.", "%(n)d certificates revoked.", revoked) % {"n": revoked},
                    messages.SUCCESS,
                )
            for message in refused:
                self.message_user(request, message, messages.WARNING)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Revoke certificates"),
            "form": form,
            "certificates": queryset,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "palmares/certificate_admin_revoke.html", context)

    @admin.action(description=_("Generate missing or outdated PDFs"), permissions=["change"])
    def generate_selected(self, request: HttpRequest, queryset: QuerySet[Certificate]) -> None:
        queued = certificates_regenerate(certificates=queryset, force=False)
        self._queued_message(request, queued)

    @admin.action(description=_("Regenerate the PDFs (even up-to-date ones)"), permissions=["change"])
    def regenerate_selected(self, request: HttpRequest, queryset: QuerySet[Certificate]) -> None:
        queued = certificates_regenerate(certificates=queryset, force=True)
        self._queued_message(request, queued)

    def _queued_message(self, request: HttpRequest, queued: int) -> None:
        self.message_user(
            request,
            ngettext(
                "%(n)d PDF queued for generation; the counts above show the progress.",
                "%(n)d PDFs queued for generation; the counts above show the progress.",
                queued,
            )
            % {"n": queued},
            messages.SUCCESS,
        )
