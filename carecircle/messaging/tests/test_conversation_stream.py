"""The live stream "conversation:<id>" on the real socket: who may follow it, catching up,
writing through it, and what each subscriber is shown."""

from __future__ import annotations

import uuid
from types import SimpleNamespace

import pytest
from channels.db import database_sync_to_async

from carecircle.accounts.models import User
from carecircle.core import ratelimit
from carecircle.core.factories import UserFactory
from carecircle.core.realtime import Subscription
from carecircle.messaging.actions import conversations as actions
from carecircle.messaging.actions.common import BACKLOG_MAX
from carecircle.messaging.models import Message, MessagingSettings, Participant
from carecircle.messaging.streams.conversations import ConversationStream
from tests.realtime_support import (
    flush_channel_layer,
    nothing_more,
    open_socket,
    receive,
    run,
    session_cookie,
    signed_in_client,
    subscribe,
)

from .conftest import add_messages, messaging_state

socket_test = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _fresh_layer():
    flush_channel_layer()
    yield
    flush_channel_layer()


def cookie_of(user) -> str:
    return session_cookie(signed_in_client(user))


def _set_aside(socket) -> list[dict]:
    # A reply and the events its write caused may arrive in either order (docs/realtime.md
    # promises none): frames passed over while looking for one kind wait here for the other.
    return socket.__dict__.setdefault("set_aside", [])


async def until(socket, kind: str) -> dict:
    """The next frame of this type; frames of other types are kept for `next_event`."""
    aside = _set_aside(socket)
    for index, frame in enumerate(aside):
        if frame["type"] == kind:
            return aside.pop(index)
    while True:
        frame = await receive(socket)
        if frame["type"] == kind:
            return frame
        aside.append(frame)


async def next_event(socket) -> dict:
    """The next event of a conversation stream (member-wide badge events are skipped)."""
    aside = _set_aside(socket)
    for index, frame in enumerate(aside):
        if frame["type"] == "event" and not frame["stream"].startswith("user:"):
            return aside.pop(index)["event"]
    while True:
        frame = await receive(socket)
        if frame["type"] == "event" and not frame["stream"].startswith("user:"):
            return frame["event"]
        if frame["type"] != "event":
            aside.append(frame)


@socket_test
def test_only_participants_may_subscribe(community, patient, caregiver, outsider, stranger):
    direct = actions.start_conversation(actor=patient, recipients=[caregiver], body="Hi")
    asked = actions.start_conversation(actor=stranger, recipients=[caregiver], body="Hello")
    declined = actions.start_conversation(actor=stranger, recipients=[patient], body="Hey")
    actions.decline_request(actor=patient, conversation=declined)
    outsider_cookie, patient_cookie, caregiver_cookie = (
        cookie_of(outsider),
        cookie_of(patient),
        cookie_of(caregiver),
    )

    async def scenario() -> None:
        socket, _hello = await open_socket(outsider_cookie)
        refused = await subscribe(socket, f"conversation:{direct.pk}")
        missing = await subscribe(socket, "conversation:99999")
        assert refused[-1]["code"] == missing[-1]["code"] == "forbidden"
        assert refused[-1]["message"] == missing[-1]["message"]
        await socket.disconnect()

        visitor, _hello = await open_socket(None)
        assert (await subscribe(visitor, f"conversation:{direct.pk}"))[-1]["code"] == "forbidden"
        await visitor.disconnect()

        # Declined: gone. An open request may follow, so accepting it goes live at once.
        socket, _hello = await open_socket(patient_cookie)
        assert (await subscribe(socket, f"conversation:{declined.pk}"))[-1]["code"] == "forbidden"
        await socket.disconnect()
        socket, _hello = await open_socket(caregiver_cookie)
        assert (await subscribe(socket, f"conversation:{asked.pk}"))[-1]["type"] == "caught_up"
        # Being subscribed is not a licence to write: the request must be accepted first.
        await socket.send_json_to(
            {"type": "send", "stream": f"conversation:{asked.pk}", "ref": "1", "body": "Hi"}
        )
        reply = await until(socket, "reply")
        assert (reply["ok"], reply["code"]) == (False, "request_pending")
        await socket.disconnect()

    run(scenario)
    assert Message.objects.filter(body="Hi", author=caregiver).count() == 0


