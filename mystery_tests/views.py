"""The agencies' pages: their campaigns with progress, the file upload and the import's progress.

An agency member sees only the agency's campaigns and imports (anything else is a 404); a user
who acts for no agency gets a 403. The upload calls the same service as the API.
"""

from zoneinfo import ZoneInfo

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, OuterRef, Q, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from election.models import Entry

from . import fieldwork, imports, selectors, services, sheets
from .models import Agency, Campaign, ImportJob
from .progress import progress_table

ERRORS_SHOWN = 500


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Results file"),
        allow_empty_file=True,
        help_text=_("CSV (UTF-8, separated by “,” or “;”) or XLSX, one row per test, at most 32 MiB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )


def _agency_of(request: HttpRequest) -> Agency:
    agency = selectors.agency_of(request.user)
    if agency is None:
        raise PermissionDenied(_("This page is for mystery-shopper agencies' staff."))
    return agency


def _campaign(request: HttpRequest, pk: int) -> Campaign:
    agency = _agency_of(request)
    return get_object_or_404(
        selectors.campaigns_for(user=request.user).filter(agency=agency).select_related("edition", "agency"), pk=pk
    )


@login_required
def agency_home(request: HttpRequest) -> HttpResponse:
    agency = _agency_of(request)
    registered = (
        Entry.objects.filter(category__campaigns=OuterRef("pk"), status=Entry.Status.REGISTERED)
        .order_by()
        .values("category__campaigns")
        .annotate(n=Count("pk"))
        .values("n")
    )
    campaigns = (
        selectors.campaigns_for(user=request.user)
        .filter(agency=agency)
        .select_related("edition")
        .annotate(
            n_received=Count("results"),
            n_counted=Count("results", filter=Q(results__excluded=False)),
            n_entries=Subquery(registered[:1]),
        )
        .order_by("-edition__year", "edition__country", "id")
    )
    lines = []
    for campaign in campaigns:
        planned = (campaign.n_entries or 0) * sum(campaign.edition.quota[c] for c in campaign.edition.channels)
        share = min(100, round(100 * campaign.n_counted / planned)) if planned else 0
        lines.append({"campaign": campaign, "planned": planned, "share": share})
    return render(request, "mystery_tests/agency_home.html", {"agency": agency, "lines": lines})


@login_required
def agency_campaign(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign(request, pk)
    form = ImportForm()
    status = 200
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                job = imports.import_create(campaign=campaign, user=request.user, upload=form.cleaned_data["file"])
            except services.CampaignLocked as exc:
                form.add_error("file", str(exc))
                status = 409
            except imports.ImportRefused as exc:
                form.add_error("file", exc.message)
                status = exc.status
            else:
                return redirect("mystery_tests:agency-import", pk=job.pk)
        else:
            status = 400
    edition = campaign.edition
    progress = progress_table(
        selectors.campaign_progress(campaign=campaign, agency=campaign.agency), edition.channels, edition.completion
    )
    context = {
        "campaign": campaign,
        "edition": edition,
        "channels": edition.channels,
        "form": form,
        "locked_reason": services.campaign_lock_reason(campaign),
        "imports": selectors.recent_imports(campaign=campaign),
        "columns": _columns(campaign),
        **progress,
    }
    return render(request, "mystery_tests/agency_campaign.html", context, status=status)


def _columns(campaign: Campaign) -> dict:
    """The file's columns for the help box: required, optional, and each channel's criterion codes."""
    grid: dict[str, list[str]] = {}
    for channel, code in campaign.edition.criteria.order_by("channel", "position", "id").values_list("channel", "code"):
        grid.setdefault(channel, []).append(code)
    return {
        "required": sheets.REQUIRED_COLUMNS,
        "optional": sheets.OPTIONAL_COLUMNS,
        "grid": [(c, grid.get(c, [])) for c in campaign.edition.channels],
    }


def _seed(request: HttpRequest) -> int:
    raw = request.GET.get("seed", "0")
    return int(raw) if raw.isdigit() and len(raw) < 19 else 0


@login_required
def agency_plan(request: HttpRequest, pk: int) -> HttpResponse:
    """The campaign's fieldwork plan (issue 20): progress week by week against it, entries behind plan
    first, and the tests planned this week; the whole plan as CSV."""
    campaign = _campaign(request, pk)
    edition = campaign.edition
    seed = _seed(request)
    today = timezone.localdate(timezone=ZoneInfo(edition.time_zone))
    progress = fieldwork.plan_progress(campaign, today=today, seed=seed)
    plan = progress.pop("plan")  # the plan progress was measured against: not built a second time
    week = progress["current_week"] or 1
    this_week = [row for row in fieldwork.plan_rows(plan, progress.pop("entries")) if row["week"] == week]
    context = {
        "campaign": campaign,
        "edition": edition,
        "seed": seed,
        "today": today,
        "week": week,
        "this_week": this_week,
        "planned_total": len(plan),
        "share": fieldwork.share_text(edition.max_shopper_share),
        **progress,
    }
    return render(request, "mystery_tests/agency_plan.html", context)


@login_required
def agency_plan_csv(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign(request, pk)
    entries = fieldwork.campaign_entries(campaign)
    plan = fieldwork.campaign_plan(campaign, seed=_seed(request), entries=entries)
    response = HttpResponse(fieldwork.plan_csv(fieldwork.plan_rows(plan, entries)), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="plan-campaign-{campaign.pk}.csv"'
    return response


@login_required
def agency_import(request: HttpRequest, pk: int) -> HttpResponse:
    agency = _agency_of(request)
    job = selectors.imports_visible_to(user=request.user).filter(pk=pk, campaign__agency=agency).first()
    if job is None:
        raise Http404(_("No such import."))
    finished = job.status in (ImportJob.Status.SUCCEEDED, ImportJob.Status.FAILED)
    done = imports.rows_done(job)
    share = 100 if finished else (min(100, round(100 * done / job.rows_total)) if job.rows_total else 0)
    context = {
        "job": job,
        "campaign": job.campaign,
        "rows_done": done,
        "finished": finished,
        "share": share,
        # A file wrong on every row has as many errors: the page shows the first ones, the API all.
        "errors": job.errors[:ERRORS_SHOWN],
        "errors_hidden": max(0, len(job.errors) - ERRORS_SHOWN) + job.errors_omitted,
        "errors_total": len(job.errors) + job.errors_omitted,
    }
    return render(request, "mystery_tests/agency_import.html", context)
