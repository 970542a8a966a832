"""An edition's PDFs against bare WeasyPrint (runner: bench/run.py; alone: ``python bench/bench_pdfs.py
[full|smoke]``) — issue 21's row "an edition's 60 scorecard PDFs and 10 certificates ≤ 1.5 × the floor".

Inside a transaction that is rolled back (PDFs to a temporary MEDIA_ROOT), on whatever database Django is
configured with:

- the work: 60 scorecard PDFs (``report_pdf`` of a card computed afresh by ``scorecard_for``, over the
  season's entries of 225 tests, French and English in turn) and 10 certificates (``certificate_render``,
  forced: read the facts, render, store the file) — smoke: 3 and 2;
- the floor, measured in the same run: as many WeasyPrint renders of a fixed plain page of equal size (the
  same number of A4 pages as the scorecard, each with a table of as many rows as a scorecard page holds;
  one A4 landscape page of the certificate's amount of text), no project CSS, fonts or images.

The floor is measured before and after the work (mean of both). The row compares costs: CPU seconds of the
process, plus the time of the work's queries (the database's share); the wall times, which the machine's load
of the moment stretches unequally, are in the notes.
"""

from __future__ import annotations

import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import rolled_back, setup_django  # noqa: E402 -- the project on sys.path first

TARGET_RATIO = 1.5
SIZES = {
    "full": {"scorecards": 60, "certificates": 10, "entries": 7},
    "smoke": {"scorecards": 1, "certificates": 1, "entries": 1},
}


def _timed(fn):
    """(what ``fn()`` returns, wall seconds, CPU seconds of this process)."""
    wall, cpu = time.perf_counter(), time.process_time()
    value = fn()
    return value, time.perf_counter() - wall, time.process_time() - cpu