@socket_test
def test_a_send_reaches_the_other_participant(community, patient, caregiver):
    direct = actions.start_conversation(actor=patient, recipients=[caregiver], body="Hi")
    patient_cookie, caregiver_cookie = cookie_of(patient), cookie_of(caregiver)
    stream = f"conversation:{direct.pk}"
    client_id = str(uuid.uuid4())

    async def scenario() -> None:
        pat, _hello = await open_socket(patient_cookie)
        cam, _hello = await open_socket(caregiver_cookie)
        await subscribe(pat, stream)
        await subscribe(cam, stream)
        frame = {"type": "send", "stream": stream, "ref": "7", "client_id": client_id,
                 "body": "Good *news*"}  # fmt: skip
        await cam.send_json_to(frame)
        reply = await until(cam, "reply")
        assert (reply["ref"], reply["ok"]) == ("7", True)
        sent = reply["data"]
        assert (sent["html"], sent["client_id"], sent["author"]["handle"]) == (
            "<p>Good <em>news</em></p>\n",
            client_id,
            "caregiver",
        )
        event = await next_event(pat)
        # The sender's ack alone carries `support` (crisis helplines, none here).
        assert sent.pop("support") is None
        assert event == {"type": "message.new", "message": sent}
        unread = await until(pat, "event")
        assert unread == {
            "type": "event",
            "stream": f"user:{patient.pk}",
            "event": {"type": "unread", "conversations": 1},
        }
        # The same send again (a retry after a lost answer) is stored once.
        await cam.send_json_to({**frame, "ref": "8"})
        again = await until(cam, "reply")
        assert again["data"]["id"] == sent["id"]
        await pat.disconnect()
        await cam.disconnect()

    run(scenario)
    assert Message.objects.filter(author=caregiver).count() == 1


@socket_test
def test_reconnecting_after_an_id_brings_exactly_the_missed_messages(community, patient, caregiver):
    direct = actions.start_conversation(actor=patient, recipients=[caregiver], body="Hi")
    seen = direct.last_message_id
    missed = [
        actions.send_message(actor=caregiver, conversation=direct, body=f"While away {n}")
        for n in range(3)
    ]
    patient_cookie = cookie_of(patient)

    async def scenario() -> list[dict]:
        socket, _hello = await open_socket(patient_cookie)
        frames = await subscribe(socket, f"conversation:{direct.pk}", after=seen)
        await socket.disconnect()
        return frames

    frames = run(scenario)
    types = ["subscribed", "event", "event", "event", "event", "caught_up"]
    assert [f["type"] for f in frames] == types
    assert [f["event"]["message"]["id"] for f in frames[1:4]] == [m.pk for m in missed]
    # After the messages, where Cam has read to (their own last message).
    assert frames[4]["event"] == {
        "type": "read",
        "user": {"handle": caregiver.handle, "display_name": caregiver.display_name},
        "message_id": missed[-1].pk,
        "history_from": 0,
    }
    assert [f["event"]["message"]["html"] for f in frames[1:4]] == [
        "<p>While away 0</p>\n",
        "<p>While away 1</p>\n",
        "<p>While away 2</p>\n",
    ]


