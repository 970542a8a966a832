"""Results stored without a fingerprint (rows from before METHODOLOGY §12, or written outside the upload
path) get theirs at publication, before the roots are frozen. (The data migration that fingerprinted
the rows of before, mystery_tests 0004, ran on every database of then and was squashed away, issue 14.)"""

from mystery_tests.models import TestResult
from palmares.publication.provenance import result_fingerprint
from palmares.publication.services import edition_publish
from tests.mystery_tests.test_provenance_api import fingerprint_of
from tests.support.audit_redraw import mth
from tests.support.palmares import build_world


def test_publication_fingerprints_rows_stored_without_one(db, organiser):
    # Arrange: palmares_support writes its results with bulk_create, without fingerprints
    palmares_world = build_world()
    assert set(TestResult.objects.values_list("fingerprint", flat=True)) == {""}

    # Act
    publication = edition_publish(edition=palmares_world.edition, user=organiser)

    # Assert
    rows = TestResult.objects.select_related("agency", "entry__brand", "entry__category")
    assert all(r.fingerprint == fingerprint_of(r) == result_fingerprint(r) for r in rows)
    banque = next(c for c in publication.snapshot["palmares"]["categories"] if c["slug"] == "banque")
    leaves = sorted(bytes.fromhex(r.fingerprint) for r in rows if r.entry.category.slug == "banque")
    assert banque["provenance"] == {"root": mth(leaves).hex(), "tests": len(leaves)}
