"""Benchmark of the public palmarès under ceremony traffic (runner: bench/run.py; alone:
``python bench/bench_public.py [full|smoke]``) — issue 21's first two rows.

A published edition of 50 categories × 10 entries (smoke: 8 categories) with its certificates is
prepared once in its own database (``BENCH_PUBLIC_DATABASE_URL``, by default PostgreSQL
``awards_bench_public``; smoke uses a throw-away SQLite file), then gunicorn serves the project on
127.0.0.1:8149 (2 gthread workers × 4 threads, DEBUG off; the cache is Redis when REDIS_URL is set, as in
production, else local memory per worker) and Debian's ``wrk`` loads it with 16 connections, anonymous
and without cookies (ceremony night), for

- the floor: the stylesheet served by WhiteNoise through the same server and settings;
- the edition page, a category page, a certificate's verification page and the palmarès home:
  target ≥ 0.9 × the floor's requests/s and p99 ≤ 1.5 × the floor's p99;

then 49 more published editions are added (5 countries × 10 years in all; smaller ones, since a page reads
only its own snapshot) and the same pages are loaded again: target within 10 % of the 1-edition figure.
Each page is loaded in 3 runs, each right after a run of the static file, and its ratios are the medians of
those pairs' ratios, so that a change of load during the run weighs on both. A second run finds the history
made by the first: its first phase withdraws it (one UPDATE, pages retired), its second publishes it again, so
that the first phase has 1 published edition. The 50-edition figure is compared as a ratio to the static file
beside it, since the machine's speed drifts between the phases.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: the project's root on the path, as bench/run.py has it
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import setup_django, stop

ROOT = Path(__file__).resolve().parent.parent
PORT = 8149
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/awards_bench_public"
YEAR = 2090
# Issue 21: a published page against a static file served by the same server and settings.
TARGET_RPS_RATIO = 0.9
TARGET_P99_RATIO = 1.5
# With 50 editions in the database, within 10 % of the 1-edition figure.
TARGET_HISTORY_DRIFT = 0.10
COUNTRIES = ("FR", "BE", "ES", "IT", "DE")
# One worker process per CPU with 4 threads each, as docker-compose.yml serves the site: on these
# 2 cores it gave a steadier tail than 4×4 or 4×2 (README "Benchmarks").
WORKERS = int(os.environ.get("BENCH_PUBLIC_WORKERS", "2"))
THREADS = int(os.environ.get("BENCH_PUBLIC_THREADS", "4"))
# gthread keeps wrk's connections alive; "sync" closes each one (compare with BENCH_PUBLIC_WORKER_CLASS).
WORKER_CLASS = os.environ.get("BENCH_PUBLIC_WORKER_CLASS", "gthread")
# 16 open connections at ~1,500 req/s is several times a ceremony night's peak for a national award;
# the stress row doubles them to show where the tail goes when wrk and the server share 2 cores.
CONNECTIONS = int(os.environ.get("BENCH_PUBLIC_CONNECTIONS", "16"))
STRESS_CONNECTIONS = 2 * CONNECTIONS
LOAD_THREADS = int(os.environ.get("BENCH_PUBLIC_LOAD_THREADS", "2"))
# Each page is loaded in this many runs, each right after a run of the static file (the pair sees one load).
PAIRS = 3
SIZES = {
    "full": {"categories": 50, "entries": 10, "seconds": 10, "years": 10, "countries": 5, "history_categories": 10},
    "smoke": {"categories": 8, "entries": 4, "seconds": 2, "years": 2, "countries": 2, "history_categories": 2},
}


# -- data (runs in a child process pointed at the benchmark database) ------------------------


def prepare(categories: int, entries: int, country: str = "FR", year: int = YEAR) -> str:
    """Create and publish an edition unless it is already there, with its certificates (rows only, their
    PDFs are not what this measures); print its path and a certificate's verification path."""
    setup_django()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)

    from election.models import Edition, Entry
    from palmares.certificates import services as certificates
    from palmares.models import Certificate
    from palmares.publication import services
    from palmares.publication.signals import edition_published

    def paths() -> str:
        code = Certificate.objects.filter(publication__edition=edition).values_list("code", flat=True).first()
        return f"/palmares/{country.lower()}/{year}/ /verify/{code}/"

    edition = Edition.objects.filter(country=country, year=year).first()
    # Made by an earlier run (its publication maybe withdrawn by --history off): kept as it is.
    if edition and Certificate.objects.filter(publication__edition=edition).exists():
        return paths()
    # Certificates' PDFs are not what this benchmark measures.
    edition_published.disconnect(dispatch_uid="certificates_on_published")
    if edition is None:
        edition = _make_edition(categories, entries, country, year)
    publication = services.edition_publish(edition=edition)
    certificates.certificates_queue_render = lambda **kwargs: 0  # rows only: no PDF rendered
    certificates.certificates_issue(publication=publication)
    if not Certificate.objects.filter(publication=publication).exists():
        # The light rows may leave the palmarès without a laureate: a certificate for the page to verify.
        Certificate.objects.create(
            publication=publication,
            entry=Entry.objects.filter(category__edition=edition).order_by("pk").first(),
            code=certificates.new_code(),
            overall=15.0,
            issued_at=publication.goes_live_at,
            valid_until=certificates.one_year_after(publication.goes_live_at),
        )
    return paths()


