"""Before/after comparison of what the platform answers (issue 14): same demo data, two revisions.

    .venv/bin/python scripts/compare_answers.py OLD [NEW] [--out DIR] [--report FILE] [--scale 0.1]

OLD and NEW are git revisions (NEW defaults to HEAD; WORKTREE means the working tree as it is). Each
revision is checked out in a temporary git worktree. The demo is seeded once, with OLD's code, into a
SQLite file; each revision migrates its own copy (squashed migrations must accept the old history) and
answers a fixed list of requests through Django's test client (DEBUG off, same keys and SITE_URL):
public pages in French and English, the API anonymously, as an agency and as the organiser, the brand
portal, the admin, and ``load_edition`` into a freshly migrated copy with a dump of what it wrote. Each answer is
written to OUT/<rev>/<name>.txt (status, content type, body; CSRF tokens, nonces, times of the
commands masked; a PDF as its page count, text and hash). The summary counts identical answers, answers
differing only in white space (a browser renders them alike) and differing ones, with a bounded diff of
each of those; --report writes it as markdown. About 3 minutes; a revision against itself gives 0 differing.
"""

import argparse
import difflib
import hashlib
import io
import itertools
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SITE_URL = "https://awards.example.org"
SECRET_KEY = "compare-answers-not-a-secret-0123456789abcdefghijklmnopqrstuvwxyz"  # noqa: S105 -- fixed, not secret
# The example file of API.md "Command line", and a copy with four mistakes.
SAMPLE = json.loads("""{"country": "FR", "year": 2027, "name": "Élu Service Client de l'Année 2027",
 "time_zone": "Europe/Paris", "settings": {"threshold": 12.0, "min_entrants": 3, "completion": 1.0,
 "quota": {"phone": 140, "email": 50, "web": 15, "social": 10, "chat": 10},
 "weight": {"phone": 140, "email": 50, "web": 15, "social": 10, "chat": 10}},
 "grid": {"phone": [{"code": "greeting", "label": "Accueil", "weight": 1}]},
 "categories": [{"slug": "banque-en-ligne", "name": "Banque en ligne"}],
 "brands": [{"slug": "banque-azur", "name": "Banque Azur"}],
 "entries": [{"brand": "banque-azur", "category": "banque-en-ligne"}],
 "agencies": [{"slug": "terrain-sa", "name": "Terrain SA"}],
 "campaigns": [{"agency": "terrain-sa", "starts_on": "2027-05-02", "ends_on": "2027-07-31",
                "categories": ["banque-en-ligne"]}]}""")
