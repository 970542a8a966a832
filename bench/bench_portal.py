"""Benchmark of the brand portal (runner: bench/run.py; alone: python bench/bench_portal.py [ENTRIES]).

Measures, on whatever database Django is configured with, inside a transaction that is rolled
back (nothing stays behind; PDFs go to a temporary MEDIA_ROOT), for an entry with a full season
of 225 tests (the default quotas) in a category of ``size`` entries (default 6):

- the scorecard page, warm (median of 20 requests through Django's test client), target ≤ 150 ms;
- the scorecard's PDF render (WeasyPrint), warm (median of 5), target ≤ 1.5 s;
- the PDF download once cached (information), the first render in the process (information).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

PAGE_TARGET_MS = 150.0
PDF_TARGET_S = 1.5


class _Rollback(Exception):
    pass


def _setup_django() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django
    from django.apps import apps

    if not apps.ready:
        django.setup()


def _free_year() -> int:
    from election.models import Edition

    year = 2099
    while Edition.objects.filter(country="FR", year__in=[year, year - 1]).exists():
        year -= 2
    return year


def _timed(fn, repeat: int, cpu: list[float] | None = None) -> list[float]:
    """Wall-clock seconds per call; the process's CPU seconds per call go to ``cpu`` if given
    (on a shared machine the CPU time shows the cost the wall clock hides under contention)."""
    out = []
    for _ in range(repeat):
        c0, t0 = time.process_time(), time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
        if cpu is not None:
            cpu.append(time.process_time() - c0)
    return out


def _measure(size: int, *, quick: bool = False) -> None:
    # The smoke run (CI) only checks that the benchmark still works: a few repeats are enough.
    repeat = {"page": 5, "pdf": 1, "cached": 3} if quick else {"page": 20, "pdf": 5, "cached": 10}
    from django.db import transaction
    from django.test import Client

    from bench.common import cold_render_row
    from election.models import BrandMembership
    from palmares.portal import services as reports
    from palmares.portal.scorecard import scorecard_for
    from tests.support import factories
    from tests.support.world import season

    with transaction.atomic():
        edition, category, entries = season(year=_free_year(), entries=size, published=True)
        entry = entries[0]
        member = factories.UserFactory(username="bench-portal-member")
        BrandMembership.objects.create(user=member, brand=entry.brand)
        client = Client(HTTP_HOST="127.0.0.1", HTTP_ACCEPT_LANGUAGE="fr")
        client.force_login(member)
        page = f"/portal/scorecards/{entry.pk}/"
        assert client.get(page).status_code == 200

        page_cpu: list[float] = []
        page_times = [t * 1000 for t in _timed(lambda: client.get(page), repeat["page"], page_cpu)]
        card_times = [t * 1000 for t in _timed(lambda: scorecard_for(entry=entry), repeat["page"])]
        card = scorecard_for(entry=entry)

        t0 = time.perf_counter()
        pdf = reports.report_pdf(card=card, language="fr")
        cold = time.perf_counter() - t0
        pdf_cpu: list[float] = []
        pdf_times = _timed(lambda: reports.report_pdf(card=card, language="fr"), repeat["pdf"], pdf_cpu)

        reports.report_build(entry=entry, language="fr", card=card)
        cached_times = [t * 1000 for t in _timed(lambda: b"".join(client.get(page + "report.pdf")), repeat["cached"])]

        import io

        from pypdf import PdfReader

        pages = len(PdfReader(io.BytesIO(pdf)).pages)
        tests = len(card["tests"])
        median_page, median_pdf = statistics.median(page_times), statistics.median(pdf_times)
        results = [
            {
                "name": f"scorecard page, entry with {tests} tests (warm, median of {repeat['page']})",
                "value": round(median_page, 1),
                "unit": "ms",
                "target": f"≤ {PAGE_TARGET_MS:.0f} ms",
                "met": None if quick else median_page <= PAGE_TARGET_MS,
                "baseline": None,
                "notes": f"min {min(page_times):.1f}, max {max(page_times):.1f} ms; CPU median "
                f"{statistics.median(page_cpu) * 1000:.1f} ms; category of {size} entries; "
                f"scorecard_for alone median {statistics.median(card_times):.1f} ms",
            },
            {
                "name": f"scorecard PDF render, entry with {tests} tests (warm, median of {repeat['pdf']})",
                "value": round(median_pdf, 3),
                "unit": "s",
                "target": f"≤ {PDF_TARGET_S} s",
                "met": None if quick else median_pdf <= PDF_TARGET_S,
                "baseline": None,
                "notes": f"min {min(pdf_times):.3f}, max {max(pdf_times):.3f} s; CPU median "
                f"{statistics.median(pdf_cpu):.3f} s; {pages} A4 pages; WeasyPrint",
            },
            {
                "name": f"scorecard PDF download once cached (median of {repeat['cached']})",
                "value": round(statistics.median(cached_times), 1),
                "unit": "ms",
                "target": None,
                "met": None,
                "baseline": None,
                "notes": "reads the cached scorecard to check its fingerprint, then streams the stored file",
            },
            cold_render_row("scorecard PDF", cold),
        ]
        raise _Rollback(results)


def run(size=6) -> list[dict]:
    """Measure with a category of ``size`` entries of 225 tests each (default 6); a non-numeric
    size ("small", "medium", "large") means 3, 6 or 12."""
    _setup_django()
    from django.test import override_settings

    try:
        n = max(1, int(size))
    except (TypeError, ValueError):
        n = {"smoke": 3, "small": 3, "medium": 6, "large": 12}.get(str(size), 6)
    with tempfile.TemporaryDirectory(prefix="bench-portal-") as media, override_settings(MEDIA_ROOT=media):
        try:
            _measure(n, quick=size == "smoke")
        except _Rollback as done:
            return done.args[0]
    raise RuntimeError("the benchmark did not complete")


if __name__ == "__main__":
    import json

    print(json.dumps(run(int(sys.argv[1]) if len(sys.argv) > 1 else 6), indent=2, ensure_ascii=False))
