#!/usr/bin/env bash
# The runs behind the results in bench/README.md, all on one commit (about 50 minutes).
# Extra arguments go to every run, e.g. `bash bench/run_all.sh --nice -10`.
set -euo pipefail
cd "$(dirname "$0")/.."
commit=${COMMIT:-$(git rev-parse --short=12 HEAD)}
run=(.venv/bin/python bench/run.py --snapshot "$commit" "$@")

# As shipped: embedded SQLite, and PostgreSQL + Redis with the settings' connection pool.
"${run[@]}" --db sqlite --regenerate
"${run[@]}" --db postgres --regenerate
# Every visitor's request through Django (the in-memory visitor copy turned off).
"${run[@]}" --db sqlite --visitor-cache-seconds 0
"${run[@]}" --db postgres --visitor-cache-seconds 0
# A pool as large as the number of concurrent requests one worker takes in.
"${run[@]}" --db postgres --db-pool-max 32
# The same project served through uvicorn's WSGI thread pool instead of the ASGI handler.
"${run[@]}" --db sqlite --interface wsgi
"${run[@]}" --db postgres --interface wsgi
