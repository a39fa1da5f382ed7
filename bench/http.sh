#!/usr/bin/env bash
# Web throughput of the hot pages as a ratio to a bare Django+DRF endpoint (issue 9).
#
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/zhiqiao_bench REDIS_URL=redis://127.0.0.1:6379/2 \
#     bench/http.sh [ROUNDS]
#
# Serves the project as production would (gunicorn config.wsgi -w 4 --threads 4,
# config.settings.production, DEBUG off, PostgreSQL + Redis) on PORT (default 8100), then runs
# RATIO (default ../shared/bench/ratio.sh, or /work/shared/bench/ratio.sh) once per URL and prints
# one table. The database must hold the demo data (`manage.py migrate && manage.py seed_demo &&
# manage.py train_recommender`). Only the ratios mean something: the machine is shared.
# ONLY=regex limits the run to the rows whose name matches.
set -u
cd "$(dirname "$0")/.."
rounds=${1:-3}
port=${PORT:-8100}
ratio=${RATIO:-}
if [ -z "$ratio" ]; then
  for candidate in ../shared/bench/ratio.sh /work/shared/bench/ratio.sh; do
    [ -x "$candidate" ] && ratio=$candidate && break
  done
fi
[ -n "$ratio" ] || { echo "ratio.sh not found: set RATIO=/path/to/ratio.sh"; exit 1; }
: "${DATABASE_URL:?set DATABASE_URL to a PostgreSQL database with the demo data}"
: "${REDIS_URL:?set REDIS_URL}"
export DATABASE_URL REDIS_URL
export DJANGO_SETTINGS_MODULE=config.settings.production
# Production refuses published secrets, the sandbox provider and console mail
# (config/settings/production_checks.py): give it throwaway values that pass; nothing here
# sends mail or calls a provider.
export SECRET_KEY=${SECRET_KEY:-$(python3 -c 'import secrets; print(secrets.token_urlsafe(50))')}
export ALLOWED_HOSTS=${ALLOWED_HOSTS:-127.0.0.1,localhost}
export DEBUG=false
export PAYMENT_PROVIDER=${PAYMENT_PROVIDER:-stripe}
export STRIPE_API_KEY=${STRIPE_API_KEY:-sk_test_bench_only}
export STRIPE_WEBHOOK_SECRET=${STRIPE_WEBHOOK_SECRET:-$(python3 -c 'import secrets; print(secrets.token_hex(24))')}
export EMAIL_BACKEND=${EMAIL_BACKEND:-django.core.mail.backends.smtp.EmailBackend}
export EMAIL_URL=${EMAIL_URL:-smtp://127.0.0.1:1025}
export MEDIA_STORAGE_URL=${MEDIA_STORAGE_URL:-file:///tmp/zhiqiao-bench-media}
# wrk talks plain HTTP on loopback: no redirect to HTTPS (a proxy terminates TLS in production).
export SECURE_SSL_REDIRECT=${SECURE_SSL_REDIRECT:-false}

# VENV: the virtualenv to serve from (default .venv; a worktree without its own uses the shared one).
venv=${VENV:-.venv}
export GUNICORN=${GUNICORN:-$venv/bin/gunicorn}
py=$venv/bin/python
$py manage.py collectstatic --noinput --verbosity 0

# Fixtures: the learner's API token and a signed-in session, a course, a campaign and a link.
eval "$($py manage.py shell -v 0 -c '
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.auth import get_user_model, SESSION_KEY, BACKEND_SESSION_KEY, HASH_SESSION_KEY
from rest_framework.authtoken.models import Token
from importlib import import_module
from django.conf import settings
from courses.models import Course
from campaigns.models import Campaign, TrackingLink
user = get_user_model().objects.get(username="learner")
token, _ = Token.objects.get_or_create(user=user)
store = import_module(settings.SESSION_ENGINE).SessionStore()
store[SESSION_KEY] = str(user.pk)
# A backend that is not in AUTHENTICATION_BACKENDS makes get_user() answer AnonymousUser:
# the session must name one the project uses, or the "learner" rows measure anonymous pages.
store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
store[HASH_SESSION_KEY] = user.get_session_auth_hash()
store.create()
course = Course.objects.filter(is_published=True).order_by("pk").first()
campaign = Campaign.objects.filter(status="running").order_by("pk").first()
link = TrackingLink.objects.filter(campaign=campaign).order_by("pk").first()
print(f"TOKEN={token.key} SESSION={store.session_key} COURSE={course.slug} CAMPAIGN={campaign.slug} LINK={link.token}")
' | grep ^TOKEN=)"
[ -n "${TOKEN:-}" ] || { echo "could not prepare fixtures (is the demo data loaded?)"; exit 1; }

log=$(mktemp)
setsid "$venv"/bin/gunicorn config.wsgi -w 4 --threads 4 -b 127.0.0.1:"$port" >"$log" 2>&1 &
gpid=$!
# A Celery worker flushes the touch buffer (landing views and clicks) as production would;
# its CPU is part of the measurement.
setsid "$venv"/bin/celery -A config worker --concurrency 1 --loglevel WARNING >>"$log" 2>&1 &
wpid=$!
trap 'kill -- -"$gpid" 2>/dev/null; kill -- -"$wpid" 2>/dev/null; rm -f "$log"' EXIT
for _ in $(seq 60); do curl -s -o /dev/null "http://127.0.0.1:$port/healthz" && break; sleep 0.5; done

base=http://127.0.0.1:$port
auth=(-H "Authorization: Token $TOKEN")
session=(-H "Cookie: sessionid=$SESSION")
# name|url|header set (none, token, session)
rows=(
  "api categories|$base/api/v1/categories/|none"
  "api course list|$base/api/v1/courses/|none"
  "api course detail|$base/api/v1/courses/$COURSE/|none"
  "api similar courses|$base/api/v1/courses/$COURSE/similar/|none"
  "html home|$base/en/|none"
  "html catalog|$base/en/courses/|none"
  "html course page|$base/en/courses/$COURSE/|none"
  "api me/recommendations (learner)|$base/api/v1/me/recommendations/|token"
  "html home (learner)|$base/en/|session"
  "html catalog (learner)|$base/en/courses/|session"
  "html course page (learner)|$base/en/courses/$COURSE/|session"
  "html landing (new visitor)|$base/en/c/$CAMPAIGN/|none"
  "tracking link /t/<token>|$base/t/$LINK|none"
)
printf '| endpoint | ratio | project rps | bare rps |\n| --- | --- | --- | --- |\n'
for row in "${rows[@]}"; do
  IFS='|' read -r name url kind <<<"$row"
  if [ -n "${ONLY:-}" ] && ! [[ $name =~ $ONLY ]]; then continue; fi
  case $kind in
    token) extra=("${auth[@]}") ;;
    session) extra=("${session[@]}") ;;
    *) extra=() ;;
  esac
  status=$(curl -s -o /dev/null -w '%{http_code}' "${extra[@]}" "$url")
  if [ "$kind" = session ] && ! curl -s "${extra[@]}" "$url" | grep -q 'data-testid="logout"'; then
    # No sign-out form: the session was refused and the page is the anonymous one.
    printf '| %s | not signed in: the session cookie was refused | | |\n' "$name"
    continue
  fi
  out=$("$ratio" "$url" "$rounds" "${extra[@]}")
  # "ratio median R (project P rps, bare B rps, ...)"
  r=$(awk '{print $3}' <<<"$out"); p=$(awk '{print $5}' <<<"$out" | tr -d '('); b=$(awk '{print $8}' <<<"$out")
  pct=$(python3 -c "print(f'{float(\"${r:-0}\")*100:.1f} %')")
  printf '| %s (HTTP %s) | %s | %s | %s |\n' "$name" "$status" "$pct" "$p" "$b"
done
grep -iE "error|traceback" "$log" | head -5
