"""Benchmark of certificate rendering (runner: bench/run.py; alone: python bench/bench_certificates.py).

Measures, on whatever database Django is configured with, inside a transaction that is rolled
back (nothing stays behind; PDFs go to a temporary MEDIA_ROOT):

- the render of one certificate PDF, warm (median of several), target ≤ 1 s;
- the first render in the process (WeasyPrint import and font loading), for information;
- the render of an edition's 50 certificates one after the other (one worker);
- the public verification page, warm (median).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

ONE_TARGET_S = 1.0
VERIFY_TARGET_MS = 100.0


class _Rollback(Exception):
    pass


def _edition_with_laureates(n: int):
    """An edition of ``n`` categories with one laureate each and its decided publication."""
    import datetime as dt

    from django.utils import timezone

    from election.models import Brand, Category, Edition, Entry
    from palmares.models import Publication

    year = max(2099 - Edition.objects.filter(country="BE", year__gte=2000).count(), 2001)
    while Edition.objects.filter(country="BE", year=year).exists():
        year -= 1
    edition = Edition.objects.create(country="BE", year=year, name=f"Service Client de l'Année {year} (bench)")
    categories = Category.objects.bulk_create(
        Category(edition=edition, slug=f"bench-{i:03d}", name=f"Catégorie de banc d'essai {i}") for i in range(n)
    )
    brands = Brand.objects.bulk_create(
        Brand(slug=f"bench-{year}-{i:03d}", name=f"Marque de démonstration {i}") for i in range(n)
    )
    Entry.objects.bulk_create(Entry(category=c, brand=b) for c, b in zip(categories, brands, strict=True))
    now = timezone.now()
    palmares = {
        "edition": {"id": edition.pk, "country": "BE", "year": year, "name": edition.name},
        "figures": {},
        "categories": [
            {
                "slug": c.slug,
                "name": c.name,
                "laureates": [{"brand": {"slug": b.slug, "name": b.name}, "overall": 12.5 + (i % 70) / 10}],
            }
            for i, (c, b) in enumerate(zip(categories, brands, strict=True))
        ],
    }
    return Publication.objects.create(
        edition=edition,
        decided_at=now,
        goes_live_at=now - dt.timedelta(minutes=1),
        snapshot={"rankings": {"categories": []}, "palmares": palmares},
        fingerprint="bench",
    )


def _measure(size: int) -> None:
    from django.db import transaction
    from django.test import Client

    from bench.common import cold_render_row
    from palmares.certificates.services import certificate_render, certificates_issue

    results: list[dict] = []
    with transaction.atomic():
        publication = _edition_with_laureates(size)
        certificates = certificates_issue(publication=publication)

        t0 = time.perf_counter()
        certificate_render(certificate=certificates[0])
        cold = time.perf_counter() - t0

        one, cpu = [], []
        for _ in range(7):
            t0, c0 = time.perf_counter(), time.process_time()
            certificate_render(certificate=certificates[0], force=True)
            one.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
        median_one, median_cpu = statistics.median(one), statistics.median(cpu)

        t0 = time.perf_counter()
        for certificate in certificates:
            certificate_render(certificate=certificate, force=True)
        edition_total = time.perf_counter() - t0

        client = Client(HTTP_HOST="127.0.0.1")
        address = f"/verify/{certificates[0].code}/"
        assert client.get(address).status_code == 200
        verify = []
        for _ in range(30):
            t0 = time.perf_counter()
            client.get(address)
            verify.append((time.perf_counter() - t0) * 1000)
        median_verify = statistics.median(verify)
        results = [
            {
                "name": "certificate render, one PDF (warm, median of 7)",
                "value": round(median_one, 3),
                "unit": "s",
                "target": f"≤ {ONE_TARGET_S} s",
                "met": median_one <= ONE_TARGET_S,
                "baseline": None,
                "notes": f"min {min(one):.3f} s, max {max(one):.3f} s; WeasyPrint, A4 landscape, SVG QR code",
            },
            {
                "name": "certificate render, one PDF: CPU time of the process (median of 7)",
                "value": round(median_cpu, 3),
                "unit": "s",
                "target": f"≤ {ONE_TARGET_S} s",
                "met": median_cpu <= ONE_TARGET_S,
                "baseline": None,
                "notes": "the render's own cost, independent of other load on the machine",
            },
            cold_render_row("certificate", cold),
            {
                "name": f"certificate render, an edition's {size} PDFs (one worker, sequential)",
                "value": round(edition_total, 2),
                "unit": "s",
                "target": f"≤ {ONE_TARGET_S * size:.0f} s",
                "met": edition_total <= ONE_TARGET_S * size,
                "baseline": None,
                "notes": f"{edition_total / size:.3f} s per certificate; the admin queues one task each, "
                "so N workers divide this",
            },
            {
                "name": "verification page /verify/<code>/ (warm, median of 30)",
                "value": round(median_verify, 1),
                "unit": "ms",
                "target": f"≤ {VERIFY_TARGET_MS:.0f} ms",
                "met": median_verify <= VERIFY_TARGET_MS,
                "baseline": None,
                "notes": f"p90 {sorted(verify)[int(len(verify) * 0.9)]:.1f} ms; 2 queries, Django test client",
            },
        ]
        # Leave nothing behind: the rollback carries the figures out of the transaction.
        raise _Rollback(results)


def run(size=50) -> list[dict]:
    """Measure with an edition of ``size`` laureates: the runner's "full" means 50 (the brief's
    edition), "smoke" 5; a number is taken as is."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from bench.common import setup_django

    setup_django()
    from django.test import override_settings

    try:
        n = max(1, int(size))
    except (TypeError, ValueError):
        n = {"smoke": 5, "full": 50}.get(str(size), 50)
    with tempfile.TemporaryDirectory(prefix="bench-certificates-") as media, override_settings(MEDIA_ROOT=media):
        try:
            _measure(n)
        except _Rollback as done:
            return done.args[0]
    raise RuntimeError("the benchmark did not complete")


if __name__ == "__main__":
    import json

    print(json.dumps(run(int(sys.argv[1]) if len(sys.argv) > 1 else 50), indent=2, ensure_ascii=False))
