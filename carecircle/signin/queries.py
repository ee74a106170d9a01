"""Reads of a member's own sessions."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from carecircle.signin.actions import alive_since
from carecircle.signin.models import MemberSession
from carecircle.signin.sessions import session_key_hash


def sessions_of(actor: Any) -> QuerySet[MemberSession]:
    """The actor's sessions that have not timed out, most recently seen first."""
    created_after, seen_after = alive_since()
    return MemberSession.objects.filter(
        user_id=actor.pk, created_at__gte=created_after, last_seen_at__gte=seen_after
    ).order_by("-last_seen_at", "-id")


def current_session_hash(session_key: str | None) -> str:
    """The MemberSession.session_key_hash of the session making the request, or ""."""
    return session_key_hash(session_key) if session_key else ""
