"""Benchmark runner: ``python bench/run.py [--size full|smoke] [--only NAME]``.

Discovers ``bench/bench_*.py`` modules, each exposing ``run(size: str) -> list[dict]`` whose rows
carry ``name``, ``value``, ``unit``, ``target`` (text such as "≤ 2 s"), ``met`` (bool or None),
``baseline`` (text) and ``notes``; runs them and writes ``bench/reports/report.md`` and
``report.json`` (``smoke.md`` and ``smoke.json`` for ``--size smoke``).

``--only`` replaces that benchmark's rows in the existing report (same size) and keeps the others, so
the report always holds every figure. Two runs never overlap: the benchmarks use fixed ports
(8119, 8149) and would measure each other, so a run waits for the machine-wide lock
``bench/reports/.lock``.

``--size full`` runs on PostgreSQL: ``BENCH_DATABASE_URL``, by default
postgres://postgres@127.0.0.1:5432/awards_bench, created and migrated if needed (never the
development database). ``--size smoke`` uses small sizes on a throw-away SQLite file unless
``BENCH_DATABASE_URL`` is set.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import fcntl
import importlib
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
REPORTS = BENCH_DIR / "reports"
# floor: the figure measured in the same run that the target is a ratio to; ratio: value ÷ floor (issue 21).
KEYS = ("name", "value", "unit", "floor", "ratio", "target", "met", "baseline", "notes")


def discover(only: str | None) -> list[str]:
    names = sorted(p.stem for p in BENCH_DIR.glob("bench_*.py"))
    if only:
        wanted = only if only.startswith("bench_") else f"bench_{only}"
        names = [n for n in names if n == wanted]
        if not names:
            raise SystemExit(f"No benchmark named {only!r} in {BENCH_DIR}.")
    return names


def configure_database(size: str) -> str:
    """Point DATABASE_URL at the benchmark database before Django starts; return it."""
    url = os.environ.get("BENCH_DATABASE_URL")
    if not url:
        if size == "full":
            from bench.common import DEFAULT_BENCH_DATABASE_URL

            url = DEFAULT_BENCH_DATABASE_URL
        else:
            url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='awards-bench-')) / 'bench.sqlite3'}"
    os.environ["DATABASE_URL"] = url
    if url.startswith(("postgres://", "postgresql://")):
        from bench.common import ensure_postgres_database

        ensure_postgres_database(url)
    return url


def git_commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def run_one(name: str, size: str) -> list[dict]:
    started = time.perf_counter()
    try:
        # Imported inside the try: a module that does not even import is reported like a failed run.
        rows = importlib.import_module(f"bench.{name}").run(size)
    except Exception as exc:  # a broken benchmark is reported, and the others still run
        traceback.print_exc()
        rows = [
            {
                "name": f"{name} failed",
                "value": None,
                "unit": "",
                "target": None,
                "met": False,
                "baseline": None,
                "notes": f"{type(exc).__name__}: {exc}",
            }
        ]
    elapsed = time.perf_counter() - started
    # A row may carry a "section": markdown the report prints after the table (e.g. query plans).
    return [
        {"module": name, **{k: row.get(k) for k in KEYS}, "module_seconds": round(elapsed, 1)}
        | ({"section": row["section"]} if row.get("section") else {})
        for row in rows
    ]


def markdown(meta: dict, rows: list[dict]) -> str:
    def cell(value) -> str:
        return "—" if value is None or value == "" else " ".join(str(value).split()).replace("|", "\\|")

    def met(value) -> str:
        return {True: "yes", False: "**NO**", None: "—"}[value]

    lines = [
        "# Benchmark report",
        "",
        f"- date: {meta['date']}",
        f"- size: {meta['size']}",
        f"- database: {meta['database']}",
        f"- commit: {meta['commit']}",
        f"- machine: {meta['machine']}",
        f"- load average: {meta['load_average']}",
        "",
        "| benchmark | measure | value | floor (same run) | ratio | target | met | baseline | notes |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]

    def value(row) -> str:
        return cell(row["value"]) + (f" {row['unit']}" if row["value"] is not None and row["unit"] else "")

    for row in rows:
        lines.append(
            f"| {row['module']} | {cell(row['name'])} | {value(row)} | {cell(row.get('floor'))} "
            f"| {cell(row.get('ratio'))} | {cell(row['target'])} | {met(row['met'])} "
            f"| {cell(row['baseline'])} | {cell(row['notes'])} |"
        )
    missed = [row for row in rows if row["met"] is False]
    if missed:
        cpus = os.cpu_count() or 1
        lines += [
            "",
            "## Targets missed, and why",
            "",
            f"The machine has {cpus} CPUs and a load average of {meta['load_average']}: a load above "
            f"{cpus} means the benchmark got a fraction of a CPU, so wall times stretch by about load ÷ {cpus}; "
            "where a baseline was measured in the same run, its ratio (notes) is the figure the load does not distort.",
            "",
        ]
        for row in missed:
            lines.append(
                f"- **{row['module']} — {cell(row['name'])}**: {value(row)} against {cell(row['target'])} "
                f"(baseline: {cell(row['baseline'])}). {cell(row['notes'])}"
            )
    for row in rows:
        if row.get("section"):
            lines += ["", row["section"].rstrip()]
    return "\n".join(lines) + "\n"


@contextlib.contextmanager
def machine_lock():
    """Hold an exclusive lock for the whole run; say so when another run holds it."""
    REPORTS.mkdir(parents=True, exist_ok=True)
    with open(REPORTS / ".lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print("Another benchmark run holds bench/reports/.lock; waiting for it to finish.", flush=True)
            fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def merged(previous: Path, size: str, rows: list[dict]) -> list[dict]:
    """The rows of an earlier report of the same size, those of the modules just run replaced."""
    try:
        old = json.loads(previous.read_text())
    except (OSError, ValueError):
        return rows
    if old.get("size") != size:
        return rows
    ran = {row["module"] for row in rows}
    kept = [row for row in old.get("results", []) if row.get("module") not in ran]
    return sorted(kept + rows, key=lambda row: row["module"])


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="Run the benchmarks and write bench/reports/report.{md,json}.")
    parser.add_argument("--size", choices=("full", "smoke"), default="full")
    parser.add_argument("--only", help="run one benchmark, e.g. upload or bench_upload")
    args = parser.parse_args(argv)
    with machine_lock():
        return run(args)


def run(args: argparse.Namespace) -> int:
    sys.path.insert(0, str(ROOT))
    names = discover(args.only)
    url = configure_database(args.size)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", interactive=False, verbosity=0)

    rows: list[dict] = []
    for name in names:
        print(f"→ {name} ({args.size})", flush=True)
        rows.extend(run_one(name, args.size))
        for row in rows[-1:]:
            print(f"  done in {row['module_seconds']} s", flush=True)

    safe_url = url.split("@")[-1] if "@" in url else url
    meta = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "size": args.size,
        "database": safe_url,
        "commit": git_commit(),
        "machine": f"{platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
        # Other processes share the machine: the load average says how much the figures were squeezed.
        "load_average": " / ".join(f"{x:.1f}" for x in os.getloadavg()) + " (1 / 5 / 15 min, at the end)",
    }
    failed_now = any(row["met"] is False for row in rows)
    # A smoke run (CI, a quick check) never replaces the figures of the last full run.
    stem = "report" if args.size == "full" else "smoke"
    if args.only:
        rows = merged(REPORTS / f"{stem}.json", args.size, rows)
    (REPORTS / f"{stem}.json").write_text(json.dumps({**meta, "results": rows}, indent=2, ensure_ascii=False) + "\n")
    (REPORTS / f"{stem}.md").write_text(markdown(meta, rows))
    print(markdown(meta, rows))
    return 1 if failed_now else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
