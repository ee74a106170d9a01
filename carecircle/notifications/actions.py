"""Every write to notifications: delivering them, marking them read, watch levels, settings.

Producers (replies, mentions, messages, moderation ...) call `notify` with candidate
recipients inside their own transaction. After it commits, `deliver_notifications` runs in
background tasks, a chunk of recipients at a time, and decides in memory for the whole chunk
(settings, watches, memberships and blocks are each read in one query): who may still read
the thing, who muted it or the actor, which channels they want. It then creates or collapses
the bell lines, sets when an email may go, and after its own commit enqueues pushes and tells
each member's open pages their new unread count.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any, Literal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from carecircle.core.errors import ValidationFailed
from carecircle.core.models import ModerationState
from carecircle.core.realtime import send_now_many
from carecircle.notifications import permissions, queries
from carecircle.notifications.kinds import CHANNELS, KINDS, get_kind
from carecircle.notifications.models import (
    DigestFrequency,
    Notification,
    NotificationDelivery,
    NotificationSettings,
    Watch,
    WatchLevel,
)
from carecircle.notifications.preferences import channel_enabled, in_quiet_hours

logger = logging.getLogger(__name__)

UNCHANGED: Literal["unchanged"] = "unchanged"


# --- delivering ----------------------------------------------------------------------------


def notify(
    *,
    recipient_ids: Iterable[int],
    kind: str,
    url: str,
    actor: Any = None,
    actor_label: str = "",
    community_id: int | None = None,
    topic_id: int | None = None,
    post_id: int | None = None,
    conversation_id: int | None = None,
    group_key: str = "",
    data: dict | None = None,
) -> None:
    """Notify these members once the caller's transaction commits (in background tasks).

    Call it inside the producer's transaction: a rolled-back event notifies nobody. Candidate
    recipients are filtered later (preferences, watches, blocks, access), so producers pass
    everyone who might care. `actor` None means the system or an anonymous writer, and
    `actor_label` says what to show instead of a name. Never raises because of delivery.
    """
    base = _event_payload(
        kind=kind,
        url=url,
        actor=actor,
        actor_label=actor_label,
        community_id=community_id,
        topic_id=topic_id,
        post_id=post_id,
        conversation_id=conversation_id,
        group_key=group_key,
        data=data,
    )
    ids = sorted(
        {int(pk) for pk in recipient_ids if pk is not None and int(pk) != base["actor_id"]}
    )
    if not ids:
        return
    # Each chunk carries its own key: a task that runs twice delivers once (`_claim_delivery`).
    payloads = _chunks(base, ids, uuid.uuid4().hex)
    if len(ids) <= settings.CARECIRCLE_NOTIFICATION_INLINE_MAX:
        transaction.on_commit(lambda: deliver_inline(payloads))
    else:
        transaction.on_commit(lambda: enqueue_delivery(payloads))


def _event_payload(
    *,
    kind: str,
    url: str,
    actor: Any,
    actor_label: str,
    community_id: int | None,
    topic_id: int | None,
    post_id: int | None,
    conversation_id: int | None,
    group_key: str,
    data: dict | None,
) -> dict[str, Any]:
    """The plain-data keyword arguments of `deliver_notifications`, without recipients."""
    if get_kind(kind) is None:
        raise ValueError(f"Unknown notification kind {kind!r}")
    return {
        "kind": kind,
        "url": url,
        "actor_id": int(actor.pk) if getattr(actor, "pk", None) is not None else None,
        "actor_label": actor_label[:120],
        "community_id": community_id,
        "topic_id": topic_id,
        "post_id": post_id,
        "conversation_id": conversation_id,
        "group_key": group_key[:120],
        "data": dict(data or {}),
    }


def _chunks(base: dict[str, Any], ids: list[int], event: str) -> list[dict[str, Any]]:
    """One delivery payload per chunk of recipients, each keyed "<event>:<index>"."""
    size = max(1, int(settings.CARECIRCLE_NOTIFICATION_FANOUT_CHUNK))
    return [
        {
            **base,
            "recipient_ids": ids[start : start + size],
            "event_key": f"{event}:{index}" if event else "",
        }
        for index, start in enumerate(range(0, len(ids), size))
    ]


def notify_watchers(
    *,
    kind: str,
    url: str,
    community_id: int,
    topic_id: int | None = None,
    exclude_ids: Iterable[int] = (),
    actor: Any = None,
    actor_label: str = "",
    post_id: int | None = None,
    group_key: str = "",
    data: dict | None = None,
) -> None:
    """Like `notify`, for everyone watching a community (or one of its topics).

    The watchers are looked up in a background task, not here: the request that starts a
    topic in a community with 50,000 watchers queues one task and returns. `exclude_ids` are
    members this event already reaches under another kind (a mention outranks a watch).
    """
    payload = _event_payload(
        kind=kind,
        url=url,
        actor=actor,
        actor_label=actor_label,
        community_id=community_id,
        topic_id=topic_id,
        post_id=post_id,
        conversation_id=None,
        group_key=group_key,
        data=data,
    )
    payload["exclude_ids"] = sorted({int(pk) for pk in exclude_ids if pk is not None})
    payload["event_key"] = uuid.uuid4().hex
    transaction.on_commit(lambda: _enqueue_fan_out(payload))


def _enqueue_fan_out(payload: dict[str, Any]) -> None:
    from carecircle.notifications.tasks import fan_out_watchers_task

    try:
        fan_out_watchers_task.enqueue(payload)
    except Exception:  # noqa: BLE001 - the producer's write is saved; delivery is best effort
        logger.exception("Could not queue the watchers of community %s", payload["community_id"])


def fan_out_watchers(payload: dict[str, Any]) -> int:
    """The background half of `notify_watchers`: resolve the watchers, queue their chunks."""
    payload = dict(payload)
    excluded = set(payload.pop("exclude_ids", ()))
    event = payload.pop("event_key", "")
    if event:
        # The lookup is claimed with the chunks it queues (one transaction; the database queue
        # commits them together): a rerun finds the claim and queues nothing, so chunks never
        # shift when the watchers changed in between (nobody missed, nobody told twice).
        with transaction.atomic():
            if not _claim_delivery(f"{event}:watchers"):
                return 0
            return _queue_watchers(payload, event, excluded, strict=True)
    return _queue_watchers(payload, event, excluded, strict=False)


def _queue_watchers(
    payload: dict[str, Any], event: str, excluded: set[int], *, strict: bool
) -> int:
    if payload["actor_id"] is not None:
        excluded.add(payload["actor_id"])
    where = Q(community_id=payload["community_id"], topic__isnull=True)
    if payload["topic_id"] is not None:
        where |= Q(topic_id=payload["topic_id"])
    ids = sorted(
        set(
            Watch.objects.filter(where, level=WatchLevel.WATCHING).values_list("user_id", flat=True)
        )
        - excluded
    )
    payloads = _chunks(payload, ids, event)
    if strict:
        # A failure must undo the claim too, so the task's rerun queues the chunks.
        from carecircle.notifications.tasks import deliver_notifications_task

        for chunk in payloads:
            deliver_notifications_task.enqueue(chunk)
    else:
        enqueue_delivery(payloads)
    return len(ids)


def deliver_inline(payloads: list[dict[str, Any]]) -> None:
    """Deliver a few notifications in this process, right after the producer's commit.

    In the embedded default the channel layer and the cache live inside one process: a
    worker's live "unread" event would never reach the member's open page. Replies, mentions
    and messages reach a handful of people, so the request that caused them delivers them
    (milliseconds); if that fails, the task queue gets them instead.
    """
    for payload in payloads:
        try:
            with transaction.atomic():
                deliver_notifications(**payload)
        except Exception:  # noqa: BLE001 - the producer's write is saved; hand it to the queue
            logger.exception("Inline delivery of %s failed; queued instead", payload.get("kind"))
            enqueue_delivery([payload])


def enqueue_delivery(payloads: list[dict[str, Any]]) -> None:
    """Queue one delivery task per chunk; a queue failure is logged, never raised."""
    from carecircle.notifications.tasks import deliver_notifications_task

    for payload in payloads:
        try:
            deliver_notifications_task.enqueue(payload)
        except Exception:  # noqa: BLE001 - the producer's write is saved; delivery is best effort
            logger.exception("Could not queue notifications of kind %s", payload.get("kind"))


def enqueue_push(notification_ids: list[int]) -> None:
    """Queue a web push for each notification (the delivery app sends it).

    Tests replace this function: a push leaves the machine.
    """
    try:
        from carecircle.notifications.delivery.push import send_push_task
    except (ImportError, AttributeError):
        return
    for notification_id in notification_ids:
        try:
            send_push_task.enqueue(notification_id)
        except Exception:  # noqa: BLE001 - a push that cannot be queued is only a push lost
            logger.exception("Could not queue the push for notification %s", notification_id)


@dataclass
class _Target:
    """What the event is about, loaded once per chunk."""

    community: Any = None
    topic: Any = None
    post: Any = None


def _load_target(
    *, community_id: int | None, topic_id: int | None, post_id: int | None
) -> _Target | None:
    """The event's post, topic and community; None when any of them can no longer be shown."""
    from carecircle.communities.models import Community
    from carecircle.discussions.models import Post, Topic

    target = _Target()
    visible = ModerationState.VISIBLE
    if post_id is not None:
        target.post = (
            Post.objects.filter(pk=post_id)
            .only("pk", "topic_id", "is_deleted", "moderation_state")
            .first()
        )
        if target.post is None or target.post.is_deleted or target.post.moderation_state != visible:
            return None
        topic_id = topic_id or target.post.topic_id
    if topic_id is not None:
        target.topic = Topic.objects.select_related("community").filter(pk=topic_id).first()
        if (
            target.topic is None
            or target.topic.is_deleted
            or target.topic.moderation_state != visible
        ):
            return None
        target.community = target.topic.community
    elif community_id is not None:
        target.community = Community.objects.filter(pk=community_id).first()
        if target.community is None:
            return None
    return target


