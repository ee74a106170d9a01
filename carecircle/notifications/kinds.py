"""The kinds of notification, their default channels, and the plain words email and push use.

Later apps (events, research) add their kinds with `register_kind` from their AppConfig.ready;
nothing is stored per kind but the member's overrides, so adding a kind needs no migration.

`generic` is the only text an email or a push carries for a member who has not opted in to
details: it names what happened, never who wrote what or where (an inbox or a lock screen can
be read over a shoulder, and the name of a condition community is health information).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

CHANNELS = ("in_app", "email", "push")


@dataclass(frozen=True)
class NotificationKind:
    key: str
    label: str | Promise
    #: The sentence for email and push without details: "You have a new reply".
    generic: str | Promise
    in_app: bool = True
    email: bool = False
    push: bool = False
    #: Channels the member cannot switch off (moderators' decisions stay in the bell).
    required: frozenset[str] = field(default_factory=frozenset)
    #: Channels that do not exist for this kind (the moderation app emails its own notices).
    unavailable: frozenset[str] = field(default_factory=frozenset)

    def default(self, channel: str) -> bool:
        return bool(getattr(self, channel))


KINDS: dict[str, NotificationKind] = {}


def register_kind(kind: NotificationKind) -> NotificationKind:
    KINDS[kind.key] = kind
    return kind


for _kind in (
    NotificationKind(
        "reply",
        _("Replies to my topics and posts"),
        _("You have a new reply"),
        email=True,
        push=True,
    ),
    NotificationKind(
        "mention", _("Someone mentions me"), _("Someone mentioned you"), email=True, push=True
    ),
    NotificationKind("quote", _("Someone quotes my post"), _("Someone quoted you"), email=True),
    NotificationKind("reaction", _("Reactions to my posts"), _("Someone reacted to your post")),
    NotificationKind(
        "watched_topic",
        _("New topics in communities I watch"),
        _("There is a new topic in a community you watch"),
        email=True,
    ),
    NotificationKind(
        "watched_reply",
        _("New replies in topics I watch"),
        _("There is a new reply in a topic you watch"),
        email=True,
    ),
    NotificationKind(
        "accepted_answer",
        _("My answer is marked as the answer"),
        _("Your answer was accepted"),
        email=True,
        push=True,
    ),
    NotificationKind(
        "message",
        _("Private messages"),
        _("You have a new private message"),
        email=True,
        push=True,
    ),
    NotificationKind(
        "message_request",
        _("Message requests from people I have not talked to"),
        _("Someone would like to send you a message"),
        email=True,
        push=True,
    ),
    NotificationKind(
        "moderation",
        _("Moderators' decisions about my posts or account"),
        _("The moderators made a decision about something you wrote"),
        push=True,
        required=frozenset({"in_app"}),
        unavailable=frozenset({"email"}),
    ),
    NotificationKind(
        "welcome",
        _("Welcome messages from communities I join"),
        _("Welcome to your new community"),
    ),
    NotificationKind("badge", _("Badges I earn"), _("You earned a badge")),
):
    register_kind(_kind)


def get_kind(key: str) -> NotificationKind | None:
    return KINDS.get(key)