@socket_test
def test_leaving_stops_the_open_socket(community, patient, caregiver, moderator):
    group = actions.start_conversation(
        actor=patient, recipients=[caregiver, moderator], title="Three", body="Hi"
    )
    caregiver_cookie = cookie_of(caregiver)
    stream = f"conversation:{group.pk}"

    async def scenario() -> None:
        socket, _hello = await open_socket(caregiver_cookie)
        await subscribe(socket, stream)
        await database_sync_to_async(actions.leave_conversation)(
            actor=caregiver, conversation=group
        )
        frame = await until(socket, "unsubscribed")
        assert frame == {"type": "unsubscribed", "stream": stream, "reason": "left"}
        await database_sync_to_async(actions.send_message)(
            actor=patient, conversation=group, body="After you left"
        )
        frames = []
        while not await nothing_more(socket):
            frames.append(await receive(socket))
        assert all(f.get("stream") != stream for f in frames)
        # And a new subscription is refused.
        assert (await subscribe(socket, stream))[-1]["code"] == "forbidden"
        await socket.disconnect()

    run(scenario)


@socket_test
def test_edits_deletes_typing_and_reads_through_the_socket(
    community, patient, caregiver, monkeypatch
):
    # One fixed instant: the two typing frames must fall in the same 3-second rate window.
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: 1_800_000_001.0))
    direct = actions.start_conversation(actor=patient, recipients=[caregiver], body="Hi")
    mine = Message.objects.get(author=patient)
    patient_cookie, caregiver_cookie = cookie_of(patient), cookie_of(caregiver)
    stream = f"conversation:{direct.pk}"

    async def scenario() -> None:
        pat, _hello = await open_socket(patient_cookie)
        cam, _hello = await open_socket(caregiver_cookie)
        await subscribe(pat, stream)
        await subscribe(cam, stream)

        await cam.send_json_to(
            {"type": "edit", "stream": stream, "ref": "1", "message_id": mine.pk, "body": "x"}
        )
        refused = await until(cam, "reply")
        assert (refused["ok"], refused["code"]) == (False, "not_author")

        await pat.send_json_to(
            {"type": "edit", "stream": stream, "ref": "2", "message_id": mine.pk, "body": "Hey"}
        )
        assert (await until(pat, "reply"))["data"]["edited_at"] is not None
        edited = await next_event(cam)
        assert (edited["type"], edited["message"]["html"]) == ("message.edited", "<p>Hey</p>\n")
        assert (await next_event(pat))["type"] == "message.edited"  # the author's own too

        await cam.send_json_to({"type": "typing", "stream": stream, "ref": "3"})
        assert (await until(cam, "reply"))["data"] == {"sent": True}
        assert await next_event(pat) == {
            "type": "typing",
            "user": {"handle": "caregiver", "display_name": "Cam the caregiver"},
        }
        await cam.send_json_to({"type": "typing", "stream": stream, "ref": "4"})
        assert (await until(cam, "reply"))["data"] == {"sent": False}  # throttled

        await cam.send_json_to(
            {"type": "read", "stream": stream, "ref": "5", "message_id": mine.pk}
        )
        assert (await until(cam, "reply"))["data"] == {"last_read_message_id": mine.pk}
        assert await next_event(pat) == {
            "type": "read",
            "user": {"handle": "caregiver", "display_name": "Cam the caregiver"},
            "message_id": mine.pk,
            "history_from": 0,
        }

        await pat.send_json_to(
            {"type": "delete", "stream": stream, "ref": "6", "message_id": mine.pk}
        )
        assert (await until(pat, "reply"))["data"]["is_deleted"] is True
        deleted = await next_event(cam)
        assert (deleted["type"], deleted["message"]["html"]) == ("message.deleted", "")
        await pat.disconnect()
        await cam.disconnect()

    run(scenario)
    assert Message.objects.get(pk=mine.pk).body == ""


# --- the handler on its own ----------------------------------------------------------------


@pytest.mark.django_db
def test_a_long_absence_is_told_to_reload(community, patient, caregiver):
    direct = actions.start_conversation(actor=patient, recipients=[caregiver], body="Hi")
    handler = ConversationStream()
    subscription = handler.subscribe(patient, str(direct.pk), "channel")
    assert subscription is not None
    add_messages(direct, caregiver, BACKLOG_MAX)
    first = direct.last_message_id - BACKLOG_MAX
    assert len(handler.backlog(patient, subscription, first)) == BACKLOG_MAX
    assert handler.backlog(patient, subscription, first - 1) == [{"type": "backlog.truncated"}]
    assert handler.backlog(patient, subscription, None) == []


