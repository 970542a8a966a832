"""The embedded default holds concurrent writers (issue 13, finding 17): on a SQLite file, four different
JSON uploads, two identical ones and two identical file imports sent at the same moment all answer as on PostgreSQL,
never a 500 "database is locked". The project's settings run in a child process on a fresh file
(tests/support/sqlite_writers_child.py); pytest's own database is not involved."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run_child(tmp_path: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'awards.sqlite3'}",
        MEDIA_ROOT=str(tmp_path / "media"),
        LOG_LEVEL="ERROR",
    )
    done = subprocess.run(
        [sys.executable, "-m", "tests.support.sqlite_writers_child"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_sqlite_file_concurrent_uploads_all_answer_without_lock_errors(tmp_path):
    # Act
    outcome = _run_child(tmp_path)

    # Assert
    assert outcome["journal_mode"] == "wal"
    assert outcome["json"] == [200, 200, 200, 200]
    assert outcome["same_json"] == [200, 200]
    assert outcome["imports"] == [[202, "succeeded"], [202, "succeeded"]]
    assert outcome["stored"] == 4 * 10 + 10 + 10  # the identical batch and the identical file stored once
