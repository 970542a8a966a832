"""Benchmark of the public palmarès under ceremony traffic (runner: bench/run.py; alone:
``python bench/bench_public.py [full|smoke]``).

A published edition of 50 categories × 10 entries (smoke: 8 categories) is prepared once in its own
PostgreSQL database ``awards_bench_h5`` (``BENCH_PUBLIC_DATABASE_URL`` overrides it; smoke uses a
throw-away SQLite file), then gunicorn serves the project on 127.0.0.1:8149 (2 gthread workers × 4
threads, DEBUG off, local-memory cache per worker) and Debian's ``wrk`` loads it: 2 threads,
16 connections, 15 s (smoke: 3 s), for

- the edition page ``/palmares/fr/<year>/`` (target ≥ 500 req/s with p99 ≤ 50 ms);
- a category page (information);
- the stylesheet served by WhiteNoise through the same server (upper bound, baseline);
- the edition page and the stylesheet again with 32 connections (stress, information).

The test rows are lighter than a real season (quotas 14/5/2/1/1) because the public pages read
only the frozen snapshot, whose size depends on categories and entries, not on tests.
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

ROOT = Path(__file__).resolve().parent.parent
PORT = 8149
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/awards_bench_h5"
YEAR = 2090
TARGET_RPS = 500.0
TARGET_P99_MS = 50.0
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
SIZES = {
    "full": {"categories": 50, "entries": 10, "seconds": 15, "runs": 3},
    "smoke": {"categories": 8, "entries": 4, "seconds": 3, "runs": 1},
}


# -- data (runs in a child process pointed at the benchmark database) ------------------------


def prepare(categories: int, entries: int) -> str:
    """Create and publish the benchmark edition unless it is already there; return its path."""
    import datetime as dt
    import random

    import django

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)

    from election.models import Brand, Category, Edition, Entry
    from mystery_tests.models import Agency, Campaign, TestResult
    from palmares.models import Publication
    from palmares.publication import services
    from palmares.publication.signals import edition_published

    edition = Edition.objects.filter(country="FR", year=YEAR).first()
    if edition and Publication.objects.filter(edition=edition, is_current=True).exists():
        return f"/palmares/fr/{YEAR}/"
    if edition:
        edition.delete()
    # Certificates' PDFs are not what this benchmark measures.
    edition_published.disconnect(dispatch_uid="certificates_on_published")
    quota = {"phone": 14, "email": 5, "web": 2, "chat": 1, "social": 1}
    edition = Edition.objects.create(
        country="FR",
        year=YEAR,
        name=f"Élu Service Client de l'Année {YEAR}",
        tests_start_on=dt.date(YEAR - 1, 5, 1),
        tests_end_on=dt.date(YEAR - 1, 7, 31),
        **{f"quota_{c}": q for c, q in quota.items()},
    )
    # The default grid comes with the edition (mystery_tests.receivers).
    agency, _ = Agency.objects.get_or_create(slug="bench-public-agency", defaults={"name": "Bench Agency"})
    campaign = Campaign.objects.create(
        edition=edition, agency=agency, starts_on=edition.tests_start_on, ends_on=edition.tests_end_on
    )
    rng = random.Random(7)
    when = dt.datetime(YEAR - 1, 6, 1, 10, tzinfo=dt.UTC)
    results = []
    for k in range(categories):
        category = Category.objects.create(edition=edition, slug=f"categorie-{k:02d}", name=f"Catégorie {k + 1}")
        for j in range(entries):
            brand, _ = Brand.objects.get_or_create(
                slug=f"bench-marque-{k:02d}-{j}", defaults={"name": f"Marque {k}-{j}"}
            )
            entry = Entry.objects.create(category=category, brand=brand)
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
                            reached=rng.random() > 0.05,
                            wait_seconds=rng.uniform(10, 300) if channel in ("phone", "chat") else None,
                            response_hours=rng.uniform(1, 72) if channel in ("email", "social") else None,
                            scores={},
                            score=round(min(20.0, max(0.0, rng.gauss(level, 2.5))), 4),
                        )
                    )
    TestResult.objects.bulk_create(results, batch_size=5000)
    services.edition_publish(edition=edition)
    return f"/palmares/fr/{YEAR}/"


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


def run(size: str) -> list[dict]:
    sizes = SIZES["full" if size == "full" else "smoke"]
    if size == "full":
        database = os.environ.get("BENCH_PUBLIC_DATABASE_URL", DEFAULT_DATABASE_URL)
        sys.path.insert(0, str(ROOT))
        from bench.common import ensure_postgres_database

        ensure_postgres_database(database)
    else:
        database = f"sqlite:///{Path(tempfile.mkdtemp(prefix='bench-public-')) / 'bench.sqlite3'}"
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DJANGO_SETTINGS_MODULE")}
    env.update({"DATABASE_URL": database, "DJANGO_DEBUG": "0", "PYTHONPATH": str(ROOT)})
    started = time.perf_counter()
    path = (
        subprocess.run(
            [sys.executable, __file__, "--prepare", str(sizes["categories"]), str(sizes["entries"])],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    prepared = time.perf_counter() - started
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    base = f"http://127.0.0.1:{PORT}"
    process = _serve(env)
    try:
        _wait(base + path, process)
        for url in (base + path, base + path + "categorie-00/"):
            wrk(url, 2)  # warm every worker's cache
        # The machine is a shared VM whose tail latency wanders from run to run: the edition page is
        # loaded several times and the run with the median p99 is reported (all p99s in the notes).
        runs = sorted((wrk(base + path, sizes["seconds"]) for _ in range(sizes["runs"])), key=lambda r: r["p99"])
        page = runs[len(runs) // 2]
        category = wrk(base + path + "categorie-00/", sizes["seconds"])
        static = wrk(base + "/static/css/site.css", sizes["seconds"])
        stress = wrk(base + path, sizes["seconds"], STRESS_CONNECTIONS)
        stress_static = wrk(base + "/static/css/site.css", sizes["seconds"], STRESS_CONNECTIONS)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    setup = (
        f"gunicorn {WORKER_CLASS} {WORKERS}×{THREADS} on 127.0.0.1:{PORT}, DEBUG off, locmem cache; "
        f"wrk -t{LOAD_THREADS} -c{CONNECTIONS} -d{sizes['seconds']}s, median p99 of {sizes['runs']} runs; "
        f"{sizes['categories']} categories × {sizes['entries']} entries; data prepared in {prepared:.0f} s"
    )
    met = page["rps"] >= TARGET_RPS and page["p99"] <= TARGET_P99_MS and page["non2xx"] == 0
    baseline = f"static file {static['rps']:.0f} req/s, p99 {static['p99']:.1f} ms"
    return [
        {
            "name": "edition page throughput",
            "value": round(page["rps"]),
            "unit": "req/s",
            "target": f"≥ {TARGET_RPS:.0f} req/s, p99 ≤ {TARGET_P99_MS:.0f} ms",
            "met": met if size == "full" else None,
            "baseline": baseline,
            "notes": f"p50 {page['p50']:.1f} ms, p99 {page['p99']:.1f} ms, non-2xx {page['non2xx']}; {setup}",
        },
        {
            "name": "edition page p99 latency",
            "value": round(page["p99"], 1),
            "unit": "ms",
            "target": f"≤ {TARGET_P99_MS:.0f} ms",
            "met": page["p99"] <= TARGET_P99_MS if size == "full" else None,
            "baseline": f"static file p99 {static['p99']:.1f} ms",
            "notes": f"same run as the throughput; p99 of the {len(runs)} runs: "
            + ", ".join(f"{r['p99']:.1f}" for r in runs)
            + " ms",
        },
        {
            "name": "category page throughput",
            "value": round(category["rps"]),
            "unit": "req/s",
            "target": None,
            "met": None,
            "baseline": baseline,
            "notes": f"p50 {category['p50']:.1f} ms, p99 {category['p99']:.1f} ms, non-2xx {category['non2xx']}",
        },
        {
            "name": "static file (upper bound)",
            "value": round(static["rps"]),
            "unit": "req/s",
            "target": None,
            "met": None,
            "baseline": None,
            "notes": f"/static/css/site.css via WhiteNoise, p50 {static['p50']:.1f} ms, p99 {static['p99']:.1f} ms",
        },
        {
            "name": f"edition page under stress ({STRESS_CONNECTIONS} connections)",
            "value": round(stress["rps"]),
            "unit": "req/s",
            "target": None,
            "met": None,
            "baseline": f"static file {stress_static['rps']:.0f} req/s, p99 {stress_static['p99']:.1f} ms",
            "notes": f"p50 {stress['p50']:.1f} ms, p99 {stress['p99']:.1f} ms, non-2xx {stress['non2xx']}; "
            f"wrk -t{LOAD_THREADS} -c{STRESS_CONNECTIONS}, same server",
        },
    ]


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--prepare":
        print(prepare(int(sys.argv[2]), int(sys.argv[3])))
    else:
        for row in run(sys.argv[1] if len(sys.argv) > 1 else "full"):
            print(row)
