"""The one socket (/ws/): who may connect and follow what, limits, session checks, failures.

Every test talks to config.asgi.application through channels' WebsocketCommunicator, with a
stream kind that exists only here (`ProbeStream`), so the foundation is tested apart from the
features built on it.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.utils import timezone

from carecircle.core import consumers
from carecircle.core.realtime import STREAMS, group_name, revoke_access, send_now
from carecircle.signin import actions as signin_actions
from carecircle.signin.models import MemberSession
from carecircle.signin.sessions import SessionStore, session_key_hash
from tests.realtime_support import (
    ProbeStream,
    closed_with,
    communicator,
    flush_channel_layer,
    nothing_more,
    open_socket,
    ping,
    receive,
    run,
    session_cookie,
    signed_in_client,
    subscribe,
    wait_until,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def probe(monkeypatch: pytest.MonkeyPatch) -> ProbeStream:
    handler = ProbeStream()
    monkeypatch.setitem(STREAMS, "probe", handler)  # removed again after the test
    flush_channel_layer()
    yield handler
    flush_channel_layer()


@pytest.fixture
def patient_cookie(patient) -> str:
    return session_cookie(signed_in_client(patient))


@pytest.fixture
def caregiver_cookie(caregiver) -> str:
    return session_cookie(signed_in_client(caregiver))


def member_session(cookie: str) -> MemberSession:
    return MemberSession.objects.get(session_key_hash=session_key_hash(cookie))


# --- connecting --------------------------------------------------------------------------------


def test_a_visitor_connects_and_follows_only_streams_open_to_visitors():
    async def scenario():
        socket, hello = await open_socket()
        assert hello == {"type": "hello", "member": False, "max_frame_bytes": 32 * 1024}
        assert await subscribe(socket, "probe:1") == [
            {"type": "subscribed", "stream": "probe:1"},
            {"type": "caught_up", "stream": "probe:1"},
        ]
        members_only = await subscribe(socket, "probe:2")
        missing_key = await subscribe(socket, "probe:9")
        missing_kind = await subscribe(socket, "nothing:2")
        malformed = await subscribe(socket, "probe:02")
        await socket.disconnect()
        return members_only, missing_key, missing_kind, malformed

    members_only, missing_key, missing_kind, malformed = run(scenario)

    refusal = {
        "type": "error",
        "code": "forbidden",
        "message": "That is not available to you, or it no longer exists.",
    }
    assert members_only == [{**refusal, "stream": "probe:2"}]
    # The same answer for a stream that does not exist: nobody learns which ones do.
    assert missing_key == [{**refusal, "stream": "probe:9"}]
    assert missing_kind == [{**refusal, "stream": "nothing:2"}]
    assert malformed == [{**refusal, "stream": "probe:02"}]


def test_a_member_connects_and_follows_a_members_only_stream(patient_cookie):
    async def scenario():
        socket, hello = await open_socket(patient_cookie)
        frames = await subscribe(socket, "probe:2")
        await socket.disconnect()
        return hello, frames

    hello, frames = run(scenario)

    assert hello == {"type": "hello", "member": True, "max_frame_bytes": 32 * 1024}
    assert frames == [
        {"type": "subscribed", "stream": "probe:2"},
        {"type": "caught_up", "stream": "probe:2"},
    ]


@pytest.mark.parametrize("origin", [b"http://evil.example", None])
def test_a_socket_from_another_site_or_without_origin_is_refused(patient_cookie, origin):
    async def scenario():
        socket = communicator(patient_cookie, origin=origin)
        connected, code = await socket.connect(timeout=3)
        await socket.disconnect()
        return connected, code

    connected, code = run(scenario)

    assert connected is False
    assert code == 1000  # refused during the handshake (the browser sees 403)


def test_a_member_whose_session_already_ended_is_told_so_not_refused(patient_cookie):
    MemberSession.objects.filter(session_key_hash=session_key_hash(patient_cookie)).delete()

    async def scenario():
        socket = communicator(patient_cookie)
        connected, _ = await socket.connect(timeout=3)
        frames, code = await closed_with(socket)
        return connected, frames, code

    connected, frames, code = run(scenario)

    # Accepted, then closed with 4401: a refused handshake would make the browser retry forever.
    assert connected is True
    assert frames == [
        {"type": "signed_out", "message": "This session was signed out. Please sign in again."}
    ]
    assert code == consumers.CLOSE_SIGNED_OUT


# --- subscriptions -----------------------------------------------------------------------------


def test_subscribing_with_after_sends_what_was_missed_oldest_first():
    async def scenario():
        socket, _ = await open_socket()
        frames = await subscribe(socket, "probe:1", after=1)
        again = await subscribe(socket, "probe:1", after=3)
        await socket.disconnect()
        return frames, again

    frames, again = run(scenario)

    def missed(number: int) -> dict:
        event = {"type": "message.new", "message": {"id": number}}
        return {"type": "event", "stream": "probe:1", "event": event}

    assert frames == [
        {"type": "subscribed", "stream": "probe:1"},
        missed(2),
        missed(3),
        {"type": "caught_up", "stream": "probe:1"},
    ]
    assert again == [
        {"type": "subscribed", "stream": "probe:1"},
        {"type": "caught_up", "stream": "probe:1"},
    ]


def test_events_reach_subscribers_until_they_unsubscribe(probe, patient, patient_cookie):
    async def scenario():
        socket, _ = await open_socket(patient_cookie)
        other, _ = await open_socket()
        await subscribe(socket, "probe:1")
        await subscribe(other, "probe:1")
        sent = await database_sync_to_async(send_now)("probe:1", {"type": "message.new", "n": 1})
        first = await receive(socket), await receive(other)
        await socket.send_json_to({"type": "unsubscribe", "stream": "probe:1"})
        unsubscribed = await receive(socket)
        await database_sync_to_async(send_now)("probe:1", {"type": "message.new", "n": 2})
        second = await receive(other)
        quiet = await nothing_more(socket)
        await socket.disconnect()
        await other.disconnect()
        return sent, first, unsubscribed, second, quiet

    sent, first, unsubscribed, second, quiet = run(scenario)

    event = {"type": "event", "stream": "probe:1", "event": {"type": "message.new", "n": 1}}
    assert sent is True
    assert first == (event, event)
    assert unsubscribed == {"type": "unsubscribed", "stream": "probe:1"}
    assert second == {**event, "event": {"type": "message.new", "n": 2}}
    assert quiet
    assert probe.left[0] == (patient.pk, "probe:1")


def test_an_event_the_handler_hides_from_a_member_does_not_reach_them(patient, patient_cookie):
    async def scenario():
        socket, _ = await open_socket(patient_cookie)
        await subscribe(socket, "probe:1")
        await database_sync_to_async(send_now)(
            "probe:1", {"type": "message.new", "hidden_from": patient.pk}
        )
        quiet = await nothing_more(socket)
        await socket.disconnect()
        return quiet

    assert run(scenario)


def test_a_socket_may_follow_only_so_many_streams(settings, patient_cookie):
    settings.CARECIRCLE_REALTIME_MAX_SUBSCRIPTIONS = 2

    async def scenario():
        socket, _ = await open_socket(patient_cookie)
        await subscribe(socket, "probe:2")
        await subscribe(socket, "probe:3")
        third = await subscribe(socket, "probe:4")
        again = await subscribe(socket, "probe:2")  # one it already follows is fine
        await socket.disconnect()
        return third, again

    third, again = run(scenario)

    assert third == [
        {
            "type": "error",
            "stream": "probe:4",
            "code": "too_many",
            "message": "This page is following too many live updates. Please reload it.",
        }
    ]
    assert again[-1] == {"type": "caught_up", "stream": "probe:2"}


def test_access_revoked_drops_only_that_members_subscription(
    probe, patient, caregiver, patient_cookie, caregiver_cookie
):
    async def scenario():
        patient_socket, _ = await open_socket(patient_cookie)
        caregiver_socket, _ = await open_socket(caregiver_cookie)
        await subscribe(patient_socket, "probe:2")
        await subscribe(caregiver_socket, "probe:2")
        await database_sync_to_async(revoke_access)("probe:2", [patient.pk], reason="removed")
        dropped = await receive(patient_socket)
        caregiver_quiet = await nothing_more(caregiver_socket)
        await database_sync_to_async(send_now)("probe:2", {"type": "message.new"})
        caregiver_event = await receive(caregiver_socket)
        patient_quiet = await nothing_more(patient_socket)
        writing = await request(patient_socket, {"type": "send", "stream": "probe:2", "ref": "1"})
        await patient_socket.disconnect()
        await caregiver_socket.disconnect()
        return dropped, caregiver_quiet, caregiver_event, patient_quiet, writing

    dropped, caregiver_quiet, caregiver_event, patient_quiet, writing = run(scenario)

    assert dropped == {"type": "unsubscribed", "stream": "probe:2", "reason": "removed"}
    assert caregiver_quiet
    assert caregiver_event == {
        "type": "event", "stream": "probe:2", "event": {"type": "message.new"}
    }  # fmt: skip
    assert patient_quiet
    assert writing["code"] == "not_subscribed"
    assert probe.left[0] == (patient.pk, "probe:2")
    assert probe.handled == []


async def request(socket, frame: dict) -> dict:
    await socket.send_json_to(frame)
    return await receive(socket)


# --- delivery within a process ----------------------------------------------------------------


def test_the_sockets_of_a_process_join_a_streams_group_once(patient_cookie, caregiver_cookie):
    layer = get_channel_layer()
    group = group_name("probe:1")

    async def scenario():
        first, _ = await open_socket(patient_cookie)
        second, _ = await open_socket(caregiver_cookie)
        third, _ = await open_socket()
        for socket in (first, second, third):
            await subscribe(socket, "probe:1")
        members_while_followed = list(layer.groups.get(group, {}))
        hub_channel = consumers.stream_hub(layer).channel
        await first.disconnect()
        await second.disconnect()
        members_while_one_follows = list(layer.groups.get(group, {}))
        await third.send_json_to({"type": "unsubscribe", "stream": "probe:1"})
        await receive(third)
        members_after = list(layer.groups.get(group, {}))
        await third.disconnect()
        return members_while_followed, hub_channel, members_while_one_follows, members_after

    followed, hub_channel, one_follows, after = run(scenario)

    assert followed == [hub_channel]
    assert one_follows == followed
    assert after == []


def test_an_event_saved_while_catching_up_comes_after_caught_up(probe):
    probe.during_backlog = lambda: send_now(
        "probe:1", {"type": "message.new", "message": {"id": 4}}
    )

    async def scenario():
        socket, _ = await open_socket()
        frames = await subscribe(socket, "probe:1", after=2)
        frames.append(await receive(socket))
        await socket.disconnect()
        return frames

    frames = run(scenario)

    assert [(f["type"], f.get("event", {}).get("message", {}).get("id")) for f in frames] == [
        ("subscribed", None),
        ("event", 3),
        ("caught_up", None),
        ("event", 4),
    ]


def test_frames_that_queued_up_for_a_socket_go_in_one_batch_message(probe):
    def save_two() -> None:
        for number in (4, 5):
            send_now("probe:1", {"type": "message.new", "message": {"id": number}})

    probe.during_backlog = save_two

    async def scenario():
        socket, _ = await open_socket()
        await subscribe(socket, "probe:1", after=3)
        batch = await socket.receive_json_from(timeout=3)  # the raw message, not unpacked
        await socket.disconnect()
        return batch

    batch = run(scenario)

    def saved(number: int) -> dict:
        event = {"type": "message.new", "message": {"id": number}}
        return {"type": "event", "stream": "probe:1", "event": event}

    assert batch == {"type": "batch", "frames": [saved(4), saved(5)]}


def test_an_event_every_follower_sees_alike_is_encoded_once(monkeypatch, patient_cookie):
    encoded = []
    original = consumers.event_frame
    monkeypatch.setattr(
        consumers, "event_frame", lambda *args: encoded.append(args) or original(*args)
    )

    async def scenario():
        sockets = [(await open_socket(cookie))[0] for cookie in (patient_cookie, None, None)]
        for socket in sockets:
            await subscribe(socket, "probe:1")
        await database_sync_to_async(send_now)("probe:1", {"type": "message.new", "n": 1})
        received = [await receive(socket) for socket in sockets]
        for socket in sockets:
            await socket.disconnect()
        return received

    received = run(scenario)

    event = {"type": "event", "stream": "probe:1", "event": {"type": "message.new", "n": 1}}
    assert received == [event, event, event]
    assert encoded == [("probe:1", {"type": "message.new", "n": 1})]


def test_a_copy_every_follower_is_given_alike_is_encoded_once(monkeypatch, patient_cookie):
    encoded = []
    original = consumers.event_frame
    monkeypatch.setattr(
        consumers, "event_frame", lambda *args: encoded.append(args) or original(*args)
    )

    async def scenario():
        sockets = [(await open_socket(cookie))[0] for cookie in (patient_cookie, None, None)]
        for socket in sockets:
            await subscribe(socket, "probe:1")
        # The probe hands each follower a copy without "private" (as handlers that strip
        # what a subscriber may not see do).
        await database_sync_to_async(send_now)("probe:1", {"type": "presence", "private": 7})
        received = [await receive(socket) for socket in sockets]
        for socket in sockets:
            await socket.disconnect()
        return received

    received = run(scenario)

    event = {"type": "event", "stream": "probe:1", "event": {"type": "presence"}}
    assert received == [event, event, event]
    assert encoded == [("probe:1", {"type": "presence"})]


def test_a_socket_whose_client_does_not_read_is_closed_with_1013(monkeypatch, patient_cookie):
    monkeypatch.setattr(consumers, "OUTBOX_LIMIT", 0)

    async def scenario():
        socket, _ = await open_socket(patient_cookie)
        await subscribe(socket, "probe:2")
        await database_sync_to_async(send_now)("probe:2", {"type": "message.new"})
        return await closed_with(socket)

    assert run(scenario) == ([], 1013)


# --- writes ------------------------------------------------------------------------------------


def test_replies_carry_the_ref_of_the_request(probe, patient, patient_cookie):
    async def scenario():
        socket, _ = await open_socket(patient_cookie)
        await subscribe(socket, "probe:2")
        ok = await request(socket, {"type": "send", "stream": "probe:2", "ref": "7", "body": "hi"})
        refused = await request(socket, {"type": "refuse", "stream": "probe:2", "ref": 8})
        unsupported = await request(socket, {"type": "shout", "stream": "probe:2", "ref": "9"})
        elsewhere = await request(socket, {"type": "send", "stream": "probe:3", "ref": "10"})
        await socket.disconnect()
        return ok, refused, unsupported, elsewhere

    ok, refused, unsupported, elsewhere = run(scenario)

    assert ok == {
        "type": "reply",
        "ref": "7",
        "ok": True,
        "data": {"echo": "hi", "user_id": patient.pk},
    }
    assert refused == {
        "type": "reply", "ref": 8, "ok": False, "code": "invalid",
        "message": "Please write a message.", "field": "body",
    }  # fmt: skip
    assert unsupported == {
        "type": "reply", "ref": "9", "ok": False, "code": "unsupported",
        "message": "This stream accepts no messages.", "field": None,
    }  # fmt: skip
    assert elsewhere == {
        "type": "reply", "ref": "10", "ok": False, "code": "not_subscribed",
        "message": "That is not available to you, or it no longer exists.", "field": None,
    }  # fmt: skip
    assert [frame["ref"] for frame in probe.handled] == ["7", 8, "9"]


def test_a_handler_failing_unexpectedly_is_answered_and_logged_and_the_socket_goes_on(
    caplog, patient_cookie
):
    async def scenario():
        socket, _ = await open_socket(patient_cookie)
        await subscribe(socket, "probe:2")
        crashed = await request(socket, {"type": "crash", "stream": "probe:2", "ref": "3"})
        subscribe_failed = await subscribe(socket, "probe:5")
        after = await request(socket, {"type": "send", "stream": "probe:2", "ref": "4"})
        await socket.disconnect()
        return crashed, subscribe_failed, after

    with caplog.at_level(logging.ERROR, logger="carecircle.core.consumers"):
        crashed, subscribe_failed, after = run(scenario)

    server_error = "Something went wrong on our side. Please try again."
    assert crashed == {
        "type": "reply", "ref": "3", "ok": False, "code": "server_error",
        "message": server_error, "field": None,
    }  # fmt: skip
    assert subscribe_failed == [
        {"type": "error", "stream": "probe:5", "code": "server_error", "message": server_error}
    ]
    assert after["ok"] is True
    logged = [(r.getMessage(), r.exc_info[1].args[0]) for r in caplog.records if r.exc_info]
    assert logged == [
        ("Handling a 'crash' frame on probe:2 failed", "the probe's handler failed"),
        ("Subscribing to probe:5 failed", "the probe's subscribe failed"),
    ]


def test_a_frame_that_is_not_a_json_object_is_refused_and_the_socket_goes_on():
    async def scenario():
        socket, _ = await open_socket()
        await socket.send_to(text_data="not json")
        first = await receive(socket)
        await socket.send_to(text_data="[1, 2]")
        second = await receive(socket)
        pong = await ping(socket)
        await socket.disconnect()
        return first, second, pong

    first, second, pong = run(scenario)

    bad = {"type": "error", "code": "invalid", "message": "That request could not be understood."}
    assert (first, second, pong) == (bad, bad, {"type": "pong"})


# --- limits ------------------------------------------------------------------------------------


def test_an_oversize_frame_closes_only_that_socket_with_1009(settings, patient_cookie):
    settings.CARECIRCLE_REALTIME_MAX_FRAME_BYTES = 1000

    async def scenario():
        big, _ = await open_socket(patient_cookie)
        other, _ = await open_socket(patient_cookie)
        await big.send_json_to({"type": "send", "stream": "probe:2", "body": "é" * 500})
        frames, code = await closed_with(big)
        pong = await ping(other)
        await other.disconnect()
        return frames, code, pong

    frames, code, pong = run(scenario)

    assert frames == [
        {"type": "error", "code": "too_big", "message": "That message is too long to send."}
    ]
    assert code == 1009
    assert pong == {"type": "pong"}


def test_a_flooding_socket_is_closed_with_4429_and_the_members_other_socket_goes_on(
    settings, patient_cookie
):
    settings.CARECIRCLE_REALTIME_FRAMES_PER_SECOND = 1
    settings.CARECIRCLE_REALTIME_FRAME_BURST = 5

    async def scenario():
        flooding, _ = await open_socket(patient_cookie)
        calm, _ = await open_socket(patient_cookie)
        for _ in range(8):
            await flooding.send_json_to({"type": "ping"})
        frames, code = await closed_with(flooding)
        pong = await ping(calm)
        await calm.disconnect()
        return frames, code, pong

    frames, code, pong = run(scenario)

    assert frames == [{"type": "pong"}] * 5
    assert code == consumers.CLOSE_FLOODING
    assert pong == {"type": "pong"}


def test_a_closed_socket_ignores_what_still_arrives(settings, probe, patient_cookie):
    settings.CARECIRCLE_REALTIME_MAX_FRAME_BYTES = 100

    async def scenario():
        socket, _ = await open_socket(patient_cookie)
        await subscribe(socket, "probe:2")
        await socket.send_to(text_data="x" * 200)
        _, code = await closed_with(socket)
        await database_sync_to_async(send_now)("probe:2", {"type": "message.new"})
        await socket.send_json_to({"type": "send", "stream": "probe:2", "ref": "1"})
        quiet = await nothing_more(socket)
        return code, quiet

    code, quiet = run(scenario)

    assert (code, quiet) == (1009, True)
    assert probe.handled == []
    assert [stream for _, stream in probe.left] == ["probe:2"]  # left when it closed


# --- the session -------------------------------------------------------------------------------


def test_signing_a_session_out_from_another_device_closes_its_socket_at_once(patient):
    phone = signed_in_client(patient)
    laptop = signed_in_client(patient)
    phone_session = member_session(session_cookie(phone))

    async def scenario():
        phone_socket, _ = await open_socket(session_cookie(phone))
        laptop_socket, _ = await open_socket(session_cookie(laptop))
        await database_sync_to_async(signin_actions.revoke_member_session)(
            actor=patient, session_id=phone_session.pk
        )
        frames, code = await closed_with(phone_socket)
        pong = await ping(laptop_socket)
        await laptop_socket.disconnect()
        return frames, code, pong

    frames, code, pong = run(scenario)

    assert frames == [
        {"type": "signed_out", "message": "This session was signed out. Please sign in again."}
    ]
    assert code == consumers.CLOSE_SIGNED_OUT
    assert pong == {"type": "pong"}


def test_a_signed_out_session_is_found_by_the_periodic_check_when_the_broadcast_was_lost(
    monkeypatch, caplog, patient
):
    phone = signed_in_client(patient)
    phone_session = member_session(session_cookie(phone))
    monkeypatch.setattr(consumers, "SESSION_CHECK_SECONDS", 0)
    # Redis is unreachable when the session is signed out: the broadcast is lost.
    monkeypatch.setattr("carecircle.core.realtime.get_channel_layer", lambda: BrokenLayer())

    async def scenario():
        phone_socket, _ = await open_socket(session_cookie(phone))
        await database_sync_to_async(signin_actions.revoke_member_session)(
            actor=patient, session_id=phone_session.pk
        )
        still_open = await nothing_more(phone_socket)
        await phone_socket.send_json_to({"type": "ping"})
        frames, code = await closed_with(phone_socket)
        return still_open, frames, code

    still_open, frames, code = run(scenario)

    assert still_open
    assert frames == [
        {"type": "signed_out", "message": "This session was signed out. Please sign in again."}
    ]
    assert code == consumers.CLOSE_SIGNED_OUT
    assert not MemberSession.objects.filter(pk=phone_session.pk).exists()
    assert "Real-time broadcast to user:" in caplog.text


def test_a_socket_that_sends_nothing_is_checked_before_it_is_given_an_event(
    monkeypatch, patient_cookie
):
    monkeypatch.setattr(consumers, "SESSION_CHECK_SECONDS", 0)

    async def scenario():
        socket, _ = await open_socket(patient_cookie)
        await subscribe(socket, "probe:2")
        await database_sync_to_async(
            MemberSession.objects.filter(session_key_hash=session_key_hash(patient_cookie)).delete
        )()
        await database_sync_to_async(send_now)("probe:2", {"type": "message.new"})
        return await closed_with(socket)

    frames, code = run(scenario)

    assert [frame["type"] for frame in frames] == ["signed_out"]
    assert code == consumers.CLOSE_SIGNED_OUT


class BrokenLayer:
    async def group_send(self, group: str, message: dict) -> None:
        raise ConnectionError("Redis is unreachable")


@pytest.mark.parametrize(
    ("seen_ago", "started_ago", "message"),
    [
        (
            timedelta(hours=12, minutes=1),
            timedelta(hours=13),
            "You were signed out after 12 hours of inactivity, to keep your account safe on "
            "shared devices. Please sign in again.",
        ),
        (
            timedelta(minutes=1),
            timedelta(days=14, minutes=1),
            "You were signed out because you signed in more than 14 days ago. "
            "Please sign in again.",
        ),
    ],
    ids=["idle", "too-old"],
)
def test_an_idle_or_too_old_session_closes_its_socket(
    monkeypatch, patient_cookie, seen_ago, started_ago, message
):
    monkeypatch.setattr(consumers, "SESSION_CHECK_SECONDS", 0)

    async def scenario():
        socket, _ = await open_socket(patient_cookie)
        now = timezone.now()
        await database_sync_to_async(
            MemberSession.objects.filter(session_key_hash=session_key_hash(patient_cookie)).update
        )(last_seen_at=now - seen_ago, created_at=now - started_ago)
        await socket.send_json_to({"type": "ping"})
        return await closed_with(socket)

    frames, code = run(scenario)

    assert frames == [{"type": "signed_out", "message": message}]
    assert code == consumers.CLOSE_SIGNED_OUT


def test_writing_on_the_socket_counts_as_use_and_keep_alives_do_not(monkeypatch, patient_cookie):
    monkeypatch.setattr(consumers, "SESSION_CHECK_SECONDS", 0)
    ten_minutes_ago = timezone.now() - timedelta(minutes=10)
    MemberSession.objects.filter(session_key_hash=session_key_hash(patient_cookie)).update(
        last_seen_at=ten_minutes_ago
    )

    async def scenario():
        socket, _ = await open_socket(patient_cookie)
        await subscribe(socket, "probe:2")
        await ping(socket)
        seen_after_ping = await database_sync_to_async(member_session)(patient_cookie)
        await request(socket, {"type": "send", "stream": "probe:2", "ref": "1"})
        await socket.disconnect()
        return seen_after_ping.last_seen_at

    seen_after_ping = run(scenario)

    assert seen_after_ping == ten_minutes_ago
    seen = member_session(patient_cookie).last_seen_at
    assert abs((timezone.now() - seen).total_seconds()) < 5
    stored = SessionStore(session_key=patient_cookie)
    assert abs(time.time() - stored[signin_actions.SESSION_SEEN_AT]) < 5


# --- keep-alive --------------------------------------------------------------------------------


def test_keep_alives_keep_the_streams_presence_fresh(monkeypatch, probe, patient_cookie):
    monkeypatch.setattr(consumers, "HEARTBEAT_SECONDS", 0)

    async def scenario():
        socket, _ = await open_socket(patient_cookie)
        await subscribe(socket, "probe:2")
        await subscribe(socket, "probe:3")
        pong = await ping(socket)
        await wait_until(lambda: len(probe.heartbeats) == 2)
        await socket.disconnect()
        return pong

    assert run(scenario) == {"type": "pong"}
    assert sorted(probe.heartbeats) == ["probe:2", "probe:3"]
    assert sorted(stream for _, stream in probe.left) == ["probe:2", "probe:3"]