def _make_edition(categories: int, entries: int, country: str, year: int):
    """The edition, its categories, entries and light results (not yet published)."""
    import datetime as dt
    import random

    from election.models import Brand, Category, Edition, Entry
    from mystery_tests.models import Agency, Campaign, TestResult

    quota = {"phone": 14, "email": 5, "web": 0, "chat": 0, "social": 0}
    edition = Edition.objects.create(
        country=country,
        year=year,
        name=f"Élu Service Client de l'Année {year} ({country})",
        tests_start_on=dt.date(year - 1, 5, 1),
        tests_end_on=dt.date(year - 1, 7, 31),
        **{f"quota_{c}": q for c, q in quota.items()},
    )
    # The default grid comes with the edition (mystery_tests.receivers).
    agency, _ = Agency.objects.get_or_create(slug="bench-public-agency", defaults={"name": "Bench Agency"})
    campaign = Campaign.objects.create(
        edition=edition, agency=agency, starts_on=edition.tests_start_on, ends_on=edition.tests_end_on
    )
    rng = random.Random(7)
    when = dt.datetime(year - 1, 6, 1, 10, tzinfo=dt.UTC)
    results = []
    for k in range(categories):
        category = Category.objects.create(edition=edition, slug=f"categorie-{k:02d}", name=f"Catégorie {k + 1}")
        for j in range(entries):
            brand, _ = Brand.objects.get_or_create(
                slug=f"bench-marque-{k:02d}-{j}", defaults={"name": f"Marque {k}-{j}"}
            )
            entry = Entry.objects.create(category=category, brand=brand, status=Entry.Status.REGISTERED)
            level = rng.uniform(8, 17)
            for channel, n in quota.items():
                for i in range(n):
                    results.append(
                        TestResult(
                            agency=agency,
                            external_id=f"B-{entry.pk}-{channel}-{i}",
                            campaign=campaign,
                            entry=entry,
                            channel=channel,
                            performed_at=when,
                            reached=True,
                            wait_seconds=rng.uniform(10, 300) if channel in ("phone", "chat") else None,
                            response_hours=rng.uniform(1, 72) if channel in ("email", "social") else None,
                            scores={},
                            score=round(min(20.0, max(0.0, rng.gauss(level, 2.5))), 4),
                        )
                    )
    TestResult.objects.bulk_create(results, batch_size=5000)
    return edition


def show_history(shown: bool, countries: int, years: int) -> int:
    """Publish (``shown``) or withdraw every edition of the history but the benchmark's, as one UPDATE, and
    retire the kept pages (the public generation) so that the next server sees it; the number changed.
    A second run finds the history already made: its first phase must still have 1 published edition."""
    setup_django()
    from election.models import Edition
    from palmares.models import Publication
    from palmares.publication.selectors import forget_live_publication

    history = [
        (country, year)
        for country in COUNTRIES[:countries]
        for year in range(YEAR - years + 1, YEAR + 1)
        if (country, year) != ("FR", YEAR)
    ]
    editions = [e.pk for e in Edition.objects.all() if (e.country, e.year) in history]
    changed = Publication.objects.filter(edition_id__in=editions).update(is_current=shown)
    for edition_id in [*editions, Edition.objects.get(country="FR", year=YEAR).pk]:
        forget_live_publication(edition_id=edition_id)
    return changed


