"""Fan-out: a new topic in a community with N watchers, delivered by background workers.

    .venv/bin/python bench/notifications.py [--watchers 50000] [--db sqlite|postgres]
                                            [--workers 2] [--topics 3]

Builds a throwaway database (SQLite under var/bench/notifications/, or the PostgreSQL database
`carecircle_bench_notifications`, dropped first), with N members who all watch one community.
Then it measures, in this order:

1. the `create_topic` action as the request runs it (the moderation gate, the save, and the
   enqueueing of the fan-out tasks in the database queue), per topic;
2. the wall time until `--workers` real `manage.py db_worker --batch` processes have delivered
   every in-app notification (rows written, unread counts broadcast);
3. the wall time of `send_due_emails` once the emails' wait is over (rendered and handed to
   Django's dummy mail backend: the time to build and send, without an SMTP server's own time).

Numbers go to stdout; nothing here is part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "var" / "bench" / "notifications"
PG_NAME = "carecircle_bench_notifications"
PG_SERVER = "postgres://postgres@127.0.0.1:5432"


def _environment(options: argparse.Namespace) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("CARECIRCLE_FIELD_KEYS", "dGVzdC1vbmx5LWZpZWxkLWVuY3J5cHRpb24ta2V5ISE=")
    env["CARECIRCLE_VAR_DIR"] = str(WORK)
    if options.db == "postgres":
        env["CARECIRCLE_DATABASE_URL"] = f"{PG_SERVER}/{PG_NAME}"
        env.setdefault("CARECIRCLE_REDIS_URL", "redis://127.0.0.1:6379/3")
    else:
        env["CARECIRCLE_SQLITE_PATH"] = str(WORK / "bench.sqlite3")
        env.pop("CARECIRCLE_DATABASE_URL", None)
        env.pop("CARECIRCLE_REDIS_URL", None)
    return env


def _reset_database(options: argparse.Namespace) -> None:
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    if options.db == "postgres":
        import psycopg

        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {PG_NAME} WITH (FORCE)")
            connection.execute(f"CREATE DATABASE {PG_NAME}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--watchers", type=int, default=50_000)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--topics", type=int, default=3)
    options = parser.parse_args()

    _reset_database(options)
    env = _environment(options)
    os.environ.update(env)
    if options.db == "sqlite":
        os.environ.pop("CARECIRCLE_DATABASE_URL", None)
        os.environ.pop("CARECIRCLE_REDIS_URL", None)
    sys.path.insert(0, str(ROOT / "bench"))
    from django_setup import setup

    setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
    settings.CARECIRCLE_POST_RATE = "100000/m"
    call_command("migrate", verbosity=0)

    from django.contrib.auth.hashers import make_password
    from django.db import connection
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from carecircle.accounts.models import User
    from carecircle.communities.models import Community, Membership
    from carecircle.core.factories import CommunityFactory, UserFactory, make_member
    from carecircle.discussions import actions as discussions
    from carecircle.notifications.delivery.email import send_due_emails
    from carecircle.notifications.models import Notification, Watch, WatchLevel

    community = CommunityFactory(name="Bench community", slug="bench")
    writer = UserFactory()
    make_member(community, writer)

    started = time.perf_counter()
    password = make_password(None)
    now = timezone.now()
    batch = 5_000
    for offset in range(0, options.watchers, batch):
        users = User.objects.bulk_create(
            [
                User(
                    email=f"watcher{index}@bench.example",
                    display_name=f"Watcher {index}",
                    handle=f"watcher{index}",
                    password=password,
                    date_joined=now - timedelta(days=200),
                )
                for index in range(offset, min(offset + batch, options.watchers))
            ]
        )
        if not users[0].pk:
            users = list(
                User.objects.filter(handle__startswith="watcher").order_by("-pk")[: len(users)]
            )
        Membership.objects.bulk_create(
            [
                Membership(
                    community=community,
                    user=user,
                    guidelines_version=community.guidelines_version,
                    guidelines_accepted_at=now,
                )
                for user in users
            ]
        )
        Watch.objects.bulk_create(
            [Watch(user=user, community=community, level=WatchLevel.WATCHING) for user in users]
        )
    Community.objects.filter(pk=community.pk).update(member_count=options.watchers + 1)
    print(
        f"{options.db}: {options.watchers:,} watchers created in "
        f"{time.perf_counter() - started:.1f} s"
    )

    # The first action in a process pays for imports and loading the screening lists: warm up
    # in a community nobody watches, so the samples show what a running server pays.
    quiet = CommunityFactory(name="Warm-up community", slug="warm-up")
    make_member(quiet, writer)
    discussions.create_topic(
        actor=writer, community=quiet, title="Warming up the server", body="Nothing to see."
    )
    DBTaskResult.objects.all().delete()

    request_samples = []
    for number in range(options.topics):
        began = time.perf_counter()
        discussions.create_topic(
            actor=writer,
            community=community,
            title=f"Has anyone tried pacing? ({number})",
            body="I am trying to plan rest before I get tired. What worked for you?",
        )
        request_samples.append(time.perf_counter() - began)
    queued = DBTaskResult.objects.filter(status="READY").count()
    print(
        f"create_topic (the request's share): median "
        f"{statistics.median(request_samples) * 1000:.1f} ms, max "
        f"{max(request_samples) * 1000:.1f} ms over {options.topics} topics; "
        f"{queued} tasks queued"
    )
    connection.close()

    began = time.perf_counter()
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "db_worker",
                "--batch",
                "--no-startup-delay",
                "--no-reload",
                "--worker-id",
                f"bench-{index}",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
        )
        for index in range(options.workers)
    ]
    for worker in workers:
        worker.wait()
    delivered = time.perf_counter() - began
    created = Notification.objects.count()
    failed = DBTaskResult.objects.exclude(status="SUCCESSFUL").count()
    print(
        f"in-app: {created:,} notifications delivered by {options.workers} workers in "
        f"{delivered:.1f} s ({created / delivered:,.0f}/s); tasks not successful: {failed}"
    )

    began = time.perf_counter()
    sent = send_due_emails(
        now=timezone.now() + timedelta(minutes=settings.CARECIRCLE_NOTIFICATION_EMAIL_DELAY_MINUTES)
    )
    emailed = time.perf_counter() - began
    print(f"email: {sent:,} emails built and sent in {emailed:.1f} s ({sent / emailed:,.0f}/s)")


if __name__ == "__main__":
    main()
