"""Settings of the Celery worker that ``test_worker_kill`` starts and kills: the test
settings, with Redis handing an unacknowledged task back seconds (not kombu's default hour)
after the worker that held it died."""

from config.settings.test import *  # noqa: F403
from config.settings.test import CELERY_BROKER_TRANSPORT_OPTIONS

CELERY_BROKER_TRANSPORT_OPTIONS = {
    **CELERY_BROKER_TRANSPORT_OPTIONS,
    "visibility_timeout": 4,
    # Sweep for abandoned messages every second instead of every 100 seconds.
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}