def _readers(community: Any, users: list[Any]) -> set[int]:
    """Those of `users` who may read `community` (one query for a closed community)."""
    from carecircle.communities.models import Community, Membership

    ids = {user.pk for user in users}
    if community is None or community.visibility == Community.Visibility.PUBLIC:
        return ids
    members = set(
        Membership.objects.filter(community_id=community.pk, user_id__in=ids).values_list(
            "user_id", flat=True
        )
    )
    return members | {user.pk for user in users if user.is_site_staff}


def _participants(conversation_id: int, users: list[Any]) -> set[int]:
    """Those of `users` still in the conversation (or asked to join it)."""
    from carecircle.messaging.models import Participant

    return set(
        Participant.objects.filter(
            conversation_id=conversation_id,
            user_id__in=[user.pk for user in users],
            state__in=(Participant.State.ACTIVE, Participant.State.REQUESTED),
        ).values_list("user_id", flat=True)
    )


def _watch_levels(
    ids: list[int], *, community_id: int | None, topic_id: int | None
) -> tuple[dict[int, str], dict[int, str]]:
    """({member: community level}, {member: topic level}) for their explicit watches."""
    if community_id is None and topic_id is None:
        return {}, {}
    condition = Q()
    if topic_id is not None:
        condition |= Q(topic_id=topic_id)
    if community_id is not None:
        condition |= Q(community_id=community_id, topic__isnull=True)
    community_levels: dict[int, str] = {}
    topic_levels: dict[int, str] = {}
    for user_id, watched_topic, level in Watch.objects.filter(
        condition, user_id__in=ids
    ).values_list("user_id", "topic_id", "level"):
        (topic_levels if watched_topic is not None else community_levels)[user_id] = level
    return community_levels, topic_levels


