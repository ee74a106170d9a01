"""Messages through the moderation gate: confirmation, crisis support, held messages, new
members and strangers, suspended members in rooms, and reports in the unified queue."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from carecircle.core.errors import ConfirmationNeeded, PermissionDeniedError
from carecircle.messaging.actions import conversations as actions
from carecircle.messaging.actions import rooms as room_actions
from carecircle.messaging.actions.reports import report_message
from carecircle.messaging.models import Conversation, Message
from carecircle.messaging.queries import conversations as queries
from carecircle.messaging.queries import rooms as room_queries
from carecircle.messaging.tests.rooms_fixtures import *  # noqa: F403
from carecircle.messaging.tests.rooms_fixtures import add_room_message, make_session
from carecircle.moderation.models import Report, ReviewItem, Sanction, WatchedWord

from .conftest import make_new_member, messaging_state

EMAIL = "Write to me at pat.jones@example.com any time."
CRISIS = "I want to end my life, I cannot go on like this."


@pytest.fixture
def chat(community, patient, caregiver) -> Conversation:
    return actions.start_conversation(actor=patient, recipients=[caregiver])


def test_a_message_with_an_email_asks_first_and_stores_nothing(chat, patient):
    before = messaging_state()
    with pytest.raises(ConfirmationNeeded) as caught:
        actions.send_message(actor=patient, conversation=chat, body=EMAIL)
    assert [(d["kind"], d["label"]) for d in caught.value.details] == [
        ("personal_details", "email")
    ]
    assert messaging_state() == before
    message = actions.send_message(actor=patient, conversation=chat, body=EMAIL, confirmed=True)
    assert Message.objects.get(pk=message.pk).body == EMAIL


def test_a_crisis_message_is_sent_with_support_for_its_writer(chat, patient, caregiver):
    message = actions.send_message(actor=patient, conversation=chat, body=CRISIS)
    assert message.moderation_state == "visible"
    assert message.gate_result.is_crisis is True
    item = ReviewItem.objects.get(queue="safeguarding")
    assert (item.community_id, item.message_id, item.is_urgent) == (None, message.pk, True)


def test_a_held_message_reaches_only_its_author(community, chat, patient, caregiver):
    WatchedWord.objects.create(community=None, pattern="cheap pills", action="require_approval")
    message = actions.send_message(actor=patient, conversation=chat, body="cheap pills here")
    assert message.moderation_state == "pending"
    mine = queries.conversation_messages(patient, chat).items
    theirs = queries.conversation_messages(caregiver, chat).items
    assert [m.pk for m in mine] == [message.pk]
    assert theirs == []
    chat.refresh_from_db()
    assert chat.last_message_id == 0


def test_a_new_member_cannot_write_first_to_a_stranger(community, patient, caregiver):
    make_new_member(patient)
    before = messaging_state()
    with pytest.raises(PermissionDeniedError) as caught:
        actions.start_conversation(actor=patient, recipients=[caregiver], body="Hello")
    assert caught.value.code == "trust_level_too_low"
    assert messaging_state() == before


def test_a_new_member_may_answer_someone_who_wrote_or_write_to_a_moderator(
    community, patient, caregiver, moderator
):
    actions.start_conversation(actor=caregiver, recipients=[patient], body="Welcome!")
    make_new_member(patient)
    assert actions.start_conversation(actor=patient, recipients=[caregiver], body="Thanks")
    assert actions.start_conversation(actor=patient, recipients=[moderator], body="A question")


def test_a_suspended_member_cannot_write_in_the_rooms(room, community, caregiver, moderator):
    Sanction.objects.create(
        member=caregiver,
        community=community,
        kind=Sanction.Kind.SUSPENSION,
        ends_at=timezone.now() + timedelta(days=3),
    )
    count = Message.objects.count()
    with pytest.raises(PermissionDeniedError) as caught:
        room_actions.send_room_message(actor=caregiver, room=room, body="Hello")
    assert caught.value.code == "suspended"
    assert Message.objects.count() == count


def test_a_held_room_message_is_not_shown_to_others(room, community, patient, caregiver):
    WatchedWord.objects.create(
        community=community, pattern="cheap pills", action="require_approval"
    )
    message = room_actions.send_room_message(actor=patient, room=room, body="cheap pills")
    assert message.moderation_state == "pending"
    assert [m.pk for m in room_queries.room_messages(patient, room).items] == [message.pk]
    assert room_queries.room_messages(caregiver, room).items == []
    assert room_queries.messages_after(room.pk, 0, hide_authors=set(), limit=10) == []


def test_a_message_report_lands_in_the_unified_queue(chat, patient, caregiver):
    message = actions.send_message(actor=patient, conversation=chat, body="Rude words")
    report = report_message(actor=caregiver, message=message, reason="abusive", note="")
    unified = Report.objects.get()
    assert report.moderation_report == unified
    assert (unified.item.kind, unified.item.community_id, unified.item.message_id) == (
        "message",
        None,
        message.pk,
    )


def test_the_conversation_page_asks_then_sends_anyway(chat, patient):
    from django.urls import reverse

    from conftest import client_for

    client = client_for(patient)
    url = reverse("conversation_send", args=[chat.pk])
    response = client.post(url, {"body": EMAIL})
    page = response.content.decode()
    assert response.status_code == 422
    assert "You may be sharing personal details: an email address (p" in page
    assert "Everyone in this conversation will see them." in page
    assert EMAIL in page and "Send anyway" in page
    assert not Message.objects.filter(author=patient).exists()
    assert client.post(url, {"body": EMAIL, "confirmed": "1"}).status_code == 302
    assert [m.body for m in Message.objects.filter(author=patient)] == [EMAIL]


def test_a_session_transcript_leaves_out_held_and_hidden_messages(
    room, patient, caregiver, room_manager
):
    session = make_session(room, starts_in=timedelta(hours=-2), publishes_transcript=True)
    at = session.starts_at + timedelta(minutes=5)
    said = add_room_message(room, patient, "Hello everyone", at=at)
    add_room_message(room, caregiver, "Held text", at=at, moderation_state="pending")
    add_room_message(room, caregiver, "Hidden text", at=at, moderation_state="hidden")
    assert [m.pk for m in room_queries.session_transcript(patient, session)] == [said.pk]
    topic = room_actions.publish_session_transcript(actor=room_manager, session=session)
    body = topic.first_post.body
    assert "Hello everyone" in body
    assert "Held text" not in body and "Hidden text" not in body


def test_the_new_message_page_asks_keeps_the_recipients_then_sends_anyway(
    community, patient, caregiver
):
    from django.urls import reverse

    from conftest import client_for

    client = client_for(patient)
    url = reverse("conversation_start")
    form = {"to": "@caregiver", "body": EMAIL, "client_id": "5b1f2e0c-9c2a-4b8e-8d8e-1a2b3c4d5e6f"}
    before = messaging_state()
    response = client.post(url, form)
    page = response.content.decode()
    assert response.status_code == 422
    assert "You may be sharing personal details: an email address (p" in page
    assert "Send anyway" in page and 'name="confirmed" value="1"' in page
    assert EMAIL in page and 'value="@caregiver"' in page
    assert messaging_state() == before
    response = client.post(url, {**form, "confirmed": "1"})
    assert response.status_code == 302
    assert [m.body for m in Message.objects.filter(author=patient)] == [EMAIL]


def test_a_crisis_first_message_shows_support_to_its_writer(community, patient, caregiver):
    from django.urls import reverse

    from conftest import client_for

    client = client_for(patient)
    response = client.post(reverse("conversation_start"), {"to": "@caregiver", "body": CRISIS})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Support is available" in page
    assert (
        "Support is available"
        not in client_for(caregiver).get(response["Location"]).content.decode()
    )


def test_the_edit_page_asks_then_saves_anyway(chat, patient):
    from django.urls import reverse

    from conftest import client_for

    message = actions.send_message(actor=patient, conversation=chat, body="Hello Cam")
    client = client_for(patient)
    url = reverse("conversation_message_edit", args=[chat.pk, message.pk])
    before = messaging_state()
    response = client.post(url, {"body": EMAIL})
    page = response.content.decode()
    assert response.status_code == 422
    assert "You may be sharing personal details: an email address (p" in page
    assert "Save anyway" in page and EMAIL in page
    assert messaging_state() == before
    assert client.post(url, {"body": EMAIL, "confirmed": "1"}).status_code == 302
    message.refresh_from_db()
    assert message.body == EMAIL


def test_a_held_message_does_not_count_as_unread_for_others(chat, patient, caregiver):
    from carecircle.core.pagination import PageRequest

    actions.send_message(actor=caregiver, conversation=chat, body="Hi back")
    actions.mark_read(actor=patient, conversation=chat, message_id=Message.objects.get().pk)
    WatchedWord.objects.create(community=None, pattern="cheap pills", action="require_approval")
    held = actions.send_message(actor=caregiver, conversation=chat, body="cheap pills here")
    assert held.moderation_state == "pending"
    entry = queries.inbox(patient, PageRequest.from_params(1)).items[0]
    assert entry.has_unread is False
    assert queries.count_unread(patient.pk) == 0


def test_the_inbox_does_not_preview_a_message_hidden_by_an_edit(chat, patient, caregiver):
    from django.urls import reverse

    from carecircle.core.pagination import PageRequest
    from conftest import client_for

    first = actions.send_message(actor=patient, conversation=chat, body="Hello Cam")
    reply = actions.send_message(actor=caregiver, conversation=chat, body="Hi back")
    WatchedWord.objects.create(community=None, pattern="cheap pills", action="require_approval")
    reply = actions.edit_message(actor=caregiver, message=reply, body="buy cheap pills now")
    assert reply.moderation_state == "hidden"
    entry = queries.inbox(patient, PageRequest.from_params(1)).items[0]
    assert entry.last_message is not None and entry.last_message.pk == first.pk
    mine = queries.inbox(caregiver, PageRequest.from_params(1)).items[0]
    assert mine.last_message is not None and mine.last_message.pk == reply.pk
    client = client_for(patient)
    assert "cheap pills" not in client.get(reverse("conversation_list")).content.decode()
    assert "cheap pills" not in client.get("/api/v1/conversations").content.decode()


def test_a_banned_member_cannot_start_a_conversation_without_a_message(
    community, patient, caregiver
):
    Sanction.objects.create(member=patient, community=None, kind="ban")
    before = messaging_state()
    with pytest.raises(PermissionDeniedError) as caught:
        actions.start_conversation(actor=patient, recipients=[caregiver])
    assert caught.value.code == "banned"
    assert messaging_state() == before


def test_a_banned_member_cannot_add_people_or_show_typing(community, patient, caregiver):
    from carecircle.core.factories import UserFactory, make_member

    third = UserFactory(display_name="Tess", handle="tess")
    make_member(community, third)
    group = actions.start_conversation(actor=patient, recipients=[caregiver, third], title="Us")
    fourth = UserFactory(display_name="Finn", handle="finn")
    make_member(community, fourth)
    Sanction.objects.create(member=patient, community=None, kind="ban")
    patient = type(patient).objects.get(pk=patient.pk)  # a fresh request: sanctions reloaded
    before = messaging_state()
    with pytest.raises(PermissionDeniedError) as caught:
        actions.add_people(actor=patient, conversation=group, members=[fourth])
    assert caught.value.code == "banned"
    with pytest.raises(PermissionDeniedError) as caught:
        actions.send_typing(actor=patient, conversation=group)
    assert caught.value.code == "banned"
    assert messaging_state() == before


def test_the_privacy_export_leaves_out_others_held_messages(chat, patient, caregiver):
    from carecircle.messaging import privacy_export

    WatchedWord.objects.create(community=None, pattern="cheap pills", action="require_approval")
    theirs = actions.send_message(actor=caregiver, conversation=chat, body="cheap pills for you")
    mine = actions.send_message(actor=patient, conversation=chat, body="my cheap pills question")
    assert (theirs.moderation_state, mine.moderation_state) == ("pending", "pending")
    exported = {
        row["id"]: [m["body"] for m in row["messages"]]
        for row in privacy_export.conversations(patient)
    }
    assert exported == {chat.pk: ["my cheap pills question"]}
    assert [
        [m["body"] for m in row["messages"]] for row in privacy_export.conversations(caregiver)
    ] == [["cheap pills for you"]]


def test_deleting_a_held_message_is_not_announced_to_others(
    chat, patient, listen, django_capture_on_commit_callbacks
):
    WatchedWord.objects.create(community=None, pattern="cheap pills", action="require_approval")
    held = actions.send_message(actor=patient, conversation=chat, body="cheap pills here")
    assert held.moderation_state == "pending"
    listener = listen(f"conversation:{chat.pk}")
    with django_capture_on_commit_callbacks(execute=True):
        actions.delete_message(actor=patient, message=held)
    assert listener.events() == []
    held.refresh_from_db()
    assert (held.body, held.deleted_at is not None) == ("", True)
