from django.conf import settings
from rest_framework.throttling import BaseThrottle

from common import throttling


class TokenRateThrottle(BaseThrottle):
    """Requests per API user (per client address when anonymous), at ``API_THROTTLE_RATE``.

    A fixed window opened by the caller's first request, counted atomically (``common.throttling``):
    a parallel burst gets exactly the configured number of requests through, never more. With the
    cache unreachable every request goes through (the API keeps answering without Redis).
    """

    scope = "token"

    def allow_request(self, request, view) -> bool:
        limit, period = throttling.parse_rate(settings.API_THROTTLE_RATE, setting="API_THROTTLE_RATE")
        ident = request.user.pk if request.user and request.user.is_authenticated else self.get_ident(request)
        throttled, self._wait = throttling.exceeded(throttling.key(self.scope, str(ident)), limit, period)
        return not throttled

    def wait(self) -> float:
        return self._wait
