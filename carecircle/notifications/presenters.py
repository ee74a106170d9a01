"""The sentence a notification shows in the bell, written from the live objects.

Rows hold ids, never words: the topic title and the actor's name come from the objects the list
query already loaded (`queries.notifications_for` selects actor, topic, community and post), so
describing a page of notifications costs no query. The in-app line may name people and places;
email and push use `kinds.generic` unless the member opted in to details.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext, ngettext

from carecircle.notifications.kinds import get_kind
from carecircle.notifications.models import Notification


def actor_name(notification: Notification) -> str:
    """Who did it: the member's display name, the label for anonymous or system, or "Someone"."""
    actor = notification.actor
    if actor is not None:
        return str(actor.display_name or actor.handle)
    if notification.actor_label:
        return notification.actor_label
    return gettext("Someone")


def _title(notification: Notification) -> str:
    topic = notification.topic
    return str(topic.title) if topic is not None else ""


def _community(notification: Notification) -> str:
    community = notification.community
    if community is None and notification.topic is not None:
        community = notification.topic.community
    return str(community.name) if community is not None else ""


def _others(notification: Notification) -> int:
    """How many more events this line stands for (events, not people: one member may reply
    twice, so the sentences never say "and N others")."""
    return max(0, notification.count - 1)


def _reply(n: Notification) -> str:
    actor, title, others = actor_name(n), _title(n), _others(n)
    if not title:
        if others:
            return ngettext(
                "%(count)d new reply to you, the latest from %(actor)s",
                "%(count)d new replies to you, the latest from %(actor)s",
                n.count,
            ) % {"actor": actor, "count": n.count}
        return gettext("%(actor)s replied to you") % {"actor": actor}
    if others:
        return ngettext(
            "%(count)d new reply to you in “%(title)s”, the latest from %(actor)s",
            "%(count)d new replies to you in “%(title)s”, the latest from %(actor)s",
            n.count,
        ) % {"actor": actor, "count": n.count, "title": title}
    return gettext("%(actor)s replied to “%(title)s”") % {"actor": actor, "title": title}


def _mention(n: Notification) -> str:
    actor, title = actor_name(n), _title(n)
    if title:
        return gettext("%(actor)s mentioned you in “%(title)s”") % {"actor": actor, "title": title}
    return gettext("%(actor)s mentioned you") % {"actor": actor}


def _quote(n: Notification) -> str:
    actor, title = actor_name(n), _title(n)
    if title:
        return gettext("%(actor)s quoted you in “%(title)s”") % {"actor": actor, "title": title}
    return gettext("%(actor)s quoted you") % {"actor": actor}


def _reaction(n: Notification) -> str:
    actor, title, others = actor_name(n), _title(n), _others(n)
    if others:
        if title:
            return ngettext(
                "%(count)d reaction to your post in “%(title)s”, the latest from %(actor)s",
                "%(count)d reactions to your post in “%(title)s”, the latest from %(actor)s",
                n.count,
            ) % {"actor": actor, "count": n.count, "title": title}
        return ngettext(
            "%(count)d reaction to your post, the latest from %(actor)s",
            "%(count)d reactions to your post, the latest from %(actor)s",
            n.count,
        ) % {"actor": actor, "count": n.count}
    if title:
        return gettext("%(actor)s reacted to your post in “%(title)s”") % {
            "actor": actor,
            "title": title,
        }
    return gettext("%(actor)s reacted to your post") % {"actor": actor}


def _watched_topic(n: Notification) -> str:
    actor, title, community = actor_name(n), _title(n), _community(n)
    if title and community:
        return gettext("%(actor)s started “%(title)s” in %(community)s") % {
            "actor": actor,
            "title": title,
            "community": community,
        }
    if title:
        return gettext("%(actor)s started “%(title)s”") % {"actor": actor, "title": title}
    return gettext("%(actor)s started a new topic") % {"actor": actor}