def _wants(
    *,
    kind: str,
    community_level: str,
    topic_level: str,
    has_topic: bool,
    has_community: bool,
) -> bool:
    """The watch rule for one member: muted silences, watched_* kinds need WATCHING."""
    spec = KINDS[kind]
    level = topic_level if has_topic else community_level
    # A required line (moderators' decisions about the member's own writing) is not silenced
    # by muting the place it happened in.
    if (has_topic or has_community) and level == WatchLevel.MUTED and "in_app" not in spec.required:
        return False
    if kind == "watched_reply":
        return has_topic and topic_level == WatchLevel.WATCHING
    if kind == "watched_topic":
        return has_community and community_level == WatchLevel.WATCHING
    return True


def deliver_notifications(
    *,
    recipient_ids: list[int],
    kind: str,
    url: str,
    actor_id: int | None,
    actor_label: str,
    community_id: int | None,
    topic_id: int | None,
    post_id: int | None,
    conversation_id: int | None,
    group_key: str,
    data: dict,
    event_key: str = "",
) -> list[int]:
    """Create or collapse the notifications for these recipients; returns their ids.

    A constant number of queries whatever the number of recipients. Filters out inactive and
    memorialised members, the actor, members who muted or blocked the actor, members who can
    no longer read the place, and members whose watch levels or channel choices say no.
    With an `event_key` (one per chunk of an event) a second delivery of the same chunk writes
    nothing and returns []; without one (direct callers such as the demo) there is no check.
    """
    from carecircle.accounts.models import User
    from carecircle.messaging.models import MemberBlock

    if get_kind(kind) is None:
        logger.error("Notifications of unknown kind %r dropped", kind)
        return []
    ids = sorted({int(pk) for pk in recipient_ids} - {actor_id})
    if not ids:
        return []
    target = _load_target(community_id=community_id, topic_id=topic_id, post_id=post_id)
    if target is None:
        return []
    users = list(
        User.objects.filter(pk__in=ids, is_active=True, memorialised_at__isnull=True).only(
            "pk", "time_zone", "is_site_admin", "is_site_manager", "is_site_moderator"
        )
    )
    if actor_id is not None and users:
        silenced = set(
            MemberBlock.objects.filter(
                blocker_id__in=[user.pk for user in users], blocked_id=actor_id
            ).values_list("blocker_id", flat=True)
        )
        users = [user for user in users if user.pk not in silenced]
    readers = _readers(target.community, users)
    if conversation_id is not None:
        readers &= _participants(conversation_id, users)
    users = [user for user in users if user.pk in readers]
    if not users:
        return []
    user_ids = [user.pk for user in users]
    place_id = target.community.pk if target.community is not None else community_id
    bound_topic_id = target.topic.pk if target.topic is not None else None
    community_levels, topic_levels = _watch_levels(
        user_ids, community_id=place_id, topic_id=bound_topic_id
    )
    rows = {row.user_id: row for row in NotificationSettings.objects.filter(user_id__in=user_ids)}
    chosen = []
    for user in users:
        community_level = community_levels.get(user.pk, WatchLevel.NORMAL)
        topic_level = queries.effective_level(
            topic_level=topic_levels.get(user.pk), community_level=community_level
        )
        if not _wants(
            kind=kind,
            community_level=community_level,
            topic_level=topic_level,
            has_topic=bound_topic_id is not None,
            has_community=place_id is not None,
        ):
            continue
        if channel_enabled(rows.get(user.pk), kind, "in_app"):
            chosen.append(user)
    if not chosen:
        return []

    now = timezone.now()
    email_due = now + timedelta(minutes=settings.CARECIRCLE_NOTIFICATION_EMAIL_DELAY_MINUTES)

    def wants_email(recipient_id: int, line_kind: str) -> bool:
        return channel_enabled(rows.get(recipient_id), line_kind, "email")

    fields = {
        "kind": kind,
        "url": url[:300],
        "actor_id": actor_id,
        "actor_label": actor_label[:120],
        "community_id": place_id,
        "topic_id": bound_topic_id,
        "post_id": target.post.pk if target.post is not None else None,
        "conversation_id": conversation_id,
        "data": data or {},
    }
    delivered = _save_rows(
        recipient_ids=[user.pk for user in chosen],
        wants_email=wants_email,
        group_key=group_key,
        fields=fields,
        now=now,
        email_due=email_due,
        event_key=event_key,
    )
    if delivered is None:
        logger.info("Notifications %s were delivered already", event_key)
        return []
    pushed = {
        user.pk: delivered[user.pk]
        for user in chosen
        if channel_enabled(rows.get(user.pk), kind, "push")
        and not in_quiet_hours(rows.get(user.pk), user, now)
    }
    _after_delivery(recipient_ids=list(delivered), pushed=pushed)
    return [delivered[user.pk] for user in chosen]


