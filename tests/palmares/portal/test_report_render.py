"""The scorecard PDF render: the collector setting it changes for speed is put back."""

import gc

import pytest

from palmares.portal import services as reports
from palmares.portal.scorecard import scorecard_for
from tests.support.world import small_world

pytestmark = pytest.mark.django_db


def test_report_pdf_restores_gc_threshold_after_render():
    card = scorecard_for(entry=small_world(published=True).a)
    before = gc.get_threshold()

    pdf = reports.report_pdf(card=card, language="fr")

    assert pdf[:5] == b"%PDF-"
    assert gc.get_threshold() == before


def test_report_pdf_restores_gc_threshold_when_render_fails(monkeypatch):
    card = scorecard_for(entry=small_world(published=True).a)
    before = gc.get_threshold()

    def broken(**kwargs):
        raise RuntimeError("layout failed")

    monkeypatch.setattr("weasyprint.HTML.write_pdf", lambda self, *a, **k: broken())

    with pytest.raises(RuntimeError, match="layout failed"):
        reports.report_pdf(card=card, language="fr")
    assert gc.get_threshold() == before