@pytest.mark.django_db
def test_the_catch_up_ends_with_the_read_markers_the_subscriber_may_see(
    community, patient, caregiver, moderator
):
    group = actions.start_conversation(
        actor=patient, recipients=[caregiver, moderator], title="Three", body="Hi"
    )
    handler = ConversationStream()
    subscription = handler.subscribe(patient, str(group.pk), "channel")
    assert subscription is not None
    first = group.last_message_id
    # Read while Pat's socket was down: both marks are past Pat's history start.
    actions.mark_read(actor=caregiver, conversation=group, message_id=first)
    actions.mark_read(actor=moderator, conversation=group, message_id=first)

    def read_of(member) -> dict:
        return {
            "type": "read",
            "user": {"handle": member.handle, "display_name": member.display_name},
            "message_id": first,
            "history_from": 0,
        }

    assert handler.backlog(patient, subscription, first) == [read_of(caregiver), read_of(moderator)]

    # Mo turns receipts off: theirs is no longer told; Cam's still is.
    MessagingSettings.objects.create(user=moderator, shares_read_receipts=False)
    assert handler.backlog(patient, subscription, first) == [read_of(caregiver)]
    # Cam blocking Pat keeps Cam's to themself.
    actions.block_member(actor=caregiver, member=patient)
    assert handler.backlog(patient, subscription, first) == []
    # A subscriber who hides their own receipts sees nobody's.
    assert (
        handler.backlog(moderator, handler.subscribe(moderator, str(group.pk), "two"), first) == []
    )


@pytest.mark.django_db
def test_each_subscriber_sees_only_what_they_may(community, patient, caregiver, moderator):
    group = actions.start_conversation(
        actor=patient, recipients=[caregiver, moderator], title="Three", body="Hi"
    )
    actions.block_member(actor=patient, member=caregiver)
    actions.update_messaging_settings(
        actor=moderator, requests_from="strangers", shares_read_receipts=False
    )
    handler = ConversationStream()
    pat = handler.subscribe(patient, str(group.pk), "one")
    mo = handler.subscribe(moderator, str(group.pk), "two")
    assert isinstance(pat, Subscription) and isinstance(mo, Subscription)
    from_cam = actions.send_message(actor=caregiver, conversation=group, body="Hello")
    from carecircle.messaging.actions.common import message_payload

    new = {"type": "message.new", "message": message_payload(from_cam)}
    typing = {"type": "typing", "user": {"handle": "caregiver", "display_name": "Cam"}}
    read = {"type": "read", "user": {"handle": "caregiver", "display_name": "Cam"},
            "message_id": from_cam.pk}  # fmt: skip
    own_typing = {"type": "typing", "user": {"handle": "patient", "display_name": "Pat"}}

    # Pat blocked Cam: none of Cam's messages, typing or reads reach Pat.
    assert [handler.visible(patient, pat, e) for e in (new, typing, read, own_typing)] == [
        None,
        None,
        None,
        None,
    ]
    # Mo hides read receipts, so Mo sees nobody's.
    assert [handler.visible(moderator, mo, e) for e in (new, typing, read)] == [new, typing, None]
    assert from_cam.pk not in [e["message"]["id"] for e in handler.backlog(patient, pat, 0)]
    assert from_cam.pk in [e["message"]["id"] for e in handler.backlog(moderator, mo, 0)]


