"""Organiser pages of the calibration rounds (issue 20): rounds with their ratings, a CSV import of a
round's ratings, and the season's agreement (Krippendorff's α per criterion) and drift per channel.
Imported by mystery_tests.admin, which registers it with the rest of the app's admin."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from common.admin import ExtraPagesAdmin, count_column, page_link
from election.channels import channel_label
from election.models import Edition

from . import calibration_service
from .calibration_models import CalibrationRating, CalibrationRound


class CalibrationRatingInline(admin.TabularInline):
    model = CalibrationRating
    fields = ["agency", "shopper", "scores"]
    extra = 0


class RatingsFileForm(forms.Form):
    file = forms.FileField(
        label=_("Ratings (CSV)"),
        help_text=_(
            "Columns agency (slug), shopper and one per criterion code of the channel's grid; blank = not scored."
        ),
    )


@admin.register(CalibrationRound)
class CalibrationRoundAdmin(ExtraPagesAdmin, admin.ModelAdmin):
    list_display = ["title", "edition", "channel", "held_on", "n_ratings", "season_link"]
    list_filter = ["edition", "channel"]
    list_select_related = ["edition"]
    inlines = [CalibrationRatingInline]
    readonly_fields = ["season_link", "import_link"]
    fields = ["edition", "channel", "title", "held_on", "contact", "reference", ("import_link", "season_link")]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_ratings_count=Count("ratings"))

    n_ratings = count_column("n_ratings_count", _("ratings"))  # one query for the list, not one per round

    @admin.display(description=_("agreement over the season"))
    def season_link(self, obj: CalibrationRound) -> str:
        url_name = "admin:mystery_tests_calibration_season"
        return page_link(obj, url_name, _("Agreement and drift"), obj.edition_id, obj.channel)

    @admin.display(description=_("import"))
    def import_link(self, obj: CalibrationRound) -> str:
        return page_link(obj, "admin:mystery_tests_calibrationround_import", _("Import ratings (CSV)"))

    extra_pages = (
        ("season/<int:edition_id>/<str:channel>/", "season_view", "mystery_tests_calibration_season"),
        ("<int:pk>/import/", "import_view", "mystery_tests_calibrationround_import"),
    )

    def _context(self, request, title, **extra) -> dict:
        return {**self.admin_site.each_context(request), "opts": self.opts, "title": title, **extra}

    def season_view(self, request, edition_id: int, channel: str):
        if not self.has_view_permission(request):
            raise PermissionDenied
        edition = get_object_or_404(Edition, pk=edition_id)
        found = calibration_service.season(edition=edition, channel=channel)
        title = _("Calibration of %(channel)s, %(edition)s") % {"channel": channel_label(channel), "edition": edition}
        context = self._context(request, title, edition=edition, channel=channel, season=found)
        return TemplateResponse(request, "admin/mystery_tests/calibrationround/season.html", context)

    def import_view(self, request, pk: int):
        round_ = get_object_or_404(CalibrationRound.objects.select_related("edition"), pk=pk)
        if not self.has_change_permission(request, round_):
            raise PermissionDenied
        form = RatingsFileForm(request.POST or None, request.FILES or None)
        errors: list[str] = []
        if request.method == "POST" and form.is_valid():
            try:
                n = calibration_service.import_ratings(round=round_, content=form.cleaned_data["file"].read())
            except calibration_service.CalibrationImportError as exc:
                errors = exc.errors
            else:
                done = ngettext("%(n)d rating imported.", "%(n)d ratings imported.", n) % {"n": n}
                self.message_user(request, done, messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:mystery_tests_calibrationround_change", args=[pk]))
        title = _("Import ratings of %(round)s") % {"round": round_}
        context = self._context(request, title, round=round_, form=form, errors=errors, codes=round_.criterion_codes())
        return TemplateResponse(request, "admin/mystery_tests/calibrationround/import.html", context)
