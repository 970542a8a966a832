"""Certificates as Open Badges 3.0 credentials (API.md "Provenance, audit and credentials"): the JWT at
/verify/<code>/credential.jwt checked with PyNaCl and joserfc against /api/v1/keys/ (never with the
platform's own code), its JSON against the Open Badges 3.0 schema, and its status: revoked at the next
request after an organiser revokes it, expired after its date."""

import base64
import datetime as dt
import json
import warnings
from pathlib import Path
from urllib.parse import urlsplit

import nacl.exceptions
import nacl.signing
import pytest
from django.test import Client
from django.utils import timezone
from joserfc import jwt as jose_jwt
from joserfc.jwk import KeySet
from jsonschema import Draft202012Validator, FormatChecker

from palmares.audit import services as audit_services
from palmares.certificates.services import certificate_revoke, certificates_issue
from palmares.models import AuditCheck, Certificate
from palmares.publication.services import edition_publish
from tests.support import factories

pytestmark = pytest.mark.django_db

SCHEMA = json.loads(
    (Path(__file__).parent / "data" / "ob_v3p0_achievementcredential_subset.schema.json").read_text(encoding="utf-8")
)


def b64decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def formats() -> FormatChecker:
    """``date-time`` and ``uri`` checked with the standard library (no optional jsonschema extras)."""
    checker = FormatChecker(formats=())

    @checker.checks("date-time", raises=ValueError)
    def is_datetime(value) -> bool:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).tzinfo is not None

    @checker.checks("uri")
    def is_uri(value) -> bool:
        parts = urlsplit(value)
        return bool(parts.scheme and (parts.netloc or parts.path))

    return checker


def sign_off_audit(world, auditor):
    world.edition.auditor = auditor
    world.edition.auditor_name = "Maître Jeanne Martin"
    world.edition.save()
    audit = audit_services.audit_draw(edition=world.edition, user=auditor, rate=0.1, nonce="n-2031")
    audit_services.audit_record_checks(
        edition=world.edition,
        user=auditor,
        checks=[
            audit_services.CheckInput(c.result.agency.slug, c.result.external_id, "verified", "")
            for c in AuditCheck.objects.filter(audit=audit).select_related("result__agency")
        ],
    )
    audit_services.audit_sign_off(edition=world.edition, user=auditor)


@pytest.fixture
def certificate(world):
    sign_off_audit(world, factories.UserFactory(username="controller"))
    publication = edition_publish(edition=world.edition)
    certificates_issue(publication=publication)
    return Certificate.objects.select_related("entry__brand", "entry__category").get(publication=publication)


def fetch_jwt(certificate) -> tuple[str, dict, dict]:
    response = Client().get(f"/verify/{certificate.code}/credential.jwt")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vc+jwt"
    token = response.content.decode("ascii")
    header, payload, _signature = token.split(".")
    return token, json.loads(b64decode(header)), json.loads(b64decode(payload))


def test_credential_jwt_verifies_with_pynacl_against_the_jwks(certificate):
    # Arrange
    token, header, _payload = fetch_jwt(certificate)
    keys = {k["kid"]: k for k in Client().get("/api/v1/keys/").json()["keys"]}

    # Act
    signing_input, signature = token.rsplit(".", 1)
    verify_key = nacl.signing.VerifyKey(b64decode(keys[header["kid"]]["x"]))
    verified = verify_key.verify(signing_input.encode("ascii"), b64decode(signature))

    # Assert
    assert header["alg"] == "EdDSA"
    assert header["typ"] == "vc+jwt"
    assert verified == signing_input.encode("ascii")


def test_credential_with_a_changed_payload_fails_verification(certificate):
    # Arrange
    token, header, payload = fetch_jwt(certificate)
    keys = {k["kid"]: k for k in Client().get("/api/v1/keys/").json()["keys"]}
    payload["validUntil"] = "2099-01-01T00:00:00Z"
    forged = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
    head, _body, signature = token.split(".")

    # Act / Assert
    with pytest.raises(nacl.exceptions.BadSignatureError):
        nacl.signing.VerifyKey(b64decode(keys[header["kid"]]["x"])).verify(
            f"{head}.{forged}".encode(), b64decode(signature)
        )


