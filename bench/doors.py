"""Attacks the sign-in doors of a running server over HTTP and prints what got through.

Meant for a server with production settings on this machine (gunicorn, PostgreSQL, Redis),
fresh counters for each scenario (flush the Redis database, ``manage.py axes_reset``).
Every scenario is bounded in requests and time and sends traffic to ``--base`` only.

Scenarios (one per run, printed as one JSON line):
- ``sequential DOOR``: wrong passwords for ``--username`` at DOOR (``web``, ``admin``,
  ``token``) until the first 429; then the right password once. Reports the tries answered
  before the lockout.
- ``spoof``: wrong token requests, each with a new ``X-Forwarded-For``.
- ``burst DOOR``: ``--count`` wrong passwords at DOOR sent together (``--concurrency``
  threads), distinct usernames; reports the answers that were not 429.
- ``partner``: ``--count`` partner API calls with ``--api-key`` sent together.
- ``keys``: wrong partner keys until the first 429.

Run: .venv/bin/python bench/doors.py --base http://127.0.0.1:8601 sequential web --username learner
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import requests

LIMIT = 200  # no scenario sends more sequential requests than this


def web_form(base: str, path: str) -> tuple[dict, str]:
    page = requests.get(f"{base}{path}", timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    return {"csrftoken": page.cookies["csrftoken"]}, token


class Door:
    def __init__(self, base: str, kind: str) -> None:
        self.base, self.kind = base, kind
        self.path = {"web": "/en/accounts/login/", "admin": "/admin/login/", "token": "/api/v1/auth/token/"}[
            kind
        ]
        if kind != "token":
            self.cookies, self.csrf = web_form(base, self.path)

    def attempt(self, username: str, password: str, headers: dict | None = None) -> int:
        url = f"{self.base}{self.path}"
        if self.kind == "token":
            response = requests.post(
                url, json={"username": username, "password": password}, headers=headers or {}, timeout=180
            )
        else:
            response = requests.post(
                url,
                data={"username": username, "password": password, "csrfmiddlewaretoken": self.csrf},
                cookies=self.cookies,
                headers={"Referer": url, **(headers or {})},
                allow_redirects=False,
                timeout=180,
            )
        return response.status_code


def sequential(args) -> dict:
    door = Door(args.base, args.door)
    statuses = []
    for _ in range(LIMIT):
        status = door.attempt(args.username, "wrong-password")
        statuses.append(status)
        if status == 429:
            break
    right = door.attempt(args.username, args.password) if args.password else None
    return {
        "scenario": f"sequential {args.door}",
        "tries_answered_before_lockout": len(statuses) - 1,
        "first_429_at_try": len(statuses) if statuses[-1] == 429 else None,
        "statuses": dict(Counter(statuses)),
        "right_password_then": right,
    }


def spoof(args) -> dict:
    door = Door(args.base, "token")
    statuses = [
        door.attempt(
            args.username, "wrong-password", headers={"X-Forwarded-For": f"10.{i // 250}.{i % 250}.7"}
        )
        for i in range(args.count)
    ]
    first = statuses.index(429) + 1 if 429 in statuses else None
    return {
        "scenario": "spoof",
        "sent": len(statuses),
        "first_429_at_try": first,
        "statuses": dict(Counter(statuses)),
    }


def burst(args) -> dict:
    door = Door(args.base, args.door)
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=args.concurrency) as pool:
        statuses = list(pool.map(lambda i: door.attempt(f"nobody{i}", "wrong-password"), range(args.count)))
    return {
        "scenario": f"burst {args.door}",
        "sent": args.count,
        "concurrency": args.concurrency,
        "not_429": sum(s != 429 for s in statuses),
        "statuses": dict(Counter(statuses)),
        "seconds": round(time.perf_counter() - started, 2),
    }


def partner(args) -> dict:
    url = f"{args.base}/api/partner/v1/campaigns/"
    headers = {"Authorization": f"Api-Key {args.api_key}"}
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=args.concurrency) as pool:
        statuses = list(
            pool.map(lambda _i: requests.get(url, headers=headers, timeout=60).status_code, range(args.count))
        )
    return {
        "scenario": "partner",
        "sent": args.count,
        "concurrency": args.concurrency,
        "statuses": dict(Counter(statuses)),
        "seconds": round(time.perf_counter() - started, 2),
    }


def keys(args) -> dict:
    url = f"{args.base}/api/partner/v1/campaigns/"
    statuses = []
    for i in range(LIMIT):
        status = requests.get(url, headers={"Authorization": f"Api-Key zq_wrong{i}"}, timeout=180).status_code
        statuses.append(status)
        if status == 429:
            break
    return {
        "scenario": "keys",
        "tries_answered_before_429": len(statuses) - 1,
        "statuses": dict(Counter(statuses)),
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--base", default="http://127.0.0.1:8601")
    parser.add_argument("--username", default="learner")
    parser.add_argument("--password", default="")
    parser.add_argument("--api-key", default="")
    parser.add_argument("--count", type=int, default=80)
    parser.add_argument("--concurrency", type=int, default=80)
    parser.add_argument("scenario", choices=["sequential", "spoof", "burst", "partner", "keys"])
    parser.add_argument("door", nargs="?", default="token", choices=["web", "admin", "token"])
    args = parser.parse_args()
    args.count = min(args.count, 2000)
    result = {"sequential": sequential, "spoof": spoof, "burst": burst, "partner": partner, "keys": keys}[
        args.scenario
    ](args)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
