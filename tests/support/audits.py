"""The audit tests' shared steps (tests/palmares/audit/…): name the edition's auditor, draw, check every
drawn test."""

from __future__ import annotations

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
