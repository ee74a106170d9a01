"""The private conversations JSON API: shapes, cursors, idempotent sends, and 404 for outsiders."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.test import Client

from carecircle.messaging.actions import conversations as actions
from carecircle.messaging.models import Message, MessagingSettings
from conftest import client_for

from .conftest import add_messages, messaging_state, place_of

pytestmark = pytest.mark.django_db

API = "/api/v1"
PAT = {"handle": "patient", "display_name": "Pat the patient"}
CAM = {"handle": "caregiver", "display_name": "Cam the caregiver"}


def call(client: Client, method: str, path: str, data: Any = None):
    if data is None:
        return getattr(client, method)(API + path)
    return getattr(client, method)(API + path, data=data, content_type="application/json")


def test_start_list_and_read_a_conversation(community, patient, caregiver):
    client = client_for(patient)
    response = call(
        client, "post", "/conversations", {"to": ["@caregiver"], "body": "Hello **Cam**"}
    )
    assert response.status_code == 201
    body = response.json()
    message = Message.objects.get()
    assert body["kind"] == "direct"
    assert body["name"] == "Cam the caregiver"
    assert body["state"] == "active"
    assert body["people"] == [CAM]
    assert body["last_message"] == {
        "id": message.pk,
        "stream": f"conversation:{body['id']}",
        "client_id": None,
        "author": PAT,
        "html": "<p>Hello <strong>Cam</strong></p>\n",
        "created_at": message.created_at.isoformat(),
        "edited_at": None,
        "is_deleted": False,
        "deleted_by_moderator": False,
        "moderation_state": "visible",
        "attachments": [],
    }
    assert (body["last_read_message_id"], body["has_unread"]) == (message.pk, False)

    listing = call(client_for(caregiver), "get", "/conversations").json()
    assert (listing["total"], listing["pages"]) == (1, 1)
    assert [(c["id"], c["has_unread"], c["people"]) for c in listing["items"]] == [
        (body["id"], True, [PAT])
    ]
    assert call(client, "get", f"/conversations/{body['id']}").json()["id"] == body["id"]


def test_start_refusals_are_plain(community, patient, caregiver):
    client = client_for(patient)
    unknown = call(client, "post", "/conversations", {"to": ["nobody"], "body": "Hi"})
    assert unknown.status_code == 400
    assert unknown.json() == {
        "code": "invalid",
        "message": "We could not find a member with the handle @nobody.",
        "field": "to",
    }
    actions.block_member(actor=caregiver, member=patient)
    blocked = call(client, "post", "/conversations", {"to": ["caregiver"], "body": "Hi"})
    assert blocked.status_code == 403
    assert blocked.json() == {
        "code": "cannot_message",
        "message": "You can't send messages to this member.",
        "field": "to",
    }
    assert messaging_state()["conversations"] == []
    assert call(Client(), "get", "/conversations").status_code == 401


def test_messages_are_paged_by_id_cursors(patient, caregiver, direct):
    made = add_messages(direct, caregiver, 12)
    first = Message.objects.filter(conversation=direct).order_by("pk").first()
    client = client_for(patient)
    path = f"/conversations/{direct.pk}/messages"

    newest = call(client, "get", f"{path}?limit=5").json()
    assert [m["id"] for m in newest["items"]] == [m.pk for m in made[-5:]]
    assert (newest["has_older"], newest["has_newer"]) == (True, False)

    older = call(client, "get", f"{path}?limit=5&before={made[-5].pk}").json()
    assert [m["id"] for m in older["items"]] == [m.pk for m in made[2:7]]
    assert (older["has_older"], older["has_newer"]) == (True, True)

    oldest = call(client, "get", f"{path}?limit=5&before={made[2].pk}").json()
    assert [m["id"] for m in oldest["items"]] == [first.pk, made[0].pk, made[1].pk]
    assert oldest["has_older"] is False

    caught_up = call(client, "get", f"{path}?after={made[8].pk}").json()
    assert [m["id"] for m in caught_up["items"]] == [m.pk for m in made[9:]]
    assert caught_up["has_newer"] is False
    some = call(client, "get", f"{path}?after={first.pk}&limit=3").json()
    assert [m["id"] for m in some["items"]] == [m.pk for m in made[:3]]
    assert some["has_newer"] is True
    assert call(client, "get", f"{path}?limit=1000").json()["items"][0]["id"] == first.pk


def test_sending_is_idempotent_by_client_id(patient, caregiver, direct):
    client = client_for(caregiver)
    client_id = str(uuid.uuid4())
    path = f"/conversations/{direct.pk}/messages"
    first = call(client, "post", path, {"body": "Hi Pat", "client_id": client_id})
    again = call(client, "post", path, {"body": "Hi Pat", "client_id": client_id})
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
    assert first.json()["client_id"] == client_id
    assert Message.objects.filter(author=caregiver).count() == 1


def test_edit_delete_and_read(patient, caregiver, direct):
    mine = Message.objects.get(author=patient)
    client = client_for(patient)
    path = f"/conversations/{direct.pk}/messages/{mine.pk}"
    before = messaging_state()
    assert call(client_for(caregiver), "patch", path, {"body": "Nope"}).status_code == 403
    assert call(client_for(caregiver), "delete", path).status_code == 403
    assert messaging_state() == before

    edited = call(client, "patch", path, {"body": "Hello again"}).json()
    assert (edited["html"], edited["edited_at"] is not None) == ("<p>Hello again</p>\n", True)
    deleted = call(client, "delete", path).json()
    assert (deleted["html"], deleted["is_deleted"], deleted["deleted_by_moderator"]) == (
        "",
        True,
        False,
    )

    reply = actions.send_message(actor=caregiver, conversation=direct, body="Hi")
    read = call(client, "post", f"/conversations/{direct.pk}/read", {"message_id": reply.pk})
    assert read.json() == {"last_read_message_id": reply.pk, "unread_conversations": 0}
    assert call(client, "get", "/me/unread").json() == {"conversations": 0, "requests": 0}


def test_outsiders_get_404_and_learn_nothing(patient, caregiver, outsider, direct):
    mine = Message.objects.get(author=patient)
    client = client_for(outsider)
    before = messaging_state()
    base = f"/conversations/{direct.pk}"
    for method, path, data in (
        ("get", base, None),
        ("get", f"{base}/messages", None),
        ("post", f"{base}/messages", {"body": "Let me in"}),
        ("patch", f"{base}/messages/{mine.pk}", {"body": "x"}),
        ("delete", f"{base}/messages/{mine.pk}", None),
        ("post", f"{base}/read", {"message_id": mine.pk}),
        ("post", f"{base}/accept", None),
        ("post", f"{base}/decline", None),
        ("post", f"{base}/leave", None),
        ("post", f"{base}/people", {"to": ["outsider"]}),
        ("put", f"{base}/mute", {"is_muted": True}),
    ):
        response = call(client, method, path, data)
        assert response.status_code == 404, (method, path)
        assert "Hello Cam" not in response.content.decode()
        assert response.json()["code"] == "not_found"
    # A conversation that does not exist answers the same.
    missing = call(client, "get", "/conversations/99999")
    assert missing.json() == call(client, "get", base).json()
    assert messaging_state() == before


def test_requests_accept_and_decline(community, patient, stranger, caregiver):
    client = client_for(patient)
    asked = actions.start_conversation(actor=stranger, recipients=[patient], body="Hi")
    requests = call(client, "get", "/message-requests").json()
    assert [(c["id"], c["state"]) for c in requests["items"]] == [(asked.pk, "requested")]
    assert call(client, "get", "/conversations").json()["items"] == []
    assert call(client, "get", "/me/unread").json() == {"conversations": 1, "requests": 1}

    accepted = call(client, "post", f"/conversations/{asked.pk}/accept")
    assert accepted.json()["state"] == "active"
    assert call(client, "post", f"/conversations/{asked.pk}/accept").status_code == 409

    other = actions.start_conversation(
        actor=caregiver, recipients=[patient, stranger], title="G", body="Hi"
    )
    assert place_of(other, patient).state == "active"
    again = actions.start_conversation(actor=stranger, recipients=[caregiver], body="Hello")
    declined = call(client_for(caregiver), "post", f"/conversations/{again.pk}/decline")
    assert declined.status_code == 204
    assert call(client_for(caregiver), "get", f"/conversations/{again.pk}").status_code == 404
    # The sender's copy looks exactly as before.
    assert call(client_for(stranger), "get", f"/conversations/{again.pk}").json()["people"] == [CAM]


def test_leave_mute_and_add_people(community, patient, caregiver, moderator):
    group = actions.start_conversation(
        actor=patient, recipients=[caregiver, moderator], title="Three", body="Hi"
    )
    client = client_for(patient)
    muted = call(client, "put", f"/conversations/{group.pk}/mute", {"is_muted": True})
    assert muted.json()["is_muted"] is True
    assert (
        call(client_for(caregiver), "post", f"/conversations/{group.pk}/leave").status_code == 204
    )
    added = call(client, "post", f"/conversations/{group.pk}/people", {"to": ["caregiver"]})
    assert sorted(p["handle"] for p in added.json()["people"]) == ["caregiver", "moderator"]
    assert place_of(group, caregiver).state == "requested"


def test_blocks_and_settings(patient, caregiver):
    client = client_for(patient)
    blocked = call(client, "put", "/me/blocks/caregiver", {"level": "mute"})
    assert blocked.json()["member"] == CAM
    assert blocked.json()["level"] == "mute"
    assert [b["level"] for b in call(client, "get", "/me/blocks").json()] == ["mute"]
    assert call(client, "put", "/me/blocks/caregiver", {"level": "ban"}).status_code == 400
    assert call(client, "delete", "/me/blocks/caregiver").status_code == 204
    assert call(client, "get", "/me/blocks").json() == []
    assert call(client, "put", "/me/blocks/nobody", {"level": "block"}).status_code == 404

    assert call(client, "get", "/me/messaging-settings").json() == {
        "requests_from": "strangers",
        "shares_read_receipts": True,
    }
    saved = call(
        client,
        "put",
        "/me/messaging-settings",
        {"requests_from": "new_people", "shares_read_receipts": False},
    )
    assert saved.json() == {"requests_from": "new_people", "shares_read_receipts": False}
    assert MessagingSettings.objects.get(user=patient).shares_read_receipts is False
