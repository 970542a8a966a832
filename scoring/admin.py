"""Organiser views of the rankings: per edition overview, per category ranking, what-if panel.

Stored rankings are read-only here: they change only through a recompute (an action that
calls the scoring services). The what-if panel computes in memory and stores nothing.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from common.admin import ExtraPagesAdmin, ReadOnlyAdmin, joined_links
from election.channels import Channel
from election.models import Category, Edition

from . import selectors, services, shopper_check
from .models import CategoryRanking


class WhatIfForm(forms.Form):
    """The edition settings of METHODOLOGY §2 that the panel may try, prefilled with the real ones."""

    threshold = forms.DecimalField(
        label=_("qualifying mark"), min_value=Decimal("0"), max_value=Decimal("20"), decimal_places=2
    )
    completion = forms.DecimalField(
        label=_("completion"), min_value=Decimal("0.001"), max_value=Decimal("1"), decimal_places=3
    )
    min_entrants = forms.IntegerField(label=_("minimum complete entries"), min_value=1)

    def __init__(self, *args, edition: Edition, **kwargs):
        super().__init__(*args, **kwargs)
        self.edition = edition
        labels = dict(Channel.choices)
        for channel in edition.channels:
            self.fields[f"weight_{channel}"] = forms.IntegerField(
                label=_("weight: %(channel)s") % {"channel": labels[channel]}, min_value=1
            )

    @classmethod
    def initial_for(cls, edition: Edition) -> dict:
        initial = {
            "threshold": edition.threshold,
            "completion": edition.completion,
            "min_entrants": edition.min_entrants,
        }
        initial.update({f"weight_{c}": w for c, w in edition.weight.items() if c in edition.channels})
        return initial

    def overrides(self) -> dict:
        data = self.cleaned_data
        return {
            "threshold": data["threshold"],
            "completion": data["completion"],
            "min_entrants": data["min_entrants"],
            "weight": {c: data[f"weight_{c}"] for c in self.edition.channels},
        }


@admin.register(CategoryRanking)
class CategoryRankingAdmin(ReadOnlyAdmin, ExtraPagesAdmin, admin.ModelAdmin):
    list_display = (
        "category",
        "edition",
        "contested",
        "awarded",
        "is_stale",
        "computed_at",
        "short_error",
        "links",
    )
    list_filter = ("category__edition", "awarded", "contested")
    search_fields = ("category__name", "category__slug")
    list_select_related = ("category__edition",)
    actions = ("recompute_selected",)
    ordering = ("category__edition", "category__slug")

    # Rankings are written by recomputes only (ReadOnlyAdmin).
    @admin.display(description=_("edition"), ordering="category__edition")
    def edition(self, obj: CategoryRanking) -> Edition:
        return obj.category.edition

    @admin.display(description=_("stale"), boolean=True)
    def is_stale(self, obj: CategoryRanking) -> bool:
        return obj.stale

    @admin.display(description=_("last error"))
    def short_error(self, obj: CategoryRanking) -> str:
        return obj.last_error[:80]

    @admin.display(description=_("views"))
    def links(self, obj: CategoryRanking) -> str:
        return joined_links(
            (reverse("admin:scoring_category_ranking", args=[obj.category_id]), _("ranking")),
            (reverse("admin:scoring_edition_overview", args=[obj.category.edition_id]), _("edition")),
        )

    @admin.action(description=_("Recompute the selected categories now"))
    def recompute_selected(self, request: HttpRequest, queryset) -> None:
        report = services.recompute_categories(category_ids=list(queryset.values_list("category_id", flat=True)))
        self._report(request, report)

    def _report(self, request: HttpRequest, report: services.RecomputeReport) -> None:
        if report.recomputed:
            count = len(report.recomputed)
            self.message_user(
                request,
                ngettext("%(n)d category recomputed.", "%(n)d categories recomputed.", count) % {"n": count},
                messages.SUCCESS,
            )
        if report.failed:
            self.message_user(
                request,
                _("The recompute failed for %(n)d categories; their previous rankings are kept (see last error).")
                % {"n": len(report.failed)},
                messages.ERROR,
            )

    # -- custom views -----------------------------------------------------------------------

    extra_pages = (
        ("edition/<int:edition_id>/", "edition_overview", "scoring_edition_overview"),
        ("edition/<int:edition_id>/what-if/", "what_if", "scoring_what_if"),
        ("edition/<int:edition_id>/shopper-effect/", "shopper_effect", "scoring_shopper_effect"),
        ("edition/<int:edition_id>/recompute/", "recompute_edition", "scoring_recompute_edition"),
        ("category/<int:category_id>/", "category_ranking", "scoring_category_ranking"),
    )

    def _context(self, request: HttpRequest, title: str, **extra) -> dict:
        if not self.has_view_permission(request):
            raise PermissionDenied
        return {**self.admin_site.each_context(request), "opts": self.model._meta, "title": title, **extra}

    def changelist_view(self, request: HttpRequest, extra_context=None):
        editions = Edition.objects.order_by("-year", "country")
        return super().changelist_view(request, {**(extra_context or {}), "scoring_editions": editions})

    def edition_overview(self, request: HttpRequest, edition_id: int) -> HttpResponse:
        edition = get_object_or_404(Edition, pk=edition_id)
        overview = selectors.edition_overview(edition=edition)
        context = self._context(
            request,
            _("Rankings of %(edition)s") % {"edition": edition},
            edition=edition,
            overview=overview,
            channels=edition.channels,
        )
        return TemplateResponse(request, "admin/scoring/edition_overview.html", context)

    def category_ranking(self, request: HttpRequest, category_id: int) -> HttpResponse:
        category = get_object_or_404(Category.objects.select_related("edition"), pk=category_id)
        body = next(c for c in selectors.rankings_for(edition=category.edition)["categories"] if c["id"] == category.id)
        ranking = CategoryRanking.objects.filter(category=category).first()
        context = self._context(
            request,
            _("Ranking of %(category)s") % {"category": category.reader_name},
            edition=category.edition,
            category=body,
            ranking=ranking,
            channels=category.edition.channels,
        )
        return TemplateResponse(request, "admin/scoring/category_ranking.html", context)

    def what_if(self, request: HttpRequest, edition_id: int) -> HttpResponse:
        edition = get_object_or_404(Edition, pk=edition_id)
        form = WhatIfForm(request.GET or None, edition=edition, initial=WhatIfForm.initial_for(edition))
        rows = None
        if request.GET and form.is_valid():
            rows = selectors.what_if(edition=edition, overrides=form.overrides())
        context = self._context(
            request,
            _("What if… (%(edition)s)") % {"edition": edition},
            edition=edition,
            form=form,
            rows=rows,
            changed=sum(1 for r in rows if r["changes"]) if rows else 0,
        )
        return TemplateResponse(request, "admin/scoring/what_if.html", context)

    def shopper_effect(self, request: HttpRequest, edition_id: int) -> HttpResponse:
        """Issue 20: the rankings with scores adjusted for shopper effects, beside the official ones."""
        edition = get_object_or_404(Edition, pk=edition_id)
        context = self._context(
            request, _("Shopper-effect check (%(edition)s)") % {"edition": edition}, edition=edition
        )
        context["check"] = shopper_check.edition_check(edition=edition)  # after _context's permission check
        return TemplateResponse(request, "admin/scoring/shopper_effect.html", context)

    def recompute_edition(self, request: HttpRequest, edition_id: int) -> HttpResponse:
        edition = get_object_or_404(Edition, pk=edition_id)
        if request.method != "POST" or not self.has_view_permission(request):
            raise PermissionDenied
        self._report(request, services.recompute_edition(edition=edition))
        return HttpResponseRedirect(reverse("admin:scoring_edition_overview", args=[edition.pk]))
