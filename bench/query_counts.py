"""Count the SQL queries of each benchmarked page on the generated data set, as JSON.

Each page is requested twice with Django's test client and the second request is measured,
so one-off work (the first session read, content types) does not count. A small topic and the
busiest one, first and last page, show whether the count depends on the number of posts.
Anonymous topic pages are measured with the visitor page cache switched off (a full render,
as on the first visit after a change) and switched on (every later visit).

Run with the same CARECIRCLE_* environment as the site: `python bench/query_counts.py`.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

from django_setup import setup
from targets import collect

DUMMY_CACHE = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}


def measure(client: Any, path: str) -> dict[str, Any]:
    from django.db import connection

    queries: list[tuple[float, str]] = []

    def timed(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            queries.append(((time.perf_counter() - started) * 1000, sql))

    client.get(path)
    started = time.perf_counter()
    with connection.execute_wrapper(timed):
        response = client.get(path)
    elapsed = (time.perf_counter() - started) * 1000
    slowest = max(queries, default=(0.0, ""))
    return {
        "status": response.status_code,
        "queries": len(queries),
        "sql_ms": round(sum(duration for duration, _sql in queries), 2),
        "request_ms": round(elapsed, 2),
        "slowest_ms": round(slowest[0], 2),
        "slowest_sql": " ".join(slowest[1].split())[:300],
    }


def pages(targets: dict[str, Any]) -> list[tuple[str, str]]:
    community, hot, small = targets["community"], targets["hot_topic"], targets["small_topic"]
    api_topics = f"/api/v1/communities/{community['slug']}/topics"
    api_posts = f"/api/v1/topics/{hot['id']}/posts"
    return [
        ("community list", "/communities/"),
        ("community topics, page 1", community["url"]),
        ("community topics, last page", f"{community['url']}?page={community['last_page']}"),
        (f"small topic ({small['reply_count']} replies)", small["url"]),
        (f"busiest topic ({hot['reply_count']} replies), page 1", hot["url"]),
        ("busiest topic, last page", f"{hot['url']}?page={hot['last_page']}"),
        ("API topic list", api_topics),
        ("API post list of the busiest topic, page 1", api_posts),
        ("API post list of the busiest topic, last page", f"{api_posts}?page={hot['last_page']}"),
    ]


def main() -> dict[str, Any]:
    from django.test import Client, override_settings

    from carecircle.accounts.models import User

    targets = collect()
    member = User.objects.get(email=targets["members"][0])
    visitor = Client(HTTP_HOST="127.0.0.1")
    signed_in = Client(HTTP_HOST="127.0.0.1")
    signed_in.force_login(member)
    results = []
    for label, path in pages(targets):
        row: dict[str, Any] = {"page": label, "path": path}
        with override_settings(CACHES=DUMMY_CACHE):
            row["visitor"] = measure(visitor, path)
        if "/t/" in path:
            row["visitor_cached"] = measure(visitor, path)
        row["member"] = measure(signed_in, path)
        results.append(row)
    return {"database": targets["database"], "counts": targets["counts"], "pages": results}


if __name__ == "__main__":
    setup()
    json.dump(main(), sys.stdout, indent=2)
    sys.stdout.write("\n")
