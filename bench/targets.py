"""Print, as JSON, what the load scenarios aim at in the generated data set.

The busiest public community, its busiest topic (first and last page), a small topic for
comparison, topics to reply to, and members of that community who can sign in and post.
Run with the same CARECIRCLE_* environment as the site: `python bench/targets.py`.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from django_setup import setup

PAGE_SIZE = 20
MEMBERS = 16
REPLY_TOPICS = 20


def collect() -> dict[str, Any]:
    from django.db import connection

    from carecircle.accounts.models import User
    from carecircle.communities.models import Community, Membership
    from carecircle.discussions.models import Post, Reaction, Topic

    community = (
        Community.objects.filter(visibility=Community.Visibility.PUBLIC)
        .exclude(kind=Community.Kind.ANNOUNCEMENTS)
        .order_by("-topic_count")
        .first()
    )
    if community is None:
        raise SystemExit("No public community: generate the data set first.")
    topics = Topic.objects.filter(community=community, is_deleted=False, is_locked=False)
    hot = topics.order_by("-reply_count").first()
    small = topics.filter(reply_count__gte=2, reply_count__lte=10).order_by("pk").first()
    assert hot is not None and small is not None
    # Posting goes to the busiest topic and to others across the community.
    reply_topics = [hot, *topics.exclude(pk=hot.pk).order_by("-last_posted_at")[: REPLY_TOPICS - 1]]
    members = list(
        User.objects.filter(
            memberships__community=community,
            memberships__role=Membership.Role.MEMBER,
            is_active=True,
            is_site_admin=False,
            is_site_manager=False,
            is_site_moderator=False,
        )
        .order_by("pk")
        .values_list("email", flat=True)[:MEMBERS]
    )
    listed = topics.count()
    pages = max(1, -(-listed // PAGE_SIZE))

    def topic_info(topic: Topic) -> dict[str, Any]:
        last_page = max(1, -(-(topic.reply_count + 1) // PAGE_SIZE))
        return {
            "id": topic.pk,
            "url": topic.get_absolute_url(),
            "reply_count": topic.reply_count,
            "last_page": last_page,
        }

    return {
        "database": f"{connection.vendor} {connection.settings_dict['NAME']}",
        "counts": {
            "members": User.objects.count(),
            "communities": Community.objects.count(),
            "memberships": Membership.objects.count(),
            "topics": Topic.objects.count(),
            "posts": Post.objects.count(),
            "reactions": Reaction.objects.count(),
        },
        "community": {
            "slug": community.slug,
            "url": community.get_absolute_url(),
            "topic_count": community.topic_count,
            "post_count": community.post_count,
            "member_count": community.member_count,
            "last_page": pages,
        },
        "hot_topic": topic_info(hot),
        "small_topic": topic_info(small),
        "reply_topics": [topic.pk for topic in reply_topics],
        "members": members,
    }


if __name__ == "__main__":
    setup()
    json.dump(collect(), sys.stdout, indent=2)
    sys.stdout.write("\n")
