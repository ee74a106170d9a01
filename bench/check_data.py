"""Check that the denormalised counters of the bench data set match the rows they count.

Prints every mismatch and exits 1 if there is any. Run after `generate_data` (and after a
load run, which posts replies through the real actions) with the site's CARECIRCLE_*
environment: `python bench/check_data.py`.
"""

from __future__ import annotations

import sys
from collections import defaultdict

from django_setup import setup


def problems() -> list[str]:
    from django.db.models import Count, Exists, F, Max, OuterRef, Q

    from carecircle.communities.models import Community, Membership
    from carecircle.discussions.models import Post, Reaction, Topic

    found: list[str] = []

    def report(label: str, count: int) -> None:
        if count:
            found.append(f"{label}: {count}")

    topics = Topic.objects.annotate(posts_total=Count("posts"), highest=Max("posts__position"))
    report(
        "topics whose reply_count is not their posts minus one",
        topics.exclude(reply_count=F("posts_total") - 1).count(),
    )
    report("topics whose positions are not 1..n", topics.exclude(highest=F("posts_total")).count())
    # The reply action stamps last_posted_at a moment before the post's own created_at, so
    # only a difference of more than a second counts as wrong.
    newest = dict(
        Post.objects.values("topic")
        .annotate(newest=Max("created_at"))
        .values_list("topic", "newest")
    )
    report(
        "topics whose last_posted_at is more than 1 s off their newest post's",
        sum(
            1
            for topic_id, last_posted_at in Topic.objects.values_list("id", "last_posted_at")
            if abs((newest[topic_id] - last_posted_at).total_seconds()) > 1
        ),
    )
    for community in Community.objects.annotate(
        topics_alive=Count("topics", filter=Q(topics__is_deleted=False), distinct=True),
        members=Count("memberships", distinct=True),
    ):
        posts = Post.objects.filter(topic__community=community).count()
        if (community.topic_count, community.post_count, community.member_count) != (
            community.topics_alive,  # type: ignore[attr-defined]
            posts,
            community.members,  # type: ignore[attr-defined]
        ):
            found.append(
                f"community {community.slug}: counters topics/posts/members "
                f"{community.topic_count}/{community.post_count}/{community.member_count}, "
                f"rows {community.topics_alive}/{posts}/{community.members}"  # type: ignore[attr-defined]
            )
    is_member = Membership.objects.filter(
        community=OuterRef("topic__community"), user=OuterRef("author")
    )
    report(
        "posts by someone who is not a member of the community",
        Post.objects.filter(author__isnull=False).exclude(Exists(is_member)).count(),
    )
    reactor_is_member = Membership.objects.filter(
        community=OuterRef("post__topic__community"), user=OuterRef("user")
    )
    report(
        "reactions by someone who is not a member",
        Reaction.objects.exclude(Exists(reactor_is_member)).count(),
    )
    counted: dict[int, dict[str, int]] = defaultdict(dict)
    for post_id, kind, total in (
        Reaction.objects.values_list("post_id", "kind").annotate(total=Count("id")).iterator()
    ):
        counted[post_id][kind] = total
    wrong = 0
    for post_id, counts in Post.objects.values_list("id", "reaction_counts").iterator():
        if {k: v for k, v in (counts or {}).items() if v} != counted.get(post_id, {}):
            wrong += 1
    report("posts whose reaction_counts do not match their reactions", wrong)
    return found


if __name__ == "__main__":
    setup()
    found = problems()
    for line in found:
        print(line)
    print("data set consistent" if not found else f"{len(found)} problem(s)")
    sys.exit(1 if found else 0)