def _save_rows(
    *,
    recipient_ids: list[int],
    wants_email: Callable[[int, str], bool],
    group_key: str,
    fields: dict[str, Any],
    now: datetime,
    email_due: datetime,
    event_key: str = "",
) -> dict[int, int] | None:
    """Write the lines: {recipient id: notification id}; None when `event_key` was delivered.

    With a group key, a member's unread line for the group takes the event (count + 1, the
    latest actor and link); the others get a new line. Two deliveries for the same group may
    race to create the same member's line: the loser's insert fails on the partial unique
    constraint, its savepoint rolls back and it tries again, now finding the winner's line.
    """
    for attempt in range(5):
        try:
            with transaction.atomic():
                if event_key and not _claim_delivery(event_key):
                    return None
                return _save_attempt(
                    recipient_ids=recipient_ids,
                    wants_email=wants_email,
                    group_key=group_key,
                    fields=fields,
                    now=now,
                    email_due=email_due,
                )
        except IntegrityError:
            if not group_key or attempt == 4:
                raise
    raise AssertionError("unreachable")


def _claim_delivery(event_key: str) -> bool:
    """Record that this chunk is being delivered, in the caller's transaction; False when it
    was already (the claim commits with the lines, or rolls back with them)."""
    try:
        with transaction.atomic():
            NotificationDelivery.objects.create(key=event_key[:80])
    except IntegrityError:
        return False
    return True


