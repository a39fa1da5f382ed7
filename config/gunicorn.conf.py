"""gunicorn's settings for the web service: the image's command and docker-compose.yml's
``web`` run ``gunicorn config.wsgi:application -c config/gunicorn.conf.py`` (README, Scaling).

``WEB_WORKERS``: processes, by default one per CPU this container may run on (set it under
a CPU quota, which the count does not see). A request's Python holds its process's
interpreter lock, so processes beyond the cores add switches, not work: on two cores,
3 workers x 8 threads cost the machine 14.0 ms per coded checkout where 2 x 16 cost 12.0.
``WEB_THREADS``: threads per process, default 16. A checkout holds its thread while the
payment provider answers, so workers x threads bounds the checkouts that can wait on a
slow provider at once (about threads / 0.32 s checkouts per second at 300 ms)."""

import os

bind = os.environ.get("WEB_BIND") or "0.0.0.0:8000"
workers = int(os.environ.get("WEB_WORKERS") or len(os.sched_getaffinity(0)))
threads = int(os.environ.get("WEB_THREADS") or 16)
accesslog = "-"
worker_class = "gthread"
