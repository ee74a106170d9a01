"""JSON API: notifications, settings and watch levels — the same actions and reads as the pages.

Another member's notification answers 404, exactly like one that does not exist.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router

from carecircle.api.api import member_auth
from carecircle.api.schemas import ErrorOut
from carecircle.communities.permissions import can_read_community
from carecircle.communities.queries import get_community
from carecircle.core.errors import NotFoundError, PermissionDeniedError
from carecircle.core.pagination import PageRequest, paginate
from carecircle.discussions.queries import get_topic
from carecircle.notifications import actions, forms, queries
from carecircle.notifications.kinds import KINDS
from carecircle.notifications.models import Notification, NotificationSettings
from carecircle.notifications.preferences import member_zone
from carecircle.notifications.presenters import actor_out, describe
from carecircle.notifications.schemas import (
    KindChannelsOut,
    NotificationActorOut,
    NotificationOut,
    NotificationPage,
    NotificationSettingsIn,
    NotificationSettingsOut,
    ReadAllOut,
    UnreadCountOut,
    WatchIn,
    WatchOut,
)

router = Router(tags=["notifications"])


def notification_out(notification: Notification) -> NotificationOut:
    return NotificationOut(
        id=notification.pk,
        kind=notification.kind,
        text=describe(notification),
        url=notification.url,
        actor=NotificationActorOut(**actor_out(notification)),
        count=notification.count,
        is_read=notification.read_at is not None,
        created_at=notification.created_at,
        updated_at=notification.updated_at,
    )


def _own(request: HttpRequest, notification_id: int) -> Notification:
    found = queries.notifications_for(request.user).filter(pk=notification_id).first()
    if found is None:
        raise NotFoundError(_("Notification not found."))
    return found


# --- notifications -------------------------------------------------------------------------


@router.get("/notifications", response={200: NotificationPage, 401: ErrorOut}, auth=member_auth)
def list_notifications(
    request: HttpRequest, page: int = 1, page_size: int = 20, unread_only: bool = False
) -> NotificationPage:
    """Your notifications, newest activity first (`unread_only=true` for the unread ones)."""
    result = paginate(
        queries.notifications_for(request.user, unread_only=unread_only),
        PageRequest.from_params(page, page_size),
    )
    return NotificationPage(
        items=[notification_out(item) for item in result.items],
        page=result.number,
        page_size=result.size,
        total=result.total,
        pages=result.page_count,
        unread=queries.unread_count(request.user),
    )


@router.get(
    "/notifications/unread-count", response={200: UnreadCountOut, 401: ErrorOut}, auth=member_auth
)
def unread_count(request: HttpRequest) -> UnreadCountOut:
    """The number the bell shows."""
    return UnreadCountOut(unread=queries.unread_count(request.user))


@router.post("/notifications/read-all", response={200: ReadAllOut, 401: ErrorOut}, auth=member_auth)
def read_all(request: HttpRequest) -> ReadAllOut:
    """Mark every notification read."""
    marked = actions.mark_all_read(actor=request.user)
    return ReadAllOut(marked=marked, unread=queries.unread_count(request.user))


@router.post(
    "/notifications/{notification_id}/read",
    response={200: NotificationOut, 401: ErrorOut, 404: ErrorOut},
    auth=member_auth,
)
def read_one(request: HttpRequest, notification_id: int) -> NotificationOut:
    """Mark one of your notifications read."""
    notification = _own(request, notification_id)
    actions.mark_read(actor=request.user, notification=notification)
    return notification_out(_own(request, notification_id))


# --- settings ------------------------------------------------------------------------------


def settings_out(user: Any, row: NotificationSettings | None) -> NotificationSettingsOut:
    table = forms.chosen_table(row)
    return NotificationSettingsOut(
        kinds=[
            KindChannelsOut(
                kind=key,
                label=str(kind.label),
                channels=table[key],  # as chosen, even while emails are paused
                required=sorted(kind.required),
                unavailable=sorted(kind.unavailable),
            )
            for key, kind in KINDS.items()
        ],
        email_includes_details=bool(row and row.email_includes_details),
        push_includes_details=bool(row and row.push_includes_details),
        quiet_hours_start=forms.format_time(row.quiet_hours_start if row else None) or None,
        quiet_hours_end=forms.format_time(row.quiet_hours_end if row else None) or None,
        time_zone=str(member_zone(user)),
        digest=row.digest if row else "off",
        is_email_paused=bool(row and row.is_email_paused),
    )


@router.get(
    "/me/notification-settings",
    response={200: NotificationSettingsOut, 401: ErrorOut},
    auth=member_auth,
)
def get_notification_settings(request: HttpRequest) -> NotificationSettingsOut:
    """What reaches you where, details in emails and pushes, quiet hours, digest, email pause."""
    return settings_out(request.user, queries.settings_of(request.user))


@router.put(
    "/me/notification-settings",
    response={200: NotificationSettingsOut, 400: ErrorOut, 401: ErrorOut},
    auth=member_auth,
)
def put_notification_settings(
    request: HttpRequest, payload: NotificationSettingsIn
) -> NotificationSettingsOut:
    """Change some of your notification choices; fields left out stay as they are."""
    sent = payload.model_fields_set
    times: dict[str, Any] = {}
    for name in ("quiet_hours_start", "quiet_hours_end"):
        if name in sent:
            times[name] = forms.parse_time(getattr(payload, name) or "", field_name=name)
    row = actions.update_notification_settings(
        actor=request.user,
        channels=payload.channels,
        email_includes_details=payload.email_includes_details,
        push_includes_details=payload.push_includes_details,
        digest=payload.digest,
        is_email_paused=payload.is_email_paused,
        **times,
    )
    return settings_out(request.user, row)


# --- watch levels --------------------------------------------------------------------------


def _watch_out(user: Any, *, community: Any = None, topic: Any = None) -> WatchOut:
    level, is_explicit = queries.watch_state(user, community=community, topic=topic)
    return WatchOut(level=level, is_explicit=is_explicit)


@router.get(
    "/communities/{slug}/watch",
    response={200: WatchOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    auth=member_auth,
)
def get_community_watch(request: HttpRequest, slug: str) -> WatchOut:
    """How much you hear about this community: "watching", "normal" or "muted"."""
    community = get_community(request.user, slug)
    if not can_read_community(request.user, community):
        # Listed but members-only: there is nothing to follow until they join.
        raise PermissionDeniedError(_("You cannot follow this community."))
    return _watch_out(request.user, community=community)


@router.put(
    "/communities/{slug}/watch",
    response={200: WatchOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    auth=member_auth,
)
def put_community_watch(request: HttpRequest, slug: str, payload: WatchIn) -> WatchOut:
    """Watch (every new topic), normal, or mute this community."""
    community = get_community(request.user, slug)
    actions.set_watch_level(actor=request.user, level=payload.level, community=community)
    return _watch_out(request.user, community=community)


@router.get(
    "/topics/{topic_id}/watch",
    response={200: WatchOut, 401: ErrorOut, 404: ErrorOut},
    auth=member_auth,
)
def get_topic_watch(request: HttpRequest, topic_id: int) -> WatchOut:
    """How much you hear about this topic (its own level, else its community's, else normal)."""
    return _watch_out(request.user, topic=get_topic(request.user, topic_id))


@router.put(
    "/topics/{topic_id}/watch",
    response={200: WatchOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    auth=member_auth,
)
def put_topic_watch(request: HttpRequest, topic_id: int, payload: WatchIn) -> WatchOut:
    """Watch (every new reply), normal, or mute this topic."""
    topic = get_topic(request.user, topic_id)
    actions.set_watch_level(actor=request.user, level=payload.level, topic=topic)
    return _watch_out(request.user, topic=topic)