#: How long delivery claims are kept: far longer than any task is retried.
CLAIMS_KEPT = timedelta(days=14)


def purge_delivery_claims(*, now: datetime | None = None) -> int:
    """Forget delivery claims older than `CLAIMS_KEPT`; returns how many (a daily job)."""
    cutoff = (now or timezone.now()) - CLAIMS_KEPT
    deleted, _by_model = NotificationDelivery.objects.filter(created_at__lt=cutoff).delete()
    return deleted


#: Kinds that share a group's line, lowest first: a line never drops to a lower one, so a reply
#: to the member (which they may want by email) is not turned into a mere post in a topic they
#: watch by the next post there.
COLLAPSE_RANK = {"watched_reply": 1, "reply": 2, "quote": 3, "mention": 4}


def collapsed_kind(current: str, new: str) -> str:
    """The kind of a line after an event of kind `new` collapses into it."""
    current_rank, new_rank = COLLAPSE_RANK.get(current), COLLAPSE_RANK.get(new)
    if current_rank is None or new_rank is None:
        # Outside the ranking only the same kind shares a line; a stranger keeps what it was.
        return current
    return current if current_rank > new_rank else new


def _save_attempt(
    *,
    recipient_ids: list[int],
    wants_email: Callable[[int, str], bool],
    group_key: str,
    fields: dict[str, Any],
    now: datetime,
    email_due: datetime,
) -> dict[int, int]:
    existing: dict[int, int] = {}
    # (kind the line keeps, whether it now gets an email) -> line ids: one UPDATE each.
    updates: dict[tuple[str, bool], list[int]] = defaultdict(list)
    if group_key:
        for pk, recipient_id, kind, email_due_at, emailed_at in (
            Notification.objects.select_for_update()
            .filter(recipient_id__in=recipient_ids, group_key=group_key, read_at__isnull=True)
            .values_list("pk", "recipient_id", "kind", "email_due_at", "emailed_at")
        ):
            existing[recipient_id] = pk
            kind = collapsed_kind(kind, fields["kind"])
            # One email per unread line: not again while one waits or after one went.
            open_ = email_due_at is None and emailed_at is None
            updates[(kind, open_ and wants_email(recipient_id, kind))].append(pk)
    collapse = {
        "url": fields["url"],
        "actor_id": fields["actor_id"],
        "actor_label": fields["actor_label"],
        "post_id": fields["post_id"],
        "data": fields["data"],
        "count": F("count") + 1,
        "updated_at": now,
    }
    for (kind, needs_email), pks in sorted(updates.items()):
        extra: dict[str, Any] = {"email_due_at": email_due} if needs_email else {}
        Notification.objects.filter(pk__in=sorted(pks)).update(**collapse, kind=kind, **extra)
    created = Notification.objects.bulk_create(
        [
            Notification(
                recipient_id=recipient_id,
                group_key=group_key,
                updated_at=now,
                email_due_at=email_due if wants_email(recipient_id, fields["kind"]) else None,
                **fields,
            )
            for recipient_id in recipient_ids
            if recipient_id not in existing
        ]
    )
    result = dict(existing)
    result.update({row.recipient_id: row.pk for row in created})
    return result


