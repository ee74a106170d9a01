"""Time what moderation adds: the gate on every reply, reports, and the review queue page.

    .venv/bin/python bench/moderation.py [--replies 500] [--items 2000]

Builds a throwaway SQLite database under var/bench/moderation/ (deleted first), so it never
touches the site's own data. Screening throughput on its own comes from
`manage.py evaluate_screening` (see docs/screening.md).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "var" / "bench" / "moderation"

EVERYDAY = [
    "Thanks for sharing this. I had the same tiredness in my first month on metformin.",
    "Has anyone tried walking after dinner? My readings are much better since I started.",
    "Sending you a hug. Appointments like that are exhausting, be gentle with yourself today.",
    "My nurse suggested keeping a food diary for two weeks before the next review.",
    "I found the pacing advice hard at first, but planning rest before I feel tired helps.",
]


def _percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p50 = statistics.median(ordered) * 1000
    p95 = ordered[int(len(ordered) * 0.95) - 1] * 1000
    return f"p50 {p50:.2f} ms, p95 {p95:.2f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--replies", type=int, default=500)
    parser.add_argument("--items", type=int, default=2000)
    options = parser.parse_args()

    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    os.environ["CARECIRCLE_SQLITE_PATH"] = str(WORK / "bench.sqlite3")
    os.environ.setdefault("CARECIRCLE_FIELD_KEYS", "dGVzdC1vbmx5LWZpZWxkLWVuY3J5cHRpb24ta2V5ISE=")
    sys.path.insert(0, str(ROOT / "bench"))
    from django_setup import setup

    setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.CARECIRCLE_POST_RATE = "100000/m"
    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)

    from django.core.cache import cache
    from django.test import Client

    from carecircle.communities.models import Membership
    from carecircle.core.factories import CommunityFactory, UserFactory, make_member, make_topic
    from carecircle.discussions import actions as discussions
    from carecircle.moderation import gate
    from carecircle.moderation.actions.reports import report_content
    from carecircle.moderation.models import MemberTrust, TrustLevel

    community = CommunityFactory(name="Bench community", slug="bench")
    writer = UserFactory()
    moderator = UserFactory()
    make_member(community, writer)
    make_member(community, moderator, role=Membership.Role.MODERATOR)
    MemberTrust.objects.create(user=writer, level=TrustLevel.MEMBER)
    topic = make_topic(community, writer, title="Bench topic")

    gate_samples, reply_samples = [], []
    for n in range(options.replies):
        body = f"{EVERYDAY[n % len(EVERYDAY)]} ({n})"
        started = time.perf_counter()
        gate.screen_content(actor=writer, community=community, text=body, kind="post")
        gate_samples.append(time.perf_counter() - started)
        started = time.perf_counter()
        discussions.reply_to_topic(actor=writer, topic=topic, body=body)
        reply_samples.append(time.perf_counter() - started)
    print(f"gate.screen_content, {options.replies} everyday replies: {_percentiles(gate_samples)}")
    print(f"reply_to_topic including the gate: {_percentiles(reply_samples)}")

    reporters = [UserFactory() for _ in range(20)]
    for reporter in reporters:
        make_member(community, reporter)
    author = UserFactory()
    make_member(community, author)
    targets = [
        make_topic(community, author, title=f"Reported topic {n}", body="Buy my cure now")
        for n in range(options.items)
    ]
    started = time.perf_counter()
    for n, target in enumerate(targets):
        cache.clear()  # the report rate limit is per reporter and hour
        report_content(
            actor=reporters[n % len(reporters)],
            kind="topic",
            target_id=target.pk,
            reason="spam",
        )
    seconds = time.perf_counter() - started
    print(f"report_content: {options.items} reports in {seconds:.2f} s "
          f"({options.items / seconds:.0f}/s)")  # fmt: skip

    client = Client()
    client.force_login(moderator)
    page_samples = []
    for _ in range(30):
        started = time.perf_counter()
        response = client.get("/c/bench/moderation/?queue=general")
        page_samples.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
    print(f"review queue page with {options.items} open items: {_percentiles(page_samples)}")


if __name__ == "__main__":
    main()
