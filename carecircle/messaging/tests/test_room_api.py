"""The chat room JSON API: the same rules as the page and the socket, in JSON."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from carecircle.core.models import AuditEvent
from carecircle.discussions.models import Topic
from carecircle.messaging.actions.common import message_payload
from carecircle.messaging.models import ChatRoom, ChatSession, Message, RoomRestriction
from carecircle.messaging.tests.rooms_fixtures import *  # noqa: F403
from carecircle.messaging.tests.rooms_fixtures import (
    add_room_message,
    block,
    hide_presence,
    make_session,
    rooms_state,
)
from conftest import client_for

pytestmark = pytest.mark.django_db

API = "/api/v1"


def call(client: Client, method: str, path: str, data: Any = None):
    if data is None:
        return getattr(client, method)(API + path)
    return getattr(client, method)(API + path, data=data, content_type="application/json")


def json_of(message: Message) -> dict:
    # The API leaves out the socket's rendered attachments (it gives their addresses only).
    payload = message_payload(Message.objects.select_related("author").get(pk=message.pk))
    del payload["attachments_html"]
    return payload


# --- rooms ---------------------------------------------------------------------------------------


def test_members_list_the_rooms_of_their_community(room, patient):
    response = call(client_for(patient), "get", "/communities/type-2-diabetes/rooms")

    assert response.status_code == 200
    assert response.json() == [
        {
            "id": room.pk,
            "community": "type-2-diabetes",
            "slug": "tuesday-evening-support-group",
            "name": "Tuesday evening support group",
            "description": "",
            "is_archived": False,
            "is_open": True,
            "slow_mode_seconds": 0,
            "retention_days": None,
            "stream": f"room:{room.pk}",
            "url": "/c/type-2-diabetes/chat/tuesday-evening-support-group/",
        }
    ]


def test_outsiders_and_visitors_cannot_list_rooms(room, outsider):
    refused = call(client_for(outsider), "get", "/communities/type-2-diabetes/rooms")
    anonymous = call(Client(), "get", "/communities/type-2-diabetes/rooms")

    assert (refused.status_code, refused.json()["code"]) == (403, "members_only")
    assert anonymous.status_code == 401


def test_a_room_with_its_sessions(room, patient):
    live = make_session(room, starts_in=-timedelta(minutes=5), publishes_transcript=True)
    past = make_session(room, starts_in=-timedelta(days=7), title="Last week")

    body = call(client_for(patient), "get", f"/rooms/{room.pk}").json()

    assert (body["is_open"], body["can_write"], body["can_moderate"], body["can_manage"]) == (
        True,
        True,
        False,
        False,
    )
    assert body["current_session"]["id"] == live.pk
    assert body["current_session"]["is_live"] is True
    assert body["current_session"]["publishes_transcript"] is True
    assert [s["id"] for s in body["upcoming_sessions"]] == [live.pk]
    assert [(s["id"], s["is_over"]) for s in body["past_sessions"]] == [(past.pk, True)]


def test_outsiders_get_the_same_404_for_a_room_whether_it_exists_or_not(room, outsider):
    client = client_for(outsider)

    for path in ("", "/messages", "/presence"):
        existing = call(client, "get", f"/rooms/{room.pk}{path}")
        missing = call(client, "get", f"/rooms/{room.pk + 1000}{path}")
        assert existing.status_code == missing.status_code == 404
        assert existing.json() == missing.json()


def test_a_manager_creates_and_edits_a_room(community, room_manager):
    client = client_for(room_manager)

    created = call(
        client,
        "post",
        "/communities/type-2-diabetes/rooms",
        {"name": "Morning coffee", "retention_days": 30},
    )
    room_id = created.json()["id"]
    edited = call(
        client, "patch", f"/rooms/{room_id}", {"clear_retention": True, "is_archived": True}
    )

    assert created.status_code == 201
    assert (created.json()["retention_days"], created.json()["can_manage"]) == (30, True)
    assert edited.status_code == 200
    assert (edited.json()["retention_days"], edited.json()["is_archived"]) == (None, True)
    room = ChatRoom.objects.get(pk=room_id)
    assert (room.name, room.retention_days, room.is_archived) == ("Morning coffee", None, True)
    assert AuditEvent.objects.filter(verb="chat.retention_change").count() == 1


def test_members_cannot_create_or_edit_rooms(room, patient):
    client = client_for(patient)
    before = rooms_state()

    created = call(client, "post", "/communities/type-2-diabetes/rooms", {"name": "Mine"})
    edited = call(client, "patch", f"/rooms/{room.pk}", {"name": "Mine now"})

    assert (created.status_code, edited.status_code) == (403, 403)
    assert rooms_state() == before


# --- messages ------------------------------------------------------------------------------------


def test_messages_are_paged_by_id_in_both_directions(room, patient):
    messages = [add_room_message(room, patient, f"Message {n}") for n in range(60)]
    client = client_for(patient)

    latest = call(client, "get", f"/rooms/{room.pk}/messages").json()
    older = call(client, "get", f"/rooms/{room.pk}/messages?before={messages[10].pk}").json()
    newer = call(client, "get", f"/rooms/{room.pk}/messages?after={messages[55].pk}&limit=3").json()

    assert [m["id"] for m in latest["items"]] == [m.pk for m in messages[10:]]
    assert (latest["has_older"], latest["has_newer"]) == (True, False)
    assert [m["id"] for m in older["items"]] == [m.pk for m in messages[:10]]
    assert (older["has_older"], older["has_newer"]) == (False, True)
    assert [m["id"] for m in newer["items"]] == [m.pk for m in messages[56:59]]
    assert newer["has_newer"] is True
    assert latest["items"][-1] == json_of(messages[-1])


def test_a_send_is_idempotent_by_client_id(room, patient):
    client = client_for(patient)
    body = {"body": "Hello", "client_id": str(uuid.uuid4())}

    first = call(client, "post", f"/rooms/{room.pk}/messages", body)
    again = call(client, "post", f"/rooms/{room.pk}/messages", body)

    assert first.status_code == again.status_code == 201
    # The sender's own answer also says whether crisis support applies (here: no).
    assert first.json() == again.json() == {**json_of(Message.objects.get()), "support": None}


def test_outsiders_cannot_send_and_nothing_changes(room, outsider):
    before = rooms_state()

    response = call(client_for(outsider), "post", f"/rooms/{room.pk}/messages", {"body": "Hi"})

    assert response.status_code == 404
    assert rooms_state() == before


def test_a_closed_room_refuses_a_send_with_the_reason(room, patient):
    make_session(room, starts_in=timedelta(days=1))

    response = call(client_for(patient), "post", f"/rooms/{room.pk}/messages", {"body": "Hi"})

    assert (response.status_code, response.json()["code"]) == (403, "room_closed")
    assert Message.objects.count() == 0


def test_authors_and_moderators_delete_messages_others_cannot(room, patient, caregiver, moderator):
    mine = add_room_message(room, patient, "Mine")
    theirs = add_room_message(room, caregiver, "Theirs")

    own = call(client_for(patient), "delete", f"/rooms/{room.pk}/messages/{mine.pk}")
    other = call(client_for(patient), "delete", f"/rooms/{room.pk}/messages/{theirs.pk}")
    moderated = call(client_for(moderator), "delete", f"/rooms/{room.pk}/messages/{theirs.pk}")

    assert (own.status_code, other.status_code, moderated.status_code) == (204, 403, 204)
    assert dict(Message.objects.values_list("pk", "deleted_by_id")) == {
        mine.pk: patient.pk,
        theirs.pk: moderator.pk,
    }
    assert AuditEvent.objects.filter(verb="chat.message_delete").count() == 1


def test_presence_as_the_caller_may_see_it(room, patient, caregiver, moderator):
    from carecircle.core.realtime import STREAMS

    hide_presence(moderator)
    block(caregiver, patient)
    for user, channel in ((caregiver, "c"), (moderator, "m"), (patient, "p")):
        STREAMS["room"].subscribe(user, str(room.pk), channel)

    seen_by_patient = call(client_for(patient), "get", f"/rooms/{room.pk}/presence").json()
    seen_by_moderator = call(client_for(moderator), "get", f"/rooms/{room.pk}/presence").json()

    assert seen_by_patient == {
        "members": [{"handle": "patient", "display_name": "Pat the patient"}],
        "count": 1,
    }
    assert [m["handle"] for m in seen_by_moderator["members"]] == [
        "caregiver",
        "moderator",
        "patient",
    ]


# --- sessions, transcripts, moderation -----------------------------------------------------------


def test_a_manager_schedules_a_session_and_publishes_its_transcript_once(
    room, room_manager, caregiver
):
    client = client_for(room_manager)
    starts = timezone.now() + timedelta(days=1)

    scheduled = call(
        client,
        "post",
        f"/rooms/{room.pk}/sessions",
        {
            "title": "Evening circle",
            "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(hours=1)).isoformat(),
            "publishes_transcript": True,
        },
    )
    session = ChatSession.objects.get()
    # As if it had been scheduled a day ahead and had just taken place.
    ChatSession.objects.filter(pk=session.pk).update(
        created_at=timezone.now() - timedelta(days=1),
        starts_at=timezone.now() - timedelta(hours=2),
        ends_at=timezone.now() - timedelta(hours=1),
    )
    said = add_room_message(room, caregiver, "Words", at=timezone.now() - timedelta(minutes=90))
    transcript = call(client, "get", f"/rooms/{room.pk}/sessions/{session.pk}/transcript")
    published = call(client, "post", f"/rooms/{room.pk}/sessions/{session.pk}/publish")
    again = call(client, "post", f"/rooms/{room.pk}/sessions/{session.pk}/publish")

    assert scheduled.status_code == 201
    assert scheduled.json()["publishes_transcript"] is True
    assert transcript.json() == [json_of(said)]
    topic = Topic.objects.get()
    assert published.status_code == 201
    assert published.json() == {"topic_id": topic.pk, "url": topic.get_absolute_url()}
    assert (again.status_code, again.json()["code"]) == (409, "already_published")


def test_a_transcript_is_not_readable_before_the_end(room, patient):
    session = make_session(room, starts_in=-timedelta(minutes=5))

    response = call(
        client_for(patient), "get", f"/rooms/{room.pk}/sessions/{session.pk}/transcript"
    )

    assert (response.status_code, response.json()["code"]) == (403, "not_ended")


def test_moderators_mute_and_unmute_and_set_slow_mode(room, moderator, patient):
    client = client_for(moderator)

    muted = call(
        client, "put", f"/rooms/{room.pk}/restrictions/patient", {"minutes": 30, "reason": "Calm"}
    )
    slowed = call(client, "put", f"/rooms/{room.pk}/slow-mode", {"seconds": 20})

    assert muted.status_code == 200
    assert (muted.json()["handle"], muted.json()["reason"]) == ("patient", "Calm")
    assert RoomRestriction.objects.get().user_id == patient.pk
    assert slowed.json()["slow_mode_seconds"] == 20
    unmuted = call(client, "delete", f"/rooms/{room.pk}/restrictions/patient")
    assert unmuted.status_code == 204
    assert RoomRestriction.objects.count() == 0


def test_members_cannot_moderate_through_the_api(room, patient, caregiver):
    client = client_for(patient)
    before = rooms_state()

    muted = call(client, "put", f"/rooms/{room.pk}/restrictions/caregiver", {"minutes": 30})
    slowed = call(client, "put", f"/rooms/{room.pk}/slow-mode", {"seconds": 20})

    assert (muted.status_code, slowed.status_code) == (403, 403)
    assert rooms_state() == before
