"""Every write to a member's list of signed-in sessions."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from allauth.core.internal.httpkit import get_client_ip
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from carecircle.core.audit import record_event
from carecircle.core.errors import NotFoundError
from carecircle.core.ratelimit import check_rate
from carecircle.signin.devices import approximate_place, describe_device, truncate_ip
from carecircle.signin.models import MemberSession
from carecircle.signin.sessions import session_key_hash, stored_key_for_hash

# Kept in the session itself, so checking the time limits costs no query (epoch seconds).
SESSION_STARTED_AT = "signin_started_at"
SESSION_SEEN_AT = "signin_seen_at"
# Where allauth notes how this session authenticated (password, mfa, socialaccount, code...).
ALLAUTH_RECORDS = "account_authentication_methods"


def sign_in_method(records: list[dict[str, Any]]) -> str:
    """The MemberSession.Method for allauth's record of how a session authenticated."""
    methods = {record.get("method") for record in records}
    if "socialaccount" in methods:
        return MemberSession.Method.SINGLE_SIGN_ON
    if any(r.get("method") == "mfa" and r.get("passwordless") for r in records):
        return MemberSession.Method.PASSKEY
    if "password" in methods:
        return MemberSession.Method.PASSWORD
    if methods & {"code", "password_reset"}:
        return MemberSession.Method.EMAIL
    return MemberSession.Method.OTHER


def alive_since() -> tuple[Any, Any]:
    """(oldest allowed created_at, oldest allowed last_seen_at) for a session still alive."""
    now = timezone.now()
    touch = timedelta(seconds=settings.CARECIRCLE_SESSION_TOUCH_SECONDS)
    return (
        now - timedelta(days=settings.CARECIRCLE_SESSION_MAX_DAYS),
        now - timedelta(minutes=settings.CARECIRCLE_SESSION_IDLE_MINUTES) - touch,
    )


def start_member_session(*, actor: Any, request: HttpRequest) -> MemberSession | None:
    """Note the session the actor has just signed in with (device, network, place, method)."""
    session = request.session
    if not session.session_key:
        session.save()
    key = session.session_key
    if not key or not getattr(actor, "pk", None):
        return None
    now = timezone.now()
    # Behind a proxy, the member's address as allauth's rate limits see it
    # (ALLAUTH_TRUSTED_PROXY_COUNT / ALLAUTH_TRUSTED_CLIENT_IP_HEADER), not the proxy's.
    address = get_client_ip(request) or ""
    created_before, seen_before = alive_since()
    with transaction.atomic():
        # Sessions that timed out or expired are dropped from the member's list here.
        MemberSession.objects.filter(
            Q(created_at__lt=created_before) | Q(last_seen_at__lt=seen_before), user=actor
        ).delete()
        member_session, _created = MemberSession.objects.update_or_create(
            session_key_hash=session_key_hash(key),
            defaults={
                "user": actor,
                "created_at": now,
                "last_seen_at": now,
                "device": describe_device(request.META.get("HTTP_USER_AGENT", ""))[:120],
                "ip_network": truncate_ip(address),
                "place": approximate_place(address),
                "method": sign_in_method(list(session.get(ALLAUTH_RECORDS) or [])),
            },
        )
    stamp = now.timestamp()
    session[SESSION_STARTED_AT] = stamp
    session[SESSION_SEEN_AT] = stamp
    return member_session


def touch_member_session(*, actor: Any, request: HttpRequest) -> None:
    """Move the session's "last seen" to now; the middleware calls this every few minutes."""
    key = request.session.session_key
    if not key:
        return
    now = timezone.now()
    updated = MemberSession.objects.filter(
        session_key_hash=session_key_hash(key), user=actor
    ).update(last_seen_at=now)
    # No row: the session was signed out from another device while this request was under
    # way. It must not come back into the list; its session row is already gone.
    if updated:
        request.session[SESSION_SEEN_AT] = now.timestamp()


def forget_member_session(*, session_key: str) -> None:
    """Remove a session from its member's list once the session itself is gone."""
    MemberSession.objects.filter(session_key_hash=session_key_hash(session_key)).delete()


def rekey_member_session(*, old_key: str, new_key: str) -> None:
    """Follow a session to the new key Django gave it (sign-in, password change)."""
    MemberSession.objects.filter(session_key_hash=session_key_hash(old_key)).update(
        session_key_hash=session_key_hash(new_key)
    )