def _after_delivery(*, recipient_ids: list[int], pushed: dict[int, int]) -> None:
    """After commit: queue the pushes, then give every recipient's pages the new count.

    `pushed` maps each member who wants a push now to their notification.
    """

    def run() -> None:
        if pushed:
            from carecircle.notifications.models import PushSubscription

            with_devices = set(
                PushSubscription.objects.filter(user_id__in=list(pushed)).values_list(
                    "user_id", flat=True
                )
            )
            subscribed = sorted(pushed[user_id] for user_id in with_devices)
            if subscribed:
                enqueue_push(subscribed)
        publish_unread(recipient_ids)

    transaction.on_commit(run)


def publish_unread(member_ids: Iterable[int]) -> None:
    """Recount these members' unread lines (one grouped query), cache and broadcast them.

    Call after commit (it sends at once).
    """
    ids = sorted({int(member_id) for member_id in member_ids})
    if not ids:
        return
    queries.forget_unread(ids)
    counts = queries.count_unread_many(ids)
    queries.store_unread(counts)
    send_now_many(
        [
            (f"user:{member_id}", {"type": "notifications", "unread": count})
            for member_id, count in counts.items()
        ]
    )


def refresh_unread(member_ids: Iterable[int]) -> None:
    """After commit, recount and broadcast these members' unread notifications."""
    ids = sorted({int(member_id) for member_id in member_ids})
    if ids:
        transaction.on_commit(lambda: publish_unread(ids))


def refresh_unread_about(*, post_id: int | None = None, topic_id: int | None = None) -> None:
    """After commit, recount and broadcast the unread notifications of every member with an
    unread line about this post or topic (one query finds them).

    For actions that make content disappear or come back (deleting, hiding, restoring,
    moving): the bell hides such lines at once, its cached count must follow.
    """
    if post_id is None and topic_id is None:
        return

    def run() -> None:
        about = Q()
        if post_id is not None:
            about |= Q(post_id=post_id)
        if topic_id is not None:
            about |= Q(topic_id=topic_id)
        publish_unread(
            Notification.objects.filter(about, read_at__isnull=True)
            .values_list("recipient_id", flat=True)
            .distinct()
        )

    transaction.on_commit(run)


# --- reading -------------------------------------------------------------------------------


def _read_fields(now: datetime) -> dict[str, Any]:
    # A line read in the bell is not emailed afterwards; one already emailed keeps its record.
    from django.db.models import Case, When

    return {
        "read_at": now,
        "email_due_at": Case(When(emailed_at__isnull=True, then=None), default=F("email_due_at")),
    }


def mark_read(*, actor: Any, notification: Notification) -> Notification:
    """Mark one of the actor's own notifications read (and drop its pending email)."""
    permissions.check_can_mark_read(actor, notification)
    if notification.read_at is not None:
        return notification
    now = timezone.now()
    with transaction.atomic():
        changed = Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            **_read_fields(now)
        )
        if changed:
            refresh_unread([actor.pk])
    notification.refresh_from_db()
    return notification


