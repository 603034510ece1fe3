"""Parallel uploads on the default SQLite set-up (`make run`) all land: WAL, IMMEDIATE transactions and a
busy timeout (config/settings.py) instead of "database is locked" for 4 of 6 files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_six_parallel_uploads_on_sqlite_all_land(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "REDIS_URL": "",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "DEBUG": "1",
        "PYTHONPATH": str(ROOT),
    }
    out = subprocess.run(
        [sys.executable, str(ROOT / "tests/files/sqlite_uploads.py"), "6"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert report["results"] == ["ok"] * 6, report
    assert report["stored"] == 6