@pytest.mark.django_db
def test_frames_go_through_the_actions_checks(community, patient, caregiver, outsider):
    direct = actions.start_conversation(actor=patient, recipients=[caregiver], body="Hi")
    handler = ConversationStream()
    subscription = handler.subscribe(caregiver, str(direct.pk), "one")
    assert subscription is not None
    actions.block_member(actor=patient, member=caregiver)
    before = messaging_state()
    from carecircle.core.errors import PermissionDeniedError, ValidationFailed

    with pytest.raises(PermissionDeniedError) as refused:
        handler.handle(caregiver, subscription, {"type": "send", "body": "Still there?"})
    assert str(refused.value.message) == "You can't send messages to this member."
    with pytest.raises(ValidationFailed):
        handler.handle(caregiver, subscription, {"type": "dance"})
    assert messaging_state() == before
    assert handler.subscribe(outsider, str(direct.pk), "two") is None
    assert handler.subscribe(UserFactory(is_active=False), str(direct.pk), "three") is None


@pytest.mark.django_db
def test_a_member_who_blocked_the_subscriber_keeps_typing_and_reading_to_themself(
    community, patient, caregiver, moderator
):
    group = actions.start_conversation(
        actor=patient, recipients=[caregiver, moderator], title="Three", body="Hi"
    )
    actions.block_member(actor=caregiver, member=patient)  # Cam blocks Pat
    handler = ConversationStream()
    pat = handler.subscribe(patient, str(group.pk), "one")
    mo = handler.subscribe(moderator, str(group.pk), "two")
    assert isinstance(pat, Subscription) and isinstance(mo, Subscription)
    from_cam = actions.send_message(actor=caregiver, conversation=group, body="Hello all")
    from carecircle.messaging.actions.common import message_payload

    new = {"type": "message.new", "message": message_payload(from_cam)}
    cam = {"handle": "caregiver", "display_name": "Cam the caregiver"}
    typing = {"type": "typing", "user": cam}
    read = {"type": "read", "user": cam, "message_id": from_cam.pk, "history_from": 0}

    # A block does not silence Cam in a group Pat shares with others: Cam's words still show,
    # but not when Cam types or reads.
    assert [handler.visible(patient, pat, e) for e in (new, typing, read)] == [new, None, None]
    assert [handler.visible(moderator, mo, e) for e in (new, typing, read)] == [new, typing, read]


