"""Appeal pages: brand members file and follow appeals; agency staff read and answer them.

Anything the user may not see answers 404, so nobody learns that another brand's test or
another agency's appeal exists.
"""

import os

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from election.models import BrandMembership, Edition
from palmares.appeals import selectors
from palmares.appeals.forms import AgencyAnswerForm, AppealForm
from palmares.appeals.services import (
    AppealConflict,
    AppealError,
    AppealNotAllowed,
    appeal_agency_answer,
    appeal_file,
    appeal_window_open,
    appeal_window_problem,
    attachment_content_type,
)


def _require_member(request: HttpRequest) -> None:
    if not BrandMembership.objects.filter(user=request.user).exists():
        raise Http404


@login_required
def appeal_new(request: HttpRequest, result_id: int) -> HttpResponse:
    _require_member(request)
    result = selectors.result_for_member(user=request.user, result_id=result_id)
    if result is None:
        raise Http404
    edition = result.entry.category.edition
    if not (edition.results_released or edition.is_published):
        # Before release a brand must not learn which tests were made on it (§10): its own test
        # answers exactly as another brand's or a missing one does.
        raise Http404
    context = {"result": result, "entry": result.entry, "edition": edition}
    if problem := appeal_window_problem(edition=edition):
        # Before release the test itself is not shown: scorecards reveal nothing yet (§10).
        context.update(closed=problem, show_test=edition.results_released)
        return render(request, "palmares/appeals/new.html", context, status=403)
    form = AppealForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            appeal = appeal_file(
                result=result,
                user=request.user,
                reason=form.cleaned_data["reason"],
                attachment=form.cleaned_data["attachment"] or None,
            )
        except AppealNotAllowed:
            raise Http404
        except AppealError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
            status = 409 if isinstance(error, AppealConflict) else 400
            return render(
                request, "palmares/appeals/new.html", {**context, "form": form, "show_test": True}, status=status
            )
        messages.success(request, _("Appeal #%(id)s filed. You will be notified of the decision.") % {"id": appeal.pk})
        return redirect(reverse("appeal-list"))
    status = 400 if request.method == "POST" else 200
    return render(request, "palmares/appeals/new.html", {**context, "form": form, "show_test": True}, status=status)


@login_required
def appeal_list(request: HttpRequest) -> HttpResponse:
    _require_member(request)
    appeals = list(selectors.appeals_for_member(user=request.user))
    # The periods open now for the user's brands, with their deadlines (issue 19: the page gives dates).
    editions = Edition.objects.filter(categories__entries__brand__memberships__user=request.user).distinct()
    windows = [e for e in editions.order_by("-year", "country") if appeal_window_open(edition=e)]
    return render(request, "palmares/appeals/list.html", {"appeals": appeals, "windows": windows})


@login_required
def appeal_evidence(request: HttpRequest, appeal_id: int) -> FileResponse:
    appeal = selectors.appeal_evidence_for(user=request.user, appeal_id=appeal_id)
    if appeal is None:
        raise Http404
    extension = os.path.splitext(appeal.attachment.name)[1].lower()
    return FileResponse(
        appeal.attachment.open("rb"),
        as_attachment=True,
        filename=f"appeal-{appeal.pk}-evidence{extension}",
        content_type=attachment_content_type(appeal=appeal),
    )


def _agency_or_404(request: HttpRequest):
    agency = selectors.agency_of(user=request.user)
    if agency is None:
        raise Http404
    return agency


@login_required
def agency_appeal_list(request: HttpRequest) -> HttpResponse:
    agency = _agency_or_404(request)
    appeals = list(selectors.appeals_for_agency(agency=agency))
    rows = [
        (appeal, AgencyAnswerForm(initial={"agency_answer": appeal.agency_answer}, prefix=f"a{appeal.pk}"))
        for appeal in appeals
    ]
    return render(request, "palmares/appeals/agency_list.html", {"agency": agency, "rows": rows})


@login_required
@require_POST
def agency_appeal_answer(request: HttpRequest, appeal_id: int) -> HttpResponse:
    agency = _agency_or_404(request)
    appeal = selectors.appeal_for_agency(agency=agency, appeal_id=appeal_id)
    if appeal is None:
        raise Http404
    form = AgencyAnswerForm(request.POST, prefix=f"a{appeal.pk}")
    if form.is_valid():
        try:
            appeal_agency_answer(appeal=appeal, user=request.user, answer=form.cleaned_data["agency_answer"])
        except AppealNotAllowed:
            raise Http404
        except AppealError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Your answer to appeal #%(id)s is recorded.") % {"id": appeal.pk})
    else:
        messages.error(
            request,
            _("Appeal #%(id)s: %(errors)s")
            % {"id": appeal.pk, "errors": " ".join(e for errors in form.errors.values() for e in errors)},
        )
    return redirect(f"{reverse('agency-appeal-list')}#appeal-{appeal.pk}")
