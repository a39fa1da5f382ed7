"""Web processes must not import the training stack: scikit-learn alone costs seconds and
~135 MB per process. Checked in a fresh interpreter, since this test process has long
imported everything."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json, sys
import django
django.setup()
after_setup = sorted(m for m in ("sklearn", "scipy") if m in sys.modules)
# What a web process loads on its first request and when it enqueues a task.
import config.urls  # noqa: F401
from config.celery import app
app.loader.import_default_modules()
app.autodiscover_tasks(force=True)
import recommender.tasks  # noqa: F401
after_urls = sorted(m for m in ("sklearn", "scipy") if m in sys.modules)
print(json.dumps({"setup": after_setup, "urls": after_urls}))
"""


def test_django_setup_and_the_url_conf_do_not_import_sklearn_or_scipy():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}

    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )

    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert "sklearn" not in loaded["setup"]
    assert loaded == {"setup": [], "urls": []}
