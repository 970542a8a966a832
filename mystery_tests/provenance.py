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
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import rfc8785
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .merkle import tree_hash

# Where a development key is kept, inside MEDIA_ROOT.
DEV_KEY_PATH = Path("signing") / "ed25519.pem"
_PEM_BLOCK = re.compile(r"-----BEGIN ([A-Z ]+)-----.+?-----END \1-----", re.DOTALL)


# -- fingerprints -----------------------------------------------------------------------------
def utc_second(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


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


def fingerprint(**fields) -> str:
    """SHA-256 hex of the RFC 8785 canonical JSON of ``fingerprint_document(**fields)``."""
    return hashlib.sha256(rfc8785.dumps(fingerprint_document(**fields))).hexdigest()


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
    ring = key_ring()
    signed_at = (at or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    receipt = {
        "count": len(fingerprints),
        "root": batch_root(fingerprints),
        "signed_at": signed_at,
        "key_id": ring.key_id,
    }
    receipt["signature"] = b64url(ring.private.sign(receipt_payload(receipt)))
    return receipt
