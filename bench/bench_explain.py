"""The five heaviest queries on the 50-edition dataset, with their plans (runner: bench/run.py; alone:
``python bench/bench_explain.py [full|smoke]``) — issue 21: "indexes and queries checked against the
50-edition dataset (EXPLAIN in the report for the five heaviest queries)".

In a child process pointed at bench_public's database (``BENCH_PUBLIC_DATABASE_URL``, by default PostgreSQL
``awards_bench_public``; its 5 countries × 10 years of published editions are made if missing, as
bench_public makes them), with the cache cleared so every page queries the database: every query of the
public pages (palmarès home, edition, category, verification, brand), a brand's portal (home and scorecard),
the rankings API and the organisers' dashboard, overview and category ranking is logged with its duration;
every distinct SELECT is run again under ``EXPLAIN (ANALYZE, BUFFERS)`` and the five of longest execution
go to the report's section "Query plans". A sequential scan on a table of 10,000 rows or more is flagged. The users
made for the portal and the console are rolled back. PostgreSQL only: the smoke run reports nothing.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAVIEST = 5
# A sequential scan on a table of at least this many rows is flagged (a missing index); on a smaller one the
# planner rightly prefers it.
LARGE_TABLE = 10_000


def _pages(edition_id: int, entry_id: int, category_id: int, paths: dict) -> list[tuple[str, str]]:
    """(who, path) of every page whose queries are logged."""
    return [
        ("anonymous", "/palmares/"),
        ("anonymous", paths["edition"]),
        ("anonymous", paths["edition"] + "categorie-00/"),
        ("anonymous", paths["verify"]),
        ("anonymous", paths["brand"]),
        ("member", "/portal/"),
        ("member", f"/portal/scorecards/{entry_id}/"),
        ("organiser", f"/api/v1/editions/{edition_id}/rankings/"),
        ("organiser", "/admin/"),
        ("organiser", f"/admin/scoring/categoryranking/edition/{edition_id}/"),
        ("organiser", f"/admin/scoring/categoryranking/category/{category_id}/"),
    ]


def capture() -> dict:
    """Child process: make the dataset if needed, log the pages' queries, EXPLAIN the heaviest."""
    sys.path.insert(0, str(ROOT))
    from bench.bench_public import COUNTRIES, YEAR, prepare

    edition_path, verify_path = prepare(50, 10, "FR", YEAR).split()
    for country in COUNTRIES:
        for year in range(YEAR - 9, YEAR + 1):
            prepare(10, 10, country, year)

    from django.core.cache import cache
    from django.db import connection, transaction
    from django.test import Client

    from election.models import BrandMembership, Edition
    from palmares.models import Certificate, Publication
    from tests.support import factories

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # the statistics autovacuum keeps on a live database
    queries: list[dict] = []

    def log(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            queries.append({"sql": sql, "params": params, "ms": (time.perf_counter() - started) * 1000})

    edition = Edition.objects.get(country="FR", year=YEAR)
    # The verified certificate's laureate: a brand with a title (its public page) and a scorecard.
    certificate = Certificate.objects.select_related("entry__brand").get(code=verify_path.strip("/").split("/")[-1])
    entry = certificate.entry
    snapshot = Publication.objects.get(edition=edition, is_current=True).snapshot
    laureates = [lau for c in snapshot["palmares"]["categories"] for lau in c["laureates"]]
    brand = laureates[0]["brand"]["slug"] if laureates else entry.brand.slug
    paths = {"edition": edition_path, "verify": verify_path, "brand": f"/palmares/brands/{brand}/"}
    with transaction.atomic():
        member = factories.UserFactory(username="bench-explain-member")
        BrandMembership.objects.create(user=member, brand=entry.brand)
        organiser = factories.OrganiserFactory(username="bench-explain-organiser", is_superuser=True)
        clients = {"anonymous": Client(), "member": Client(), "organiser": Client()}
        clients["member"].force_login(member)
        clients["organiser"].force_login(organiser)
        statuses = {}
        with connection.execute_wrapper(log):
            for who, path in _pages(edition.pk, entry.pk, entry.category_id, paths):
                cache.clear()
                before = len(queries)
                statuses[path] = clients[who].get(path, HTTP_ACCEPT_LANGUAGE="fr").status_code
                for query in queries[before:]:
                    query["page"] = path
        # Every distinct SELECT once under EXPLAIN ANALYZE; ranked by the server's execution time (the wall
        # time seen by the page is mostly the machine's load).
        shapes: dict[str, dict] = {}
        for query in queries:
            shape = re.sub(r"\s+", " ", query["sql"])
            if query["params"] is not None and shape.lstrip().upper().startswith("SELECT"):
                shapes.setdefault(shape, query)
        plans = []
        with connection.cursor() as cursor:
            for query in shapes.values():
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"], query["params"])
                plan = "\n".join(row[0] for row in cursor.fetchall())
                executed = float(re.search(r"Execution Time: ([\d.]+) ms", plan).group(1))
                plans.append({"query": query, "plan": plan, "ms": executed})
            cursor.execute("SELECT relname, reltuples FROM pg_class WHERE relkind = 'r'")
            sizes = {name: int(rows) for name, rows in cursor.fetchall()}
            # Any of the queries, not only the five: a sequential scan on a large table.
            large_scans = sorted(
                {
                    f"{t} ({sizes[t]} rows) from {p['query']['page']}"
                    for p in plans
                    for t in re.findall(r"Seq Scan on (\w+)", p["plan"])
                    if sizes.get(t, 0) >= LARGE_TABLE
                }
            )
            plans = sorted(plans, key=lambda p: p["ms"], reverse=True)[:HEAVIEST]
            for found in plans:
                query = found.pop("query")
                scanned = set(re.findall(r"Seq Scan on (\w+)", found["plan"]))
                found.update(
                    page=query["page"],
                    wall_ms=round(query["ms"], 2),
                    sql=cursor.mogrify(query["sql"], query["params"]).decode(),
                    seq_scans=sorted(t for t in scanned if sizes.get(t, 0) >= LARGE_TABLE),
                    scanned={t: sizes.get(t, 0) for t in sorted(scanned)},
                )
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM election_edition")
            editions = cursor.fetchone()[0]
            cursor.execute("SELECT count(*) FROM mystery_tests_testresult")
            results = cursor.fetchone()[0]
        transaction.set_rollback(True)
    return {
        "queries": len(queries),
        "editions": editions,
        "results": results,
        "statuses": statuses,
        "plans": plans,
        "large_scans": large_scans,
        "distinct": len(shapes),
    }


def section(found: dict) -> str:
    """The report's section: each heavy query, the page that ran it, and its plan."""
    lines = [
        f"## Query plans: the {len(found['plans'])} heaviest of {found['queries']} queries "
        f"({found['editions']} editions, {found['results']} results), by execution time under EXPLAIN ANALYZE",
        "",
        "Pages read (status): " + ", ".join(f"`{p}` ({s})" for p, s in found["statuses"].items()) + ".",
        "",
        f"Sequential scans on a table of {LARGE_TABLE:,} rows or more, in any of the {found['distinct']} distinct "
        f"queries: {', '.join(found['large_scans']) or 'none'}.",
        "",
    ]
    for rank, plan in enumerate(found["plans"], 1):
        flagged = f" — **sequential scan on {', '.join(plan['seq_scans'])}**" if plan["seq_scans"] else ""
        scans = ", ".join(f"{t} ({n} rows)" for t, n in plan["scanned"].items())
        sql = plan["sql"] if len(plan["sql"]) <= 1500 else plan["sql"][:1500] + " …"
        lines += [
            f"### {rank}. {plan['ms']} ms executed (the page waited {plan['wall_ms']} ms), from `{plan['page']}`"
            f"{flagged}",
            "",
            f"Sequential scans: {scans or 'none'}.",
            "",
            "```sql",
            sql,
            "```",
            "",
            "```",
            plan["plan"],
            "```",
            "",
        ]
    return "\n".join(lines)


def run(size: str) -> list[dict]:
    if size != "full":
        return [
            {
                "name": "five heaviest queries, EXPLAIN (ANALYZE, BUFFERS)",
                "value": None,
                "unit": "",
                "target": None,
                "met": None,
                "baseline": None,
                "notes": "full size only (PostgreSQL, the 50-edition dataset)",
            }
        ]
    sys.path.insert(0, str(ROOT))
    from bench.bench_public import DEFAULT_DATABASE_URL
    from bench.common import ensure_postgres_database

    database = os.environ.get("BENCH_PUBLIC_DATABASE_URL", DEFAULT_DATABASE_URL)
    ensure_postgres_database(database)
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DJANGO_SETTINGS_MODULE")}
    env.update({"DATABASE_URL": database, "DJANGO_DEBUG": "0", "PYTHONPATH": str(ROOT)})
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, __file__, "--capture"], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    ).stdout
    found = json.loads(out.strip().splitlines()[-1])
    elapsed = time.perf_counter() - started
    flagged = found["large_scans"]
    slowest = found["plans"][0]["ms"] if found["plans"] else None
    return [
        {
            "name": f"five heaviest queries, EXPLAIN (ANALYZE, BUFFERS), {found['editions']} editions",
            "value": slowest,
            "unit": "ms",
            "target": f"no sequential scan on a table of {LARGE_TABLE:,} rows or more",
            "met": not flagged,
            "baseline": None,
            "notes": f"{found['queries']} queries of {len(found['statuses'])} pages (public, portal, rankings API, "
            f"console); the slowest: "
            + "; ".join(f"{p['ms']} ms from {p['page']}" for p in found["plans"])
            + (
                f"; sequential scans on large tables: {', '.join(flagged)}"
                if flagged
                else "; no sequential scan on a large table"
            )
            + f"; plans in the section below; {elapsed:.0f} s",
            "section": section(found),
        }
    ]


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--capture":
        print(json.dumps(capture(), default=str))
    else:
        for row in run(sys.argv[1] if len(sys.argv) > 1 else "full"):
            print({k: v for k, v in row.items() if k != "section"})
            print(row.get("section", ""))
