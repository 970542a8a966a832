"""The audit tests' shared steps (tests/palmares/audit/…): name the edition's auditor, draw, check every
drawn test, redraw a sample with the independent script."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from election.models import Entry
from mystery_tests.models import TestResult
from palmares.audit import services
from palmares.models import Audit
from tests.support import factories


def name_auditor(world, username: str = "maitre-martin", **fields):
    """A user named the auditor of ``world``'s edition, whose public name is « Maître Jeanne Martin »."""
    user = factories.UserFactory(username=username, **fields)
    world.edition.auditor = user
    world.edition.auditor_name = "Maître Jeanne Martin"
    world.edition.save()
    return user


def drawn(world, auditor, *, nonce: str = "page nonce", rate=0.1) -> Audit:
    return services.audit_draw(edition=world.edition, user=auditor, rate=rate, nonce=nonce)


def check_everything(world, auditor, audit: Audit, outcome: str = "verified", note: str = "") -> None:
    services.audit_record_checks(
        edition=world.edition,
        user=auditor,
        checks=[
            services.CheckInput(c.result.agency.slug, c.result.external_id, outcome, note)
            for c in audit.checks.select_related("result__agency")
        ],
    )


def redrawn_by_script(edition, *, tree_hash: str, nonce: str, rate: str) -> list[list[str]]:
    """The sample as tests/support/audit_redraw.py (standard library only, its own interpreter) redraws it
    from the published values alone: the tree hash, the nonce, the rate and the counted fingerprints."""
    leaves = {slug: [] for slug in edition.categories.values_list("slug", flat=True)}
    for slug, fingerprint in TestResult.objects.filter(
        entry__category__edition=edition, excluded=False, entry__status=Entry.Status.REGISTERED
    ).values_list("entry__category__slug", "fingerprint"):
        leaves[slug].append(fingerprint)
    values = {"tree_hash": tree_hash, "nonce": nonce, "rate": rate, "leaves": leaves}
    redraw = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("audit_redraw.py"))],
        input=json.dumps(values),
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(redraw.stdout)
