"""The room stream ("room:<id>"): who may follow it, presence, per-viewer filtering, frames,
and live delivery between two real sockets."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from carecircle.communities.models import Membership
from carecircle.core.errors import PermissionDeniedError, ValidationFailed
from carecircle.core.realtime import STREAMS, Subscription
from carecircle.messaging.actions.common import BACKLOG_MAX, message_payload
from carecircle.messaging.models import ChatRoom, Message, RoomPresence
from carecircle.messaging.tests.rooms_fixtures import *  # noqa: F403
from carecircle.messaging.tests.rooms_fixtures import (
    add_room_message,
    block,
    hide_presence,
    open_socket,
    receive_until,
    signed_in,
)

handler = STREAMS["room"]


@pytest.fixture(autouse=True)
def _fresh_channel_layer():
    layer = get_channel_layer()
    async_to_sync(layer.flush)()
    yield
    async_to_sync(layer.flush)()


def subscribe(user, room, channel="socket-1") -> Subscription | None:
    return handler.subscribe(user, str(room.pk), channel)


def presence_seen_by(user, subscription) -> dict:
    return handler.backlog(user, subscription, None)[-1]


# --- who may follow a room -----------------------------------------------------------------------


@pytest.mark.django_db
def test_members_and_site_staff_may_follow_a_room(room, patient, manager):
    for user, channel in ((patient, "socket-1"), (manager, "socket-2")):
        subscription = subscribe(user, room, channel)
        assert subscription is not None
        assert (subscription.stream, subscription.context["room_id"]) == (
            f"room:{room.pk}",
            room.pk,
        )

    assert sorted(RoomPresence.objects.values_list("channel_name", "user_id")) == [
        ("socket-1", patient.pk),
        ("socket-2", manager.pk),
    ]


@pytest.mark.django_db
def test_visitors_outsiders_and_missing_rooms_get_the_same_refusal(room, outsider):
    assert subscribe(AnonymousUser(), room) is None
    assert subscribe(outsider, room) is None
    assert handler.subscribe(outsider, str(room.pk + 1000), "socket-1") is None

    assert RoomPresence.objects.count() == 0


@pytest.mark.django_db
def test_an_archived_room_can_still_be_followed(room, patient):
    ChatRoom.objects.filter(pk=room.pk).update(is_archived=True)

    assert subscribe(patient, room) is not None


# --- presence ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_presence_hides_members_who_hide_it_except_from_themselves(room, patient, caregiver):
    hide_presence(caregiver)
    seen_by_patient = subscribe(patient, room, "socket-1")
    seen_by_caregiver = subscribe(caregiver, room, "socket-2")

    assert presence_seen_by(patient, seen_by_patient) == {
        "type": "presence",
        "members": [{"handle": "patient", "display_name": "Pat the patient"}],
        "count": 1,
    }
    assert presence_seen_by(caregiver, seen_by_caregiver)["members"] == [
        {"handle": "caregiver", "display_name": "Cam the caregiver"},
        {"handle": "patient", "display_name": "Pat the patient"},
    ]


@pytest.mark.django_db
def test_a_member_blocked_by_someone_does_not_see_that_someone(room, patient, caregiver, moderator):
    block(caregiver, patient)
    seen_by_patient = subscribe(patient, room, "socket-1")
    subscribe(caregiver, room, "socket-2")
    seen_by_moderator = subscribe(moderator, room, "socket-3")

    assert [m["handle"] for m in presence_seen_by(patient, seen_by_patient)["members"]] == [
        "moderator",
        "patient",
    ]
    # The blocker still sees the member they blocked; others see everyone.
    assert [m["handle"] for m in presence_seen_by(moderator, seen_by_moderator)["members"]] == [
        "caregiver",
        "moderator",
        "patient",
    ]


@pytest.mark.django_db
def test_presence_counts_only_fresh_sockets_once_per_member(room, patient, caregiver):
    seen_by_patient = subscribe(patient, room, "socket-1")
    subscribe(patient, room, "socket-2")
    subscribe(caregiver, room, "socket-3")
    RoomPresence.objects.filter(channel_name="socket-3").update(
        last_seen_at=timezone.now() - timedelta(seconds=76)
    )

    assert presence_seen_by(patient, seen_by_patient)["members"] == [
        {"handle": "patient", "display_name": "Pat the patient"}
    ]


@pytest.mark.django_db
def test_joining_and_leaving_are_told_once_per_member_and_never_for_hidden_ones(
    room, patient, caregiver, listen, django_capture_on_commit_callbacks
):
    hide_presence(caregiver)
    listener = listen(f"room:{room.pk}")

    with django_capture_on_commit_callbacks(execute=True):
        first = subscribe(patient, room, "socket-1")
        second = subscribe(patient, room, "socket-2")
        hidden = subscribe(caregiver, room, "socket-3")
        handler.unsubscribe(patient, first, "socket-1")
        handler.unsubscribe(caregiver, hidden, "socket-3")
        handler.unsubscribe(patient, second, "socket-2")

    member = {"handle": "patient", "display_name": "Pat the patient"}
    assert listener.events() == [
        {"type": "presence.joined", "user_id": patient.pk, "member": member},
        {"type": "presence.left", "user_id": patient.pk, "member": member},
    ]
    assert RoomPresence.objects.count() == 0


@pytest.mark.django_db
def test_presence_events_are_filtered_per_viewer_without_the_member_id(
    room, patient, caregiver, moderator
):
    block(caregiver, patient)
    seen_by_patient = subscribe(patient, room, "socket-1")
    seen_by_moderator = subscribe(moderator, room, "socket-2")
    event = {
        "type": "presence.joined",
        "user_id": caregiver.pk,
        "member": {"handle": "caregiver", "display_name": "Cam the caregiver"},
    }

    assert handler.visible(patient, seen_by_patient, event) is None
    assert handler.visible(moderator, seen_by_moderator, event) == {
        "type": "presence.joined",
        "member": {"handle": "caregiver", "display_name": "Cam the caregiver"},
    }


@pytest.mark.django_db
def test_the_keep_alive_follows_hiding_and_refreshes_the_row(
    room, patient, listen, django_capture_on_commit_callbacks
):
    subscription = subscribe(patient, room)
    RoomPresence.objects.update(last_seen_at=timezone.now() - timedelta(seconds=60))
    listener = listen(f"room:{room.pk}")

    hide_presence(patient)
    with django_capture_on_commit_callbacks(execute=True):
        handler.heartbeat(patient, subscription, "socket-1")

    assert subscription.context["hidden"] is True
    assert listener.events() == [
        {
            "type": "presence.left",
            "user_id": patient.pk,
            "member": {"handle": "patient", "display_name": "Pat the patient"},
        }
    ]
    assert timezone.now() - RoomPresence.objects.get().last_seen_at < timedelta(seconds=5)


@pytest.mark.django_db
def test_a_member_who_left_the_community_is_dropped_at_the_next_keep_alive(
    room, patient, listen, django_capture_on_commit_callbacks
):
    subscription = subscribe(patient, room)
    listener = listen(f"room:{room.pk}")
    Membership.objects.filter(user=patient).delete()

    with django_capture_on_commit_callbacks(execute=True):
        handler.heartbeat(patient, subscription, "socket-1")

    events = listener.events()
    assert events[0] == {"type": "access.revoked", "user_ids": [patient.pk], "reason": "not_member"}
    assert events[1]["type"] == "presence.left"
    assert RoomPresence.objects.count() == 0


@pytest.mark.django_db
def test_rows_of_dead_sockets_are_swept_and_their_members_leave(
    room, patient, caregiver, listen, django_capture_on_commit_callbacks
):
    subscribe(caregiver, room, "dead-socket")
    RoomPresence.objects.update(last_seen_at=timezone.now() - timedelta(minutes=5))
    subscription = subscribe(patient, room, "socket-1")
    listener = listen(f"room:{room.pk}")

    with django_capture_on_commit_callbacks(execute=True):
        handler.heartbeat(patient, subscription, "socket-1")

    assert listener.events() == [
        {
            "type": "presence.left",
            "user_id": caregiver.pk,
            "member": {"handle": "caregiver", "display_name": "Cam the caregiver"},
        }
    ]
    assert list(RoomPresence.objects.values_list("channel_name", flat=True)) == ["socket-1"]


# --- messages and frames -------------------------------------------------------------------------


@pytest.mark.django_db
def test_messages_of_blocked_members_are_dropped_for_the_blocker_only(room, patient, caregiver):
    block(patient, caregiver)
    blocker = subscribe(patient, room, "socket-1")
    other = subscribe(caregiver, room, "socket-2")
    message = add_room_message(room, caregiver, "Hello")
    event = {"type": "message.new", "message": message_payload(message)}

    assert handler.visible(patient, blocker, event) is None
    assert handler.visible(caregiver, other, event) == event


@pytest.mark.django_db
def test_typing_and_mutes_reach_only_whom_they_concern(room, patient, caregiver):
    seen_by_patient = subscribe(patient, room, "socket-1")
    seen_by_caregiver = subscribe(caregiver, room, "socket-2")
    typing = {
        "type": "typing",
        "user_id": patient.pk,
        "user": {"handle": "patient", "display_name": "Pat the patient"},
    }
    muted = {"type": "restriction", "user_id": patient.pk, "until": "2027-01-01T10:00:00+00:00"}

    assert handler.visible(patient, seen_by_patient, typing) is None
    assert handler.visible(caregiver, seen_by_caregiver, typing) == {
        "type": "typing",
        "user": {"handle": "patient", "display_name": "Pat the patient"},
    }
    assert handler.visible(patient, seen_by_patient, muted) == {
        "type": "restriction",
        "until": "2027-01-01T10:00:00+00:00",
    }
    assert handler.visible(caregiver, seen_by_caregiver, muted) is None


@pytest.mark.django_db
def test_catching_up_replays_missed_messages_then_presence(room, patient, caregiver):
    block(patient, caregiver)
    first = add_room_message(room, patient, "One")
    second = add_room_message(room, patient, "Two")
    add_room_message(room, caregiver, "From someone blocked")
    subscription = subscribe(patient, room)

    events = handler.backlog(patient, subscription, first.pk)

    assert events == [
        {"type": "message.new", "message": message_payload(second)},
        {
            "type": "presence",
            "members": [{"handle": "patient", "display_name": "Pat the patient"}],
            "count": 1,
        },
    ]


@pytest.mark.django_db
def test_too_many_missed_messages_say_so_instead(room, patient):
    Message.objects.bulk_create(
        Message(room=room, author=patient, body="m", body_html="<p>m</p>")
        for _ in range(BACKLOG_MAX + 1)
    )
    subscription = subscribe(patient, room)

    events = handler.backlog(patient, subscription, 0)

    assert [event["type"] for event in events] == ["backlog.truncated", "presence"]


@pytest.mark.django_db
def test_send_and_delete_frames_go_through_the_actions(room, patient):
    subscription = subscribe(patient, room)
    client_id = str(uuid.uuid4())

    sent = handler.handle(
        patient, subscription, {"type": "send", "client_id": client_id, "body": "Hi"}
    )
    again = handler.handle(
        patient, subscription, {"type": "send", "client_id": client_id, "body": "Hi"}
    )
    deleted = handler.handle(patient, subscription, {"type": "delete", "message_id": sent["id"]})

    assert again == sent
    assert (sent["client_id"], sent["html"], sent["author"]["handle"]) == (
        client_id,
        "<p>Hi</p>\n",
        "patient",
    )
    assert (deleted["id"], deleted["is_deleted"], deleted["deleted_by_moderator"]) == (
        sent["id"],
        True,
        False,
    )
    assert Message.objects.get().deleted_by_id == patient.pk
    with pytest.raises(ValidationFailed):
        handler.handle(patient, subscription, {"type": "edit", "message_id": sent["id"]})


@pytest.mark.django_db
def test_a_member_removed_meanwhile_cannot_send_and_loses_the_stream(
    room, patient, listen, django_capture_on_commit_callbacks
):
    subscription = subscribe(patient, room)
    Membership.objects.filter(user=patient).delete()
    listener = listen(f"room:{room.pk}")

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(PermissionDeniedError):
        handler.handle(patient, subscription, {"type": "send", "body": "Still here?"})

    assert Message.objects.count() == 0
    assert listener.events() == [
        {"type": "access.revoked", "user_ids": [patient.pk], "reason": "not_member"}
    ]


@pytest.mark.django_db
def test_typing_is_told_at_most_once_every_few_seconds(
    room, patient, listen, django_capture_on_commit_callbacks
):
    subscription = subscribe(patient, room)
    listener = listen(f"room:{room.pk}")

    with django_capture_on_commit_callbacks(execute=True):
        handler.handle(patient, subscription, {"type": "typing"})
        handler.handle(patient, subscription, {"type": "typing"})

    assert listener.events() == [
        {
            "type": "typing",
            "user_id": patient.pk,
            "user": {"handle": "patient", "display_name": "Pat the patient"},
        }
    ]


# --- real sockets --------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_message_sent_on_one_socket_arrives_live_on_another(room, patient, caregiver):
    patient_browser, caregiver_browser = signed_in(patient), signed_in(caregiver)
    stream = f"room:{room.pk}"
    client_id = str(uuid.uuid4())

    async def scenario():
        listening = await open_socket(caregiver_browser)
        await listening.send_json_to({"type": "subscribe", "stream": stream, "after": 0})
        caught_up = await receive_until(listening, lambda f: f["type"] == "caught_up")
        writing = await open_socket(patient_browser)
        await writing.send_json_to({"type": "subscribe", "stream": stream, "after": 0})
        await receive_until(writing, lambda f: f["type"] == "caught_up")
        joined = await receive_until(listening, lambda f: f["type"] == "event")
        await writing.send_json_to(
            {"type": "send", "stream": stream, "ref": "1", "client_id": client_id, "body": "Hi!"}
        )
        reply = await receive_until(writing, lambda f: f["type"] == "reply")
        delivered = await receive_until(listening, lambda f: f["type"] == "event")
        await listening.disconnect()
        await writing.disconnect()
        return caught_up, joined, reply[-1], delivered[-1]

    caught_up, joined, reply, delivered = async_to_sync(scenario)()

    stored = Message.objects.get()
    assert caught_up == [
        {"type": "subscribed", "stream": stream},
        {
            "type": "event",
            "stream": stream,
            "event": {
                "type": "presence",
                "members": [{"handle": "caregiver", "display_name": "Cam the caregiver"}],
                "count": 1,
            },
        },
        {"type": "caught_up", "stream": stream},
    ]
    assert joined[-1]["event"] == {
        "type": "presence.joined",
        "member": {"handle": "patient", "display_name": "Pat the patient"},
    }
    assert reply == {
        "type": "reply",
        "ref": "1",
        "ok": True,
        "data": {**message_payload(stored), "support": None},
    }
    assert delivered == {
        "type": "event",
        "stream": stream,
        "event": {"type": "message.new", "message": message_payload(stored)},
    }
    assert stored.client_id == uuid.UUID(client_id)
    assert RoomPresence.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_outsiders_and_visitors_cannot_follow_a_room_whether_it_exists_or_not(room, outsider):
    browser = signed_in(outsider)

    async def scenario():
        answers = []
        for client in (browser, None):
            socket = await open_socket(client)
            for stream in (f"room:{room.pk}", f"room:{room.pk + 1000}"):
                await socket.send_json_to({"type": "subscribe", "stream": stream, "after": 0})
                [answer] = await receive_until(socket, lambda f: f["type"] == "error")
                answers.append({key: value for key, value in answer.items() if key != "stream"})
            await socket.disconnect()
        return answers

    answers = async_to_sync(scenario)()

    assert len(answers) == 4
    assert all(answer == answers[0] for answer in answers)
    assert answers[0]["code"] == "forbidden"
    assert RoomPresence.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_refused_send_on_the_socket_is_answered_with_the_reason(room, moderator, patient):
    ChatRoom.objects.filter(pk=room.pk).update(slow_mode_seconds=60)
    add_room_message(room, patient, "Just now")
    browser = signed_in(patient)
    stream = f"room:{room.pk}"

    async def scenario():
        socket = await open_socket(browser)
        await socket.send_json_to({"type": "subscribe", "stream": stream})
        await receive_until(socket, lambda f: f["type"] == "caught_up")
        await socket.send_json_to({"type": "send", "stream": stream, "ref": "9", "body": "Again"})
        frames = await receive_until(socket, lambda f: f["type"] == "reply")
        await socket.disconnect()
        return frames[-1]

    reply = async_to_sync(scenario)()

    assert (reply["ok"], reply["code"], reply["ref"]) == (False, "slow_mode", "9")
    assert reply["message"].startswith("Slow mode is on: everyone can send one message every 60")
    assert Message.objects.count() == 1
