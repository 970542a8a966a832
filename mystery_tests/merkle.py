"""RFC 6962 Merkle tree hashes and audit paths (METHODOLOGY §12); standard library only.

``tree_hash`` is the Merkle Tree Hash of RFC 6962 §2.1: the empty tree hashes to SHA-256 of
nothing, a leaf to ``SHA-256(0x00 ‖ leaf)``, a node to ``SHA-256(0x01 ‖ left ‖ right)``, and a
list of n > 1 leaves splits at k, the largest power of two smaller than n. ``audit_path`` and
``verify_inclusion`` are the audit path of §2.1.1 and its check (RFC 9162 §2.1.3.2).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

# The hashes and the path check are the stand-alone verifier's (anyone can copy mystery_tests/verify.py and
# run it): the platform proves with the very code a reader checks with.
from mystery_tests.verify import leaf_hash, node_hash, root_from_path

EMPTY_ROOT = hashlib.sha256(b"").digest()


def tree_hash(leaves: Sequence[bytes]) -> bytes:
    """The Merkle Tree Hash of ``leaves`` (in the given order). Iterative, so a million leaves is fine."""
    if not leaves:
        return EMPTY_ROOT
    # Bottom-up: pairing adjacent nodes level by level and carrying an odd last node up
    # unchanged gives exactly the RFC's split at the largest power of two.
    level = [leaf_hash(leaf) for leaf in leaves]
    while len(level) > 1:
        paired = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]


def audit_path(leaves: Sequence[bytes], index: int) -> list[bytes]:
    """The audit path of leaf ``index`` (RFC 6962 §2.1.1 PATH(m, D[n])), deepest sibling first."""
    if not 0 <= index < len(leaves):
        raise IndexError(f"leaf index {index} outside a tree of {len(leaves)} leaves")
    path: list[bytes] = []
    level = [leaf_hash(leaf) for leaf in leaves]
    while len(level) > 1:
        sibling = index ^ 1
        if sibling < len(level):
            path.append(level[sibling])
        paired = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
        index //= 2
    return path


def verify_inclusion(leaf: bytes, index: int, tree_size: int, path: Sequence[bytes], root: bytes) -> bool:
    """Whether ``path`` proves that ``leaf`` is leaf ``index`` of the tree of ``tree_size`` leaves with ``root``."""
    return root_from_path(leaf, index, tree_size, path) == root


class TreeHasher:
    """``tree_hash`` of leaves given one at a time, in memory logarithmic in their number.

    Keeps the roots of the perfect subtrees seen so far (at most one per height, as the binary
    digits of the count); the RFC's root folds them from the right. A streamed import signs a million
    fingerprints with a few dozen hashes held."""

    def __init__(self) -> None:
        self.count = 0
        self._stack: list[tuple[int, bytes]] = []  # (height, root of a perfect subtree), heights decreasing

    def add(self, leaf: bytes) -> None:
        self.count += 1
        height, node = 0, leaf_hash(leaf)
        while self._stack and self._stack[-1][0] == height:
            node = node_hash(self._stack.pop()[1], node)
            height += 1
        self._stack.append((height, node))

    def root(self) -> bytes:
        if not self._stack:
            return EMPTY_ROOT
        node = self._stack[-1][1]
        for _height, left in reversed(self._stack[:-1]):
            node = node_hash(left, node)
        return node
