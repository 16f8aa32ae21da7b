#!/usr/bin/env bash
# The dashboard's load test: gunicorn with the production settings, 20 signed-in users of the
# demo data for 60 s (locust, headless), then p50/p95 per page and the failures.
#
#   bench/load/run.sh
#
# Environment (defaults in brackets):
#   LOAD_DATABASE_URL  the database it migrates, seeds with `seed_demo` and serves
#                      [postgres://postgres@127.0.0.1:5432/rpo_load]; created if missing
#   REDIS_URL          the cache [redis://127.0.0.1:6379/0]
#   LOAD_USERS [20]  LOAD_SPAWN_RATE [5]  LOAD_TIME [60s]  LOAD_PORT [8765]
#   LOAD_WORKERS       gunicorn workers [3, as in the Dockerfile]
#   APP_VENV           the app's virtualenv [.venv]
# Locust runs in its own virtualenv, .venv-locust, made here from bench/load/requirements.txt.
# Figures: bench/results/load_stats.csv (and the printed table); gunicorn's log beside it.
set -euo pipefail
cd "$(dirname "$0")/../.."

APP_VENV=${APP_VENV:-.venv}
PORT=${LOAD_PORT:-8765}
RESULTS=bench/results
mkdir -p "$RESULTS"

# Locust's own virtualenv, rebuilt when its pinned requirements change.
if ! cmp -s bench/load/requirements.txt .venv-locust/requirements.txt 2>/dev/null; then
  rm -rf .venv-locust
  python3 -m venv .venv-locust
  .venv-locust/bin/pip install --quiet -r bench/load/requirements.txt
  cp bench/load/requirements.txt .venv-locust/requirements.txt
fi

# Production settings: no debug, a secret key, explicit hosts, static files collected and
# served by whitenoise (its compressed manifest storage). DJANGO_SECURE=false only because
# this runs plain HTTP on the loopback; in production TLS ends at the proxy in front.
export DATABASE_URL=${LOAD_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/rpo_load}
export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/0}
export DJANGO_DEBUG=false
export DJANGO_SECURE=false
export DJANGO_ALLOWED_HOSTS=127.0.0.1
DJANGO_SECRET_KEY=$("$APP_VENV/bin/python" -c "import secrets; print(secrets.token_urlsafe(50))")
export DJANGO_SECRET_KEY

"$APP_VENV/bin/python" - <<'PY'
import os
from urllib.parse import urlsplit

import psycopg2

url = urlsplit(os.environ["DATABASE_URL"])
name = url.path.lstrip("/")
server = psycopg2.connect(
    host=url.hostname, port=url.port or 5432, user=url.username, password=url.password,
    dbname="postgres",
)
server.autocommit = True
with server.cursor() as cursor:
    cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
    if not cursor.fetchone():
        cursor.execute(f'CREATE DATABASE "{name}"')
PY
"$APP_VENV/bin/python" manage.py migrate --verbosity 0
"$APP_VENV/bin/python" manage.py seed_demo >/dev/null
"$APP_VENV/bin/python" manage.py collectstatic --noinput --verbosity 0

"$APP_VENV/bin/gunicorn" rpo_portal.wsgi --bind "127.0.0.1:$PORT" \
  --workers "${LOAD_WORKERS:-3}" --access-logfile - >"$RESULTS/load_gunicorn.log" 2>&1 &
GUNICORN=$!
trap 'kill "$GUNICORN" 2>/dev/null; wait "$GUNICORN" 2>/dev/null || true' EXIT
for _ in $(seq 60); do
  curl -fs -o /dev/null "http://127.0.0.1:$PORT/accounts/login/" && break
  sleep 0.5
done

status=0
.venv-locust/bin/locust -f bench/load/locustfile.py --host "http://127.0.0.1:$PORT" \
  --headless --users "${LOAD_USERS:-20}" --spawn-rate "${LOAD_SPAWN_RATE:-5}" \
  --run-time "${LOAD_TIME:-60s}" --stop-timeout 10 --csv "$RESULTS/load" --only-summary \
  --loglevel WARNING || status=$?
.venv-locust/bin/python bench/load/report.py "$RESULTS/load_stats.csv" "$RESULTS/load_failures.csv"
exit "$status"
