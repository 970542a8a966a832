"""The brand portal: login (throttled), the member's entries, scorecards and their PDF reports.

Who sees what (METHODOLOGY §10): a brand member opens only the entries of their brands
(anything else is a 404, never a 403, so that nothing reveals an entry exists); organisers
(``common.permissions.is_organiser``, never ``is_staff`` alone) open every scorecard for support;
before results are released to brands the page shows no figure at all.

Password reset with throttles: per target address (no flood of e-mails to one victim) and per client.
Past the per-address limit the page answers exactly as when the e-mail goes out (Django's "done" page)
and sends nothing: the page never tells whether, or how often, an address receives mail. Past the
per-client limit the client itself is told to wait (429 with Retry-After).
"""

from __future__ import annotations

import math
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from common import throttling
from common.permissions import is_brand_member, is_edition_auditor, is_organiser
from common.throttling import parse_rate
from election.models import BrandMembership
from palmares.appeals.selectors import appeals_for_member
from palmares.certificates.selectors import certificates_for
from palmares.models import Appeal
from palmares.portal import services as reports
from palmares.portal.scorecard import portal_entries, results_visible, scorecard_cached, scorecard_entry

PORTAL_PAGE_SIZE = 50
# A season is ~225 tests per entry: the scorecard lists them a page at a time.
TESTS_PAGE_SIZE = 50


# -- login throttling ----------------------------------------------------------------------------


def _client_ip(request: HttpRequest) -> str:
    # REMOTE_ADDR only: X-Forwarded-For is client-controlled unless a trusted proxy rewrites it.
    return request.META.get("REMOTE_ADDR", "")


def _throttle_key(request: HttpRequest, username: str) -> str:
    # The username as the login form reads it (NFKC): fullwidth or other spellings share one counter.
    return throttling.key("login", throttling.identity(username), _client_ip(request))


class ThrottledLoginView(auth_views.LoginView):
    """Django's login, refusing further attempts after too many failures per username and address.

    The limit and window come from ``settings.LOGIN_THROTTLE_RATE`` (e.g. ``10/min``): once a
    username has failed that many times from one address within the window, even a correct
    password is refused until the window ends (answered 429 with a clear message).

    Every attempt takes its number from an atomic counter before the password is checked (a success
    resets it), so a parallel burst checks at most that many passwords.
    """

    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        """Without a safe ``next``: organisers land in their console, everyone else in the portal."""
        if is_organiser(self.request.user):
            return reverse("admin:index")
        # An edition's auditor who is no brand member lands in the audit area.
        if is_edition_auditor(self.request.user) and not is_brand_member(self.request.user):
            return reverse("audit:home")
        return super().get_default_redirect_url()

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        limit, period = parse_rate(settings.LOGIN_THROTTLE_RATE)
        key = _throttle_key(request, request.POST.get("username", ""))
        throttled, _remaining = throttling.exceeded(key, limit, period)
        if throttled:
            # An unbound form: the password is not even checked while throttled.
            form = self.get_form_class()(request, initial={"username": request.POST.get("username", "")})
            minutes = max(1, math.ceil(period / 60))
            form.cleaned_data = {}  # add_error() expects a cleaned form.
            form.add_error(
                None,
                ngettext(
                    "Too many failed attempts for this username. Please wait %(minutes)d minute and try "
                    "again, or reset your password.",
                    "Too many failed attempts for this username. Please wait %(minutes)d minutes and try "
                    "again, or reset your password.",
                    minutes,
                )
                % {"minutes": minutes},
            )
            response = self.render_to_response(self.get_context_data(form=form, throttled=True))
            response.status_code = 429
            response["Retry-After"] = str(period)  # the longest wait: the window started at the first failure
            return response
        self._throttle_key = key
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        throttling.reset(self._throttle_key)
        return super().form_valid(form)


# -- portal pages --------------------------------------------------------------------------------


class ThrottledPasswordResetView(auth_views.PasswordResetView):
    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        limit, period = throttling.parse_rate(
            settings.PASSWORD_RESET_CLIENT_THROTTLE_RATE, setting="PASSWORD_RESET_CLIENT_THROTTLE_RATE"
        )
        client = throttling.key("reset-client", request.META.get("REMOTE_ADDR", ""))
        throttled, remaining = throttling.exceeded(client, limit, period)
        if not throttled:
            return super().post(request, *args, **kwargs)
        form = self.get_form_class()(initial={"email": request.POST.get("email", "")})
        form.cleaned_data = {}  # add_error() expects a cleaned form.
        minutes = max(1, math.ceil(remaining / 60))
        form.add_error(
            None,
            ngettext(
                "Too many password reset requests from your connection. Please wait %(minutes)d minute and try again.",
                "Too many password reset requests from your connection. Please wait %(minutes)d minutes and try again.",
                minutes,
            )
            % {"minutes": minutes},
        )
        response = self.render_to_response(self.get_context_data(form=form))
        response.status_code = 429
        response["Retry-After"] = str(remaining)
        return response

    def form_valid(self, form) -> HttpResponse:
        limit, period = throttling.parse_rate(
            settings.PASSWORD_RESET_THROTTLE_RATE, setting="PASSWORD_RESET_THROTTLE_RATE"
        )
        address = throttling.key("reset-address", throttling.identity(form.cleaned_data["email"]))
        throttled, _remaining = throttling.exceeded(address, limit, period)
        if throttled:
            return HttpResponseRedirect(self.get_success_url())
        return super().form_valid(form)


