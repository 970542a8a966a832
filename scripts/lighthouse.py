#!/usr/bin/env python3
"""Lighthouse scores of the brand's scorecard and the public edition and category pages (issue 19).

Not part of the test suite or CI: a measurement to run by hand against a running demo, e.g.

    npm i --prefix <folder> lighthouse         # once, in a folder outside the repository
    python3 scripts/dev.py run --port 8116     # or any server holding the demo (seed_demo)
    python3 scripts/lighthouse.py --base http://127.0.0.1:8116 --lighthouse <folder>/node_modules/.bin/lighthouse

It logs in as the demo brand member (README "Quick start"), finds the first scorecard on the portal,
and runs the ``lighthouse`` CLI (mobile emulation, its default) on Debian's chromium for each page, the
scorecard with the session cookie in ``--extra-headers``. It prints the four category scores per page and
every accessibility audit that did not pass, and writes the summary as JSON (``--out``). Standard library only.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.cookiejar
import json
import os
import re
import subprocess
import sys
import tempfile
import urllib.parse
import urllib.request
from pathlib import Path

CATEGORIES = ("accessibility", "performance", "best-practices", "seo")
PUBLIC_PAGES = ("/palmares/fr/2026/", "/palmares/fr/2026/banque-en-ligne/")


def login(base: str, username: str, password: str) -> tuple[str, str]:
    """(session cookie value, the first scorecard's path) for the brand member."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/accounts/login/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode({"username": username, "password": password, "csrfmiddlewaretoken": token})
    login_url = f"{base}/accounts/login/"
    request = urllib.request.Request(login_url, data=data.encode(), headers={"Referer": base + "/"})  # noqa: S310 -- http(s) only (main)
    opener.open(request).read()
    session = next((c.value for c in jar if c.name == "sessionid"), None)
    if session is None:
        sys.exit("login failed: no session cookie (is the demo seeded?)")
    portal = opener.open(f"{base}/portal/").read().decode()
    match = re.search(r'href="(/portal/scorecards/\d+/)"', portal)
    if match is None:
        sys.exit("no scorecard linked from the portal home")
    return session, match.group(1)


def run_lighthouse(lighthouse: str, url: str, cookie: str | None) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "report.json"
        command = [
            lighthouse,
            url,
            "--output=json",
            f"--output-path={out}",
            f"--only-categories={','.join(CATEGORIES)}",
            "--chrome-flags=--headless=new --no-sandbox",
            "--quiet",
        ]
        if cookie:
            command.append("--extra-headers=" + json.dumps({"Cookie": f"sessionid={cookie}"}))
        env = {**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH", "/usr/bin/chromium")}
        subprocess.run(command, check=True, env=env)
        return json.loads(out.read_text())


def summary(report: dict) -> dict:
    scores = {name: round(100 * (report["categories"][name]["score"] or 0)) for name in CATEGORIES}
    failing = {
        name: [
            {"id": ref["id"], "title": report["audits"][ref["id"]]["title"]}
            for ref in report["categories"][name]["auditRefs"]
            if ref["weight"] and (report["audits"][ref["id"]]["score"] or 0) < 0.9
        ]
        for name in CATEGORIES
    }
    return {"url": report["finalDisplayedUrl"], "scores": scores, "failing": failing}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--user", default="banque-azur")
    parser.add_argument("--password", default="demo-marque-2026")
    # Installed outside the repository (npm i --prefix <folder> lighthouse): <folder>/node_modules/.bin/lighthouse.
    parser.add_argument("--lighthouse", default="lighthouse", help="the lighthouse CLI (default: the one on PATH)")
    parser.add_argument("--out", default="", help="write the summary as JSON here")
    args = parser.parse_args()
    base = args.base.rstrip("/")
    if not base.startswith(("http://", "https://")):
        sys.exit("--base must be an http(s) address")
    session, scorecard = login(base, args.user, args.password)
    pages = [(scorecard, session), *((path, None) for path in PUBLIC_PAGES)]
    results = [summary(run_lighthouse(args.lighthouse, base + path, cookie)) for path, cookie in pages]
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    body = {"measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "commit": commit, "pages": results}
    for r in results:
        print(r["url"], " ".join(f"{k} {v}" for k, v in r["scores"].items()))
        for name, audits in r["failing"].items():
            for audit in audits:
                print(f"  {name}: {audit['id']} — {audit['title']}")
    if args.out:
        Path(args.out).write_text(json.dumps(body, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
