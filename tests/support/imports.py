"""Moved to tests/support/world.py (the agency world ``iworld`` and the files agencies send); kept only until
tests/mystery_tests/test_review_console.py and test_imports_robustness.py import from there."""

from tests.support.world import HEADER, csv_bytes, iworld, json_item, row, upload_results, xlsx_bytes  # noqa: F401
