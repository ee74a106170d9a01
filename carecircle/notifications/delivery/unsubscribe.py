"""Signed one-click unsubscribe links: they work without signing in, from any mail client.

The token names the member and what stops ("notifications": every notification email;
"digest": the digest). It does not expire, so a months-old email still unsubscribes; it can
only ever turn emails off, which is why a link that leaks risks nothing worse.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "carecircle.notifications.unsubscribe"
SCOPES = ("notifications", "digest")


def make_token(user: Any, scope: str) -> str:
    """The signed token for `user` and `scope`."""
    if scope not in SCOPES:
        raise ValueError(f"unknown unsubscribe scope {scope!r}")
    return signing.dumps([int(user.pk), scope], salt=SALT)


def make_url(user: Any, scope: str) -> str:
    """The absolute one-click URL (for the List-Unsubscribe header and the email's footer)."""
    path = reverse("notification_unsubscribe", kwargs={"token": make_token(user, scope)})
    return settings.SITE_URL.rstrip("/") + path


def read_token(token: str) -> tuple[int, str] | None:
    """(user id, scope) of a genuine token; None when it was altered or is not one of ours."""
    try:
        value = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not isinstance(value[0], int)
        or isinstance(value[0], bool)
        or value[1] not in SCOPES
    ):
        return None
    return value[0], value[1]