BAD_SAMPLE = SAMPLE | {"colour": "blue", "settings": {"threshold": "high"}, "entries": [{"brand": "nobody"}]}
MASKS = [
    (r'(csrfmiddlewaretoken" value=")[^"]+', r"\1<csrf>"),
    (r'(nonce=")[^"]+', r"\1<nonce>"),
    (r"'nonce-[^']+'", "'nonce-<nonce>'"),
    (r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d([.,]\d+)?(Z|[+-]\d\d:?\d\d)?", "<time>"),  # command outputs only
]
# One request per line: who (comma-separated), languages, the answer's name, the path. A {placeholder} is
# read from the seeded data (build_plan); one holding a list makes a request per item (its label names it).
REQUESTS = """
anon fr,en public/home /palmares/
anon fr,en public/edition {base}
anon fr,en public/methodology {base}methodology/
anon fr,en public/category-{cat} {base}{cat}/
anon fr,en public/brand-{brand} /palmares/brands/{brand}/
anon fr,en public/verify /verify/{code}/
anon fr,en public/verify-unknown /verify/NOPE-0000-0000/
anon fr,en public/edition-2027 {base27}
anon fr public/credential.jwt /verify/{code}/credential.jwt
anon fr public/status.json /verify/{code}/status.json
anon fr public/sitemap.xml /sitemap.xml
anon fr public/robots.txt /robots.txt
agency,anon en api/editions /api/v1/editions/
agency,anon en api/campaigns /api/v1/campaigns/
agency,anon en api/keys /api/v1/keys/
agency,anon,organiser en api/appeals /api/v1/appeals/
agency,anon en api/campaign-{campaign} /api/v1/campaigns/{campaign}/
agency,anon en api/campaign-{campaign}-results /api/v1/campaigns/{campaign}/results/
agency en api/campaign-{campaign}-results-page-2 /api/v1/campaigns/{campaign}/results/?page=2
agency,anon en api/campaign-{campaign}-progress /api/v1/campaigns/{campaign}/progress/
agency en api/campaign-{campaign}-plan /api/v1/campaigns/{campaign}/plan/
agency en api/campaign-{campaign}-plan-csv /api/v1/campaigns/{campaign}/plan/?format=csv
agency,anon,organiser en api/palmares-{edition} /api/v1/editions/{edition}/palmares/
agency,organiser en api/rankings-{edition} /api/v1/editions/{edition}/rankings/
agency,anon en api/proof /api/v1/editions/{ed26}/proofs/?external_id={external_id}
anon en api/schema /api/v1/schema/
anon en api/docs /api/v1/docs/
organiser fr,en admin/dashboard /admin/
organiser fr admin/{model}-list /admin/{model}/
organiser fr admin/{object}-change /admin/{object}/change/
brand fr,en portal/home /portal/
brand fr,en portal/appeals /portal/appeals/
brand fr,en portal/certificate-pdf /portal/certificates/{code}.pdf
brand fr,en portal/scorecard-{entry} /portal/scorecards/{entry}/
brand fr,en portal/report-pdf-{entry} /portal/scorecards/{entry}/report.pdf
"""
ADMIN_MODELS = [
    f"{app}.{model}"
    for app, models in (
        ("election", "edition category brand entry"),
        ("mystery_tests", "agency campaign testresult criterion"),
        ("scoring", "categoryranking"),
        ("palmares", "publication certificate appeal"),
    )
    for model in models.split()
]


def mask(text: str, times: bool = False) -> str:
    for pattern, replacement in MASKS if times else MASKS[:-1]:
        text = re.sub(pattern, replacement, text)
    return text


# ---- child side: runs inside one revision's worktree, against its copy of the database ----------------


def build_plan() -> list:
    """(name, who, language, path) of every request, its placeholders read from the seeded demo's data."""
    from django.apps import apps  # noqa: PLC0415 -- Django is set up only in the child process

    def first(label, **kw):
        return apps.get_model(label).objects.filter(**kw).order_by("pk").first()

    ed26, ed27 = first("election.edition", year=2026), first("election.edition", year=2027)
    cert = first("palmares.certificate", entry__brand__slug="banque-azur") or first("palmares.certificate")
    entries = apps.get_model("election.entry").objects.filter(category__edition=ed26).order_by("brand__slug")
    brands = sorted({cert.entry.brand.slug, *(e.brand.slug for e in entries[:2]), entries.last().brand.slug})
    objects = [(m, first(m, **({"year": 2026} if m == "election.edition" else {}))) for m in ADMIN_MODELS]
    values = {
        "base": f"/palmares/{ed26.country.lower()}/{ed26.year}/",
        "base27": f"/palmares/{ed27.country.lower()}/{ed27.year}/",
        "ed26": ed26.pk,
        "code": cert.code,
        "external_id": first(
            "mystery_tests.testresult", agency__slug="terrain-qualite", campaign__edition=ed26
        ).external_id,
        "cat": [(c.slug, c.slug) for c in ed26.categories.order_by("slug")],
        "brand": [(slug, slug) for slug in brands],
        "edition": [(e.year, e.pk) for e in (ed26, ed27)],
        "campaign": [
            (c.edition.year, c.pk)
            for c in apps.get_model("mystery_tests.campaign")
            .objects.filter(agency__slug="terrain-qualite")
            .order_by("pk")
        ],
        "entry": [
            (e.category.edition.year, e.pk)
            for e in apps.get_model("election.entry").objects.filter(brand__slug="banque-azur").order_by("pk")
        ],
        "model": [(m, m.replace(".", "/")) for m in ADMIN_MODELS],
        "object": [(m, f"{m.replace('.', '/')}/{obj.pk}") for m, obj in objects if obj],
    }
    plan = []
    for line in REQUESTS.strip().splitlines():
        who, languages, name, path = line.split()
        lists = [k for k in dict.fromkeys(re.findall(r"{(\w+)}", path)) if isinstance(values[k], list)]
        for combination in itertools.product(*(values[k] for k in lists)):
            labels = {k: label for k, (label, _value) in zip(lists, combination, strict=True)}
            filled = {k: value for k, (_label, value) in zip(lists, combination, strict=True)}
            for user, language in itertools.product(who.split(","), languages.split(",")):
                plan.append(
                    (f"{name.format(**labels)}.{user}.{language}", user, language, path.format(**values | filled))
                )
    return plan


def render(response) -> str:
    """An answer as text: status, content type, location, then the body (PDFs as page count, hash and text)."""
    ctype = response.get("Content-Type", "")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    head = f"status: {response.status_code}\ncontent-type: {ctype}\nlocation: {response.get('Location', '')}\n"
    if "pdf" in ctype:
        from pypdf import PdfReader  # noqa: PLC0415 -- only the child process has the project's venv

        stable = re.sub(rb"/(CreationDate|ModDate) *\([^)]*\)|/ID *\[[^\]]*\]", b"", body)
        pages = PdfReader(io.BytesIO(body)).pages
        text = "\n".join(page.extract_text() for page in pages)
        return (
            f"{head}pages: {len(pages)}\nsha256 (dates and /ID removed): {hashlib.sha256(stable).hexdigest()}\n\n{text}"
        )
    if "json" in ctype:
        pretty = json.dumps(json.loads(body), indent=1, ensure_ascii=False, sort_keys=False)
        return f"{head}sha256 of the body as sent: {hashlib.sha256(body).hexdigest()}\n\n{pretty}"
    if ctype.startswith(("text/", "application/xml", "application/javascript", "application/vnd.oai")):
        return head + "\n" + mask(body.decode())
    return f"{head}{len(body)} bytes, sha256 {hashlib.sha256(body).hexdigest()}"


def signing_key() -> str:
    """A fresh Ed25519 private key (PEM) for both revisions: receipts and credentials signed alike."""
    from cryptography.hazmat.primitives import serialization  # noqa: PLC0415 -- the venv's, in the child
    from cryptography.hazmat.primitives.asymmetric import ed25519  # noqa: PLC0415 -- the venv's, in the child

    pem = ed25519.Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return pem.decode()


def child_fetch(plan_file: Path, out: Path) -> None:
    import django  # noqa: PLC0415 -- the child imports the revision's Django project from its cwd

    django.setup()
    from django.contrib.auth import get_user_model  # noqa: PLC0415 -- after django.setup()
    from django.core.management import call_command  # noqa: PLC0415 -- after django.setup()
    from django.test import Client  # noqa: PLC0415 -- after django.setup()

    if not plan_file.exists():
        plan_file.write_text(json.dumps(build_plan(), indent=1))
    token = io.StringIO()
    call_command("agency_token", "terrain-qualite", stdout=token, stderr=io.StringIO())
    clients = {"anon": Client(raise_request_exception=False)}
    clients["agency"] = Client(
        raise_request_exception=False, HTTP_AUTHORIZATION=f"Token {token.getvalue().split()[-1]}"
    )
    for who, username in (("brand", "banque-azur"), ("organiser", "organisateur")):
        clients[who] = Client(raise_request_exception=False)
        clients[who].force_login(get_user_model().objects.get(username=username))
    for name, who, language, path in json.loads(plan_file.read_text()):
        response = clients[who].get(path, HTTP_ACCEPT_LANGUAGE=language)
        target = out / f"{name}.txt"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(f"GET {path} as {who} ({language})\n{render(response)}\n")


# ---- parent side: worktrees, databases, runs, comparison -------------------------------------------------


def run(args: list, cwd: Path, env: dict, check: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True)
    if check and done.returncode:
        sys.exit(f"{' '.join(map(str, args))} failed in {cwd}:\n{done.stdout}\n{done.stderr}")
    return done


def copy_db(source: Path, target: Path) -> None:
    """A consistent copy of a SQLite database in WAL mode (the backup API, not a file copy)."""
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)