@pytest.mark.django_db
def test_the_heartbeat_ends_the_subscription_of_someone_no_longer_in(
    community, patient, caregiver, moderator, listen, django_capture_on_commit_callbacks
):
    group = actions.start_conversation(
        actor=patient, recipients=[caregiver, moderator], title="Three", body="Hi"
    )
    handler = ConversationStream()
    cam = handler.subscribe(caregiver, str(group.pk), "one")
    pat = handler.subscribe(patient, str(group.pk), "two")
    assert isinstance(cam, Subscription) and isinstance(pat, Subscription)
    listener = listen(f"conversation:{group.pk}")
    with django_capture_on_commit_callbacks(execute=True):
        handler.heartbeat(caregiver, cam, "one")
    assert listener.events() == []

    # Gone without this socket hearing of it (the revocation was lost, or the account closed).
    Participant.objects.filter(conversation=group, user=caregiver).update(state="left")
    with django_capture_on_commit_callbacks(execute=True):
        handler.heartbeat(caregiver, cam, "one")
        handler.heartbeat(patient, pat, "two")
    assert listener.events() == [
        {"type": "access.revoked", "user_ids": [caregiver.pk], "reason": "not_participant"}
    ]
    User.objects.filter(pk=patient.pk).update(is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        handler.heartbeat(patient, pat, "two")
    assert listener.events() == [
        {"type": "access.revoked", "user_ids": [patient.pk], "reason": "not_participant"}
    ]


@pytest.mark.django_db
def test_blocks_made_while_subscribed_apply_from_the_next_heartbeat(
    community, patient, caregiver, moderator
):
    group = actions.start_conversation(
        actor=patient, recipients=[caregiver, moderator], title="Three", body="Hi"
    )
    handler = ConversationStream()
    pat = handler.subscribe(patient, str(group.pk), "one")
    assert isinstance(pat, Subscription)
    from_cam = actions.send_message(actor=caregiver, conversation=group, body="Hello all")
    from carecircle.messaging.actions.common import message_payload

    new = {"type": "message.new", "message": message_payload(from_cam)}
    typing = {"type": "typing", "user": {"handle": "caregiver", "display_name": "Cam"}}
    typing_mo = {"type": "typing", "user": {"handle": "moderator", "display_name": "Mo"}}
    actions.block_member(actor=caregiver, member=patient)  # Cam blocks Pat
    actions.block_member(actor=patient, member=moderator)  # Pat blocks Mo
    assert [handler.visible(patient, pat, e) for e in (new, typing, typing_mo)] == [
        new,
        typing,
        typing_mo,
    ]

    handler.heartbeat(patient, pat, "one")
    assert pat.context["blocked_handles"] == {"moderator"}
    assert pat.context["blocker_handles"] == {"caregiver"}
    assert [handler.visible(patient, pat, e) for e in (new, typing, typing_mo)] == [
        new,
        None,
        None,
    ]
    # Lifted again: from the next heartbeat on, both are heard again.
    actions.unblock_member(actor=caregiver, member=patient)
    actions.unblock_member(actor=patient, member=moderator)
    handler.heartbeat(patient, pat, "one")
    assert [handler.visible(patient, pat, e) for e in (typing, typing_mo)] == [typing, typing_mo]


@socket_test
def test_a_send_needing_confirmation_is_refused_with_what_was_found(community, patient, caregiver):
    direct = actions.start_conversation(actor=patient, recipients=[caregiver], body="Hi")
    patient_cookie = cookie_of(patient)
    stream = f"conversation:{direct.pk}"
    body = "Email me at jo.bloggs@example.org"

    async def scenario() -> None:
        socket, _hello = await open_socket(patient_cookie)
        await subscribe(socket, stream)
        await socket.send_json_to({"type": "send", "stream": stream, "ref": "3", "body": body})
        reply = await until(socket, "reply")
        assert (reply["ok"], reply["code"], reply["field"]) == (
            False,
            "confirmation_needed",
            "body",
        )
        assert [d["label"] for d in reply["details"]] == ["email"]
        assert "jo.bloggs@example.org" not in str(reply["details"])  # masked, never echoed
        await socket.send_json_to(
            {"type": "send", "stream": stream, "ref": "4", "body": body, "confirmed": True}
        )
        sent = await until(socket, "reply")
        assert sent["ok"] is True
        await socket.disconnect()

    run(scenario)
    assert Message.objects.filter(conversation=direct, author=patient).count() == 2


@socket_test
def test_an_edit_frame_removes_files_as_the_page_and_api_do(
    community, patient, caregiver, upload_root
):
    from carecircle.uploads.models import Upload
    from carecircle.uploads.tests.conftest import make_upload

    direct = actions.start_conversation(actor=patient, recipients=[caregiver], body="Hi")
    mine = Message.objects.get(author=patient)
    photo = make_upload(patient, message=mine, alt_text="A rash", position=0)
    kept = make_upload(patient, message=mine, alt_text="A cat", position=1)
    cookie = cookie_of(patient)
    stream = f"conversation:{direct.pk}"

    async def scenario() -> None:
        pat, _hello = await open_socket(cookie)
        await subscribe(pat, stream)
        frame = {"type": "edit", "stream": stream, "message_id": mine.pk, "body": "Hi"}
        await pat.send_json_to({**frame, "ref": "1", "remove_attachments": "all"})
        refused = await until(pat, "reply")
        assert (refused["ok"], refused["code"], refused["field"]) == (
            False,
            "invalid",
            "remove_attachments",
        )
        await pat.send_json_to({**frame, "ref": "2", "remove_attachments": [photo.pk]})
        reply = await until(pat, "reply")
        assert [item["id"] for item in reply["data"]["attachments"]] == [kept.pk]
        await pat.disconnect()

    run(scenario)
    assert list(Upload.objects.filter(message=mine).values_list("pk", flat=True)) == [kept.pk]
