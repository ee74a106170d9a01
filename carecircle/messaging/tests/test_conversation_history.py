"""Whose history is whose: the people who start a conversation read all of it; a member added
later (or added back after leaving) reads only what was said from then on, on every path."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.urls import reverse
from django.utils import timezone

from carecircle.core.errors import NotFoundError
from carecircle.messaging.actions import conversations as actions
from carecircle.messaging.actions.common import message_payload
from carecircle.messaging.actions.reports import report_message
from carecircle.messaging.models import Conversation, Message, MessageReport, Participant
from carecircle.messaging.queries import conversations as queries
from carecircle.messaging.streams.conversations import ConversationStream
from carecircle.messaging.tests.reports_setup import make_conversation, make_message
from carecircle.privacy.registry import REGISTRY
from conftest import client_for

from .conftest import messaging_state, place_of

pytestmark = pytest.mark.django_db

API = "/api/v1"


def bodies(messages: list[Message]) -> list[str]:
    return [message.body for message in messages]


def make_group(*members: Any, title: str = "Care team") -> Conversation:
    """A group its first member started with the others (rows inserted directly: a group of
    two cannot be started from the page, which makes a one-to-one conversation of it)."""
    group = Conversation.objects.create(kind="group", title=title, created_by=members[0])
    for member in members:
        Participant.objects.create(conversation=group, user=member, added_by=members[0])
    return group


@pytest.fixture
def added(community, patient, caregiver, moderator) -> dict[str, Any]:
    """Pat and Cam start a group and talk; then Pat adds Mo, who shares their community."""
    group = make_group(patient, caregiver)
    before = actions.send_message(actor=patient, conversation=group, body="Before Mo")
    reply = actions.send_message(actor=caregiver, conversation=group, body="Cam, before Mo")
    actions.add_people(actor=patient, conversation=group, members=[moderator])
    group.refresh_from_db()
    return {"group": group, "before": before, "reply": reply}


@pytest.fixture
def readded(community, patient, caregiver, moderator) -> dict[str, Any]:
    """Mo starts in a group with Pat and Cam, says goodbye and leaves; Pat talks to Cam;
    Cam adds Mo back (a request, as for anyone who left)."""
    group = actions.start_conversation(
        actor=patient, recipients=[caregiver, moderator], title="Three", body="Hi all"
    )
    goodbye = actions.send_message(actor=moderator, conversation=group, body="Bye for now")
    actions.leave_conversation(actor=moderator, conversation=group)
    away = actions.send_message(actor=patient, conversation=group, body="Said after Mo left")
    actions.add_people(actor=caregiver, conversation=group, members=[moderator])
    group.refresh_from_db()
    return {"group": group, "goodbye": goodbye, "away": away}


# --- where a history starts ---------------------------------------------------------------


def test_starters_read_everything_an_added_member_only_what_follows(
    added, patient, caregiver, moderator
):
    group = added["group"]
    assert place_of(group, patient).history_from_message_id == 0
    assert place_of(group, caregiver).history_from_message_id == 0
    assert place_of(group, moderator).history_from_message_id == added["reply"].pk
    assert place_of(group, moderator).state == "active"
    after = actions.send_message(actor=caregiver, conversation=group, body="Welcome, Mo")

    assert bodies(queries.conversation_messages(moderator, group).items) == ["Welcome, Mo"]
    assert bodies(queries.conversation_messages(patient, group).items) == [
        "Before Mo",
        "Cam, before Mo",
        "Welcome, Mo",
    ]
    assert [m.pk for m in queries.messages_after(moderator.pk, group.pk, 0, 10)] == [after.pk]


def test_a_member_added_back_reads_nothing_said_before_or_while_away(
    readded, patient, caregiver, moderator
):
    group = readded["group"]
    place = place_of(group, moderator)
    assert (place.state, place.history_from_message_id) == ("requested", readded["away"].pk)
    # Their request shows nothing from before, not even their own goodbye.
    window = queries.conversation_messages(moderator, group)
    assert (window.items, window.has_older) == ([], False)

    back = actions.send_message(actor=patient, conversation=group, body="Welcome back")
    assert bodies(queries.conversation_messages(moderator, group).items) == ["Welcome back"]
    assert bodies(queries.conversation_messages(caregiver, group).items) == [
        "Hi all",
        "Bye for now",
        "Said after Mo left",
        "Welcome back",
    ]

    # Leaving and being added back once more starts the history again, at that moment.
    actions.accept_request(actor=moderator, conversation=group)
    actions.leave_conversation(actor=moderator, conversation=group)
    actions.send_message(actor=patient, conversation=group, body="Mo left again")
    actions.add_people(actor=patient, conversation=group, members=[moderator])
    group.refresh_from_db()
    assert place_of(group, moderator).history_from_message_id == group.last_message_id
    assert back.pk < group.last_message_id
    assert queries.conversation_messages(moderator, group).items == []


def test_the_api_cursors_keep_to_the_member_s_history(added, caregiver, moderator):
    group = added["group"]
    welcome = actions.send_message(actor=caregiver, conversation=group, body="Welcome, Mo")
    client = client_for(moderator)
    path = f"{API}/conversations/{group.pk}/messages"

    newest = client.get(path).json()
    assert ([m["id"] for m in newest["items"]], newest["has_older"]) == ([welcome.pk], False)
    after = client.get(path, {"after": 0}).json()
    assert [m["id"] for m in after["items"]] == [welcome.pk]
    before = client.get(path, {"before": welcome.pk}).json()
    assert (before["items"], before["has_older"]) == ([], False)
    assert client.get(path, {"before": added["reply"].pk + 1}).json()["items"] == []


# --- one message -------------------------------------------------------------------------


def test_single_message_lookups_stop_at_the_history(readded, patient, moderator):
    group = readded["group"]
    actions.accept_request(actor=moderator, conversation=group)
    before = messaging_state()
    for earlier in (readded["goodbye"], readded["away"]):
        with pytest.raises(NotFoundError):
            queries.get_message(moderator, group, earlier.pk)
    # Not even their own message from before can be changed now.
    client = client_for(moderator)
    goodbye = readded["goodbye"].pk
    edit_page = reverse("conversation_message_edit", args=[group.pk, goodbye])
    delete_page = reverse("conversation_message_delete", args=[group.pk, goodbye])
    assert client.get(edit_page).status_code == 404
    assert client.post(edit_page, {"body": "Changed"}).status_code == 404
    assert client.post(delete_page).status_code == 404
    response = client.patch(
        f"{API}/conversations/{group.pk}/messages/{goodbye}",
        data={"body": "Changed"},
        content_type="application/json",
    )
    assert response.status_code == 404
    assert client.delete(f"{API}/conversations/{group.pk}/messages/{goodbye}").status_code == 404
    assert messaging_state() == before
    # The same page opens for a message of theirs that is theirs to read.
    since = actions.send_message(actor=moderator, conversation=group, body="Back again")
    since_page = reverse("conversation_message_edit", args=[group.pk, since.pk])
    assert client.get(since_page).status_code == 200
    # Pat, who started it, still finds both.
    assert queries.get_message(patient, group, readded["away"].pk).body == "Said after Mo left"


def test_a_message_from_before_the_history_cannot_be_reported(readded, patient, moderator):
    group = readded["group"]
    handler = ConversationStream()
    subscription = handler.subscribe(moderator, str(group.pk), "channel")
    assert subscription is not None
    with pytest.raises(NotFoundError) as refused:
        report_message(actor=moderator, message=readded["away"], reason="abusive")
    assert str(refused.value.message) == "That message was not found."
    with pytest.raises(NotFoundError):
        handler.handle(
            moderator,
            subscription,
            {"type": "report", "message_id": readded["away"].pk, "reason": "abusive"},
        )
    assert MessageReport.objects.count() == 0

    later = actions.send_message(actor=patient, conversation=group, body="Said since")
    report = report_message(actor=moderator, message=later, reason="abusive")
    assert (report.message_id, report.reporter_id) == (later.pk, moderator.pk)


# --- unread, read markers, "seen" and previews -------------------------------------------


def test_unread_counts_start_at_the_history(readded, patient, moderator):
    group = readded["group"]
    # Mo's old read marker is behind "Said after Mo left", which is not Mo's to read.
    assert place_of(group, moderator).last_read_message_id < readded["away"].pk
    assert queries.count_unread(moderator.pk) == 0
    assert queries.conversation_entry(moderator, group.pk).has_unread is False

    actions.send_message(actor=patient, conversation=group, body="Welcome back")
    assert queries.count_unread(moderator.pk) == 1
    assert queries.conversation_entry(moderator, group.pk).has_unread is True


def test_read_markers_do_not_move_over_messages_before_the_history(
    added, moderator, listen, django_capture_on_commit_callbacks
):
    group = added["group"]
    listener = listen(f"conversation:{group.pk}")
    with django_capture_on_commit_callbacks(execute=True):
        marker = actions.mark_read(
            actor=moderator, conversation=group, message_id=added["reply"].pk
        )
    assert marker == 0
    assert place_of(group, moderator).last_read_message_id == 0
    assert listener.events() == []


def test_nobody_is_seen_reading_a_message_from_before_they_were_added(
    added, patient, caregiver, moderator, listen, django_capture_on_commit_callbacks
):
    group = added["group"]
    mine = added["before"].pk
    welcome = actions.send_message(actor=caregiver, conversation=group, body="Welcome, Mo")
    listener = listen(f"conversation:{group.pk}")
    with django_capture_on_commit_callbacks(execute=True):
        actions.mark_read(actor=moderator, conversation=group, message_id=welcome.pk)
    assert listener.events() == [
        {
            "type": "read",
            "user": {"handle": "moderator", "display_name": "Mo the moderator"},
            "message_id": welcome.pk,
            # So that pages do not show Mo under Pat's "Before Mo" either.
            "history_from": added["reply"].pk,
        }
    ]
    participants = queries.participants_of(group)
    assert place_of(group, moderator).last_read_message_id >= mine
    assert queries.seen_by(patient, participants, mine, actor_shares=True) == [caregiver]
    assert queries.seen_by(caregiver, participants, welcome.pk, actor_shares=True) == [moderator]


def test_previews_leave_out_messages_from_before_the_history(added, readded, moderator):
    # Mo's inbox line of the group they were added to, and their request from the group
    # they were added back to, show no last message.
    inbox = queries.inbox(moderator, queries_page()).items
    entry = next(e for e in inbox if e.conversation.pk == added["group"].pk)
    assert entry.last_message is None
    requests = queries.message_requests(moderator, queries_page()).items
    assert [(e.conversation.pk, e.last_message) for e in requests] == [(readded["group"].pk, None)]
    api = client_for(moderator).get(f"{API}/conversations/{added['group'].pk}").json()
    assert (api["last_message"], api["has_unread"]) == (None, False)


def queries_page() -> Any:
    from carecircle.core.pagination import PageRequest

    return PageRequest.from_params(1)


def test_the_page_shows_only_the_member_s_history(added, caregiver, moderator):
    group = added["group"]
    welcome = actions.send_message(actor=caregiver, conversation=group, body="Welcome, Mo")
    page = client_for(moderator).get(f"/messages/{group.pk}/").content.decode()
    assert f'id="message-{welcome.pk}"' in page
    assert "Before Mo" not in page
    assert f'id="message-{added["before"].pk}"' not in page
    assert "You see the messages sent since you were added to this conversation." in page
    # The people who started it are told nothing of the kind.
    starter = client_for(caregiver).get(f"/messages/{group.pk}/").content.decode()
    assert "Before Mo" in starter
    assert "since you were added" not in starter


# --- the live stream ---------------------------------------------------------------------


def test_the_stream_sends_nothing_from_before_the_history(added, patient, caregiver, moderator):
    group = added["group"]
    handler = ConversationStream()
    subscription = handler.subscribe(moderator, str(group.pk), "channel")
    assert subscription is not None
    welcome = actions.send_message(actor=caregiver, conversation=group, body="Welcome, Mo")

    # The missed message, then the one read marker past where Mo's history starts (Cam's).
    assert handler.backlog(moderator, subscription, 0) == [
        {"type": "message.new", "message": message_payload(welcome)},
        {
            "type": "read",
            "user": {"handle": caregiver.handle, "display_name": caregiver.display_name},
            "message_id": welcome.pk,
            "history_from": 0,
        },
    ]
    edited = actions.edit_message(actor=patient, message=added["before"], body="Changed")
    old = {"type": "message.edited", "message": message_payload(edited)}
    new = {"type": "message.new", "message": message_payload(welcome)}
    old_read = {"type": "read", "user": {"handle": "caregiver", "display_name": "Cam"},
                "message_id": added["before"].pk}  # fmt: skip
    assert handler.visible(moderator, subscription, old) is None
    assert handler.visible(moderator, subscription, old_read) is None
    assert handler.visible(moderator, subscription, new) == new


# --- the data export ---------------------------------------------------------------------


def test_the_export_holds_what_the_member_could_read_and_their_own(readded, patient, moderator):
    group = readded["group"]
    actions.send_message(actor=patient, conversation=group, body="Welcome back")
    exported = REGISTRY["messaging.conversation"].rows(moderator)
    assert [(row["id"], row["your_state"]) for row in exported] == [(group.pk, "requested")]
    assert [(m["by"], m["body"]) for m in exported[0]["messages"]] == [
        ("you", "Bye for now"),
        ("Pat the patient", "Welcome back"),
    ]
    # Pat started it: all of it.
    assert len(REGISTRY["messaging.conversation"].rows(patient)[0]["messages"]) == 4


# --- existing rows ------------------------------------------------------------------------


def test_the_migration_starts_added_members_histories_where_they_joined(
    patient, caregiver, moderator
):
    migration = importlib.import_module(
        "carecircle.messaging.migrations.0002_participant_history_from"
    )
    group = make_group(patient, caregiver)
    said = make_message(group, patient, "Before Mo")
    later = make_group(patient, caregiver, moderator, title="Everyone from the start")
    direct = make_conversation(patient, moderator)
    make_message(direct, patient, "Hi")
    joined = Participant.objects.create(conversation=group, user=moderator, added_by=patient)
    Participant.objects.filter(pk=joined.pk).update(joined_at=timezone.now())
    make_message(group, caregiver, "After Mo joined")
    make_message(later, caregiver, "Hello")

    migration.history_from_join(django_apps, None)

    histories = dict(
        Participant.objects.filter(history_from_message_id__gt=0).values_list(
            "pk", "history_from_message_id"
        )
    )
    assert histories == {joined.pk: said.pk}