def floor_html(*, pages: int, chars: int, rows: int = 0, cells: int = 0, landscape: bool = False) -> str:
    """A plain document of ``pages`` A4 pages holding, in all, ``rows`` table rows of ``cells`` cells and
    ``chars`` characters of text (the size of the document it stands for), default font, no image."""
    per_page_rows = rows // pages
    per_row = max(1, cells // rows) if rows else 0
    cell_text = "x" * max(1, (chars // max(1, cells)) - 1) if cells else ""
    table_text = per_page_rows * per_row * len(cell_text)
    words = "Texte de présentation du document de référence. "
    paragraphs = max(0, chars // pages - table_text) // len(words)
    row = "<tr>" + f"<td>{cell_text}</td>" * per_row + "</tr>"
    table = f"<table>{row * per_page_rows}</table>" if per_page_rows else ""
    page = f"<section><h1>Titre</h1><p>{words * paragraphs}</p>{table}</section>"
    size = "A4 landscape" if landscape else "A4"
    style = f"@page {{ size: {size}; margin: 15mm }} section {{ break-after: page }} td {{ border: 1px solid #999 }}"
    return f"<!doctype html><html lang='fr'><head><style>{style}</style></head><body>{page * pages}</body></html>"


def _text(pdf: bytes) -> tuple[int, int]:
    """(pages, characters of text) of a PDF."""
    from pypdf import PdfReader  # noqa: PLC0415 -- only where a PDF is measured

    reader = PdfReader(io.BytesIO(pdf))
    return len(reader.pages), sum(len(page.extract_text() or "") for page in reader.pages)


def profile_section(fn, title: str) -> str:
    """A cProfile of ``fn()`` as a report section: the 20 functions of largest cumulative time and the
    12 of largest own time, paths shortened to the package."""
    import cProfile  # noqa: PLC0415 -- only for the profile
    import pstats  # noqa: PLC0415

    profiler = cProfile.Profile(time.process_time)  # CPU time: what the machine's load does not stretch
    profiler.enable()
    fn()
    profiler.disable()

    def table(order: str, count: int) -> str:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(order).print_stats(count)
        return out.getvalue().split("ncalls", 1)[-1].join(("ncalls", "")).rstrip()

    return "\n".join(
        [
            f"## Profile: {title}",
            "",
            "cProfile (CPU seconds), one render in the benchmark's process; by cumulative time:",
            "",
            "```",
            table("cumulative", 20),
            "```",
            "",
            "by own time:",
            "",
            "```",
            table("tottime", 12),
            "```",
        ]
    )


def _render_floor(html: str, count: int) -> float:
    from weasyprint import HTML  # noqa: PLC0415 -- heavy: loaded only where a PDF is made

    started = time.perf_counter()
    for _ in range(count):
        HTML(string=html).write_pdf()
    return time.perf_counter() - started


def _measure(sizes: dict) -> list[dict]:
    """The rows; run inside a transaction that ``rolled_back`` undoes."""
    from django.db import connection

    from bench.bench_certificates import _edition_with_laureates as edition_with_laureates
    from bench.bench_portal import _free_year
    from palmares.certificates.services import certificate_render, certificates_issue
    from palmares.portal.scorecard import scorecard_for
    from palmares.portal.services import report_html, report_pdf
    from tests.support.world import SEASON_BRANDS, season

    _, _, entries = season(year=_free_year(), entries=min(sizes["entries"], len(SEASON_BRANDS)), published=True)
    certificates = certificates_issue(publication=edition_with_laureates(sizes["certificates"]))
    # Warm both paths (WeasyPrint's import, fonts) and learn the sizes the floor must match.
    card = scorecard_for(entry=entries[0])
    card_pages, card_chars = _text(report_pdf(card=card, language="fr"))
    html = report_html(card=card, language="fr")
    card_rows, card_cells = html.count("<tr"), html.count("<td") + html.count("<th")
    certificate_render(certificate=certificates[0], force=True)
    certificates[0].refresh_from_db()
    certificate_pages, certificate_chars = _text(certificates[0].file.read())
    scorecard_floor = floor_html(pages=card_pages, chars=card_chars, rows=card_rows, cells=card_cells)
    certificate_floor = floor_html(pages=certificate_pages, chars=certificate_chars, landscape=True)
    _render_floor(scorecard_floor, 1)

    def floor() -> float:
        return _render_floor(scorecard_floor, sizes["scorecards"]) + _render_floor(
            certificate_floor, sizes["certificates"]
        )

    def work() -> tuple[float, float]:
        started = time.perf_counter()
        for i in range(sizes["scorecards"]):
            entry = entries[i % len(entries)]
            report_pdf(card=scorecard_for(entry=entry), language=("fr", "en")[i % 2])
        scorecards = time.perf_counter() - started
        for certificate in certificates[: sizes["certificates"]]:
            certificate_render(certificate=certificate, force=True)
        return scorecards, time.perf_counter() - started - scorecards

    sql: list[float] = []

    def timed_sql(execute, *args):
        started = time.perf_counter()
        try:
            return execute(*args)
        finally:
            sql.append(time.perf_counter() - started)

    _, before, before_cpu = _timed(floor)
    with connection.execute_wrapper(timed_sql):
        (scorecards, certs), _, work_cpu = _timed(work)
    _, after, after_cpu = _timed(floor)
    profile = profile_section(
        lambda: report_pdf(card=scorecard_for(entry=entries[0]), language="fr"),
        f"the slowest remaining path, a scorecard PDF ({len(card['tests'])} tests, {card_pages} pages), card "
        "computed afresh",
    )
    floor_s = statistics.mean([before, after])
    floor_cpu = statistics.mean([before_cpu, after_cpu])
    total = scorecards + certs
    # The verdict is on cost, not wall time: this process's CPU seconds plus the time its queries took (the
    # database's share); the floor has no query. On this shared machine the wall time stretches by the load
    # of the moment, unequally between the floor's runs and the work's (see the notes).
    cost = work_cpu + sum(sql)
    rows = [
        {
            "name": f"an edition's {sizes['scorecards']} scorecard PDFs and {sizes['certificates']} certificates",
            "value": round(cost, 1),
            "unit": "CPU s",
            "floor": f"{floor_cpu:.1f} CPU s ({before_cpu:.1f} and {after_cpu:.1f})",
            "ratio": round(cost / floor_cpu, 2),
            "target": f"≤ {TARGET_RATIO} × the floor",
            "met": cost / floor_cpu <= TARGET_RATIO,
            "baseline": f"as many WeasyPrint renders of a fixed plain page of equal size ({card_pages} A4 pages, "
            f"{card_rows} table rows of {card_cells} cells, {card_chars} characters in all; "
            f"{certificate_pages} A4 landscape page of {certificate_chars})",
            "notes": f"cost = CPU of the process {work_cpu:.1f} s + its {len(sql)} queries {sum(sql):.1f} s; wall "
            f"time: work {total:.1f} s against the floor's {floor_s:.1f} s ({before:.1f} and {after:.1f} s), ratio "
            f"{total / floor_s:.2f} (the load of the moment); scorecards {scorecards:.1f} s wall "
            f"({scorecards / sizes['scorecards']:.2f} s each, card computed afresh, {len(card['tests'])} tests, "
            f"{card_pages} pages, over {len(entries)} entries, fr and en), certificates {certs:.1f} s wall "
            f"({certs / sizes['certificates']:.2f} s each, {certificate_pages} page, facts read, file stored); "
            "profile in the section below",
            "section": profile,
        }
    ]
    return rows


def run(size: str = "full") -> list[dict]:
    setup_django()
    from django.test import override_settings

    sizes = SIZES["smoke" if size == "smoke" else "full"]
    with tempfile.TemporaryDirectory(prefix="bench-pdfs-") as media, override_settings(MEDIA_ROOT=media):
        rows = rolled_back(lambda: (sizes,), _measure)
    if size == "smoke":
        for row in rows:
            row["met"] = None
    return rows


if __name__ == "__main__":
    for row in run(sys.argv[1] if len(sys.argv) > 1 else "full"):
        print(row)
