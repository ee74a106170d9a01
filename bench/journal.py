"""Time the journal's charts and clinician summary for a member with 5 years of daily entries.

    .venv/bin/python bench/journal.py [--years 5] [--runs 20] [--var-dir var/bench/journal]

Builds a throwaway embedded site (SQLite) in its own CARECIRCLE_VAR_DIR (deleted first), so it
never touches the site's own data. Each day has a mood check-in, three symptoms and two
measurements; four medicines make bands. Pages are fetched with Django's test Client (no
network), after one warm-up request each; it prints p50/p95 per page, the time spent only
reading and decrypting the entries, and the peak Python memory of one "all" chart page.

Chart pages are timed twice: "cached" is the usual case (the member's daily digest is kept in
process memory until their next write), "cold" empties that cache before every run, as the
first chart after a write sees it. The load average is printed before and after.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import time
import tracemalloc
from datetime import date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from typing import Any, cast

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--var-dir", default=str(ROOT / "var" / "bench" / "journal"))
    options = parser.parse_args()

    work = Path(options.var_dir)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    os.environ["CARECIRCLE_VAR_DIR"] = str(work)
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "bench"))
    from django_setup import setup

    setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.LOGGING_CONFIG = None
    call_command("migrate", verbosity=0)
    member, count = _build(options.years)
    print(f"{count:,} entries over {options.years} years for one member\n")

    from django.test import Client

    client = Client()
    client.force_login(member)
    today = date.today()
    year_ago = (today - timedelta(days=365)).isoformat()
    pages = [
        ("Charts, week", "/journal/charts/?period=week"),
        ("Charts, month", "/journal/charts/?period=month"),
        ("Charts, year", "/journal/charts/?period=year"),
        ("Charts, all (5 years, weekly means)", "/journal/charts/?period=all"),
        ("API series, all", "/api/v1/journal/charts/series?period=all"),
        ("Summary page, 3 months", "/journal/summary/"),
        ("Summary page, 1 year", f"/journal/summary/?from={year_ago}"),
        ("Summary PDF, 3 months", "/journal/summary.pdf"),
        ("Summary PDF, 1 year", f"/journal/summary.pdf?from={year_ago}"),
    ]
    from carecircle.journal import charts, queries

    cold = [
        ("Charts, year, cold", "/journal/charts/?period=year"),
        ("Charts, all, cold", "/journal/charts/?period=all"),
        ("API series, all, cold", "/api/v1/journal/charts/series?period=all"),
    ]
    print(f"Load average before: {_load()}")
    rows = []
    for label, path in pages + cold:
        response = client.get(path)  # warm-up (imports, the PDF font's static copy)
        assert response.status_code == 200, (path, response.status_code)
        timings = []
        for _run in range(options.runs):
            if label.endswith(", cold"):
                charts.clear_cache()
            started = time.perf_counter()
            response = client.get(path)
            timings.append((time.perf_counter() - started) * 1000)
        rows.append((label, timings, len(response.content)))

    timings = []
    for _run in range(options.runs):
        started = time.perf_counter()
        charts._journal_stamp(member)
        timings.append((time.perf_counter() - started) * 1000)
    rows.append(("Journal stamp query (count, latest change)", timings, 0))

    timings = []
    for _run in range(options.runs):
        started = time.perf_counter()
        list(queries.entries_for(member).values_list("kind", "recorded_at", "data"))
        timings.append((time.perf_counter() - started) * 1000)
    rows.append((f"Only read + decrypt all {count:,} entries", timings, 0))

    print("| what | p50 ms | p95 ms | bytes |")
    print("|---|---:|---:|---:|")
    for label, timings, size in rows:
        size_text = f"{size:,}" if size else ""
        print(f"| {label} | {_pct(timings, 50):,.1f} | {_pct(timings, 95):,.1f} | {size_text} |")

    charts.clear_cache()
    tracemalloc.start()
    client.get("/journal/charts/?period=all")
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"\nPeak Python memory of one cold 'all' chart page: {peak / 1e6:.1f} MB")
    print(f"Load average after: {_load()}")


def _load() -> str:
    return ", ".join(f"{value:.2f}" for value in os.getloadavg())


def _pct(values: list[float], percent: int) -> float:
    if len(values) < 2:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[percent - 1]


def _build(years: int) -> tuple[Any, int]:
    import random

    from django.utils import timezone

    from carecircle.accounts.models import User
    from carecircle.journal import payloads
    from carecircle.journal.models import JournalEntry, Medication

    rng = random.Random(5)  # noqa: S311 - bench data
    member = User.objects.create_user(
        "journal-bench@example.org", "bench-password-1", display_name="Bench", handle="bench"
    )
    days = years * 365 + years // 4
    first = date.today() - timedelta(days=days - 1)
    for name, start, stop in (
        ("Metformin", 0, None),
        ("Ibuprofen", 200, 420),
        ("Sertraline", 700, 1300),
        ("Vitamin D", 1500, None),
    ):
        medicine: dict[str, Any] = {
            "name": name,
            "started_on": first + timedelta(days=start),
            "stopped_on": first + timedelta(days=stop) if stop else None,
        }
        Medication.objects.create(owner=member, data=cast(Any, payloads.clean_medication(medicine)))
    entries = []

    def at(day: date, hour: int) -> datetime:
        return timezone.make_aware(datetime.combine(day, clock(hour)))

    for index in range(days):
        day = first + timedelta(days=index)
        day_entries: list[tuple[str, int, dict[str, Any]]] = [
            ("mood", 20, {"mood": rng.randint(1, 5), "energy": rng.randint(1, 5)}),
            ("symptom", 20, {"name": "Fatigue", "severity": rng.randint(2, 9)}),
            ("symptom", 20, {"name": "Joint pain", "severity": rng.randint(0, 8)}),
            ("symptom", 9, {"name": "Headache", "severity": rng.randint(0, 6)}),
            ("measurement", 7, {"type": "weight", "value": round(rng.uniform(70, 80), 1)}),
            ("measurement", 7, {"type": "sleep", "value": rng.choice([5, 6, 6.5, 7, 8])}),
        ]
        for kind, hour, raw in day_entries:
            entries.append(
                JournalEntry(
                    owner=member,
                    kind=kind,
                    recorded_at=at(day, hour),
                    data=cast(Any, payloads.clean_entry(kind, raw)),
                )
            )
    JournalEntry.objects.bulk_create(entries, batch_size=1000)
    return member, len(entries)


if __name__ == "__main__":
    main()
