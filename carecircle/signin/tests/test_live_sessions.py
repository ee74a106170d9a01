"""Session limits for sockets (`live_session_problem`) and "session ended" broadcasts."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone

from carecircle.core import realtime
from carecircle.signin import actions
from carecircle.signin.models import MemberSession
from carecircle.signin.sessions import SessionStore, session_key_hash, stored_session_key
from carecircle.signin.tests.conftest import session_of

pytestmark = pytest.mark.django_db

SIGNED_OUT = "This session was signed out. Please sign in again."


def socket_session(client) -> SessionStore:
    """The session as a socket holds it: loaded once, when it connected."""
    session = SessionStore(session_key=client.session.session_key)
    assert session.get(actions.SESSION_STARTED_AT)  # loaded now
    return session


def move_times(client, *, seen_ago: timedelta, started_ago: timedelta = timedelta(0)) -> None:
    now = timezone.now()
    MemberSession.objects.filter(pk=session_of(client).pk).update(
        last_seen_at=now - seen_ago, created_at=now - started_ago
    )


def test_a_listed_session_within_its_limits_may_go_on(phone, patient, django_assert_num_queries):
    session = socket_session(phone)

    with django_assert_num_queries(1):
        problem = actions.live_session_problem(user=patient, session=session, active=False)

    assert problem == ""


def test_a_session_signed_out_elsewhere_may_not(phone, laptop, patient):
    session = socket_session(phone)
    actions.revoke_member_session(actor=patient, session_id=session_of(phone).pk)

    assert actions.live_session_problem(user=patient, session=session, active=True) == SIGNED_OUT


def test_a_session_of_someone_else_or_no_session_may_not(phone, patient, caregiver):
    session = socket_session(phone)

    assert actions.live_session_problem(user=caregiver, session=session, active=False) == SIGNED_OUT
    assert actions.live_session_problem(user=patient, session=None, active=False) == SIGNED_OUT


def test_an_idle_session_may_not(phone, patient):
    session = socket_session(phone)
    move_times(phone, seen_ago=timedelta(hours=12, seconds=30))

    problem = actions.live_session_problem(user=patient, session=session, active=True)

    assert problem == (
        "You were signed out after 12 hours of inactivity, to keep your account safe on shared "
        "devices. Please sign in again."
    )
    # Being refused is not use: "last seen" stays where it was.
    assert timezone.now() - session_of(phone).last_seen_at > timedelta(hours=12)


def test_a_session_older_than_the_limit_may_not_even_in_use(phone, patient):
    session = socket_session(phone)
    move_times(phone, seen_ago=timedelta(seconds=10), started_ago=timedelta(days=14, seconds=1))

    problem = actions.live_session_problem(user=patient, session=session, active=True)

    assert problem == (
        "You were signed out because you signed in more than 14 days ago. Please sign in again."
    )


def test_use_moves_last_seen_on_in_the_list_and_in_the_stored_session(phone, patient):
    session = socket_session(phone)
    move_times(phone, seen_ago=timedelta(minutes=6))
    # A page stored something in the session after the socket had loaded its copy.
    fresh = phone.session
    fresh["chosen_by_a_page"] = "kept"
    fresh.save()

    problem = actions.live_session_problem(user=patient, session=session, active=True)

    assert problem == ""
    assert timezone.now() - session_of(phone).last_seen_at < timedelta(seconds=5)
    stored = SessionStore(session_key=session.session_key)
    assert time.time() - stored[actions.SESSION_SEEN_AT] < 5
    # The stored session was reloaded, not overwritten with the socket's older copy.
    assert stored["chosen_by_a_page"] == "kept"
    assert "chosen_by_a_page" not in session


def test_a_keep_alive_is_not_use(phone, patient, django_assert_num_queries):
    session = socket_session(phone)
    move_times(phone, seen_ago=timedelta(minutes=6))
    before = session_of(phone).last_seen_at

    with django_assert_num_queries(1):
        actions.live_session_problem(user=patient, session=session, active=False)

    assert session_of(phone).last_seen_at == before


def test_recent_use_is_not_written_again(phone, patient, django_assert_num_queries):
    session = socket_session(phone)
    move_times(phone, seen_ago=timedelta(minutes=2))

    with django_assert_num_queries(1):
        assert actions.live_session_problem(user=patient, session=session, active=True) == ""


def test_a_session_whose_stored_row_is_gone_is_signed_out_not_recreated(phone, patient):
    session = socket_session(phone)
    move_times(phone, seen_ago=timedelta(minutes=6))
    assert Session.objects.count() == 1
    Session.objects.filter(session_key=stored_session_key(session.session_key)).delete()

    problem = actions.live_session_problem(user=patient, session=session, active=True)

    assert problem == SIGNED_OUT
    assert Session.objects.count() == 0


# --- "session ended" broadcasts ------------------------------------------------------------------


@pytest.fixture
def sent(monkeypatch) -> list[tuple[str, dict, bool]]:
    """Broadcasts as they leave, with whether the ended sessions were still listed then."""
    calls: list[tuple[str, dict, bool]] = []

    def record(stream: str, event: dict) -> bool:
        hashes = event.get("session_key_hashes", [])
        listed = MemberSession.objects.filter(session_key_hash__in=hashes).exists()
        calls.append((stream, event, listed))
        return True

    monkeypatch.setattr(realtime, "send_now", record)
    return calls


def test_signing_a_session_out_tells_its_sockets_after_commit(
    phone, laptop, patient, sent, django_capture_on_commit_callbacks
):
    phone_session = session_of(phone)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        actions.revoke_member_session(actor=patient, session_id=phone_session.pk)
    assert sent == []  # nothing before the commit

    for callback in callbacks:
        callback()

    assert sent == [
        (
            f"user:{patient.pk}",
            {"type": "session.ended", "session_key_hashes": [phone_session.session_key_hash]},
            False,
        )
    ]


@pytest.mark.django_db(transaction=True)
def test_signing_out_everywhere_tells_each_member_once_after_the_rows_are_gone(
    phone, laptop, patient, sent
):
    hashes = sorted(MemberSession.objects.values_list("session_key_hash", flat=True))

    # Outside any transaction (as erasure calls it), the broadcast leaves at once.
    ended = actions.end_member_sessions(patient.pk)

    assert ended == 2
    assert len(sent) == 1
    stream, event, still_listed = sent[0]
    assert stream == f"user:{patient.pk}"
    assert event["type"] == "session.ended"
    assert sorted(event["session_key_hashes"]) == hashes
    assert still_listed is False
    assert MemberSession.objects.count() == 0


def test_the_hash_in_the_broadcast_is_the_one_a_socket_computes_from_its_cookie(
    phone, patient, sent, django_capture_on_commit_callbacks
):
    key = phone.session.session_key

    with django_capture_on_commit_callbacks(execute=True):
        actions.end_member_sessions(patient.pk)

    assert sent[0][1]["session_key_hashes"] == [session_key_hash(key)]


def test_signing_out_everywhere_forgets_the_members_push_devices_only(patient, caregiver):
    from carecircle.notifications.models import PushSubscription
    from carecircle.notifications.tests.factories import make_push_subscription

    make_push_subscription(patient, label="Phone")
    make_push_subscription(patient, label="Laptop")
    make_push_subscription(caregiver, label="Phone")

    actions.end_member_sessions(patient.pk)

    assert list(PushSubscription.objects.values_list("user_id", flat=True)) == [caregiver.pk]