def mark_all_read(*, actor: Any) -> int:
    """Mark every unread notification of the actor read; returns how many changed."""
    permissions.check_signed_in(actor)
    with transaction.atomic():
        changed = Notification.objects.filter(recipient_id=actor.pk, read_at__isnull=True).update(
            **_read_fields(timezone.now())
        )
        if changed:
            refresh_unread([actor.pk])
    return changed


def mark_read_for(
    *, actor: Any, topic_id: int | None = None, conversation_id: int | None = None
) -> int:
    """Mark read the actor's unread lines about a topic or conversation they just opened.

    Called by pages as a side effect of reading: a visitor or an empty call changes nothing
    and returns 0.
    """
    if not getattr(actor, "is_authenticated", False) or (
        topic_id is None and conversation_id is None
    ):
        return 0
    # Every page view lands here: with nothing unread (the bell's cached count, which the
    # header needs anyway) there is nothing to mark, and no write.
    if queries.unread_count(actor) == 0:
        return 0
    condition = Q()
    if topic_id is not None:
        condition |= Q(topic_id=topic_id)
    if conversation_id is not None:
        condition |= Q(conversation_id=conversation_id)
    changed = (
        Notification.objects.filter(recipient_id=actor.pk, read_at__isnull=True)
        .filter(condition)
        .update(**_read_fields(timezone.now()))
    )
    if changed:
        refresh_unread([actor.pk])
    return changed


# --- watching ------------------------------------------------------------------------------


def set_watch_level(*, actor: Any, level: str, community: Any = None, topic: Any = None) -> Watch:
    """Set the actor's watch level for a community or a topic they may read."""
    permissions.check_signed_in(actor)
    if (community is None) == (topic is None):
        raise ValidationFailed(_("Choose a community or a topic to watch."), field="target")
    if level not in WatchLevel.values:
        raise ValidationFailed(
            _("Choose watching, normal or muted."), code="invalid_level", field="level"
        )
    permissions.check_can_watch(actor, community=community, topic=topic)
    target = {"topic": topic} if topic is not None else {"community": community}
    for _attempt in range(2):
        try:
            with transaction.atomic():
                watch, _created = Watch.objects.update_or_create(
                    user=actor, **target, defaults={"level": level}
                )
                return watch
        except IntegrityError:
            # Two requests created the row at once; the second now finds and updates it.
            continue
    raise ValidationFailed(_("Please try again."), code="conflict", field="level")


# --- settings ------------------------------------------------------------------------------


def _problem(field: str, code: str, message: str) -> dict[str, str]:
    return {"field": field, "code": code, "message": message}


def _merge_channels(current: dict, changes: Any, problems: list[dict[str, str]]) -> dict:
    """The stored overrides after `changes`, keeping only choices that differ from defaults."""
    merged = {
        key: dict(value)
        for key, value in (current or {}).items()
        if key in KINDS and isinstance(value, dict)
    }
    if not isinstance(changes, dict):
        problems.append(
            _problem("channels", "invalid", _("Channels must map each kind to its choices."))
        )
        return merged
    for key, choices in changes.items():
        spec = get_kind(key) if isinstance(key, str) else None
        if spec is None:
            problems.append(
                _problem(
                    f"channels.{key}",
                    "unknown_kind",
                    _("There is no kind of notification called “%(kind)s”.") % {"kind": key},
                )
            )
            continue
        if not isinstance(choices, dict):
            problems.append(
                _problem(f"channels.{key}", "invalid", _("Choose on or off for each channel."))
            )
            continue
        for channel, enabled in choices.items():
            field = f"channels.{key}.{channel}"
            if channel not in CHANNELS:
                problems.append(
                    _problem(
                        field,
                        "unknown_channel",
                        _("There is no channel called “%(channel)s”.") % {"channel": channel},
                    )
                )
            elif not isinstance(enabled, bool):
                problems.append(_problem(field, "invalid", _("Choose on or off.")))
            elif channel in spec.required and not enabled:
                problems.append(
                    _problem(
                        field,
                        "required_channel",
                        _("“%(kind)s” always shows in the bell; it cannot be turned off.")
                        % {"kind": spec.label},
                    )
                )
            elif channel in spec.unavailable and enabled:
                problems.append(
                    _problem(
                        field,
                        "unavailable_channel",
                        _("“%(kind)s” cannot be sent this way.") % {"kind": spec.label},
                    )
                )
            elif (
                channel in spec.required
                or channel in spec.unavailable
                or enabled == spec.default(channel)
            ):
                merged.get(key, {}).pop(channel, None)
            else:
                merged.setdefault(key, {})[channel] = enabled
    return {key: value for key, value in merged.items() if value}


