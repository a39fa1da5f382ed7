"""Run a script on SQLite (``make run``'s first-run default) in a subprocess with its own
database: the suite itself runs on PostgreSQL, so code that writes SQL by hand proves its
SQLite side here."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_on_sqlite(script: str, database: Path):
    """Migrate-and-run ``script`` (Django set up, test settings, no Redis) against the
    SQLite file ``database``; returns the JSON the script printed last."""
    env = {key: value for key, value in os.environ.items() if key not in {"REQUIRE_SERVICES", "REDIS_URL"}}
    env.update(
        DATABASE_URL=f"sqlite:///{database}",
        DJANGO_SETTINGS_MODULE="config.settings.test",
        PYTHONPATH=str(ROOT),
    )
    done = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); exec(" + repr(script) + ")"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])