def live_session_problem(*, user: Any, session: Any, active: bool) -> str:
    """Why a WebSocket's session may not go on, for the member ("" while it may).

    A socket outlives the request that opened it, so it asks this about every 20 seconds: the
    session must still be in the member's list (not signed out from another device, not
    erased) and within its idle and absolute limits, read from the list (one query), not from
    the socket's copy of the session, which is as old as the socket. `active` (the member
    wrote something) is use: it moves "last seen" on, at most every
    CARECIRCLE_SESSION_TOUCH_SECONDS, in the list and in the stored session, so the member's
    next page does not find the session idle after a long chat.
    """
    from carecircle.signin.middleware import session_limit_message

    key = getattr(session, "session_key", None)
    member_session = (
        MemberSession.objects.filter(session_key_hash=session_key_hash(key), user_id=user.pk)
        .only("pk", "created_at", "last_seen_at")
        .first()
        if key and getattr(user, "pk", None)
        else None
    )
    if member_session is None:
        return _("This session was signed out. Please sign in again.")
    now = timezone.now()
    seen = member_session.last_seen_at.timestamp()
    limits = {SESSION_STARTED_AT: member_session.created_at.timestamp(), SESSION_SEEN_AT: seen}
    message = session_limit_message(limits, now.timestamp())
    if message:
        return message
    if active and now.timestamp() - seen > settings.CARECIRCLE_SESSION_TOUCH_SECONDS:
        assert key is not None
        if not _touch_stored_session(key, now.timestamp()):
            return _("This session was signed out. Please sign in again.")
        MemberSession.objects.filter(pk=member_session.pk).update(last_seen_at=now)
    return ""


def _touch_stored_session(key: str, stamp: float) -> bool:
    """Set "last seen" in the stored session, freshly loaded; False when it is gone.

    Loaded now rather than taken from the socket, whose copy would overwrite whatever pages
    stored in the session since the socket opened.
    """
    from django.contrib.sessions.backends.base import UpdateError

    from carecircle.signin.sessions import SessionStore

    stored = SessionStore(session_key=key)
    stored[SESSION_SEEN_AT] = stamp  # loads the session; a missing one loses its key
    if stored.session_key is None:
        return False
    try:
        stored.save()
    except UpdateError:
        return False
    return True


def _end_sessions(sessions: list[MemberSession]) -> None:
    from carecircle.core.realtime import broadcast

    # Deleting the Django session row signs the other device out on its very next request.
    Session.objects.filter(
        session_key__in=[stored_key_for_hash(s.session_key_hash) for s in sessions]
    ).delete()
    MemberSession.objects.filter(pk__in=[s.pk for s in sessions]).delete()
    for user_id in sorted({s.user_id for s in sessions}):
        # Open sockets of these sessions close at once instead of at their next check; sent
        # after the rows are gone (after commit inside a transaction), so a socket that
        # reconnects at once is refused.
        hashes = [s.session_key_hash for s in sessions if s.user_id == user_id]
        broadcast(f"user:{user_id}", {"type": "session.ended", "session_key_hashes": hashes})


def end_member_sessions(user_id: int) -> int:
    """Sign a member out everywhere (erasure, memorial state); returns how many sessions ended.

    Every session is listed in MemberSession from sign-in on, so this is one indexed query,
    never a scan of every session on the site.
    """
    from carecircle.notifications.models import PushSubscription

    sessions = list(MemberSession.objects.filter(user_id=user_id))
    _end_sessions(sessions)
    # Signed out everywhere means no device keeps showing their notifications either.
    PushSubscription.objects.filter(user_id=user_id).delete()
    return len(sessions)


def revoke_member_session(*, actor: Any, session_id: int) -> MemberSession:
    """Sign one of the actor's own sessions out; another member's session is 'not found'."""
    member_session = MemberSession.objects.filter(pk=session_id, user_id=actor.pk).first()
    if member_session is None:
        raise NotFoundError(_("That session is not in your list. It may have ended already."))
    check_rate(scope="signin_revoke", key=str(actor.pk), rate="30/m")
    with transaction.atomic():
        record_event(
            actor=actor,
            verb="session.revoke",
            target=member_session,
            subject=actor,
            method=member_session.method,
        )
        _end_sessions([member_session])
    return member_session


def revoke_other_member_sessions(
    *, actor: Any, current_session_key: str | None, reason: str = "member"
) -> int:
    """Sign out every session of the actor except the current one; returns how many ended.

    `reason` is "member" (they asked), "password_changed" or "password_reset".
    """
    keep = session_key_hash(current_session_key) if current_session_key else ""
    if reason == "member":
        check_rate(scope="signin_revoke", key=str(actor.pk), rate="30/m")
    with transaction.atomic():
        sessions = list(
            MemberSession.objects.select_for_update()
            .filter(user_id=actor.pk)
            .exclude(session_key_hash=keep)
        )
        if sessions:
            _end_sessions(sessions)
        record_event(
            actor=actor,
            verb="session.revoke_others",
            target=actor,
            subject=actor,
            count=len(sessions),
            reason=reason,
        )
    return len(sessions)
