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
  # The two passes share nothing (the embedded one keeps its database, cache and channel layer
  # in the process), so they run side by side: on two cores that roughly halves the wall time.
  # The embedded pass writes to a log printed when it ends; the scale pass streams as it runs.
  log_dir=$(mktemp -d)
  trap 'rm -rf "$log_dir"' EXIT
  echo "== CareCircle tests: embedded default (SQLite, in-memory layers), in the background =="
  # Its own folder for files (media, mail, field keys), so the passes never meet on disk.
  ( export CARECIRCLE_VAR_DIR="$log_dir/var"
    run_pytest > "$log_dir/embedded.log" 2>&1; echo $? > "$log_dir/embedded.rc" ) &
  embedded_pid=$!
  echo "== CareCircle tests: scale mode (PostgreSQL + Redis) =="
  # The browser journeys serve their own embedded site, so the first pass already covers them.
  # Socket tests run handlers in worker threads, each with a connection of its own from the
  # pool: the pool is larger than a web process's default so they never wait for one.
  scale_status=0
  CARECIRCLE_DATABASE_URL="$PG_URL" CARECIRCLE_REDIS_URL="$REDIS_URL" \
    CARECIRCLE_DB_POOL_MAX="${CARECIRCLE_DB_POOL_MAX:-40}" run_pytest -m "not browser" \
    || scale_status=$?
  wait "$embedded_pid" || true
  embedded_status=$(cat "$log_dir/embedded.rc" 2>/dev/null || echo 1)
  echo "== CareCircle tests: embedded default (SQLite, in-memory layers): its output =="
  cat "$log_dir/embedded.log"
  echo "== embedded pass exit status $embedded_status; scale pass exit status $scale_status =="
  if [ "$embedded_status" != 0 ] || [ "$scale_status" != 0 ]; then exit 1; fi
elif [ "$CI" = "true" ]; then
  echo "CI requires PostgreSQL (up=$pg_up) and Redis (up=$redis_up) on 127.0.0.1." >&2
  echo "Start them: see README.md, 'Running the tests'." >&2
  exit 1
else
  echo "== CareCircle tests: embedded default (SQLite, in-memory layers) =="
  run_pytest
  echo "PostgreSQL (up=$pg_up) or Redis (up=$redis_up) is not answering; scale-mode pass skipped."
  echo "Start them to run it: see README.md, 'Running the tests'."
fi
