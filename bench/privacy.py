"""Time a data export and both kinds of erasure for a member with 10,000 posts.

    .venv/bin/python bench/privacy.py [--posts 10000] [--topics 200]

Builds a throwaway SQLite database under var/bench/privacy/ (deleted first), so it never touches
the site's own data.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "var" / "bench" / "privacy"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--topics", type=int, default=200)
    options = parser.parse_args()

    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    os.environ["CARECIRCLE_SQLITE_PATH"] = str(WORK / "bench.sqlite3")
    os.environ["CARECIRCLE_MEDIA_ROOT"] = str(WORK / "media")
    os.environ.setdefault("CARECIRCLE_FIELD_KEYS", "dGVzdC1vbmx5LWZpZWxkLWVuY3J5cHRpb24ta2V5ISE=")
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "bench"))
    from django_setup import setup

    setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.CARECIRCLE_EXPORT_ROOT = WORK / "exports"
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.LOGGING_CONFIG = None
    call_command("migrate", verbosity=0)

    for keep_posts in (True, False):
        member = _build(options.posts, options.topics, keep_posts)
        from carecircle.privacy import actions
        from carecircle.privacy.models import DataExport

        export = DataExport.objects.create(user=member, requested_at=_now())
        started = time.perf_counter()
        actions.build_data_export(export_id=export.pk)
        export_seconds = time.perf_counter() - started
        export.refresh_from_db()
        started = time.perf_counter()
        actions.erase_member(actor=member, member=member, keep_posts=keep_posts)
        erase_seconds = time.perf_counter() - started
        print(
            f"{options.posts} posts in {options.topics} topics: export {export_seconds:.2f} s "
            f"({export.size_bytes / 1_000_000:.1f} MB ZIP); erase keep_posts={keep_posts} "
            f"{erase_seconds:.2f} s"
        )


def _now():  # type: ignore[no-untyped-def]
    from django.utils import timezone

    return timezone.now()


def _build(posts: int, topics: int, keep_posts: bool):  # type: ignore[no-untyped-def]
    from carecircle.accounts.models import User
    from carecircle.communities.models import Community
    from carecircle.core.factories import CommunityFactory, make_member
    from carecircle.discussions.models import Post, Reaction, Topic

    suffix = "keep" if keep_posts else "remove"
    member = User.objects.create_user(
        f"bench-{suffix}@example.org",
        "bench",
        display_name="Bench member",
        handle=f"bench-{suffix}",
    )
    other = User.objects.create_user(
        f"other-{suffix}@example.org", "bench", display_name="Other", handle=f"other-{suffix}"
    )
    community: Community = CommunityFactory(name=f"Bench {suffix}", slug=f"bench-{suffix}")  # type: ignore[assignment]
    make_member(community, member)
    make_member(community, other)
    now = _now()
    topic_rows = Topic.objects.bulk_create(
        [
            Topic(
                community=community,
                author=member,
                title=f"Bench topic {n}",
                last_posted_at=now,
                last_poster=member,
            )
            for n in range(topics)
        ]
    )
    per_topic = posts // topics
    body = "A bench post about energy, rest and pacing. " * 6
    batch = []
    for topic in topic_rows:
        for position in range(1, per_topic + 1):
            batch.append(
                Post(
                    topic=topic,
                    author=member,
                    position=position,
                    body=body,
                    body_html=f"<p>{body}</p>",
                )
            )
        # Every other topic has a reply by someone else, so removal keeps half the threads.
        if topic.pk % 2:
            batch.append(
                Post(topic=topic, author=other, position=per_topic + 1, body="Reply", body_html="")
            )
    Post.objects.bulk_create(batch, batch_size=2000)
    first_posts = Post.objects.filter(topic__community=community, author=other)[:500]
    Reaction.objects.bulk_create([Reaction(post=p, user=member, kind="hug") for p in first_posts])
    return member


if __name__ == "__main__":
    main()
