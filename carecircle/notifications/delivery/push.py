"""Web push: a short, private line on the member's devices when something happens.

A lock screen is public, so a push never carries the words of a post, even for a member who
opted in to details (then it may say who and in which topic). Every send re-reads the member's
choices: they may have switched push off or entered quiet hours since the event.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import requests
from django.conf import settings
from django.db.models import F
from django.tasks import task
from django.utils import timezone
from django.utils.translation import gettext as _
from pywebpush import WebPushException, webpush

from carecircle.notifications import preferences
from carecircle.notifications.delivery import vapid
from carecircle.notifications.delivery.email import (
    details_of,
    generic_text,
    is_still_readable,
    open_path,
)
from carecircle.notifications.models import Notification, NotificationSettings, PushSubscription

logger = logging.getLogger(__name__)

#: Failures in a row (other than "gone") after which a device is forgotten.
MAX_FAILURES = 5
#: How long a push service keeps a message for a device that is offline.
TIME_TO_LIVE = 12 * 60 * 60
TIMEOUT_SECONDS = 10


@task()
def send_push_task(notification_id: int) -> int:
    """Push one notification to its member's devices (enqueued after the event commits)."""
    notification = (
        Notification.objects.select_related(
            "recipient", "actor", "community", "topic__community", "post"
        )
        .filter(pk=notification_id)
        .first()
    )
    if notification is None:
        return 0
    if notification.pushed_at is not None and notification.pushed_at >= notification.updated_at:
        # Pushed since its latest event: this is a rerun of the task, not news.
        return 0
    return send_push(notification)


_DETAILED = {
    "reply": lambda: _("%(actor)s replied in %(topic)s"),
    "watched_reply": lambda: _("%(actor)s replied in %(topic)s"),
    "mention": lambda: _("%(actor)s mentioned you in %(topic)s"),
    "quote": lambda: _("%(actor)s quoted you in %(topic)s"),
    "reaction": lambda: _("%(actor)s reacted to your post in %(topic)s"),
    "watched_topic": lambda: _("%(actor)s started %(topic)s"),
    "accepted_answer": lambda: _("%(actor)s accepted your answer in %(topic)s"),
}
_DETAILED_NO_TOPIC = {
    "message": lambda: _("%(actor)s sent you a message"),
    "message_request": lambda: _("%(actor)s would like to send you a message"),
}


def push_body(notification: Notification, row: NotificationSettings | None) -> str:
    """The generic sentence, or with the opt-in "<who> replied in <topic>" (never post text)."""
    if row is not None and row.push_includes_details:
        details = details_of(notification, notification.recipient)
        values = {"actor": details.actor, "topic": details.topic}
        if details.actor and details.topic and notification.kind in _DETAILED:
            return _DETAILED[notification.kind]() % values
        if details.actor and notification.kind in _DETAILED_NO_TOPIC:
            return _DETAILED_NO_TOPIC[notification.kind]() % values
    return generic_text(notification)


def payload_of(notification: Notification, row: NotificationSettings | None) -> dict[str, str]:
    return {
        "title": settings.SITE_NAME,
        "body": push_body(notification, row),
        "url": open_path(notification),
        "tag": notification.group_key or f"n{notification.pk}",
    }


def _status_of(error: Exception) -> int | None:
    response = getattr(error, "response", None)
    return getattr(response, "status_code", None)


def send_push(notification: Notification) -> int:
    """Push to every device of the recipient; returns how many push services accepted it."""
    user: Any = notification.recipient
    if notification.read_at is not None:
        return 0
    if not user.is_active or user.memorialised_at is not None:
        return 0
    row = NotificationSettings.objects.filter(user=user).first()
    if not preferences.channel_enabled(row, notification.kind, "push"):
        return 0
    if preferences.in_quiet_hours(row, user):
        return 0
    # The bell's and the email's rule: nothing about what the member can no longer read (a
    # topic moved into a closed community, a conversation they left), not even generically.
    if not is_still_readable(notification, user):
        return 0
    subscriptions = list(PushSubscription.objects.filter(user=user).order_by("pk"))
    if not subscriptions:
        return 0
    data = json.dumps(payload_of(notification, row), ensure_ascii=False)
    signer = vapid.signer()
    sent = 0
    for subscription in subscriptions:
        try:
            webpush(
                subscription_info={
                    "endpoint": subscription.endpoint,
                    "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
                },
                data=data,
                vapid_private_key=signer,
                vapid_claims=vapid.claims(),
                ttl=TIME_TO_LIVE,
                timeout=TIMEOUT_SECONDS,
            )
        except (WebPushException, requests.RequestException) as error:
            _failed(subscription, error)
            continue
        PushSubscription.objects.filter(pk=subscription.pk).update(
            last_used_at=timezone.now(), failure_count=0
        )
        sent += 1
    if sent:
        Notification.objects.filter(pk=notification.pk).update(pushed_at=timezone.now())
    return sent


def _failed(subscription: PushSubscription, error: Exception) -> None:
    status = _status_of(error)
    if status in (404, 410):
        # The browser unsubscribed or the member removed the app: the address is dead for good.
        PushSubscription.objects.filter(pk=subscription.pk).delete()
        return
    logger.warning("Web push to subscription %s failed (%s)", subscription.pk, status or error)
    PushSubscription.objects.filter(pk=subscription.pk).update(failure_count=F("failure_count") + 1)
    PushSubscription.objects.filter(pk=subscription.pk, failure_count__gte=MAX_FAILURES).delete()
