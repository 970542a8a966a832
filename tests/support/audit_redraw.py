"""Redraw an audit sample from its published values, independently of the platform (standard library only).

Reads JSON on stdin: ``{"tree_hash", "nonce", "rate" (as a decimal string), "leaves": {slug: [hex
fingerprints of the counted tests]}}``; checks that the leaves give ``tree_hash`` (RFC 6962, METHODOLOGY
§12) and prints ``[[slug, fingerprint], …]``, the sample in draw order (README, "Audit: redrawing the
sample"). Run: ``python tests/support/audit_redraw.py < values.json``.
"""

import hashlib
import json
import sys
from fractions import Fraction


def mth(leaves):
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return hashlib.sha256(b"\x01" + mth(leaves[:k]) + mth(leaves[k:])).digest()


def main():
    values = json.load(sys.stdin)
    leaves = {slug: sorted(bytes.fromhex(f) for f in fps) for slug, fps in values["leaves"].items()}
    roots = [mth(leaves[slug]) for slug in sorted(leaves)]
    if mth(roots).hex() != values["tree_hash"]:
        sys.exit("the leaves do not give the published tree hash")
    seed = hashlib.sha256(bytes.fromhex(values["tree_hash"]) + values["nonce"].encode("utf-8")).digest()
    rate = Fraction(values["rate"])
    drawn = []
    for slug in sorted(leaves):
        n = len(leaves[slug])
        wanted = rate * n
        k = 0 if n == 0 else min(n, max(1, -(-wanted.numerator // wanted.denominator)))
        keyed = sorted((hashlib.sha256(seed + slug.encode("utf-8") + f).digest(), f) for f in leaves[slug])
        drawn += [[slug, f.hex()] for _key, f in keyed[:k]]
    json.dump(drawn, sys.stdout)


if __name__ == "__main__":
    main()