@login_required
def portal_home(request: HttpRequest) -> HttpResponse:
    # An edition's auditor is no brand member: the audit area is theirs (not a "no entry yet" portal).
    is_member = BrandMembership.objects.filter(user=request.user).exists()
    if not is_member and request.user.audited_editions.exists():
        return redirect("audit:home")
    entries = portal_entries(user=request.user)
    page = Paginator(entries, PORTAL_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {
            "entry": e,
            "released": results_visible(entry=e),
            "published": e.category.edition.is_published,
        }
        for e in page.object_list
    ]
    # A laureate's members reach their certificates (PDF and verification page) from here.
    certificates = list(certificates_for(user=request.user, include_revoked=True))
    # The brand's appeals and their answers are one link away (issue 19).
    appeal_states = list(appeals_for_member(user=request.user).values_list("status", flat=True))
    opened = sum(1 for state in appeal_states if state == Appeal.Status.OPEN)
    return render(
        request,
        "palmares/portal/home.html",
        {
            "entries": rows,
            "page_obj": page,
            "certificates": certificates,
            "appeals_total": len(appeal_states),
            "appeals_open": opened,
            "appeals_decided": len(appeal_states) - opened,
            "is_member": is_member,
        },
    )


def _entry_or_404(request: HttpRequest, entry_id: int):
    entry = scorecard_entry(user=request.user, entry_id=entry_id)
    if entry is None:
        raise Http404(_("No such scorecard."))
    return entry


# The tests list's score bands (/20): [low, high), the last one closed at 20.
SCORE_BANDS = {"0-5": (0, 5), "5-10": (5, 10), "10-15": (10, 15), "15-20": (15, 20)}


def _test_filters(request: HttpRequest, card: dict) -> dict[str, str]:
    """The tests list's filters from the query string; an unknown value filters nothing."""
    channel = request.GET.get("channel") or ""
    reached = request.GET.get("reached") or ""
    band = request.GET.get("band") or ""
    return {
        "channel": channel if channel in {ch["channel"] for ch in card["channels"]} else "",
        "reached": reached if reached in {"yes", "no"} else "",
        "band": band if band in SCORE_BANDS else "",
    }


def _test_matches(test: dict, filters: dict[str, str]) -> bool:
    if filters["channel"] and test["channel"] != filters["channel"]:
        return False
    if filters["reached"] and test["reached"] != (filters["reached"] == "yes"):
        return False
    if filters["band"]:
        low, high = SCORE_BANDS[filters["band"]]
        score = test["score"]
        return low <= score < high or (high == 20 and score == 20)
    return True


@login_required
def scorecard(request: HttpRequest, entry_id: int) -> HttpResponse:
    entry = _entry_or_404(request, entry_id)
    released = results_visible(entry=entry)
    context = {"entry": entry, "card": None, "preview": False}
    if released or is_organiser(request.user):
        card = scorecard_cached(entry=entry)
        filters = _test_filters(request, card)
        tests = [t for t in card["tests"] if _test_matches(t, filters)]
        context.update(
            card=card,
            tests=tests,
            tests_page=Paginator(tests, TESTS_PAGE_SIZE).get_page(request.GET.get("tests_page")),
            channel_filter=filters["channel"],
            reached_filter=filters["reached"],
            band_filter=filters["band"],
            score_bands=[{"key": key, "low": low, "high": high} for key, (low, high) in SCORE_BANDS.items()],
            filter_query=urlencode({k: v for k, v in filters.items() if v}),
            preview=not released,
            pdf=False,
        )
    return render(request, "palmares/portal/scorecard.html", context)


@login_required
def scorecard_report(request: HttpRequest, entry_id: int) -> HttpResponse:
    entry = _entry_or_404(request, entry_id)
    if not (results_visible(entry=entry) or is_organiser(request.user)):
        raise Http404(_("No such report."))
    language = translation.get_language() or settings.LANGUAGE_CODE
    card = scorecard_cached(entry=entry)
    fingerprint = reports.report_fingerprint(card=card, language=language)
    report = reports.report_ready(entry=entry, fingerprint=fingerprint, language=language)
    if report is None and settings.CELERY_TASK_ALWAYS_EAGER:
        # No worker (development, tests): render in the request.
        report = reports.report_build(entry=entry, language=language, card=card)
    if report is None:
        reports.report_queue(entry=entry, fingerprint=fingerprint, language=language)
        response = render(request, "palmares/portal/preparing.html", {"entry": entry})
        response.status_code = 202
        return response
    filename = f"scorecard-{entry.category.edition.year}-{entry.category.slug}-{entry.brand.slug}.pdf"
    response = FileResponse(
        report.file.open("rb"), content_type="application/pdf", as_attachment=True, filename=filename
    )
    response["Cache-Control"] = "private, no-store"
    return response
