"""Reading notifications, watch levels and settings, scoped to the member who asks.

A notification row only points at things (topic, post, community, conversation); whether the
member may still see them is decided here, at read time, so a post hidden after the event or a
community the member has left drops out of the bell and the unread count at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.cache import caches
from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from carecircle.communities.models import Community, Membership
from carecircle.core.models import ModerationState
from carecircle.notifications.models import (
    Notification,
    NotificationSettings,
    Watch,
    WatchLevel,
)

#: The cached unread count is dropped by every action that changes it; this only bounds how
#: long a count could stay wrong if a change bypassed the actions.
UNREAD_CACHE_SECONDS = 300


def unread_key(member_id: int) -> str:
    return f"notifications:unread:{member_id}"


def _member_id(user: Any) -> int | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return int(user.pk)


def _community_readable(prefix: str) -> Q:
    """Rows whose community (reached through `prefix`) the recipient may read.

    Same rule as `communities.permissions.can_read_community`, written as a filter so one
    query can apply it to many recipients at once.
    """
    membership = Membership.objects.filter(
        user_id=OuterRef("recipient_id"), community_id=OuterRef(f"{prefix}_id")
    )
    return (
        Q(**{f"{prefix}__visibility": Community.Visibility.PUBLIC})
        | Q(Exists(membership))
        | Q(recipient__is_site_admin=True)
        | Q(recipient__is_site_manager=True)
        | Q(recipient__is_site_moderator=True)
    )


#: Kinds whose collapsed line stands for many posts of one topic (group key
#: "topic:<id>:posts"): its post is only the latest of them.
TOPIC_LINE_KINDS = ("reply", "watched_reply")


def _topic_line() -> Q:
    return Q(kind__in=TOPIC_LINE_KINDS, group_key__startswith="topic:", count__gt=1)


def rests_on_topic(notification: Notification) -> bool:
    """Whether a line stands for several posts of its topic, so that one of them going (even
    the latest, which the line points at) leaves it standing while the topic does."""
    return (
        notification.kind in TOPIC_LINE_KINDS
        and notification.group_key.startswith("topic:")
        and notification.count > 1
    )


def readable_filter() -> Q:
    """Notifications whose topic, post, community and conversation the recipient may still see.

    A topic's current community decides (topics can be moved); without a topic, the community
    the row names. A line about one post goes with that post; a line standing for several
    replies in a topic (`rests_on_topic`) stays while the topic does.
    """
    from carecircle.messaging.models import Participant

    visible = ModerationState.VISIBLE
    topic_ok = Q(topic__isnull=True) | (
        Q(topic__is_deleted=False, topic__moderation_state=visible)
        & _community_readable("topic__community")
    )
    community_ok = (
        Q(topic__isnull=False) | Q(community__isnull=True) | _community_readable("community")
    )
    post_ok = (
        Q(post__isnull=True)
        | Q(post__is_deleted=False, post__moderation_state=visible)
        | _topic_line()
    )
    place = Participant.objects.filter(
        conversation_id=OuterRef("conversation_id"),
        user_id=OuterRef("recipient_id"),
        state__in=(Participant.State.ACTIVE, Participant.State.REQUESTED),
    )
    conversation_ok = Q(conversation__isnull=True) | Q(Exists(place))
    return topic_ok & community_ok & post_ok & conversation_ok


def notifications_for(user: Any, *, unread_only: bool = False) -> QuerySet[Notification]:
    """The member's bell: what they may still see, newest activity first, prefetched."""
    member_id = _member_id(user)
    if member_id is None:
        return Notification.objects.none()
    rows = Notification.objects.filter(recipient_id=member_id)
    if unread_only:
        rows = rows.filter(read_at__isnull=True)
    return (
        rows.filter(readable_filter())
        .select_related("actor", "topic", "community", "post")
        .order_by("-updated_at", "-pk")
    )


def count_unread(member_id: int) -> int:
    """Unread notifications the member may still see (one query, not cached)."""
    return (
        Notification.objects.filter(recipient_id=member_id, read_at__isnull=True)
        .filter(readable_filter())
        .count()
    )


def count_unread_many(member_ids: Iterable[int]) -> dict[int, int]:
    """{member id: unread count} for many members in one grouped query (0 for none)."""
    ids = sorted({int(member_id) for member_id in member_ids})
    if not ids:
        return {}
    counts = dict.fromkeys(ids, 0)
    rows = (
        Notification.objects.filter(recipient_id__in=ids, read_at__isnull=True)
        .filter(readable_filter())
        .values("recipient_id")
        .annotate(unread=Count("pk"))
        .values_list("recipient_id", "unread")
    )
    for recipient_id, unread in rows:
        counts[recipient_id] = unread
    return counts


def unread_count(user: Any) -> int:
    """The bell's number: `count_unread`, cached per member until an action changes it."""
    member_id = _member_id(user)
    if member_id is None:
        return 0
    cached = caches["shared"].get(unread_key(member_id))
    if isinstance(cached, int):
        return cached
    count = count_unread(member_id)
    # `add`, not `set`: a delivery that committed while this counted stored a fresher count.
    caches["shared"].add(unread_key(member_id), count, UNREAD_CACHE_SECONDS)
    return count


def store_unread(counts: dict[int, int]) -> None:
    caches["shared"].set_many(
        {unread_key(member_id): count for member_id, count in counts.items()},
        UNREAD_CACHE_SECONDS,
    )


def forget_unread(member_ids: Iterable[int]) -> None:
    caches["shared"].delete_many([unread_key(int(member_id)) for member_id in member_ids])


def watch_of(user: Any, *, community: Any = None, topic: Any = None) -> Watch | None:
    """The member's explicit watch row for this community or topic, if they set one."""
    member_id = _member_id(user)
    if member_id is None or (community is None) == (topic is None):
        return None
    if topic is not None:
        return Watch.objects.filter(user_id=member_id, topic_id=topic.pk).first()
    return Watch.objects.filter(
        user_id=member_id, community_id=community.pk, topic__isnull=True
    ).first()


def effective_level(*, topic_level: str | None = None, community_level: str | None = None) -> str:
    """A topic's own level wins, then its community's, then normal."""
    return topic_level or community_level or WatchLevel.NORMAL


def watch_level_for(user: Any, *, community: Any = None, topic: Any = None) -> str:
    """The level that applies: the topic's own, else its community's, else normal (one query)."""
    return watch_state(user, community=community, topic=topic)[0]


def watch_state(user: Any, *, community: Any = None, topic: Any = None) -> tuple[str, bool]:
    """(the level that applies, whether the member set one for this very place): one query."""
    member_id = _member_id(user)
    if member_id is None or (community is None) == (topic is None):
        return str(WatchLevel.NORMAL), False
    if topic is not None:
        rows = Watch.objects.filter(user_id=member_id).filter(
            Q(topic_id=topic.pk) | Q(community_id=topic.community_id, topic__isnull=True)
        )
    else:
        rows = Watch.objects.filter(user_id=member_id, community_id=community.pk)
    topic_level = community_level = None
    for watch in rows:
        if watch.topic_id is not None:
            topic_level = watch.level
        else:
            community_level = watch.level
    level = str(effective_level(topic_level=topic_level, community_level=community_level))
    own = topic_level if topic is not None else community_level
    return level, own is not None


def settings_of(user: Any) -> NotificationSettings | None:
    """The member's saved choices; None means every default."""
    member_id = _member_id(user)
    if member_id is None:
        return None
    return NotificationSettings.objects.filter(user_id=member_id).first()
