#!/usr/bin/env bash
# Runs the suite on SQLite, then on PostgreSQL + Redis when they answer on 127.0.0.1.
# Under CI=true PostgreSQL, Redis and Chromium are required: a missing piece fails loudly.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432/carecircle}
REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/0}
CI=${CI:-}

run_pytest() {
  # pytest exits 5 when it collected nothing: that is a failure here, never a pass.
  set +e
  "$PY" -m pytest "$@"
  local status=$?
  set -e
  if [ "$status" -eq 5 ]; then echo "pytest collected no tests" >&2; return 1; fi
  return "$status"
}

if [ "$CI" = "true" ]; then
  export CARECIRCLE_REQUIRE_BROWSER=1
fi

echo "== CareCircle tests: embedded default (SQLite, in-memory layers) =="
run_pytest

pg_up=0; redis_up=0
"$PY" - "$PG_URL" <<'PYEOF' && pg_up=1 || true
import sys, psycopg
url = sys.argv[1].rsplit("/", 1)[0] + "/postgres"
psycopg.connect(url, connect_timeout=3).close()
PYEOF
"$PY" - "$REDIS_URL" <<'PYEOF' && redis_up=1 || true
import sys, redis
redis.Redis.from_url(sys.argv[1], socket_connect_timeout=3).ping()
PYEOF

if [ "$pg_up" = 1 ] && [ "$redis_up" = 1 ]; then
  echo "== CareCircle tests: scale mode (PostgreSQL + Redis) =="
  # The browser journeys serve their own embedded site, so the first pass already covered them.
  # Socket tests run handlers in worker threads, each with a connection of its own from the
  # pool: the pool is larger than a web process's default so they never wait for one.
  CARECIRCLE_DATABASE_URL="$PG_URL" CARECIRCLE_REDIS_URL="$REDIS_URL" \
    CARECIRCLE_DB_POOL_MAX="${CARECIRCLE_DB_POOL_MAX:-40}" run_pytest -m "not browser"
elif [ "$CI" = "true" ]; then
  echo "CI requires PostgreSQL (up=$pg_up) and Redis (up=$redis_up) on 127.0.0.1." >&2
  echo "Start them: see README.md, 'Running the tests'." >&2
  exit 1
else
  echo "PostgreSQL (up=$pg_up) or Redis (up=$redis_up) is not answering; scale-mode pass skipped."
  echo "Start them to run it: see README.md, 'Running the tests'."
fi
