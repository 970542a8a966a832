"""RFC 6962 tree hashes and audit paths (METHODOLOGY §12) against the RFC's / Certificate Transparency's vectors."""

import hashlib

import pytest

from mystery_tests.merkle import EMPTY_ROOT, audit_path, root_from_path, tree_hash, verify_inclusion
from tests.support.audit_redraw import mth as reference_mth  # RFC 6962 §2.1 as the RFC states it

# The leaves of Certificate Transparency's merkle_tree_test (RFC 6962 reference vectors).
CT_LEAVES = [
    b"",
    b"\x00",
    b"\x10",
    b"\x20\x21",
    b"\x30\x31",
    b"\x40\x41\x42\x43",
    bytes(range(0x50, 0x58)),
    bytes(range(0x60, 0x70)),
]
CT_ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
# (leaf index, tree size, audit path) from the same test file.
CT_PATHS = [
    (0, 1, []),
    (
        0,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        1,
        5,
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]


def test_tree_hash_empty_is_sha256_of_nothing():
    # Act / Assert
    assert tree_hash([]) == EMPTY_ROOT
    assert EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


@pytest.mark.parametrize("size", range(1, 9))
def test_tree_hash_matches_the_ct_vectors(size):
    # Act
    root = tree_hash(CT_LEAVES[:size])

    # Assert
    assert root.hex() == CT_ROOTS[size - 1]


@pytest.mark.parametrize(("index", "size", "expected"), CT_PATHS)
def test_audit_path_matches_the_ct_vectors(index, size, expected):
    # Act
    path = audit_path(CT_LEAVES[:size], index)

    # Assert
    assert [p.hex() for p in path] == expected
    assert verify_inclusion(CT_LEAVES[index], index, size, path, bytes.fromhex(CT_ROOTS[size - 1]))


def test_every_audit_path_verifies_for_trees_up_to_40_leaves():
    # Arrange
    leaves = [hashlib.sha256(str(i).encode()).digest() for i in range(40)]

    for size in range(1, 41):
        root = tree_hash(leaves[:size])
        # Assert: same as the RFC's recursive definition, and every leaf proves into it
        assert root == reference_mth(leaves[:size])
        for index in range(size):
            assert root_from_path(leaves[index], index, size, audit_path(leaves[:size], index)) == root


def test_verify_inclusion_is_false_for_a_wrong_leaf_index_or_size():
    # Arrange
    leaves = CT_LEAVES
    root = bytes.fromhex(CT_ROOTS[7])
    path = audit_path(leaves, 5)

    # Act / Assert
    assert not verify_inclusion(leaves[4], 5, 8, path, root)
    assert not verify_inclusion(leaves[5], 4, 8, path, root)
    assert not verify_inclusion(leaves[5], 5, 9, path, root)
    assert not verify_inclusion(leaves[5], 5, 8, path[:-1], root)
    assert not verify_inclusion(leaves[5], 8, 8, path, root)