def environment(db: Path, media: Path, signing_key: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_", "SITE_URL"))}
    return env | {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": SECRET_KEY,
        "SITE_URL": SITE_URL,
        "SIGNING_KEY": signing_key,
        "DATABASE_URL": f"sqlite:///{db}",
        "MEDIA_ROOT": str(media),
        "LOG_LEVEL": "ERROR",
        "PYTHONHASHSEED": "0",
    }


def answers(python: str, label: str, tree: Path, tmp: Path, out: Path, key: str) -> str:
    """One revision's answers into out/label; returns what its migrate applied to the old database."""
    work = tmp / label
    # Without the seed's PDFs: each revision renders the certificates and reports it is asked for.
    shutil.copytree(tmp / "seeded-media", work / "media", ignore=shutil.ignore_patterns("certificates", "reports"))
    copy_db(tmp / "seeded.sqlite3", work / "db.sqlite3")
    env = environment(work / "db.sqlite3", work / "media", key)
    manage = [python, str(tree / "manage.py")]
    applied = [
        ln.strip() for ln in run([*manage, "migrate", "--no-input"], tree, env).stdout.splitlines() if "Applying" in ln
    ]
    run([python, __file__, "--child", str(tmp / "plan.json"), str(out / label)], tree, env)
    copy_db(tmp / "empty.sqlite3", work / "load.sqlite3")
    env = environment(work / "load.sqlite3", work / "media", key)
    run([*manage, "migrate", "--no-input"], tree, env)
    target = out / label / "load_edition"
    target.mkdir(parents=True)
    for name, sample in (("first", "sample.json"), ("again", "sample.json"), ("bad-file", "bad.json")):
        done = run([*manage, "load_edition", str(tmp / sample)], tree, env, check=False)
        (target / f"{name}.txt").write_text(mask(f"exit {done.returncode}\n{done.stdout}\n{done.stderr}", times=True))
    dump = run([*manage, "dumpdata", "election", "mystery_tests", "scoring", "palmares", "--indent", "1"], tree, env)
    (target / "dumpdata.txt").write_text(mask(dump.stdout, times=True))
    return ", ".join(applied) or "nothing"


KINDS = ("identical", "whitespace only", "differing")


def compare(old: Path, new: Path, lines: int) -> tuple[dict, dict]:
    """Each answer's kind (KINDS: "whitespace only" = equal once runs of white space are one space, as a browser
    renders HTML; JSON and PDFs carry their hash, so they never land there) and a bounded diff of each differing."""
    names = sorted({p.relative_to(d).as_posix() for d in (old, new) for p in d.rglob("*.txt")})
    kinds, excerpts = {}, {}
    for name in names:
        a, b = ((d / name).read_text() if (d / name).exists() else "(missing)\n" for d in (old, new))
        kinds[name] = KINDS[0] if a == b else KINDS[1] if re.sub(r"\s+", " ", a) == re.sub(r"\s+", " ", b) else KINDS[2]
        if kinds[name] == KINDS[2]:
            diff = list(difflib.unified_diff(a.splitlines(), b.splitlines(), "old", "new", n=1, lineterm=""))[2:]
            more = [f"... {len(diff) - lines} more diff lines"] if len(diff) > lines else []
            excerpts[name] = [line[:200] for line in diff[:lines]] + more
    return kinds, excerpts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("old", nargs="?", help="base revision, e.g. 40eb3a5")
    parser.add_argument("new", nargs="?", default="HEAD", help="revision to compare (default HEAD; WORKTREE = as is)")
    parser.add_argument("--out", default=str(REPO / "artifacts" / "compare"), help="where answers are written")
    parser.add_argument("--report", help="write the summary as markdown to this file")
    parser.add_argument("--scale", default="0.1", help="seed_demo --scale (default 0.1)")
    parser.add_argument("--diff-lines", type=int, default=24, help="diff lines shown per differing answer")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        sys.path.insert(0, os.getcwd())
        return print(signing_key()) if args.child[0] == "key" else child_fetch(*map(Path, args.child))
    if not args.old:
        parser.error("name the base revision")
    started, python = time.monotonic(), str(REPO / ".venv" / "bin" / "python")
    python = python if Path(python).exists() else sys.executable
    tmp, out = Path(tempfile.mkdtemp(prefix="compare-answers-")), Path(args.out)
    shutil.rmtree(out, ignore_errors=True)
    trees, labels = {}, {}
    try:
        for side, rev in (("old", args.old), ("new", args.new)):
            if rev == "WORKTREE":
                trees[side], labels[side] = REPO, "worktree"
                continue
            sha = run(["git", "rev-parse", "--short", f"{rev}^{{commit}}"], REPO, os.environ).stdout.strip()
            labels[side] = sha if sha not in labels.values() else f"{sha}-again"
            trees[side] = tmp / f"src-{labels[side]}"
            run(["git", "worktree", "add", "--detach", str(trees[side]), sha], REPO, os.environ)
        key = run([python, __file__, "--child", "key", "-"], REPO, os.environ).stdout
        (tmp / "sample.json").write_text(json.dumps(SAMPLE, ensure_ascii=False))
        (tmp / "bad.json").write_text(json.dumps(BAD_SAMPLE, ensure_ascii=False))
        print(f"Seeding the demo (--scale {args.scale}) with {labels['old']}'s code …", flush=True)
        env = environment(tmp / "empty.sqlite3", tmp / "seeded-media", key)
        run([python, "manage.py", "migrate", "--no-input"], trees["old"], env)
        copy_db(tmp / "empty.sqlite3", tmp / "seeded.sqlite3")
        env = environment(tmp / "seeded.sqlite3", tmp / "seeded-media", key)
        run([python, "manage.py", "seed_demo", "--scale", args.scale], trees["old"], env)
        migrated = {}
        for side in ("old", "new"):
            print(f"Answers of {labels[side]} …", flush=True)
            migrated[side] = answers(python, labels[side], trees[side], tmp, out, key)
        kinds, excerpts = compare(out / labels["old"], out / labels["new"], args.diff_lines)
    finally:
        for tree in trees.values():
            if tree != REPO:
                run(["git", "worktree", "remove", "--force", str(tree)], REPO, os.environ, check=False)
        shutil.rmtree(tmp, ignore_errors=True)
    count = {kind: list(kinds.values()).count(kind) for kind in KINDS}
    parts = ("public", "api", "portal", "admin", "load_edition")
    table = {
        part: [sum(n.startswith(part) and k == kind for n, k in kinds.items()) for kind in KINDS] for part in parts
    }
    report = [
        f"# Answers of {labels['old']} ({args.old}) and {labels['new']} ({args.new})",
        "",
        f"{len(kinds)} answers: **{', '.join(f'{n} {kind}' for kind, n in count.items())}**; "
        f"run took {time.monotonic() - started:.0f} s; answers in `{out}`.",
        "",
        f"`migrate` of {labels['new']} on the database seeded by {labels['old']} applied: {migrated['new']}.",
        "",
        f"| part | {' | '.join(KINDS)} |",
        "| --- | --- | --- | --- |",
        *(f"| {part} | {' | '.join(str(n) for n in row)} |" for part, row in table.items()),
        "",
        f"Whitespace only: {', '.join(n for n, k in kinds.items() if k == KINDS[1]) or 'none'}.",
        "",
    ]
    for name, excerpt in excerpts.items():
        report += [f"## {name}", "", "```diff", *excerpt, "```", ""]
    text = "\n".join(report)
    print(text)
    if args.report:
        Path(args.report).write_text(text)


if __name__ == "__main__":
    main()
