"""Check a receipt or a proof of the platform yourself (METHODOLOGY §12): standard library + cryptography.

    python -m mystery_tests.verify receipt RECEIPT.json JWKS.json
    python -m mystery_tests.verify proof PROOF.json PALMARES.json

``receipt``: the Ed25519 signature of a receipt (the ``receipt`` object of an upload's answer, or
the whole answer) against the key whose ``kid`` is its ``key_id`` in ``GET /api/v1/keys/``; add
``--fingerprints FILE`` (one hex fingerprint per line, in the order sent) to check its ``root`` too.
``proof``: an answer of ``GET /api/v1/editions/{id}/proofs/`` against the category root published in
``GET /api/v1/editions/{id}/palmares/``. Exit status 0 when it holds, 1 otherwise. This file
imports nothing of the platform: copy it and run it anywhere.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import sys


def leaf_hash(leaf: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def tree_hash(leaves: list[bytes]) -> bytes:
    """RFC 6962 Merkle Tree Hash, as the RFC defines it."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaf_hash(leaves[0])
    k = 1 << ((len(leaves) - 1).bit_length() - 1)  # largest power of two < n
    return node_hash(tree_hash(leaves[:k]), tree_hash(leaves[k:]))


def root_from_path(leaf: bytes, index: int, size: int, path: list[bytes]) -> bytes | None:
    """RFC 9162 §2.1.3.2: the root an audit path leads to, or None if it has the wrong shape."""
    if not 0 <= index < size:
        return None
    fn, sn, node = index, size - 1, leaf_hash(leaf)
    for sibling in path:
        if sn == 0:
            return None
        if fn % 2 == 1 or fn == sn:
            node = node_hash(sibling, node)
            while fn % 2 == 0 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            node = node_hash(node, sibling)
        fn, sn = fn >> 1, sn >> 1
    return node if sn == 0 else None


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def receipt_payload(receipt: dict) -> bytes:
    """RFC 8785 JSON of {count, root, signed_at, key_id}: an integer and ASCII strings, so sorted keys,
    no spaces and plain JSON escaping are already canonical."""
    body = {k: receipt[k] for k in ("count", "root", "signed_at", "key_id")}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def check_receipt(receipt: dict, jwks: dict, fingerprints: list[str] | None = None) -> tuple[bool, str]:
    # Only receipts need cryptography: a proof checks with the standard library alone.
    from cryptography.exceptions import InvalidSignature  # noqa: PLC0415 -- see above
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey  # noqa: PLC0415 -- see above

    receipt = receipt.get("receipt", receipt)
    keys = [k for k in jwks.get("keys", []) if k.get("kid") == receipt["key_id"]]
    if not keys or keys[0].get("kty") != "OKP" or keys[0].get("crv") != "Ed25519":
        return False, f"no Ed25519 key {receipt['key_id']!r} in the JWKS"
    public = Ed25519PublicKey.from_public_bytes(_b64url_decode(keys[0]["x"]))
    try:
        public.verify(_b64url_decode(receipt["signature"]), receipt_payload(receipt))
    except InvalidSignature:
        return False, "the signature does not match"
    if fingerprints is not None:
        if len(fingerprints) != receipt["count"]:
            return False, f"{len(fingerprints)} fingerprints, the receipt counts {receipt['count']}"
        if tree_hash([bytes.fromhex(f) for f in fingerprints]).hex() != receipt["root"]:
            return False, "the fingerprints do not give the receipt's root"
    return True, f"signed by {receipt['key_id']} at {receipt['signed_at']}"


def check_proof(proof: dict, palmares: dict) -> tuple[bool, str]:
    if not proof.get("counted"):
        return False, f"the test did not count: {proof.get('reason')}"
    published = {c["slug"]: c["provenance"]["root"] for c in palmares.get("categories", [])}
    root = published.get(proof["category"])
    if root is None:
        return False, f"no category {proof['category']!r} in the palmarès"
    computed = root_from_path(
        bytes.fromhex(proof["fingerprint"]),
        proof["leaf_index"],
        proof["tree_size"],
        [bytes.fromhex(node) for node in proof["audit_path"]],
    )
    if computed is None or computed.hex() != root:
        return False, "the audit path does not lead to the published root"
    return True, f"test {proof['fingerprint']} is leaf {proof['leaf_index']} of {proof['category']} ({root})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mystery_tests.verify", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="what", required=True)
    receipt = sub.add_parser("receipt", help="check a receipt's signature (and root) against the JWKS")
    receipt.add_argument("receipt")
    receipt.add_argument("jwks")
    receipt.add_argument("--fingerprints", help="file of the batch's hex fingerprints, one a line, in order sent")
    proof = sub.add_parser("proof", help="check an inclusion proof against the published palmarès")
    proof.add_argument("proof")
    proof.add_argument("palmares")
    args = parser.parse_args(argv)

    def load(path: str) -> dict:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)

    if args.what == "receipt":
        fingerprints = None
        if args.fingerprints:
            with open(args.fingerprints, encoding="ascii") as handle:
                fingerprints = [line.strip() for line in handle if line.strip()]
        ok, message = check_receipt(load(args.receipt), load(args.jwks), fingerprints)
    else:
        ok, message = check_proof(load(args.proof), load(args.palmares))
    print(("OK: " if ok else "FAILED: ") + message)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
