"""Provenance of test results (METHODOLOGY §12): fingerprints, batch receipts, the platform's keys.

Fingerprint: SHA-256 (hex) of the RFC 8785 canonical JSON of the test's content. Numbers are
canonicalised by RFC 8785 itself (ECMAScript number form), so ``45`` and ``45.0`` give the same
``45`` and a wait stored as a float fingerprints like the integer an agency sent. ``performed_at``
is the UTC time to the second (``YYYY-MM-DDTHH:MM:SSZ``; fractions of a second are left out).

Receipt: ``{"count", "root", "signed_at", "key_id", "signature"}`` where ``root`` is the RFC 6962
tree hash over the batch's fingerprints in the order sent, and ``signature`` the base64url (no
padding) Ed25519 signature of the RFC 8785 canonical JSON of the four other keys.

Keys: ``SIGNING_KEY`` holds the current Ed25519 private key as PEM, optionally followed by the
PEM public keys of retired keys (still listed in the JWKS, so old receipts keep verifying).
Without it (development only) a key is generated once and kept in the media folder. ``key_id`` is
the RFC 7638 JWK thumbprint of the public key.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import json.encoder
import math
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import rfc8785
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .fields import FINGERPRINT_ATTRIBUTES
from .merkle import tree_hash

# Where a development key is kept, inside MEDIA_ROOT.
DEV_KEY_PATH = Path("signing") / "ed25519.pem"
_PEM_BLOCK = re.compile(r"-----BEGIN ([A-Z ]+)-----.+?-----END \1-----", re.DOTALL)


# -- fingerprints -----------------------------------------------------------------------------
def utc_second(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat(timespec="seconds")[:19] + "Z"


def fingerprint_document(
    *,
    agency: str,
    external_id: str,
    brand: str,
    category: str,
    channel: str,
    performed_at: dt.datetime,
    reached: bool,
    wait_seconds: float | None,
    response_hours: float | None,
    scores: dict,
    comment: str | None,
) -> dict:
    """The JSON object a fingerprint is the hash of (METHODOLOGY §12)."""
    return {
        "agency": agency,
        "external_id": external_id,
        "brand": brand,
        "category": category,
        "channel": channel,
        "performed_at": utc_second(performed_at),
        "reached": bool(reached),
        "wait_seconds": wait_seconds,
        "response_hours": response_hours,
        "scores": {code: points for code, points in (scores or {}).items() if points is not None},
        "comment": comment or "",
    }


# json's C string encoder escapes exactly what RFC 8785 escapes: '"', '\\' and control characters
# (\b \t \n \f \r in short form, the others as \u00xx); everything else is written as it is.
_quote = json.encoder.encode_basestring
_MAX_SAFE = 2**53


def _number(value: object) -> str | None:
    """``value`` written as RFC 8785 writes it (ECMAScript number form), or None when this module
    leaves it to the ``rfc8785`` package. Python's shortest round-trip repr has ECMAScript's digits and
    is in fixed notation from 1e-4 to 1e16, ECMAScript's from 1e-6 to 1e21; only integral floats
    differ inside [1e-4, 1e15) ("45.0" against "45")."""
    if value is None:
        return "null"
    kind = type(value)
    if kind is int:
        return str(value) if -_MAX_SAFE < value < _MAX_SAFE else None
    if kind is float and math.isfinite(value):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        if 1e-4 <= abs(value) < 1e15:
            return repr(value)
    return None


def _fast_canonical(  # noqa: PLR0913  (the eleven fields of the document, positionally for speed)
    agency,
    external_id,
    brand,
    category,
    channel,
    performed_at: str,
    reached,
    wait_seconds,
    response_hours,
    scores,
    comment,
    skip_empty: bool = False,
) -> bytes | None:
    """The RFC 8785 text of a fingerprint document written directly (its keys are fixed: RFC 8785's key
    order is spelled out below), or None for anything unusual (a non-ASCII criterion code, a number
    outside the plain range, a lone surrogate), which the ``rfc8785`` package then writes."""
    wait, response = _number(wait_seconds), _number(response_hours)
    if wait is None or response is None or type(reached) is not bool:
        return None
    parts = []
    for code in sorted(scores):
        value = scores[code]
        if value is None and skip_empty:
            continue  # an empty criterion is left out of a fingerprint
        points = _number(value)
        if points is None or type(code) is not str or not code.isascii():
            return None
        parts.append(f"{_quote(code)}:{points}")
    text = (
        f'{{"agency":{_quote(agency)},"brand":{_quote(brand)},"category":{_quote(category)},'
        f'"channel":{_quote(channel)},"comment":{_quote(comment or "")},'
        f'"external_id":{_quote(external_id)},"performed_at":{_quote(performed_at)},'
        f'"reached":{"true" if reached else "false"},"response_hours":{response},'
        f'"scores":{{{",".join(parts)}}},"wait_seconds":{wait}}}'
    )
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return None


def canonical_json(document: dict) -> bytes:
    """RFC 8785 bytes of a fingerprint document (``fingerprint_document``).

    The ``rfc8785`` package is pure Python (≈40 µs a document: a third of a 10,000-result upload), so
    the usual document is written by ``_fast_canonical`` with json's C string encoder;
    tests/mystery_tests/test_provenance_canonical.py checks both give the same bytes on generated documents."""
    if len(document) == 11:
        try:
            fast = _fast_canonical(**document)
        except TypeError:  # not a string where one is expected: rfc8785 says what is wrong
            fast = None
        if fast is not None:
            return fast
    return rfc8785.dumps(document)


def fingerprint(**fields: Any) -> str:
    """SHA-256 hex of the RFC 8785 canonical JSON of ``fingerprint_document(**fields)``: the same eleven
    keywords, described once there."""
    written = {**fields, "performed_at": utc_second(fields["performed_at"]), "scores": fields["scores"] or {}}
    text = _fast_canonical(**written, skip_empty=True)
    if text is None:
        text = rfc8785.dumps(fingerprint_document(**fields))
    return hashlib.sha256(text).hexdigest()


def fingerprint_of(result: object, *, agency: str, brand: str, category: str) -> str:
    """``fingerprint`` of anything carrying a result's attributes (a ``TestResult``, a ``CleanResult``)."""
    return fingerprint(
        agency=agency,
        brand=brand,
        category=category,
        **{name: getattr(result, name) for name in FINGERPRINT_ATTRIBUTES},
    )