def update_notification_settings(
    *,
    actor: Any,
    channels: dict | None = None,
    email_includes_details: bool | None = None,
    push_includes_details: bool | None = None,
    quiet_hours_start: time | None | Literal["unchanged"] = UNCHANGED,
    quiet_hours_end: time | None | Literal["unchanged"] = UNCHANGED,
    digest: str | None = None,
    is_email_paused: bool | None = None,
) -> NotificationSettings:
    """Change the actor's notification choices; None (or "unchanged") leaves a choice as it is.

    `channels` holds only the choices to change: {"reply": {"email": False}}. Every problem is
    found before anything is saved; the error names the first field and its `details` list
    all of them ({"field", "code", "message"}).
    """
    permissions.check_signed_in(actor)
    problems: list[dict[str, str]] = []
    for name, value in (
        ("email_includes_details", email_includes_details),
        ("push_includes_details", push_includes_details),
        ("is_email_paused", is_email_paused),
    ):
        if value is not None and not isinstance(value, bool):
            problems.append(_problem(name, "invalid", _("Choose yes or no.")))
    if digest is not None and digest not in DigestFrequency.values:
        problems.append(
            _problem("digest", "invalid", _("Choose no digest, a daily one or a weekly one."))
        )
    for name, moment in (
        ("quiet_hours_start", quiet_hours_start),
        ("quiet_hours_end", quiet_hours_end),
    ):
        if moment != UNCHANGED and moment is not None and not isinstance(moment, time):
            problems.append(_problem(name, "invalid", _("Enter a time such as 22:00.")))

    with transaction.atomic():
        row, _created = NotificationSettings.objects.get_or_create(user_id=actor.pk)
        row = NotificationSettings.objects.select_for_update().get(pk=row.pk)
        merged = row.channels
        if channels is not None:
            merged = _merge_channels(row.channels, channels, problems)
        start = row.quiet_hours_start if quiet_hours_start == UNCHANGED else quiet_hours_start
        end = row.quiet_hours_end if quiet_hours_end == UNCHANGED else quiet_hours_end
        if not any(p["field"].startswith("quiet_hours") for p in problems):
            if start is not None and end is None:
                problems.append(
                    _problem(
                        "quiet_hours_end",
                        "required",
                        _("Choose when quiet hours end, or clear both times."),
                    )
                )
            elif start is None and end is not None:
                problems.append(
                    _problem(
                        "quiet_hours_start",
                        "required",
                        _("Choose when quiet hours start, or clear both times."),
                    )
                )
            elif start is not None and start == end:
                problems.append(
                    _problem(
                        "quiet_hours_end",
                        "invalid",
                        _("Quiet hours must end at a different time than they start."),
                    )
                )
        if problems:
            first = problems[0]
            raise ValidationFailed(
                first["message"], code=first["code"], field=first["field"], details=problems
            )
        row.channels = merged
        row.quiet_hours_start = start  # type: ignore[assignment]
        row.quiet_hours_end = end  # type: ignore[assignment]
        if email_includes_details is not None:
            row.email_includes_details = email_includes_details
        if push_includes_details is not None:
            row.push_includes_details = push_includes_details
        if is_email_paused is not None:
            row.is_email_paused = is_email_paused
        if digest is not None:
            row.digest = digest
        row.save()
    return row
