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
from palmares.audit import changes, selectors, services
from palmares.audit.forms import CheckForm, DrawForm, RedrawForm, SignOffForm


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
    rows = [(edition, changes.notice(getattr(edition, "audit", None))) for edition in editions]
    return render(request, "palmares/audit/home.html", {"rows": rows})


def _audit_post(request: HttpRequest, edition: Edition, forms: dict) -> HttpResponse | None:
    """Carry out the posted action (draw, redraw, sign-off): a redirect when done, None to show the errors."""
    action = request.POST.get("action")
    form = forms.get(action)
    if form is None or not form.is_valid():
        return None
    try:
        if action == "draw":
            services.audit_draw(edition=edition, user=request.user, **form.cleaned_data)
            messages.success(request, _("The sample is drawn."))
        elif action == "redraw":
            services.audit_redraw(edition=edition, user=request.user, **form.cleaned_data)
            messages.success(request, _("A new sample is drawn; the earlier one is kept in the audit's record."))
        else:
            acknowledge = bool(form.cleaned_data.get("acknowledge"))
            services.audit_sign_off(edition=edition, user=request.user, acknowledge_changes=acknowledge)
            messages.success(request, _("The audit is signed off."))
    except services.AuditError as exc:
        for error in exc.errors:
            form.add_error(error.get("field"), error["message"])
        return None
    except services.AuditConflict as exc:
        messages.error(request, str(exc))
    return redirect("audit:edition", edition.pk)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def audit_edition(request: HttpRequest, edition_id: int) -> HttpResponse:
    edition = _edition(request, edition_id)
    audit = selectors.audit_of(edition=edition)
    posted = request.POST if request.method == "POST" else None
    action = posted.get("action") if posted else None
    current = changes.current_tree_hash(edition=edition)
    change = changes.covered(audit, current=current) if audit is not None else None
    # Before the sign-off what the audit covers is the draw: the same change, not counted twice.
    signed = audit is not None and audit.signed_off_at is not None
    since_draw = changes.since_draw(audit, current=current) if signed else change
    forms = {
        "draw": DrawForm(posted if action == "draw" else None),
        "redraw": RedrawForm(
            posted if action == "redraw" else None, initial={"rate": audit.rate.normalize()} if audit else None
        ),
        "signoff": SignOffForm(
            posted if action == "signoff" else None, changed=bool(since_draw and since_draw.changed)
        ),
    }
    if posted is not None:
        done = _audit_post(request, edition, forms)
        if done is not None:
            return done
    context = {
        "edition": edition,
        "audit": audit,
        "draw_form": forms["draw"],
        "redraw_form": forms["redraw"],
        "signoff_form": forms["signoff"],
        "tree_hash": current,
        "change": change,
    }
    if audit is not None:
        checks = list(selectors.audit_checks(audit=audit))
        context.update(
            checks=checks,
            pending=sum(1 for c in checks if not c.outcome),
            summary=selectors.audit_summary(edition=edition),
        )
    invalid = any(form.errors for form in forms.values())
    return render(request, "palmares/audit/edition.html", context, status=400 if invalid else 200)


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