def batch_root(fingerprints: Iterable[str]) -> str:
    """The RFC 6962 tree hash (hex) over hex fingerprints, in the given order."""
    return tree_hash([bytes.fromhex(f) for f in fingerprints]).hex()


# -- keys ---------------------------------------------------------------------------------------
def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def jwk(key: Ed25519PublicKey) -> dict:
    """The public key as an RFC 8037 OKP JWK, ``kid`` its RFC 7638 thumbprint."""
    x = b64url(_raw_public(key))
    thumbprint = b64url(hashlib.sha256(rfc8785.dumps({"crv": "Ed25519", "kty": "OKP", "x": x})).digest())
    return {"kty": "OKP", "crv": "Ed25519", "x": x, "kid": thumbprint, "alg": "EdDSA", "use": "sig"}


@dataclass(frozen=True)
class KeyRing:
    private: Ed25519PrivateKey
    retired: tuple[Ed25519PublicKey, ...] = ()

    @property
    def key_id(self) -> str:
        return jwk(self.private.public_key())["kid"]

    def jwks(self) -> dict:
        keys = [jwk(self.private.public_key())]
        seen = {keys[0]["kid"]}
        for public in self.retired:
            entry = jwk(public)
            if entry["kid"] not in seen:
                seen.add(entry["kid"])
                keys.append(entry)
        return {"keys": keys}


def parse_key_ring(pem: str) -> KeyRing:
    """A PEM text: one Ed25519 PRIVATE KEY, then any number of retired Ed25519 PUBLIC KEY blocks."""
    private = None
    retired: list[Ed25519PublicKey] = []
    for match in _PEM_BLOCK.finditer(pem):
        block = match.group(0).encode()
        if match.group(1) == "PRIVATE KEY":
            if private is not None:
                raise ImproperlyConfigured("SIGNING_KEY holds more than one private key.")
            key = serialization.load_pem_private_key(block, password=None)
            if not isinstance(key, Ed25519PrivateKey):
                raise ImproperlyConfigured("SIGNING_KEY must be an Ed25519 private key (PEM, PKCS#8).")
            private = key
        elif match.group(1) == "PUBLIC KEY":
            public = serialization.load_pem_public_key(block)
            if not isinstance(public, Ed25519PublicKey):
                raise ImproperlyConfigured("A retired key in SIGNING_KEY is not an Ed25519 public key.")
            retired.append(public)
    if private is None:
        raise ImproperlyConfigured("SIGNING_KEY holds no PEM “PRIVATE KEY” block (an Ed25519 key, PKCS#8).")
    return KeyRing(private=private, retired=tuple(retired))


def private_key_pem(key: Ed25519PrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def public_key_pem(key: Ed25519PublicKey) -> str:
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


_rings: dict[tuple[str, str], KeyRing] = {}
_rings_lock = threading.Lock()


def _development_pem() -> str:
    path = Path(settings.MEDIA_ROOT) / DEV_KEY_PATH
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        pem = private_key_pem(Ed25519PrivateKey.generate())
        try:
            # Exclusive creation: two processes starting at once keep the same key.
            with open(path, "x", encoding="ascii") as handle:
                handle.write(pem)
            path.chmod(0o600)
        except FileExistsError:
            pass
    return path.read_text(encoding="ascii")


def key_ring() -> KeyRing:
    """The platform's signing keys: ``SIGNING_KEY``, or (development) the key kept in the media folder."""
    pem = getattr(settings, "SIGNING_KEY", "") or ""
    source = ("env", pem) if pem else ("file", str(Path(settings.MEDIA_ROOT) / DEV_KEY_PATH))
    ring = _rings.get(source)
    if ring is None:
        with _rings_lock:
            if not pem and getattr(settings, "PRODUCTION", False):
                raise ImproperlyConfigured("SIGNING_KEY must be set when DJANGO_ENV=production.")
            ring = parse_key_ring(pem or _development_pem())
            _rings[source] = ring
    return ring


# -- receipts -------------------------------------------------------------------------------------
def receipt_payload(receipt: dict) -> bytes:
    """The bytes a receipt's signature covers: RFC 8785 JSON of every key but ``signature``."""
    return rfc8785.dumps({k: receipt[k] for k in ("count", "root", "signed_at", "key_id")})


def sign_receipt(fingerprints: Sequence[str], *, at: dt.datetime | None = None) -> dict:
    """A signed receipt for a batch whose fingerprints (hex) are given in the order sent."""
    return sign_root(len(fingerprints), batch_root(fingerprints), at=at)


def sign_root(count: int, root: str, *, at: dt.datetime | None = None) -> dict:
    """A signed receipt for ``count`` fingerprints whose tree hash (hex) is ``root``: a streamed import
    keeps the root incrementally (merkle.TreeHasher) rather than every fingerprint."""
    ring = key_ring()
    signed_at = (at or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    receipt = {
        "count": count,
        "root": root,
        "signed_at": signed_at,
        "key_id": ring.key_id,
    }
    receipt["signature"] = b64url(ring.private.sign(receipt_payload(receipt)))
    return receipt
