"""Reads of a member's own sessions."""

from __future__ import annotations

from typing import Any

from django.db.models import BooleanField, Case, QuerySet, Value, When

from carecircle.signin.actions import alive_since
from carecircle.signin.models import MemberSession
from carecircle.signin.sessions import session_key_hash


def sessions_of(actor: Any, current_key: str | None = None) -> QuerySet[MemberSession]:
    """The actor's sessions that have not timed out, most recently seen first; the one of
    `current_key` (the request's own) is marked `is_current`."""
    created_after, seen_after = alive_since()
    return (
        MemberSession.objects.filter(
            user_id=actor.pk, created_at__gte=created_after, last_seen_at__gte=seen_after
        )
        .annotate(
            is_current=Case(
                When(session_key_hash=current_session_hash(current_key), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
        .order_by("-last_seen_at", "-id")
    )


def current_session_hash(session_key: str | None) -> str:
    """The MemberSession.session_key_hash of the session making the request, or ""."""
    return session_key_hash(session_key) if session_key else ""
