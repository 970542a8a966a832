"""Organiser admin for the brand portal: invite brand members, generate scorecard reports.

Two admin pages hang off the scorecard reports' list: “Invite a brand member” and “Generate
an edition's reports”. ``invite_members_action`` and ``generate_reports_action`` are also
offered to the brand and edition admins (add them to their ``actions``).
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.admin import ExtraPagesAdmin
from election.members import MemberInvalid, member_invite
from election.models import Brand, Edition
from palmares.models import ScorecardReport
from palmares.portal.tasks import render_edition_reports, render_report


class InviteMemberForm(forms.Form):
    brand = forms.ModelChoiceField(queryset=Brand.objects.order_by("name"), label=gettext_lazy("Brand"))
    email = forms.EmailField(label=gettext_lazy("E-mail"))
    first_name = forms.CharField(label=gettext_lazy("First name"), required=False, max_length=150)
    last_name = forms.CharField(label=gettext_lazy("Last name"), required=False, max_length=150)
    language = forms.ChoiceField(label=gettext_lazy("Language of the e-mail"), choices=settings.LANGUAGES)


class GenerateReportsForm(forms.Form):
    edition = forms.ModelChoiceField(
        queryset=Edition.objects.order_by("-year", "country"), label=gettext_lazy("Edition")
    )
    language = forms.ChoiceField(label=gettext_lazy("Language"), choices=settings.LANGUAGES)


def queue_edition_reports(*, edition: Edition, language: str) -> None:
    """Queue the edition's reports once the current transaction commits (one task per entry)."""
    transaction.on_commit(lambda: render_edition_reports.delay(edition.pk, language))


@admin.action(description=gettext_lazy("Invite a member for the selected brand"))
def invite_members_action(modeladmin, request: HttpRequest, queryset) -> HttpResponse:
    brand = queryset.order_by("name").first()
    url = reverse("admin:palmares_scorecardreport_invite")
    return HttpResponseRedirect(f"{url}?brand={brand.pk}" if brand else url)


@admin.action(description=gettext_lazy("Generate the scorecard reports (PDF) of the selected editions"))
def generate_reports_action(modeladmin, request: HttpRequest, queryset) -> None:
    language = request.LANGUAGE_CODE if hasattr(request, "LANGUAGE_CODE") else settings.LANGUAGE_CODE
    editions = list(queryset)
    for edition in editions:
        queue_edition_reports(edition=edition, language=language)
    modeladmin.message_user(
        request,
        _("Generation of the reports of %(editions)s has been queued.") % {"editions": ", ".join(map(str, editions))},
        messages.SUCCESS,
    )


@admin.register(ScorecardReport)
class ScorecardReportAdmin(ExtraPagesAdmin, admin.ModelAdmin):
    list_display = ("entry", "language", "brand", "edition", "generated_at", "file")
    list_select_related = ("entry__brand", "entry__category__edition")
    list_filter = ("entry__category__edition",)
    search_fields = ("entry__brand__name", "entry__brand__slug", "entry__category__name")
    readonly_fields = ("entry", "language", "file", "fingerprint", "generated_at")
    actions = ("regenerate",)
    change_list_template = "admin/palmares/scorecardreport/change_list.html"

    @admin.display(description=gettext_lazy("brand"), ordering="entry__brand__name")
    def brand(self, obj: ScorecardReport) -> str:
        return obj.entry.brand.name

    @admin.display(description=gettext_lazy("edition"), ordering="entry__category__edition__year")
    def edition(self, obj: ScorecardReport) -> str:
        return obj.entry.category.edition.name

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Reports are generated, never typed in.
        return False

    @admin.action(description=gettext_lazy("Regenerate the selected reports if their data changed"))
    def regenerate(self, request: HttpRequest, queryset) -> None:
        # Each report in its own language (one cached file per entry and language).
        ids = list(queryset.values_list("entry_id", "language"))
        for entry_id, language in ids:
            transaction.on_commit(lambda entry_id=entry_id, language=language: render_report.delay(entry_id, language))
        self.message_user(request, _("%(n)d report(s) queued.") % {"n": len(ids)}, messages.SUCCESS)

    extra_pages = (
        ("invite/", "invite_view", "palmares_scorecardreport_invite"),
        ("generate/", "generate_view", "palmares_scorecardreport_generate"),
    )

    def _page(self, request: HttpRequest, form: forms.Form, title: str, submit: str) -> HttpResponse:
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": title,
            "form": form,
            "submit_label": submit,
        }
        return render(request, "admin/palmares/scorecardreport/form_page.html", context)

    def invite_view(self, request: HttpRequest) -> HttpResponse:
        if not request.user.has_perm("election.add_brandmembership"):
            return HttpResponse(status=403)
        language = getattr(request, "LANGUAGE_CODE", settings.LANGUAGE_CODE)
        form = InviteMemberForm(request.POST or None, initial={"brand": request.GET.get("brand"), "language": language})
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                membership = member_invite(
                    brand=data["brand"],
                    email=data["email"],
                    first_name=data["first_name"],
                    last_name=data["last_name"],
                    language=data["language"],
                )
            except MemberInvalid as exc:
                for field, message in exc.errors.items():
                    form.add_error(field if field in form.fields else None, message)
            else:
                self.message_user(
                    request,
                    _("%(email)s is now a member of %(brand)s; an invitation e-mail has been sent.")
                    % {"email": membership.user.email, "brand": membership.brand.name},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:palmares_scorecardreport_invite"))
        return self._page(request, form, _("Invite a brand member"), _("Invite"))

    def generate_view(self, request: HttpRequest) -> HttpResponse:
        if not request.user.has_perm("palmares.change_scorecardreport"):
            return HttpResponse(status=403)
        language = getattr(request, "LANGUAGE_CODE", settings.LANGUAGE_CODE)
        form = GenerateReportsForm(request.POST or None, initial={"language": language})
        if request.method == "POST" and form.is_valid():
            edition = form.cleaned_data["edition"]
            queue_edition_reports(edition=edition, language=form.cleaned_data["language"])
            self.message_user(
                request,
                _("The reports of %(edition)s are being generated; they appear in this list when ready.")
                % {"edition": edition},
                messages.SUCCESS,
            )
            return HttpResponseRedirect(reverse("admin:palmares_scorecardreport_changelist"))
        return self._page(request, form, _("Generate an edition's scorecard reports"), _("Generate"))
