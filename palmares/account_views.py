"""Password reset with throttles: per target address (no flood of e-mails to one victim) and per client.

Past the per-address limit the page answers exactly as when the e-mail goes out (Django's "done" page)
and sends nothing: the page never tells whether, or how often, an address receives mail. Past the
per-client limit the client itself is told to wait (429 with Retry-After).
"""

from __future__ import annotations

import math

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.translation import ngettext

from common import throttling


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
