"""Certificates as Open Badges 3.0 credentials, secured as a JWT (VC-JOSE-COSE, EdDSA), and their status.

``/verify/<code>/credential.jwt`` serves the credential: a compact JWS whose header is
``{"alg": "EdDSA", "typ": "vc+jwt", "cty": "vc", "kid": <key id>}`` (``kid`` a key of
``/api/v1/keys/``) and whose payload is the ``OpenBadgeCredential`` itself (JSON, VC Data Model 2.0)
with the JWT claims ``iss``, ``jti``, ``iat``, ``nbf`` and ``exp`` repeating its issuer, id and dates.
It is signed with the platform's Ed25519 key (``SIGNING_KEY``) by ``cryptography`` directly: a compact
JWS is three base64url parts, and every byte of it is deterministic (Ed25519, fixed key order), so the
same certificate always gives the same token.

``credentialStatus`` names ``/verify/<code>/status.json`` (type ``1EdTechRevocationList``, Open Badges
3.0 §9.6): it lists the credential under ``revokedCredentials`` once revoked, and adds ``status``
(``valid``, ``expired`` or ``revoked``), read at each request like the verification page.
"""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from mystery_tests.provenance import b64url, key_ring
from palmares.audit.selectors import audit_statement, frozen_audit
from palmares.certificates.selectors import REVOKED, certificate_verification
from palmares.certificates.services import palmares_category_path, verify_path, verify_url
from palmares.models import Certificate

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB_SCHEMA = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
ISSUER_NAME = "Service Client de l'Année"
MEDIA_TYPE = "application/vc+jwt"


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _site(path: str = "/") -> str:
    return settings.SITE_URL.rstrip("/") + path


def status_url(code: str) -> str:
    return _site(verify_path(code) + "status.json")


def credential_url(code: str) -> str:
    return _site(verify_path(code) + "credential.jwt")


def _issuer() -> dict[str, Any]:
    return {"id": _site("/"), "type": ["Profile"], "name": ISSUER_NAME, "url": _site("/")}


def _day_bounds(edition, start: dt.date | None, end: dt.date | None) -> dict[str, str]:
    """The test period as the subject's activity dates: from the first day's start to the last day's
    end, in the edition's time zone."""
    tz = zoneinfo.ZoneInfo(edition.time_zone)
    dates: dict[str, str] = {}
    if start:
        dates["activityStartDate"] = _iso(dt.datetime.combine(start, dt.time.min, tzinfo=tz))
    if end:
        dates["activityEndDate"] = _iso(dt.datetime.combine(end, dt.time(23, 59, 59), tzinfo=tz))
    return dates


def certificate_credential(certificate: Certificate) -> dict[str, Any]:
    """The certificate as an ``OpenBadgeCredential`` (Open Badges 3.0, VC Data Model 2.0), in the
    edition's language. Names the exact category, edition, test period and expiry."""
    edition = certificate.publication.edition
    category = certificate.entry.category
    brand = certificate.entry.brand
    issuer = _issuer()
    with translation.override(edition.language):
        title = f"{edition.name} — {category.name}"
        achievement = {
            "id": _site(palmares_category_path(country=edition.country, year=edition.year, slug=category.slug)),
            "type": ["Achievement"],
            "achievementType": "Award",
            "name": title,
            "description": _("Laureate of the category “%(category)s” of %(edition)s (%(country)s, %(year)s).")
            % {"category": category.name, "edition": edition.name, "country": edition.country, "year": edition.year},
            "criteria": {
                "id": _site(f"/palmares/{edition.country.lower()}/{edition.year}/methodology/"),
                "narrative": _(
                    "The best overall score of the category's complete entries, at least the qualifying mark, "
                    "from the mystery-shopper tests of the edition (see the methodology)."
                ),
            },
            "creator": issuer,
        }
        credential: dict[str, Any] = {
            "@context": [VC_CONTEXT, OB_CONTEXT],
            "id": verify_url(certificate.code),
            "type": ["VerifiableCredential", "OpenBadgeCredential"],
            "issuer": issuer,
            "validFrom": _iso(certificate.issued_at),
            "validUntil": _iso(certificate.valid_until),
            "name": title,
            "credentialSubject": {
                "type": ["AchievementSubject"],
                "identifier": [
                    {"type": "IdentityObject", "identityHash": brand.name, "identityType": "name", "hashed": False}
                ],
                **_day_bounds(edition, edition.tests_start_on, edition.tests_end_on),
                "achievement": achievement,
            },
            "credentialStatus": {"id": status_url(certificate.code), "type": "1EdTechRevocationList"},
            "credentialSchema": [{"id": OB_SCHEMA, "type": "1EdTechJsonSchemaValidator2019"}],
        }
        audit = frozen_audit(publication_id=certificate.publication_id)
        if audit:
            credential["evidence"] = [
                {
                    "type": ["Evidence"],
                    "name": _("Independent audit"),
                    "narrative": audit_statement(audit, time_zone=edition.time_zone),
                }
            ]
    return credential


def _b64json(value: dict) -> str:
    return b64url(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def certificate_jwt(certificate: Certificate) -> str:
    """The credential secured as a JWT (compact JWS, EdDSA over Ed25519)."""
    ring = key_ring()
    credential = certificate_credential(certificate)
    header = {"alg": "EdDSA", "typ": "vc+jwt", "cty": "vc", "kid": ring.key_id}
    claims = {
        **credential,
        "iss": credential["issuer"]["id"],
        "jti": credential["id"],
        "iat": int(certificate.issued_at.timestamp()),
        "nbf": int(certificate.issued_at.timestamp()),
        "exp": int(certificate.valid_until.timestamp()),
    }
    signing_input = f"{_b64json(header)}.{_b64json(claims)}"
    return f"{signing_input}.{b64url(ring.private.sign(signing_input.encode('ascii')))}"


def credential_status(certificate: Certificate, *, now: dt.datetime | None = None) -> dict[str, Any]:
    """The credential's status document (1EdTech revocation list of this one credential, plus its state)."""
    verification = certificate_verification(certificate=certificate, now=now)
    revoked = verification.state == REVOKED
    body: dict[str, Any] = {
        "id": status_url(certificate.code),
        "issuer": _issuer()["id"],
        "credential": verify_url(certificate.code),
        "status": verification.state,
        "validFrom": _iso(verification.valid_from),
        "validUntil": _iso(verification.valid_until),
        "revokedAt": _iso(verification.revoked_at) if revoked and verification.revoked_at else None,
        "reason": verification.revoked_reason if revoked else "",
        "revokedCredentials": (
            [{"id": verify_url(certificate.code), "revocationReason": verification.revoked_reason}] if revoked else []
        ),
    }
    return body
