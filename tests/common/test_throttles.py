"""Throttles hold under parallel bursts and cannot be dodged by spelling (issue 13, findings 5 and 11).

Login tries, password-reset e-mails and API calls are counted atomically before the work they guard,
so a burst of threads never gets more than the configured number through; the login counter reads the
username as Django's form does (NFKC), so fullwidth or upper-case spellings share one counter.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core import mail
from django.core.cache.backends.locmem import LocMemCache
from django.db import connections
from django.test import Client, override_settings

from tests.conftest import token_client
from tests.support import factories
from tests.support.factories import PASSWORD
from tests.support.logins import fail_logins, login
from tests.support.workers import unreachable_redis_caches

BURST = 40


def _burst(call, n: int = BURST) -> list[int]:
    """``n`` calls of ``call()`` from 8 threads at once; their status codes."""

    def one(_):
        try:
            return call()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(one, range(n)))


# -- login ------------------------------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_login_parallel_burst_checks_at_most_the_limit(settings):
    settings.LOGIN_THROTTLE_RATE = "10/min"
    factories.UserFactory(username="claire")

    statuses = _burst(lambda: login(Client(), "claire", "wrong").status_code)

    assert statuses.count(200) == 10  # the form again: a password was checked
    assert statuses.count(429) == BURST - 10


@pytest.mark.django_db
def test_login_fullwidth_and_case_variants_share_one_counter(settings):
    settings.LOGIN_THROTTLE_RATE = "3/min"
    factories.UserFactory(username="claire")
    client = Client()
    for spelling in ("claire", "ｃｌａｉｒｅ", "CLAIRE"):
        login(client, spelling, "wrong")

    fullwidth = login(client, "ｃｌａｉｒｅ", PASSWORD)
    plain = login(client, "claire", PASSWORD)

    assert (fullwidth.status_code, plain.status_code) == (429, 429)
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_login_throttled_answer_has_retry_after(settings):
    settings.LOGIN_THROTTLE_RATE = "2/5min"
    factories.UserFactory(username="claire")
    client = Client()
    fail_logins(client, "claire", 2)

    response = login(client, "claire", PASSWORD)

    assert response.status_code == 429
    assert response["Retry-After"] == "300"


# -- password reset ---------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_password_reset_per_address_limit_sends_no_more_mail(settings):
    settings.PASSWORD_RESET_THROTTLE_RATE = "2/h"
    factories.UserFactory(username="claire", email="claire@azur.example")
    client = Client()

    statuses = [
        client.post("/accounts/password_reset/", {"email": spelling}).status_code
        for spelling in ("claire@azur.example", "CLAIRE@azur.example", "claire@azur.example", " claire@azur.example")
    ]

    assert statuses == [302, 302, 302, 302]  # the same answer: nothing tells the limit was reached
    assert len(mail.outbox) == 2


@pytest.mark.django_db
def test_password_reset_per_client_limit_answers_429(settings):
    settings.PASSWORD_RESET_CLIENT_THROTTLE_RATE = "3/h"
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    for n in range(3):
        client.post("/accounts/password_reset/", {"email": f"someone{n}@example.org"})

    response = client.post("/accounts/password_reset/", {"email": "victim@example.org"})

    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 3600
    assert "Too many password reset requests from your connection." in response.content.decode()


@pytest.mark.django_db
def test_password_reset_per_client_limit_speaks_french(settings):
    settings.PASSWORD_RESET_CLIENT_THROTTLE_RATE = "1/h"
    client = Client(HTTP_ACCEPT_LANGUAGE="fr")
    client.post("/accounts/password_reset/", {"email": "someone@example.org"})

    response = client.post("/accounts/password_reset/", {"email": "someone@example.org"})

    assert response.status_code == 429
    assert "Trop de demandes de réinitialisation depuis votre connexion." in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_password_reset_parallel_burst_sends_at_most_the_limit(settings):
    settings.PASSWORD_RESET_THROTTLE_RATE = "3/h"
    settings.PASSWORD_RESET_CLIENT_THROTTLE_RATE = "1000/h"
    factories.UserFactory(username="claire", email="claire@azur.example")

    statuses = _burst(
        lambda: Client().post("/accounts/password_reset/", {"email": "claire@azur.example"}).status_code, n=30
    )

    assert set(statuses) == {302}
    assert len(mail.outbox) == 3


# -- API --------------------------------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_api_parallel_burst_gets_exactly_the_rate(settings, monkeypatch):
    settings.API_THROTTLE_RATE = "10/min"
    agent = factories.AgencyMembershipFactory().user
    client = token_client(agent)
    # Widen the race as a loaded server does: the 8 threads meet right after each reads a throttle key,
    # so a check-then-write throttle lets every one of them through on the same count.
    meeting, read = threading.Barrier(8), LocMemCache.get

    def get_then_meet(self, key, *args, **kwargs):
        value = read(self, key, *args, **kwargs)
        if "throttle" in key:
            with contextlib.suppress(threading.BrokenBarrierError):
                meeting.wait(timeout=2)
        return value

    monkeypatch.setattr(LocMemCache, "get", get_then_meet)

    statuses = _burst(lambda: client.get("/api/v1/campaigns/").status_code)

    assert statuses.count(200) == 10
    assert statuses.count(429) == BURST - 10


@pytest.mark.django_db
def test_api_throttle_counts_per_user(settings):
    settings.API_THROTTLE_RATE = "2/min"
    first, second = (token_client(factories.AgencyMembershipFactory().user) for _ in range(2))
    for _ in range(2):
        first.get("/api/v1/campaigns/")

    statuses = (first.get("/api/v1/campaigns/").status_code, second.get("/api/v1/campaigns/").status_code)

    assert statuses == (429, 200)


@pytest.mark.django_db
def test_api_throttle_fails_open_with_the_cache_down(settings, caplog):
    settings.API_THROTTLE_RATE = "1/min"
    caches = unreachable_redis_caches()
    caplog.set_level(logging.WARNING)
    client = token_client(factories.AgencyMembershipFactory().user)

    with override_settings(CACHES=caches, DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS=True):
        statuses = [client.get("/api/v1/campaigns/").status_code for _ in range(3)]

    assert statuses == [200, 200, 200]


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_api_parallel_burst_gets_exactly_the_rate_on_redis(settings):
    settings.API_THROTTLE_RATE = "10/min"
    client = token_client(factories.AgencyMembershipFactory().user)

    statuses = _burst(lambda: client.get("/api/v1/campaigns/").status_code)

    assert statuses.count(200) == 10


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_login_parallel_burst_checks_at_most_the_limit_on_redis(settings):
    settings.LOGIN_THROTTLE_RATE = "10/min"
    # A name of its own: Redis is shared by the parallel test workers, whose tests log "claire" in too.
    name = f"claire{uuid.uuid4().int % 10**8}"
    factories.UserFactory(username=name)
    fullwidth = "".join(chr(ord(c) + 0xFEE0) for c in name)  # ｃｌａｉｒｅ…: the same counter once normalised

    statuses = _burst(lambda: login(Client(), fullwidth, "wrong").status_code)

    assert statuses.count(200) == 10
