"""The site's settings with one database-connection change, to measure it without editing
config/settings.py. Chosen by BENCH_DB_CONNECTIONS (bench/run.py --db-connections):

- `per-request`: CONN_MAX_AGE = 0, one connection opened and closed per request. Under ASGI
  Django runs each request's sync code in a thread of its own, so the shipped persistent
  connections are never reused: every request opens a new one and leaves it open until it is
  garbage-collected, which on PostgreSQL exhausts max_connections under load.
- `pool`: PostgreSQL only, Django's psycopg connection pool (needs the psycopg-pool package)
  with CONN_MAX_AGE = 0, as Django's documentation advises for ASGI.
"""

from __future__ import annotations

import os

from config.settings import *  # noqa: F403
from config.settings import DATABASES

_variant = os.environ.get("BENCH_DB_CONNECTIONS", "shipped")
if _variant in ("per-request", "pool"):
    DATABASES["default"]["CONN_MAX_AGE"] = 0
if _variant == "pool":
    if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        raise RuntimeError("The connection pool variant needs PostgreSQL.")
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {"min_size": 4, "max_size": 16}
