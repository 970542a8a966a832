"""The audit sample, drawn so that neither the platform nor the auditor chooses it (standard library only).

The procedure, written down so that anyone can redraw a sample from the published values (README
"Audit: redrawing the sample"):

1. ``seed = SHA-256(T ‖ N)`` where ``T`` is the edition's tree hash when the sample is drawn (the 32
   bytes of the hex ``tree_hash``: METHODOLOGY §12's edition root over the counted tests) and ``N``
   the auditor's nonce in UTF-8.
2. Categories are taken in slug order. In a category with ``n`` counted tests the sample holds
   ``k = min(n, max(1, ceil(rate × n)))`` tests (none when ``n = 0``), ``rate × n`` computed exactly
   from the decimal rate (``0.05 × 100`` is 5, not 5.000000000000001).
3. Each counted test of the category (its 32-byte fingerprint ``F``) gets the key
   ``SHA-256(seed ‖ slug in UTF-8 ‖ F)``; the tests are ordered by key ascending (then by fingerprint)
   and the first ``k`` are drawn, in that order.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence
from decimal import Decimal


def audit_seed(tree_hash: str, nonce: str) -> bytes:
    """SHA-256 of the edition's tree hash (32 bytes) followed by the nonce (UTF-8)."""
    return hashlib.sha256(bytes.fromhex(tree_hash) + nonce.encode("utf-8")).digest()


def sample_size(rate: Decimal, n: int) -> int:
    """``ceil(rate × n)``, at least 1 and at most ``n``; 0 for a category without counted tests."""
    if n <= 0:
        return 0
    return min(n, max(1, math.ceil(Decimal(rate) * n)))


def draw_key(seed: bytes, slug: str, fingerprint: bytes) -> bytes:
    return hashlib.sha256(seed + slug.encode("utf-8") + fingerprint).digest()


def draw(*, seed: bytes, rate: Decimal, leaves: Mapping[str, Sequence[bytes]]) -> list[tuple[str, bytes]]:
    """``[(category slug, fingerprint)]`` drawn from ``leaves`` (per slug, the counted tests' 32-byte
    fingerprints), by category in slug order, each category's tests in draw order."""
    drawn: list[tuple[str, bytes]] = []
    for slug in sorted(leaves):
        ordered = sorted(leaves[slug], key=lambda fingerprint: (draw_key(seed, slug, fingerprint), fingerprint))
        drawn.extend((slug, fingerprint) for fingerprint in ordered[: sample_size(rate, len(ordered))])
    return drawn