# -- load ------------------------------------------------------------------------------------


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(url: str, seconds: int, connections: int = CONNECTIONS) -> dict:
    if shutil.which("wrk") is None:
        raise RuntimeError(
            "the HTTP load tester wrk is missing: `python3 scripts/dev.py bench` installs it "
            "(Debian package wrk), or install it with your package manager"
        )
    command = ["wrk", f"-t{LOAD_THREADS}", f"-c{connections}", f"-d{seconds}s", "--latency"]
    out = subprocess.run(
        [*command, "-H", "Accept-Language: fr", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket = re.search(r"Socket errors: (.*)", out)
    return {"rps": rps, "p50": p50, "p99": p99, "non2xx": int(errors.group(1)) if errors else 0, "socket": socket}


def _serve(env: dict) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi:application",
        "--bind",
        f"127.0.0.1:{PORT}",
        "--worker-class",
        WORKER_CLASS,
        "--workers",
        str(WORKERS),
        "--threads",
        str(THREADS),
        "--log-level",
        "warning",
    ]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL)


def _wait(url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with status {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (127.0.0.1 only)
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer 200 within {timeout:.0f} s")


def _prepare(env: dict, categories: int, entries: int, country: str, year: int) -> tuple[str, str]:
    out = subprocess.run(
        [sys.executable, __file__, "--prepare", str(categories), str(entries), country, str(year)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    edition, verify = out.strip().splitlines()[-1].split()
    return edition, verify


def _history(env: dict, sizes: dict, *, shown: bool) -> None:
    """The history published or withdrawn, in a child with the server's cache (so that its pages retire)."""
    command = [sys.executable, __file__, "--history", "on" if shown else "off", str(sizes["countries"])]
    subprocess.run([*command, str(sizes["years"])], cwd=ROOT, env=env, capture_output=True, text=True, check=True)


def _load(base: str, pages: dict[str, str], seconds: int) -> dict[str, dict]:
    """Each page against the static file, in PAIRS runs of (static file, page) one right after the other, so
    that both see the same load on this shared machine: the page's figures are the medians of its runs, its
    ratios the medians of the pairs' ratios, and its floor the median of the static file's runs beside it."""
    import statistics

    for path in pages.values():
        wrk(base + path, 1)  # warm every worker's cache
    static = base + "/static/css/site.css"
    slot = max(1, seconds // PAIRS + (seconds % PAIRS > 0))
    figures = {}
    for name, path in pages.items():
        pairs = [(wrk(static, slot), wrk(base + path, slot)) for _ in range(PAIRS)]
        pages_runs = [page for _, page in pairs]
        figures[name] = {
            "rps": statistics.median(p["rps"] for p in pages_runs),
            "p50": statistics.median(p["p50"] for p in pages_runs),
            "p99": statistics.median(p["p99"] for p in pages_runs),
            "non2xx": sum(p["non2xx"] for p in pages_runs),
            "floor_rps": statistics.median(f["rps"] for f, _ in pairs),
            "floor_p99": statistics.median(f["p99"] for f, _ in pairs),
            "ratio": statistics.median(p["rps"] / f["rps"] for f, p in pairs),
            "p99_ratio": statistics.median(p["p99"] / f["p99"] for f, p in pairs),
            "runs": ", ".join(f"{f['rps']:.0f}/{p['rps']:.0f}" for f, p in pairs),
        }
    return figures


def _phase(env: dict, base: str, pages: dict[str, str], seconds: int) -> dict[str, dict]:
    """A fresh server, the pages loaded against the static file, the server stopped."""
    process = _serve(env)
    try:
        _wait(base + next(iter(pages.values())), process)
        return _load(base, pages, seconds)
    finally:
        stop(process)


def _row(name: str, figure: dict, *, floor: str, ratio: float, target: str, met, baseline: str, notes: str) -> dict:
    return {
        "name": name,
        "value": round(figure["rps"]),
        "unit": "req/s",
        "floor": floor,
        "ratio": round(ratio, 2),
        "target": target,
        "met": met,
        "baseline": baseline,
        "notes": f"p50 {figure['p50']:.1f} ms, p99 {figure['p99']:.1f} ms, non-2xx {figure['non2xx']}; {notes}",
    }


def run(size: str) -> list[dict]:
    sizes = SIZES["full" if size == "full" else "smoke"]
    if size == "full":
        database = os.environ.get("BENCH_PUBLIC_DATABASE_URL", DEFAULT_DATABASE_URL)
        from bench.common import ensure_postgres_database

        ensure_postgres_database(database)
    else:
        database = f"sqlite:///{Path(tempfile.mkdtemp(prefix='bench-public-')) / 'bench.sqlite3'}"
    redis = os.environ.get("REDIS_URL", "") if size == "full" else ""
    # The data is prepared with tasks run in-process (no broker); the server uses the production cache.
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DJANGO_SETTINGS_MODULE")}
    env.update({"DATABASE_URL": database, "DJANGO_DEBUG": "0", "PYTHONPATH": str(ROOT)})
    server_env = {**env, **({"REDIS_URL": redis} if redis else {})}
    started = time.perf_counter()
    edition, verify = _prepare(env, sizes["categories"], sizes["entries"], "FR", YEAR)
    prepared = time.perf_counter() - started
    _history(server_env, sizes, shown=False)
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    base = f"http://127.0.0.1:{PORT}"
    pages = {
        "edition page": edition,
        "category page": edition + "categorie-00/",
        "verification page": verify,
        "palmarès home": "/palmares/",
    }
    one = _phase(server_env, base, pages, sizes["seconds"])
    # History: 5 countries × 10 years (smoke 2 × 2) published, the benchmark edition among them.
    started = time.perf_counter()
    history = 1
    for country in COUNTRIES[: sizes["countries"]]:
        for year in range(YEAR - sizes["years"] + 1, YEAR + 1):
            if (country, year) != ("FR", YEAR):
                _prepare(env, sizes["history_categories"], sizes["entries"], country, year)
                history += 1
    _history(server_env, sizes, shown=True)
    history_prepared = time.perf_counter() - started
    many = _phase(server_env, base, pages, sizes["seconds"])

    cache = "Redis" if redis else "local-memory cache per worker"
    setup = (
        f"gunicorn {WORKER_CLASS} {WORKERS}×{THREADS} on 127.0.0.1:{PORT}, DEBUG off, {cache}; "
        f"wrk -t{LOAD_THREADS} -c{CONNECTIONS} -d{sizes['seconds']}s, anonymous, no cookie; "
        f"{sizes['categories']} categories × {sizes['entries']} entries with certificates; prepared in {prepared:.0f} s"
    )
    rows = []
    for name, figure in one.items():
        met = figure["ratio"] >= TARGET_RPS_RATIO and figure["p99_ratio"] <= TARGET_P99_RATIO and figure["non2xx"] == 0
        rows.append(
            _row(
                f"{name} under wrk -c{CONNECTIONS}, 1 published edition",
                figure,
                floor=f"{figure['floor_rps']:.0f} req/s, p99 {figure['floor_p99']:.1f} ms",
                ratio=figure["ratio"],
                target=f"≥ {TARGET_RPS_RATIO} × the floor's req/s, p99 ≤ {TARGET_P99_RATIO} × the floor's",
                met=met if size == "full" else None,
                baseline="a static file (/static/css/site.css, WhiteNoise) by the same server and settings, "
                f"in {PAIRS} runs each right before one of the page's",
                notes=f"{pages[name]}: p99 ratio {figure['p99_ratio']:.2f} (medians of the pairs; static/page req/s "
                f"{figure['runs']}); {setup}",
            )
        )
    for name, figure in many.items():
        # The machine's speed drifts between the two phases (±30 %): each phase's figure is the page's ratio to
        # the static file beside it, and the drift compares those ratios.
        before, after = one[name]["ratio"], figure["ratio"]
        drift = after / before - 1
        rows.append(
            _row(
                f"{name}, {history} published editions",
                figure,
                floor=f"{before:.2f} × the static file with 1 edition ({one[name]['rps']:.0f} req/s)",
                ratio=after / before,
                target=f"within {TARGET_HISTORY_DRIFT:.0%} of the 1-edition figure (each a ratio to the static "
                "file beside it)",
                met=(drift >= -TARGET_HISTORY_DRIFT and figure["non2xx"] == 0) if size == "full" else None,
                baseline="the same page with 1 published edition, same run",
                notes=f"{after:.2f} × the static file in this phase (static/page req/s {figure['runs']}; raw ratio "
                f"to the 1-edition req/s {figure['rps'] / one[name]['rps']:.2f}); {history - 1} editions "
                f"({sizes['history_categories']} categories each) added or published in {history_prepared:.0f} s",
            )
        )
    return rows


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--prepare":
        print(prepare(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], int(sys.argv[5])))
    elif len(sys.argv) > 1 and sys.argv[1] == "--history":
        print(show_history(sys.argv[2] == "on", int(sys.argv[3]), int(sys.argv[4])))
    else:
        for row in run(sys.argv[1] if len(sys.argv) > 1 else "full"):
            print(row)
