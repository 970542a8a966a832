"""The auditor's area: /audit/ (the editions one audits), /audit/<edition>/ (draw, the sample, sign-off)
and /audit/<edition>/tests/<check>/ (one drawn test with its evidence, and its check). Anyone but the
edition's auditor gets a 404: the area reveals nothing to others."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from common.permissions import is_edition_auditor
from election.models import Edition
from palmares.audit import selectors, services
from palmares.audit.forms import CheckForm, DrawForm
from palmares.publication.provenance import counted_leaves, provenance_of


def _edition(request: HttpRequest, edition_id: int) -> Edition:
    edition = Edition.objects.filter(pk=edition_id).first()
    if edition is None or not is_edition_auditor(request.user, edition):
        raise Http404(_("No edition of yours has this number."))
    return edition


@never_cache
@login_required
def audit_home(request: HttpRequest) -> HttpResponse:
    editions = list(request.user.audited_editions.select_related("audit").order_by("-year", "country"))
    if not editions:
        raise Http404(_("You audit no edition."))
    return render(request, "palmares/audit/home.html", {"editions": editions})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def audit_edition(request: HttpRequest, edition_id: int) -> HttpResponse:
    edition = _edition(request, edition_id)
    audit = selectors.audit_of(edition=edition)
    draw_form = DrawForm(request.POST if request.method == "POST" and audit is None else None)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "signoff":
                services.audit_sign_off(edition=edition, user=request.user)
                messages.success(request, _("The audit is signed off."))
                return redirect("audit:edition", edition.pk)
            if audit is None and draw_form.is_valid():
                services.audit_draw(edition=edition, user=request.user, **draw_form.cleaned_data)
                messages.success(request, _("The sample is drawn."))
                return redirect("audit:edition", edition.pk)
        except services.AuditError as exc:
            for error in exc.errors:
                draw_form.add_error(error.get("field"), error["message"])
        except services.AuditConflict as exc:
            messages.error(request, str(exc))
            return redirect("audit:edition", edition.pk)
    context = {"edition": edition, "audit": audit, "draw_form": draw_form}
    if audit is None:
        _categories, context["tree_hash"] = provenance_of(counted_leaves(edition=edition))
    else:
        checks = list(selectors.audit_checks(audit=audit))
        context.update(
            checks=checks,
            pending=sum(1 for c in checks if not c.outcome),
            summary=selectors.audit_summary(edition=edition),
        )
    return render(request, "palmares/audit/edition.html", context, status=400 if draw_form.errors else 200)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def audit_test(request: HttpRequest, edition_id: int, check_id: int) -> HttpResponse:
    edition = _edition(request, edition_id)
    audit = selectors.audit_of(edition=edition)
    check = selectors.audit_checks(audit=audit).filter(pk=check_id).first() if audit else None
    if check is None:
        raise Http404(_("This test is not in your sample."))
    initial = {"outcome": check.outcome or None, "note": check.note}
    form = CheckForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        item = services.CheckInput(
            agency=check.result.agency.slug,
            external_id=check.result.external_id,
            outcome=form.cleaned_data["outcome"],
            note=form.cleaned_data["note"],
        )
        try:
            services.audit_record_checks(edition=edition, user=request.user, checks=[item])
        except (services.AuditError, services.AuditConflict) as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Check recorded."))
            following = selectors.audit_checks(audit=audit).filter(outcome="", position__gt=check.position).first()
            if following is not None:
                return redirect("audit:test", edition.pk, following.pk)
        return redirect("audit:edition", edition.pk)
    context = {"edition": edition, "audit": audit, "check": check, "form": form, **selectors.evidence(check=check)}
    return render(request, "palmares/audit/test.html", context, status=400 if form.errors else 200)
