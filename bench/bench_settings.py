"""The site's settings with one database-connection change, to measure it without editing
config/settings.py. Chosen by BENCH_DB_CONNECTIONS (bench/run.py --db-connections):

- `per-request`: no pool and CONN_MAX_AGE = 0, one connection opened and closed per request.
- `persistent`: no pool and CONN_MAX_AGE = 60, Django's usual persistent connections. Under
  ASGI each request runs its sync code in a thread of its own, so these are never reused:
  every request opens a new one and leaves it open, which on PostgreSQL exhausts
  max_connections within seconds under load. WSGI threads are reused, so there it works.

The pool size of the shipped settings is set through CARECIRCLE_DB_POOL_MAX instead
(bench/run.py --db-pool-max).
"""

from __future__ import annotations

import os

from config.settings import *  # noqa: F403
from config.settings import DATABASES

_variant = os.environ.get("BENCH_DB_CONNECTIONS", "shipped")
if _variant in ("per-request", "persistent"):
    DATABASES["default"].get("OPTIONS", {}).pop("pool", None)
    DATABASES["default"]["CONN_MAX_AGE"] = 0 if _variant == "per-request" else 60