def test_credential_decodes_with_joserfc_and_the_published_key_set(certificate):
    # Arrange
    token, _header, _payload = fetch_jwt(certificate)
    key_set = KeySet.import_key_set(Client().get("/api/v1/keys/").json())

    # Act
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # joserfc flags "EdDSA" as superseded by RFC 9864's "Ed25519"
        decoded = jose_jwt.decode(token, key_set, algorithms=["EdDSA"])

    # Assert
    assert decoded.claims["jti"] == decoded.claims["iss"].rstrip("/") + f"/verify/{certificate.code}/"
    assert decoded.claims["exp"] == int(certificate.valid_until.timestamp())


def test_credential_is_valid_against_the_open_badges_schema(certificate):
    # Arrange
    _token, _header, payload = fetch_jwt(certificate)
    credential = {k: v for k, v in payload.items() if k not in {"iss", "jti", "iat", "nbf", "exp"}}

    # Act
    errors = sorted(Draft202012Validator(SCHEMA, format_checker=formats()).iter_errors(credential), key=str)

    # Assert
    assert [e.message for e in errors] == []


def test_open_badges_schema_subset_rejects_a_credential_without_its_achievement(certificate):
    # Arrange: the schema really checks (a credential missing what Open Badges requires fails)
    _token, _header, payload = fetch_jwt(certificate)
    del payload["credentialSubject"]["achievement"]["criteria"]
    payload["validFrom"] = "yesterday"

    # Act
    errors = list(Draft202012Validator(SCHEMA, format_checker=formats()).iter_errors(payload))

    # Assert
    assert len(errors) == 2


def test_credential_names_category_edition_test_period_expiry_and_audit(world, certificate):
    # Act
    _token, _header, payload = fetch_jwt(certificate)

    # Assert
    subject = payload["credentialSubject"]
    assert payload["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert payload["name"] == "Élu Service Client de l'Année 2031 — Banque"
    assert subject["achievement"]["id"].endswith("/palmares/fr/2031/banque/")
    assert subject["identifier"][0]["identityHash"] == certificate.entry.brand.name
    # Tests ran from 1 May to 31 July 2030, Paris time (UTC+2 in summer).
    assert subject["activityStartDate"] == "2030-04-30T22:00:00Z"
    assert subject["activityEndDate"] == "2030-07-31T21:59:59Z"
    assert payload["validUntil"] == certificate.valid_until.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert payload["credentialStatus"]["id"].endswith(f"/verify/{certificate.code}/status.json")
    assert "Maître Jeanne Martin" in payload["evidence"][0]["narrative"]
    assert "4 tests" in payload["evidence"][0]["narrative"]


def test_credential_status_is_valid_then_revoked_at_the_next_request(certificate, organiser):
    # Arrange
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    before = client.get(f"/verify/{certificate.code}/status.json").json()

    # Act
    certificate_revoke(certificate=certificate, user=organiser, reason="End of the logo licence.")
    after = client.get(f"/verify/{certificate.code}/status.json")
    page = client.get(f"/verify/{certificate.code}/")

    # Assert
    assert before["status"] == "valid"
    assert before["revokedCredentials"] == []
    body = after.json()
    assert after["Cache-Control"] == "no-cache, max-age=0"
    assert body["status"] == "revoked"
    assert body["reason"] == "End of the logo licence."
    assert body["revokedCredentials"] == [{"id": body["credential"], "revocationReason": "End of the logo licence."}]
    assert page.context["verification"].state == "revoked"
    assert "End of the logo licence." in page.content.decode()


def test_credential_status_is_expired_after_its_date(certificate):
    # Arrange
    Certificate.objects.filter(pk=certificate.pk).update(valid_until=timezone.now() - dt.timedelta(seconds=1))

    # Act
    body = Client().get(f"/verify/{certificate.code}/status.json").json()
    page = Client().get(f"/verify/{certificate.code}/")

    # Assert
    assert body["status"] == "expired"
    assert body["revokedCredentials"] == []
    assert page.context["verification"].state == "expired"


def test_credential_of_an_unknown_code_is_404_and_a_lower_case_code_redirects(certificate):
    # Act
    unknown = Client().get("/verify/K7QF2-MXA9H-TD3WR/credential.jwt")
    lower = Client().get(f"/verify/{certificate.code.lower()}/credential.jwt")

    # Assert
    assert unknown.status_code == 404
    assert lower.status_code == 301
    assert lower["Location"] == f"/verify/{certificate.code}/credential.jwt"


def test_credential_is_deterministic(certificate):
    # Act
    first, _h, _p = fetch_jwt(certificate)
    second, _h, _p = fetch_jwt(certificate)

    # Assert
    assert first == second