def _watched_reply(n: Notification) -> str:
    actor, title, others = actor_name(n), _title(n), _others(n)
    if not title:
        return ngettext(
            "There is %(count)d new reply in a topic you watch",
            "There are %(count)d new replies in a topic you watch",
            n.count,
        ) % {"count": n.count}
    if others:
        return ngettext(
            "%(count)d new reply in “%(title)s”, the latest from %(actor)s",
            "%(count)d new replies in “%(title)s”, the latest from %(actor)s",
            n.count,
        ) % {"actor": actor, "count": n.count, "title": title}
    return gettext("%(actor)s replied in “%(title)s”") % {"actor": actor, "title": title}


def _accepted_answer(n: Notification) -> str:
    actor, title = actor_name(n), _title(n)
    if title:
        return gettext("%(actor)s marked your reply as the answer to “%(title)s”") % {
            "actor": actor,
            "title": title,
        }
    return gettext("%(actor)s marked your reply as the answer") % {"actor": actor}


def _message(n: Notification) -> str:
    actor = actor_name(n)
    return ngettext(
        "%(actor)s sent you a message",
        "%(actor)s sent you %(count)d messages",
        n.count,
    ) % {"actor": actor, "count": n.count}


def _message_request(n: Notification) -> str:
    return gettext("%(actor)s would like to send you a message") % {"actor": actor_name(n)}


#: Decisions about the member rather than one piece of their writing.
_ACCOUNT_VERBS = {"warn", "suspend", "ban", "lift", "pre_moderate", "set_trust_level"}


def _moderation(n: Notification) -> str:
    verb = str((n.data or {}).get("verb", ""))
    if verb in _ACCOUNT_VERBS:
        return gettext("The moderators made a decision about your account")
    if verb in ("appeal_upheld", "appeal_rejected"):
        return gettext("Your appeal was decided")
    title = _title(n)
    if title:
        return gettext("The moderators made a decision about what you wrote in “%(title)s”") % {
            "title": title
        }
    return gettext("The moderators made a decision about something you wrote")


def _welcome(n: Notification) -> str:
    community = _community(n)
    if community:
        return gettext("Welcome to %(community)s") % {"community": community}
    return gettext("Welcome to your new community")


def _badge(n: Notification) -> str:
    from carecircle.engagement.badges import get_badge

    data = n.data if isinstance(n.data, dict) else {}
    key = data.get("badge")
    badge = get_badge(key) if isinstance(key, str) else None
    # The registry's name is in the reader's language; the stored one is the fallback for a
    # badge no longer registered.
    name = str(badge.name) if badge is not None else data.get("badge_name")
    if isinstance(name, str) and name:
        return gettext("You earned a badge: %(badge)s") % {"badge": name}
    return gettext("You earned a badge")


SENTENCES: dict[str, Callable[[Notification], str]] = {
    "reply": _reply,
    "mention": _mention,
    "quote": _quote,
    "reaction": _reaction,
    "watched_topic": _watched_topic,
    "watched_reply": _watched_reply,
    "accepted_answer": _accepted_answer,
    "message": _message,
    "message_request": _message_request,
    "moderation": _moderation,
    "welcome": _welcome,
    "badge": _badge,
}


def describe(notification: Notification) -> str:
    """The bell's sentence for this notification, in the active language.

    Kinds added later without a sentence here show their registered generic text; a kind that
    is no longer registered shows a neutral line rather than failing the whole list.
    """
    sentence = SENTENCES.get(notification.kind)
    if sentence is not None:
        return sentence(notification)
    kind = get_kind(notification.kind)
    if kind is not None:
        return str(kind.generic)
    return gettext("You have a new notification")


def actor_out(notification: Notification) -> dict[str, Any]:
    """The actor for the API: a member's handle and name, or only a label (anonymous, system)."""
    actor = notification.actor
    if actor is not None:
        return {"handle": actor.handle, "display_name": actor.display_name, "label": ""}
    return {"handle": None, "display_name": None, "label": notification.actor_label}
