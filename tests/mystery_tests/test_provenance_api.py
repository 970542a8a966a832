# ruff: noqa: F811  (fixtures are imported and then requested by name)
"""METHODOLOGY §12 end to end: receipts on uploads and imports, JWKS, published roots, inclusion proofs.

The independent checks here use only hashlib/json (fingerprints, tree hashes, audit paths) and
PyNaCl + joserfc (signatures against the JWKS), never the platform's own provenance code."""

import base64
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import nacl.exceptions
import nacl.signing
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.files.uploadedfile import SimpleUploadedFile
from joserfc.jwk import KeySet
from rest_framework.test import APIClient

from election.models import Edition, Entry
from mystery_tests.models import ImportJob, ResultEvent, TestResult, UploadReceipt
from mystery_tests.provenance import private_key_pem, public_key_pem, sign_receipt
from mystery_tests.review import result_exclude
from palmares.publication.services import edition_publish
from palmares.publication.snapshot import build_snapshot
from tests.conftest import token_client
from tests.support import factories
from tests.support.audit_redraw import mth
from tests.support.world import csv_bytes, iworld, result, row, world  # noqa: F401  (fixtures)

ROOT = Path(__file__).resolve().parents[2]


# -- independent implementations (stdlib only) -------------------------------------------------------
def jcs(value) -> bytes:
    """RFC 8785 for this data: sorted keys, no spaces, UTF-8, and integral floats written as integers."""

    def norm(v):
        if isinstance(v, float) and v.is_integer():
            return int(v)
        if isinstance(v, dict):
            return {k: norm(x) for k, x in v.items()}
        return v

    return json.dumps(norm(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def fingerprint_of(row: TestResult) -> str:
    document = {
        "agency": row.agency.slug,
        "external_id": row.external_id,
        "brand": row.entry.brand.slug,
        "category": row.entry.category.slug,
        "channel": row.channel,
        "performed_at": row.performed_at.astimezone(__import__("datetime").UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "reached": row.reached,
        "wait_seconds": row.wait_seconds,
        "response_hours": row.response_hours,
        "scores": {k: v for k, v in row.scores.items() if v is not None},
        "comment": row.comment or "",
    }
    return hashlib.sha256(jcs(document)).hexdigest()


def root_via_path(leaf: bytes, index: int, size: int, path: list[bytes]) -> bytes:
    """Recompute the root from an audit path by following RFC 6962's recursive split."""

    def walk(lo: int, hi: int, path: list[bytes]) -> tuple[bytes, list[bytes]]:
        if hi - lo == 1:
            return hashlib.sha256(b"\x00" + leaf).digest(), path
        k = 1
        while k * 2 < hi - lo:
            k *= 2
        if index < lo + k:
            node, rest = walk(lo, lo + k, path)
            return hashlib.sha256(b"\x01" + node + rest[0]).digest(), rest[1:]
        node, rest = walk(lo + k, hi, path)
        return hashlib.sha256(b"\x01" + rest[0] + node).digest(), rest[1:]

    node, rest = walk(0, size, path)
    assert rest == []
    return node


def verify_with_jwks(receipt: dict, jwks: dict) -> bool:
    """PyNaCl (libsodium) checks the signature with the key joserfc reads from the JWKS."""
    key_set = KeySet.import_key_set(jwks)
    key = key_set.get_by_kid(receipt["key_id"])
    raw = key.as_dict()["x"]
    verify_key = nacl.signing.VerifyKey(_b64(raw))
    payload = jcs({k: receipt[k] for k in ("count", "root", "signed_at", "key_id")})
    try:
        verify_key.verify(payload, _b64(receipt["signature"]))
    except nacl.exceptions.BadSignatureError:
        return False
    return True


def _b64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _upload(world, items, client=None):
    client = client or world.api_a
    return client.post(f"/api/v1/campaigns/{world.campaign_a.pk}/results/", items, format="json")


def _publish(world, organiser):
    return edition_publish(edition=world.edition, user=organiser)


def _counted_rows(category):
    return TestResult.objects.filter(
        entry__category=category, entry__status=Entry.Status.REGISTERED, excluded=False
    ).select_related("agency", "entry__brand", "entry__category")


# -- receipts -----------------------------------------------------------------------------------------
def test_upload_receipt_root_covers_the_batch_in_the_order_sent(world):
    # Arrange
    items = [result(world.entries["banque-2"], 1), result(world.entries["banque-1"], 2, wait_seconds=45.0)]

    # Act
    response = _upload(world, items)

    # Assert
    assert response.status_code == 200
    receipt = response.json()["receipt"]
    stored = {r.external_id: r for r in TestResult.objects.select_related("agency", "entry__brand", "entry__category")}
    fingerprints = [fingerprint_of(stored[i["external_id"]]) for i in items]
    assert [stored[i["external_id"]].fingerprint for i in items] == fingerprints
    assert receipt["count"] == 2
    assert receipt["root"] == mth([bytes.fromhex(f) for f in fingerprints]).hex()
    assert receipt["root"] != mth([bytes.fromhex(f) for f in reversed(fingerprints)]).hex()
    assert receipt["signed_at"].endswith("Z")
    assert UploadReceipt.objects.get().as_receipt() == receipt


def test_upload_receipt_verifies_against_the_jwks_with_pynacl(world):
    # Arrange
    response = _upload(world, [result(world.entries["banque-1"], n) for n in (1, 2, 3)])
    receipt = response.json()["receipt"]

    # Act
    jwks = APIClient().get("/api/v1/keys/").json()

    # Assert
    assert jwks["keys"][0]["kty"] == "OKP" and jwks["keys"][0]["crv"] == "Ed25519"
    assert jwks["keys"][0]["kid"] == receipt["key_id"]
    assert verify_with_jwks(receipt, jwks)
    assert not verify_with_jwks({**receipt, "count": 4}, jwks)


def test_upload_dry_run_answers_a_null_receipt_and_stores_none(world):
    # Act
    response = _upload(world, [result(world.entries["banque-1"], 1)], client=world.api_a)
    dry = world.api_a.post(
        f"/api/v1/campaigns/{world.campaign_a.pk}/results/?dry_run=true",
        [result(world.entries["banque-1"], 2)],
        format="json",
    )

    # Assert
    assert response.json()["receipt"] is not None
    assert dry.status_code == 200
    assert dry.json()["receipt"] is None
    assert UploadReceipt.objects.count() == 1


def test_same_value_as_int_or_float_gives_the_same_fingerprint(world):
    # Arrange
    entry = world.entries["banque-1"]

    # Act
    first = _upload(world, [result(entry, 1, wait_seconds=45)]).json()
    fp_int = TestResult.objects.get().fingerprint
    again = _upload(world, [result(entry, 1, wait_seconds=45.0, performed_at="2027-05-12T08:31:00Z")]).json()

    # Assert: same normalised content, same fingerprint and batch root
    assert again["unchanged"] == 1
    assert TestResult.objects.get().fingerprint == fp_int
    assert again["receipt"]["root"] == first["receipt"]["root"]


def test_replaced_version_keeps_its_fingerprint_in_the_history(world):
    # Arrange
    entry = world.entries["banque-1"]
    _upload(world, [result(entry, 1)])
    old = TestResult.objects.get().fingerprint

    # Act
    _upload(world, [result(entry, 1, scores={"greeting": 1, "courtesy": 1, "answer_accuracy": 2})])

    # Assert
    current = TestResult.objects.get()
    assert current.fingerprint != old
    assert ResultEvent.objects.get(kind=ResultEvent.Kind.REPLACED).fingerprint == old
    assert ResultEvent.objects.get(kind=ResultEvent.Kind.CREATED).fingerprint == old


def test_rotated_key_keeps_old_receipts_verifiable(settings, world):
    # Arrange: a receipt signed with key A
    key_a, key_b = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    settings.SIGNING_KEY = private_key_pem(key_a)
    old_receipt = sign_receipt(["00" * 32])

    # Act: rotate to B, A's public key listed as retired
    settings.SIGNING_KEY = private_key_pem(key_b) + public_key_pem(key_a.public_key())
    new_receipt = sign_receipt(["00" * 32])
    jwks = APIClient().get("/api/v1/keys/").json()

    # Assert
    assert [k["kid"] for k in jwks["keys"]] == [new_receipt["key_id"], old_receipt["key_id"]]
    assert verify_with_jwks(old_receipt, jwks)
    assert verify_with_jwks(new_receipt, jwks)


def test_file_import_carries_the_receipt_of_its_rows_in_file_order(iworld, django_capture_on_commit_callbacks):
    # Arrange
    rows = [row(2), row(1), row(3, brand="banque-2")]
    client = token_client(iworld.user_a)

    # Act
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/api/v1/campaigns/{iworld.campaign_a.pk}/imports/",
            {"file": SimpleUploadedFile("semaine.csv", csv_bytes(rows), content_type="text/csv")},
            format="multipart",
        )
    body = client.get(response["Location"]).json()

    # Assert
    assert body["status"] == "succeeded", body
    stored = {r.external_id: r for r in TestResult.objects.select_related("agency", "entry__brand", "entry__category")}
    fingerprints = [fingerprint_of(stored[r["external_id"]]) for r in rows]
    assert body["receipt"]["count"] == 3
    assert body["receipt"]["root"] == mth([bytes.fromhex(f) for f in fingerprints]).hex()
    assert ImportJob.objects.get().receipt.as_receipt() == body["receipt"]


# -- published roots -----------------------------------------------------------------------------------
@pytest.fixture
def uploaded(world):
    """Counted tests in banque (entries 1-3) and assurance, one excluded, one replaced, one on a withdrawn entry."""
    items = [result(world.entries[f"banque-{i}"], n) for i in (1, 2, 3) for n in (1, 2)]
    items += [result(world.entries["assurance-1"], 7, channel="email", scores={}, reached=False)]
    assert _upload(world, items).status_code == 200
    return items


def test_category_root_recomputed_independently_equals_the_published_one(world, uploaded, organiser):
    # Act
    _publish(world, organiser)
    body = APIClient().get(f"/api/v1/editions/{world.edition.pk}/palmares/").json()

    # Assert
    published = {c["slug"]: c["provenance"] for c in body["categories"]}
    roots = []
    for category in (world.assurance, world.banque, world.energie):  # slug order
        leaves = sorted(bytes.fromhex(fingerprint_of(r)) for r in _counted_rows(category))
        roots.append(mth(leaves))
        assert published[category.slug] == {"root": mth(leaves).hex(), "tests": len(leaves)}
    assert published["energie"] == {"root": hashlib.sha256(b"").hexdigest(), "tests": 0}
    assert body["provenance"] == {"edition_root": mth(roots).hex()}


def test_flipping_one_point_before_publication_changes_the_root_and_after_it_nothing_does(world, uploaded, organiser):
    # Arrange
    before = build_snapshot(edition=world.edition, goes_live_at=None)["palmares"]
    banque_before = next(c for c in before["categories"] if c["slug"] == "banque")["provenance"]["root"]

    # Act: one point less on one criterion of one counted test
    flipped = {**uploaded[0], "scores": {"greeting": 1, "courtesy": 1, "answer_accuracy": 2}}
    assert _upload(world, [flipped]).json()["updated"] == 1
    after = build_snapshot(edition=world.edition, goes_live_at=None)["palmares"]
    _publish(world, organiser)
    published = APIClient().get(f"/api/v1/editions/{world.edition.pk}/palmares/").json()
    refused = _upload(world, [uploaded[0]])  # the published edition is frozen
    again = APIClient().get(f"/api/v1/editions/{world.edition.pk}/palmares/").json()

    # Assert
    banque_after = next(c for c in after["categories"] if c["slug"] == "banque")["provenance"]["root"]
    assert banque_after != banque_before
    assert next(c for c in published["categories"] if c["slug"] == "banque")["provenance"]["root"] == banque_after
    assert refused.status_code == 409
    assert again["categories"] == published["categories"]
    assert again["provenance"] == published["provenance"]


# -- proofs --------------------------------------------------------------------------------------------
def test_every_proof_of_the_edition_verifies_against_the_published_root(world, uploaded, organiser):
    # Arrange
    _publish(world, organiser)
    palmares = APIClient().get(f"/api/v1/editions/{world.edition.pk}/palmares/").json()
    roots = {c["slug"]: c["provenance"]["root"] for c in palmares["categories"]}

    for item in uploaded:
        # Act
        proof = world.api_a.get(f"/api/v1/editions/{world.edition.pk}/proofs/", {"external_id": item["external_id"]})

        # Assert
        assert proof.status_code == 200, proof.content
        body = proof.json()
        assert body["counted"] is True
        assert body["root"] == roots[body["category"]]
        leaf = bytes.fromhex(body["fingerprint"])
        path = [bytes.fromhex(p) for p in body["audit_path"]]
        assert root_via_path(leaf, body["leaf_index"], body["tree_size"], path).hex() == roots[body["category"]]


def test_proof_of_an_excluded_test_says_quality_review(world, uploaded, organiser):
    # Arrange
    excluded = TestResult.objects.get(external_id=uploaded[0]["external_id"])
    result_exclude(result=excluded, user=organiser, reason="Protocol not followed")
    _publish(world, organiser)

    # Act
    body = world.api_a.get(f"/api/v1/editions/{world.edition.pk}/proofs/", {"external_id": excluded.external_id}).json()

    # Assert
    assert body["counted"] is False
    assert body["reason"] == "quality_review"
    assert body["fingerprint"] == excluded.fingerprint
    assert "audit_path" not in body


def test_proof_of_a_replaced_version_says_replaced(world, uploaded, organiser):
    # Arrange
    old = TestResult.objects.get(external_id=uploaded[0]["external_id"]).fingerprint
    _upload(world, [{**uploaded[0], "comment": "Corrigé"}])
    _publish(world, organiser)
    url = f"/api/v1/editions/{world.edition.pk}/proofs/"

    # Act
    replaced = world.api_a.get(url, {"external_id": uploaded[0]["external_id"], "fingerprint": old}).json()
    current = world.api_a.get(url, {"external_id": uploaded[0]["external_id"]}).json()

    # Assert
    assert replaced["counted"] is False
    assert replaced["reason"] == "replaced"
    assert replaced["replaced_by"] == current["fingerprint"] != old
    assert current["counted"] is True


def test_proof_of_a_test_of_a_withdrawn_entry_says_so(world, uploaded, organiser):
    # Arrange
    Entry.objects.filter(pk=world.entries["banque-3"].pk).update(status=Entry.Status.WITHDRAWN)
    _publish(world, organiser)

    # Act
    body = world.api_a.get(
        f"/api/v1/editions/{world.edition.pk}/proofs/", {"external_id": uploaded[4]["external_id"]}
    ).json()

    # Assert
    assert body == {**body, "counted": False, "reason": "entry_not_registered"}


def test_proofs_are_404_before_publication_and_for_another_agency(world, uploaded, organiser):
    # Arrange
    url = f"/api/v1/editions/{world.edition.pk}/proofs/"
    query = {"external_id": uploaded[0]["external_id"]}
    before = world.api_a.get(url, query)
    _publish(world, organiser)

    # Act
    other_agency = world.client(world.user_b).get(url, query)
    brand_member = world.client(world.brand_member).get(url, query)
    anonymous = APIClient().get(url, query)
    as_organiser = token_client(organiser).get(url, query)
    missing = world.api_a.get(url)

    # Assert
    assert before.status_code == 404
    assert other_agency.status_code == 404
    assert brand_member.status_code == 403
    assert anonymous.status_code == 401
    assert as_organiser.status_code == 200 and as_organiser.json()["counted"] is True
    assert missing.status_code == 400


# -- the documented verifier -------------------------------------------------------------------------------
def test_documented_verifier_checks_a_receipt_and_a_proof(world, uploaded, organiser, tmp_path):
    # Arrange: what an agency keeps and fetches
    receipt = _upload(world, [result(world.entries["banque-1"], 9)]).json()
    _publish(world, organiser)
    files = {
        "receipt.json": receipt,
        "jwks.json": APIClient().get("/api/v1/keys/").json(),
        "proof.json": world.api_a.get(
            f"/api/v1/editions/{world.edition.pk}/proofs/", {"external_id": uploaded[0]["external_id"]}
        ).json(),
        "palmares.json": APIClient().get(f"/api/v1/editions/{world.edition.pk}/palmares/").json(),
    }
    for name, data in files.items():
        (tmp_path / name).write_text(json.dumps(data), encoding="utf-8")
    tampered = {**files["proof.json"], "leaf_index": files["proof.json"]["leaf_index"] ^ 1}
    (tmp_path / "tampered.json").write_text(json.dumps(tampered), encoding="utf-8")

    def run(*args):
        return subprocess.run(
            [sys.executable, "-m", "mystery_tests.verify", *args], cwd=ROOT, capture_output=True, text=True
        )

    # Act
    receipt_ok = run("receipt", str(tmp_path / "receipt.json"), str(tmp_path / "jwks.json"))
    proof_ok = run("proof", str(tmp_path / "proof.json"), str(tmp_path / "palmares.json"))
    proof_bad = run("proof", str(tmp_path / "tampered.json"), str(tmp_path / "palmares.json"))

    # Assert
    assert receipt_ok.returncode == 0, receipt_ok.stdout + receipt_ok.stderr
    assert proof_ok.returncode == 0, proof_ok.stdout + proof_ok.stderr
    assert proof_bad.returncode == 1


def test_the_editions_auditor_gets_proofs_of_every_agency(world, uploaded, organiser):
    # Arrange
    auditor = factories.UserFactory(username="commissaire")
    Edition.objects.filter(pk=world.edition.pk).update(auditor=auditor)
    _publish(world, organiser)

    # Act
    answer = world.client(auditor).get(
        f"/api/v1/editions/{world.edition.pk}/proofs/", {"external_id": uploaded[0]["external_id"]}
    )

    # Assert
    assert answer.status_code == 200
    assert answer.json()["counted"] is True
