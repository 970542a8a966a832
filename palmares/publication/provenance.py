"""Published roots and inclusion proofs (METHODOLOGY §12).

At publication, each category's counted tests (§5: registered entry, not excluded) give their
32-byte fingerprints, sorted ascending; the category root is their RFC 6962 tree hash, the edition
root the tree hash over the category roots in slug order. Roots and leaves are frozen with the
publication (``PublishedTree``), so a proof is always given against exactly what was published.
"""

from __future__ import annotations

import bisect
from typing import Any

from django.utils.translation import gettext as _

from election.models import Edition, Entry
from mystery_tests.merkle import audit_path, tree_hash
from mystery_tests.models import ResultEvent, TestResult
from mystery_tests.provenance import fingerprint_of
from palmares.models import Appeal, Publication, PublishedTree

# Reasons a test is not in its category's published tree (the proofs endpoint's ``reason``).
REASON_QUALITY_REVIEW = "quality_review"
REASON_APPEAL = "appeal"
REASON_REPLACED = "replaced"
REASON_ENTRY_NOT_REGISTERED = "entry_not_registered"
REASON_NOT_PUBLISHED = "not_in_publication"


def _backfill(edition: Edition) -> None:
    """Fingerprint the edition's results stored without one (rows written outside the upload path)."""
    rows = TestResult.objects.filter(campaign__edition=edition, fingerprint="").select_related(
        "agency", "entry__brand", "entry__category"
    )
    changed = []
    for row in rows.iterator(chunk_size=1000):
        row.fingerprint = result_fingerprint(row)
        changed.append(row)
    TestResult.objects.bulk_update(changed, ["fingerprint"], batch_size=1000)


def result_fingerprint(result: TestResult) -> str:
    """The §12 fingerprint of a stored result's current version."""
    return fingerprint_of(
        result, agency=result.agency.slug, brand=result.entry.brand.slug, category=result.entry.category.slug
    )


def counted_leaves(*, edition: Edition) -> dict[str, list[bytes]]:
    """Per category slug (all of the edition's, in slug order), its counted tests' fingerprints, sorted."""
    _backfill(edition)
    leaves: dict[str, list[bytes]] = {slug: [] for slug in sorted(edition.categories.values_list("slug", flat=True))}
    rows = TestResult.objects.filter(
        entry__category__edition=edition, entry__status=Entry.Status.REGISTERED, excluded=False
    ).values_list("entry__category__slug", "fingerprint")
    for slug, hexdigest in rows.order_by().iterator(chunk_size=5000):
        leaves[slug].append(bytes.fromhex(hexdigest))
    for values in leaves.values():
        values.sort()
    return leaves


def provenance_of(leaves: dict[str, list[bytes]]) -> tuple[dict[str, dict[str, Any]], str]:
    """``({slug: {"root", "tests"}}, edition_root)`` from ``counted_leaves``."""
    categories = {slug: {"root": tree_hash(values).hex(), "tests": len(values)} for slug, values in leaves.items()}
    edition_root = tree_hash([bytes.fromhex(categories[slug]["root"]) for slug in sorted(categories)]).hex()
    return categories, edition_root


def add_provenance(palmares: dict, leaves: dict[str, list[bytes]]) -> None:
    """Put ``provenance`` on each category of a palmarès body and ``provenance.edition_root`` on the body."""
    categories, edition_root = provenance_of(leaves)
    for category in palmares.get("categories", []):
        category["provenance"] = categories.get(category["slug"], {"root": tree_hash([]).hex(), "tests": 0})
    palmares["provenance"] = {"edition_root": edition_root}


def freeze_trees(*, publication: Publication, leaves: dict[str, list[bytes]]) -> None:
    """Keep each category's leaves with the publication (inside the publishing transaction)."""
    PublishedTree.objects.bulk_create(
        PublishedTree(
            publication=publication,
            category_slug=slug,
            root=tree_hash(values).hex(),
            tests=len(values),
            leaves=b"".join(values),
        )
        for slug, values in leaves.items()
    )


# -- proofs ---------------------------------------------------------------------------------------
def _not_counted_reason(result: TestResult) -> tuple[str, str]:
    if result.excluded:
        if Appeal.objects.filter(result=result, status=Appeal.Status.ACCEPTED).exists():
            return REASON_APPEAL, _("Excluded after an upheld appeal.")
        return REASON_QUALITY_REVIEW, _("Excluded by the organisers' quality review.")
    if result.entry.status != Entry.Status.REGISTERED:
        return REASON_ENTRY_NOT_REGISTERED, _("The entry is %(status)s: its tests are not scored.") % {
            "status": result.entry.get_status_display().lower()
        }
    return REASON_NOT_PUBLISHED, _("This version of the test is not the one that was published.")


def inclusion_proof(*, publication: Publication, result: TestResult, asked: str | None = None) -> dict | None:
    """The proofs endpoint's body for ``result`` in ``publication`` (API.md), or None when ``asked``
    (a fingerprint) is neither the result's current version nor one it replaced."""
    current = result.fingerprint or result_fingerprint(result)
    category = result.entry.category.slug
    if asked and asked != current:
        if not ResultEvent.objects.filter(result=result, kind=ResultEvent.Kind.REPLACED, fingerprint=asked).exists():
            return None
        return {
            "fingerprint": asked,
            "category": category,
            "counted": False,
            "reason": REASON_REPLACED,
            "detail": _("This version was replaced by a later upload of the same test."),
            "replaced_by": current,
        }
    tree = PublishedTree.objects.filter(publication=publication, category_slug=category).first()
    leaves = tree.leaf_list() if tree is not None else []
    leaf = bytes.fromhex(current)
    index = bisect.bisect_left(leaves, leaf)
    if tree is not None and index < len(leaves) and leaves[index] == leaf:
        return {
            "fingerprint": current,
            "category": category,
            "counted": True,
            "leaf_index": index,
            "tree_size": len(leaves),
            "audit_path": [node.hex() for node in audit_path(leaves, index)],
            "root": tree.root,
        }
    reason, detail = _not_counted_reason(result)
    return {"fingerprint": current, "category": category, "counted": False, "reason": reason, "detail": detail}
