import os
from pathlib import Path

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("zhiqiao")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# kombu's filesystem transport (the embedded broker used without REDIS_URL) expects its
# folders to exist; create them so a first `make run` needs no setup.
for folder in (app.conf.broker_transport_options or {}).values():
    if isinstance(folder, str) and app.conf.broker_url.startswith("filesystem"):
        Path(folder).mkdir(parents=True, exist_ok=True)
