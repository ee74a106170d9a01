"""Private conversations: starting, requests, sending, editing, reading, leaving."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection

from carecircle.core.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    ValidationFailed,
)
from carecircle.core.factories import CommunityFactory, UserFactory, make_member
from carecircle.messaging.actions import conversations as actions
from carecircle.messaging.actions.common import BODY_MAX
from carecircle.messaging.models import Conversation, Message, MessagingSettings, Participant
from carecircle.messaging.queries import conversations as queries

from .conftest import add_messages, messaging_state, place_of

pytestmark = pytest.mark.django_db


# --- starting ------------------------------------------------------------------------------


def test_a_one_to_one_conversation_is_reused_from_either_side(community, patient, caregiver):
    first = actions.start_conversation(actor=patient, recipients=[caregiver], body="Hi")
    again = actions.start_conversation(actor=patient, recipients=[caregiver], body="Me again")
    theirs = actions.start_conversation(actor=caregiver, recipients=[patient], body="Hello")

    assert first.pk == again.pk == theirs.pk
    assert Conversation.objects.count() == 1
    low, high = sorted([patient.pk, caregiver.pk])
    assert first.direct_key == f"{low}:{high}"
    assert first.kind == "direct"
    assert list(
        Participant.objects.filter(conversation=first)
        .order_by("user_id")
        .values_list("user_id", "state")
    ) == sorted([(patient.pk, "active"), (caregiver.pk, "active")])
    assert list(Message.objects.order_by("pk").values_list("body", flat=True)) == [
        "Hi",
        "Me again",
        "Hello",
    ]


def test_a_group_conversation_takes_up_to_the_configured_size(community, patient, settings):
    settings.CARECIRCLE_CONVERSATION_MAX_MEMBERS = 4
    others = [UserFactory() for _n in range(4)]
    for other in others:
        make_member(community, other)

    group = actions.start_conversation(
        actor=patient, recipients=others[:3], title="  Tuesday   walkers ", body="Hi all"
    )
    assert (group.kind, group.title, group.direct_key) == ("group", "Tuesday walkers", None)
    assert Participant.objects.filter(conversation=group, state="active").count() == 4

    before = messaging_state()
    with pytest.raises(ValidationFailed) as refused:
        actions.start_conversation(actor=patient, recipients=others, body="Too many")
    assert refused.value.field == "to"
    assert str(refused.value.message) == ("A conversation can have at most 4 people, you included.")
    assert messaging_state() == before


def test_the_default_group_size_is_ten(community, patient):
    others = [UserFactory() for _n in range(10)]
    for other in others:
        make_member(community, other)
    with pytest.raises(ValidationFailed):
        actions.start_conversation(actor=patient, recipients=others, body="Eleven people")
    group = actions.start_conversation(actor=patient, recipients=others[:9], body="Ten people")
    assert group.participants.count() == 10


def test_writing_to_yourself_alone_is_refused(patient):
    with pytest.raises(ValidationFailed) as refused:
        actions.start_conversation(actor=patient, recipients=[patient], body="Hi me")
    assert refused.value.field == "to"
    assert Conversation.objects.count() == 0


def test_memorialised_and_inactive_members_cannot_be_messaged(community, patient, caregiver):
    from django.utils import timezone

    caregiver.memorialised_at = timezone.now()
    caregiver.save()
    gone = UserFactory(is_active=False)
    for member in (caregiver, gone):
        with pytest.raises(PermissionDeniedError) as refused:
            actions.start_conversation(actor=patient, recipients=[member], body="Hello")
        assert str(refused.value.message) == "You can't send messages to this member."
    assert messaging_state()["conversations"] == []


# --- message requests ----------------------------------------------------------------------


def test_a_stranger_s_message_arrives_as_a_request(patient, stranger):
    conversation = actions.start_conversation(actor=stranger, recipients=[patient], body="Hi")
    assert place_of(conversation, stranger).state == "active"
    assert place_of(conversation, patient).state == "requested"
    assert queries.inbox(patient, queries.PageRequest(1, 20)).items == []
    requests = queries.message_requests(patient, queries.PageRequest(1, 20)).items
    assert [entry.conversation.pk for entry in requests] == [conversation.pk]
    assert queries.request_count(patient) == 1
    # The sender sees an ordinary conversation.
    assert [
        e.conversation.pk for e in queries.inbox(stranger, queries.PageRequest(1, 20)).items
    ] == [conversation.pk]


def test_a_shared_community_lets_messages_through_unless_the_setting_says_new_people(
    community, patient, caregiver
):
    direct_one = actions.start_conversation(actor=caregiver, recipients=[patient], body="Hi")
    assert place_of(direct_one, patient).state == "active"

    third = UserFactory(handle="third")
    make_member(community, third)
    actions.update_messaging_settings(
        actor=patient, requests_from="new_people", shares_read_receipts=True
    )
    asked = actions.start_conversation(actor=third, recipients=[patient], body="Hello")
    assert place_of(asked, patient).state == "requested"
    # Someone she already talks with is not new.
    group = actions.start_conversation(
        actor=caregiver, recipients=[patient, third], body="Group hello"
    )
    assert place_of(group, patient).state == "active"
    assert place_of(group, third).state == "active"


def test_the_requester_cannot_reply_before_accepting(patient, stranger):
    conversation = actions.start_conversation(actor=stranger, recipients=[patient], body="Hi")
    before = messaging_state()
    with pytest.raises(PermissionDeniedError) as refused:
        actions.send_message(actor=patient, conversation=conversation, body="Hello back")
    assert refused.value.code == "request_pending"
    assert messaging_state() == before


def test_accepting_a_request_moves_it_to_the_inbox_read(patient, stranger):
    conversation = actions.start_conversation(actor=stranger, recipients=[patient], body="Hi")
    actions.accept_request(actor=patient, conversation=conversation)
    place = place_of(conversation, patient)
    assert (place.state, place.last_read_message_id) == ("active", conversation.last_message_id)
    assert place.answered_at is not None
    assert queries.request_count(patient) == 0
    message = actions.send_message(actor=patient, conversation=conversation, body="Hello Sam")
    assert message.body == "Hello Sam"
    with pytest.raises(ConflictError):
        actions.accept_request(actor=patient, conversation=conversation)


def test_declining_is_silent_the_sender_s_view_does_not_change(patient, stranger):
    conversation = actions.start_conversation(actor=stranger, recipients=[patient], body="Hi")
    page = queries.PageRequest(1, 20)

    def inbox(page):
        return queries.inbox(stranger, page).items

    def senders_view() -> tuple:
        entry = queries.conversation_entry(stranger, conversation.pk)
        participants = queries.participants_of(conversation)
        return (
            [
                (e.conversation.pk, e.name, e.has_unread)
                for e in queries.inbox(stranger, page).items
            ],
            entry.name,
            [u.handle for u in entry.others],
            [(p.user.handle, p.last_read_message_id) for p in participants if p.user != stranger],
            queries.seen_by(
                stranger, participants, conversation.last_message_id, actor_shares=True
            ),
            queries.count_unread(stranger.pk),
        )

    before = senders_view()
    actions.decline_request(actor=patient, conversation=conversation)

    assert senders_view() == before
    assert place_of(conversation, patient).state == "declined"
    # Gone for the one who declined: not in the inbox, not in the requests, not found.
    assert queries.inbox(patient, page).items == []
    assert queries.message_requests(patient, page).items == []
    with pytest.raises(NotFoundError):
        queries.get_conversation(patient, conversation.pk)
    # The sender may keep writing; nothing tells them.
    actions.send_message(actor=stranger, conversation=conversation, body="Are you there?")
    assert senders_view()[0][0][0] == conversation.pk
    assert queries.count_unread(patient.pk) == 0


def test_requests_to_strangers_are_limited_more_tightly(patient):
    strangers = [UserFactory() for _n in range(6)]
    for number, other in enumerate(strangers[:5]):
        actions.start_conversation(actor=patient, recipients=[other], body=f"Hi {number}")
    before = messaging_state()
    with pytest.raises(RateLimitedError):
        actions.start_conversation(actor=patient, recipients=[strangers[5]], body="Hi 6")
    assert messaging_state() == before


# --- blocks --------------------------------------------------------------------------------


def test_a_block_stops_starting_sending_and_adding_with_nothing_changed(
    community, patient, caregiver, direct
):
    third = UserFactory(handle="third")
    make_member(community, third)
    group = actions.start_conversation(
        actor=patient, recipients=[third, UserFactory()], title="G", body="x"
    )
    actions.block_member(actor=caregiver, member=patient)
    before = messaging_state()

    with pytest.raises(PermissionDeniedError) as started:
        actions.start_conversation(actor=patient, recipients=[caregiver], body="Hi")
    with pytest.raises(PermissionDeniedError) as sent:
        actions.send_message(actor=patient, conversation=direct, body="Please answer")
    with pytest.raises(PermissionDeniedError) as added:
        actions.add_people(actor=patient, conversation=group, members=[caregiver])
    with pytest.raises(PermissionDeniedError) as grouped:
        actions.start_conversation(actor=patient, recipients=[caregiver, third], body="Hi")

    for refused in (started, sent, added, grouped):
        assert str(refused.value.message) == "You can't send messages to this member."
    assert messaging_state() == before


def test_a_refusal_reads_the_same_with_or_without_a_block(community, patient, caregiver):
    from django.utils import timezone

    gone = UserFactory(memorialised_at=timezone.now())
    actions.block_member(actor=caregiver, member=patient)
    messages = set()
    for member in (caregiver, gone):
        with pytest.raises(PermissionDeniedError) as refused:
            actions.start_conversation(actor=patient, recipients=[member], body="Hi")
        messages.add((refused.value.code, str(refused.value.message)))
    assert messages == {("cannot_message", "You can't send messages to this member.")}


def test_the_blocker_cannot_write_to_the_member_they_blocked_either(patient, caregiver, direct):
    actions.block_member(actor=patient, member=caregiver)
    with pytest.raises(PermissionDeniedError) as refused:
        actions.send_message(actor=patient, conversation=direct, body="Hello")
    assert refused.value.code == "cannot_message"
    actions.unblock_member(actor=patient, member=caregiver)
    assert actions.send_message(actor=patient, conversation=direct, body="Hello").pk


def test_blocked_members_messages_are_hidden_in_groups(community, patient, caregiver, moderator):
    group = actions.start_conversation(
        actor=patient, recipients=[caregiver, moderator], title="Three", body="Hi both"
    )
    from_caregiver = actions.send_message(actor=caregiver, conversation=group, body="Hi Pat")
    from_moderator = actions.send_message(actor=moderator, conversation=group, body="Hello")
    actions.block_member(actor=patient, member=caregiver)

    window = queries.conversation_messages(patient, group)
    assert from_caregiver.pk not in [m.pk for m in window.items]
    assert from_moderator.pk in [m.pk for m in window.items]
    with pytest.raises(NotFoundError):
        queries.get_message(patient, group, from_caregiver.pk)
    # In a group the blocked member still writes; only the blocker stops seeing it.
    assert actions.send_message(actor=caregiver, conversation=group, body="Still here").pk
    assert queries.count_unread(patient.pk) == 1  # the moderator's message only


# --- mute ----------------------------------------------------------------------------------


def test_muting_a_member_or_a_conversation_suppresses_unread(
    community, patient, caregiver, stranger, direct
):
    actions.send_message(actor=caregiver, conversation=direct, body="Unread for Pat")
    actions.start_conversation(actor=stranger, recipients=[patient], body="A request")
    assert queries.count_unread(patient.pk) == 2

    actions.block_member(actor=patient, member=caregiver, level="mute")
    actions.block_member(actor=patient, member=stranger, level="mute")
    assert queries.count_unread(patient.pk) == 0
    # A muted member's request still waits in the list, silently.
    assert queries.request_count(patient) == 1
    # And their messages are still shown (mute is not block).
    assert [m.body for m in queries.conversation_messages(patient, direct).items] == [
        "Hello Cam",
        "Unread for Pat",
    ]

    actions.unblock_member(actor=patient, member=caregiver)
    assert queries.count_unread(patient.pk) == 1
    actions.set_conversation_muted(actor=patient, conversation=direct, is_muted=True)
    assert queries.count_unread(patient.pk) == 0


# --- leaving -------------------------------------------------------------------------------


def test_leaving_a_group_revokes_the_stream_and_hides_it(
    community, patient, caregiver, moderator, listen, django_capture_on_commit_callbacks
):
    group = actions.start_conversation(
        actor=patient, recipients=[caregiver, moderator], title="Three", body="Hi"
    )
    listener = listen(f"conversation:{group.pk}")
    with django_capture_on_commit_callbacks(execute=True):
        actions.leave_conversation(actor=caregiver, conversation=group)

    assert listener.events() == [
        {"type": "access.revoked", "user_ids": [caregiver.pk], "reason": "left"}
    ]
    assert place_of(group, caregiver).state == "left"
    with pytest.raises(NotFoundError):
        queries.get_conversation(caregiver, group.pk)
    before = messaging_state()
    with pytest.raises(PermissionDeniedError):
        actions.send_message(
            actor=caregiver, conversation=queries.get_conversation(patient, group.pk), body="x"
        )
    assert messaging_state() == before
    assert [u.handle for u in queries.conversation_entry(patient, group.pk).others] == ["moderator"]


def test_one_to_one_conversations_cannot_be_left(patient, direct):
    before = messaging_state()
    with pytest.raises(PermissionDeniedError):
        actions.leave_conversation(actor=patient, conversation=direct)
    assert messaging_state() == before


def test_someone_who_left_comes_back_only_as_a_request(community, patient, caregiver, moderator):
    group = actions.start_conversation(
        actor=patient, recipients=[caregiver, moderator], title="Three", body="Hi"
    )
    actions.leave_conversation(actor=caregiver, conversation=group)
    actions.add_people(actor=patient, conversation=group, members=[caregiver])
    assert place_of(group, caregiver).state == "requested"


# --- edit and delete -----------------------------------------------------------------------


def test_members_edit_and_delete_only_their_own_messages(patient, caregiver, direct):
    mine = Message.objects.get(conversation=direct, author=patient)
    before = messaging_state()
    with pytest.raises(PermissionDeniedError):
        actions.edit_message(actor=caregiver, message=mine, body="Changed by Cam")
    with pytest.raises(PermissionDeniedError):
        actions.delete_message(actor=caregiver, message=mine)
    assert messaging_state() == before

    edited = actions.edit_message(actor=patient, message=mine, body="Hello **Cam**")
    assert (edited.body, edited.body_html) == (
        "Hello **Cam**",
        "<p>Hello <strong>Cam</strong></p>\n",
    )
    assert edited.edited_at is not None

    deleted = actions.delete_message(actor=patient, message=mine)
    fresh = Message.objects.get(pk=mine.pk)
    assert (fresh.body, fresh.body_html, fresh.deleted_by_id) == ("", "", patient.pk)
    assert deleted.deleted_at is not None
    before = messaging_state()
    with pytest.raises(PermissionDeniedError):
        actions.edit_message(actor=patient, message=fresh, body="Back again")
    assert messaging_state() == before


def test_edit_and_delete_are_broadcast(
    patient, caregiver, direct, listen, django_capture_on_commit_callbacks
):
    mine = Message.objects.select_related("author").get(conversation=direct, author=patient)
    listener = listen(f"conversation:{direct.pk}")
    with django_capture_on_commit_callbacks(execute=True):
        actions.edit_message(actor=patient, message=mine, body="Changed")
        actions.delete_message(actor=patient, message=mine)
    events = listener.events()
    assert [(e["type"], e["message"]["id"]) for e in events] == [
        ("message.edited", mine.pk),
        ("message.deleted", mine.pk),
    ]
    assert events[0]["message"]["html"] == "<p>Changed</p>\n"
    assert (events[1]["message"]["html"], events[1]["message"]["is_deleted"]) == ("", True)


# --- sending -------------------------------------------------------------------------------


def test_sending_twice_with_the_same_client_id_stores_one_message(patient, caregiver, direct):
    client_id = uuid.uuid4()
    first = actions.send_message(
        actor=caregiver, conversation=direct, body="Only once", client_id=str(client_id)
    )
    second = actions.send_message(
        actor=caregiver, conversation=direct, body="Only once", client_id=client_id
    )
    assert first.pk == second.pk
    assert Message.objects.filter(author=caregiver).count() == 1
    # The same id for another conversation is a mistake, not a retry.
    other = actions.start_conversation(actor=caregiver, recipients=[UserFactory()], body="x")
    with pytest.raises(ConflictError):
        actions.send_message(actor=caregiver, conversation=other, body="y", client_id=client_id)


def test_a_send_racing_its_retry_returns_the_stored_message(patient, caregiver, direct):
    client_id = uuid.uuid4()
    stored = Message.objects.create(
        conversation=direct, author=caregiver, client_id=client_id, body="First", body_html="x"
    )
    # The retry did not see the first one before inserting (it arrived in between).
    from unittest import mock

    with mock.patch.object(actions, "existing_send", side_effect=[None, stored]):
        again = actions.send_message(
            actor=caregiver, conversation=direct, body="First", client_id=client_id
        )
    assert again.pk == stored.pk
    assert Message.objects.filter(author=caregiver).count() == 1


def test_a_send_is_validated_and_rate_limited(patient, direct):
    before = messaging_state()
    with pytest.raises(ValidationFailed) as empty:
        actions.send_message(actor=patient, conversation=direct, body="   ")
    with pytest.raises(ValidationFailed) as long:
        actions.send_message(actor=patient, conversation=direct, body="x" * (BODY_MAX + 1))
    with pytest.raises(ValidationFailed) as bad_id:
        actions.send_message(actor=patient, conversation=direct, body="Hi", client_id="nope")
    assert (empty.value.field, long.value.field, bad_id.value.field) == (
        "body",
        "body",
        "client_id",
    )
    assert messaging_state() == before
    for number in range(29):  # the start counted one
        actions.send_message(actor=patient, conversation=direct, body=f"Message {number}")
    count = Message.objects.count()
    with pytest.raises(RateLimitedError):
        actions.send_message(actor=patient, conversation=direct, body="One too many")
    assert Message.objects.count() == count


def test_a_send_is_broadcast_after_commit_and_moves_the_markers(
    patient, caregiver, direct, listen, django_capture_on_commit_callbacks
):
    listener = listen(f"conversation:{direct.pk}", f"user:{caregiver.pk}", f"user:{patient.pk}")
    with django_capture_on_commit_callbacks() as callbacks:
        message = actions.send_message(actor=patient, conversation=direct, body="Are you *ok*?")
        assert listener.events() == []  # nothing leaves before the commit
    for callback in callbacks:
        callback()

    events = listener.events()
    new = [e for e in events if e["type"] == "message.new"]
    assert [e["message"]["id"] for e in new] == [message.pk]
    assert new[0]["message"]["html"] == "<p>Are you <em>ok</em>?</p>\n"
    assert new[0]["message"]["author"] == {"handle": "patient", "display_name": "Pat the patient"}
    assert sorted(e["conversations"] for e in events if e["type"] == "unread") == [0, 1]
    direct.refresh_from_db()
    assert direct.last_message_id == message.pk
    assert place_of(direct, patient).last_read_message_id == message.pk


# --- reading -------------------------------------------------------------------------------


def test_unread_counts_and_read_markers(
    patient, caregiver, direct, django_capture_on_commit_callbacks
):
    messages = add_messages(direct, caregiver, 3)
    assert queries.count_unread(patient.pk) == 1
    assert queries.count_unread(caregiver.pk) == 1  # "Hello Cam" is unread for Cam

    with django_capture_on_commit_callbacks(execute=True):
        assert (
            actions.mark_read(actor=patient, conversation=direct, message_id=messages[1].pk)
            == messages[1].pk
        )
    assert queries.unread_count(patient) == 1
    with django_capture_on_commit_callbacks(execute=True):
        # Past the newest message, the marker stops at the newest.
        assert (
            actions.mark_read(actor=patient, conversation=direct, message_id=messages[2].pk + 100)
            == messages[2].pk
        )
    assert queries.unread_count(patient) == 0
    # Markers never move back.
    assert (
        actions.mark_read(actor=patient, conversation=direct, message_id=messages[0].pk)
        == messages[2].pk
    )
    assert place_of(direct, patient).last_read_message_id == messages[2].pk


def test_the_badge_is_cached_and_refreshed_by_actions(
    patient, caregiver, direct, django_assert_num_queries, django_capture_on_commit_callbacks
):
    assert queries.unread_count(patient) == 0
    with django_assert_num_queries(0):
        assert queries.unread_count(patient) == 0
    with django_capture_on_commit_callbacks(execute=True):
        actions.send_message(actor=caregiver, conversation=direct, body="New")
    with django_assert_num_queries(0):
        assert queries.unread_count(patient) == 1


def test_deleted_unread_messages_stop_counting(patient, caregiver, direct):
    message = actions.send_message(actor=caregiver, conversation=direct, body="Oops")
    assert queries.count_unread(patient.pk) == 1
    actions.delete_message(actor=caregiver, message=message)
    assert queries.count_unread(patient.pk) == 0


def test_seen_indicators_are_reciprocal(
    patient, caregiver, direct, listen, django_capture_on_commit_callbacks
):
    mine = direct.last_message_id
    actions.mark_read(actor=caregiver, conversation=direct, message_id=mine)
    participants = queries.participants_of(direct)
    assert queries.seen_by(patient, participants, mine, actor_shares=True) == [caregiver]

    # Cam hides receipts: Pat no longer sees Cam's, and Cam sees nobody's.
    actions.update_messaging_settings(
        actor=caregiver, requests_from="strangers", shares_read_receipts=False
    )
    participants = queries.participants_of(direct)
    assert queries.seen_by(patient, participants, mine, actor_shares=True) == []
    reply = actions.send_message(actor=caregiver, conversation=direct, body="Hi")
    listener = listen(f"conversation:{direct.pk}")
    with django_capture_on_commit_callbacks(execute=True):
        actions.mark_read(actor=patient, conversation=direct, message_id=reply.pk)
    participants = queries.participants_of(direct)
    cam_shares = next(p for p in participants if p.user == caregiver).shares_receipts
    assert cam_shares is False
    assert queries.seen_by(caregiver, participants, reply.pk, actor_shares=cam_shares) == []
    # Pat shares, so the read event goes out; Cam's sockets drop it (see the stream tests).
    assert [e["type"] for e in listener.events()] == ["read"]

    listener = listen(f"conversation:{direct.pk}")
    newer = actions.send_message(actor=patient, conversation=direct, body="Still there?")
    with django_capture_on_commit_callbacks(execute=True):
        actions.mark_read(actor=caregiver, conversation=direct, message_id=newer.pk)
    assert [e["type"] for e in listener.events()] == []  # Cam shares nothing


def test_settings_keep_no_row_while_they_match_the_defaults(patient):
    actions.update_messaging_settings(
        actor=patient, requests_from="new_people", shares_read_receipts=True
    )
    assert MessagingSettings.objects.get(user=patient).requests_from == "new_people"
    actions.update_messaging_settings(
        actor=patient, requests_from="strangers", shares_read_receipts=True
    )
    assert not MessagingSettings.objects.filter(user=patient).exists()
    with pytest.raises(ValidationFailed) as refused:
        actions.update_messaging_settings(
            actor=patient, requests_from="everyone", shares_read_receipts=True
        )
    assert refused.value.field == "requests_from"
    assert not MessagingSettings.objects.filter(user=patient).exists()


# --- encryption ----------------------------------------------------------------------------


def test_message_bodies_are_encrypted_at_rest(patient, caregiver, direct):
    actions.send_message(actor=caregiver, conversation=direct, body="My insulin dose is 12 units")
    with connection.cursor() as cursor:
        cursor.execute("SELECT body, body_html FROM messaging_message")
        rows = cursor.fetchall()
    assert len(rows) == 2
    for body, html in rows:
        assert "insulin" not in body and "insulin" not in html
        assert "Hello Cam" not in body and "Hello Cam" not in html
    assert Message.objects.get(author=caregiver).body == "My insulin dose is 12 units"


def test_a_group_in_another_community_counts_as_strangers(patient):
    elsewhere = CommunityFactory()
    other = UserFactory()
    make_member(elsewhere, other)
    conversation = actions.start_conversation(actor=other, recipients=[patient], body="Hi")
    assert place_of(conversation, patient).state == "requested"


# --- found in review ------------------------------------------------------------------------


def test_starting_a_group_twice_at_once_with_one_client_id_makes_one_group(
    community, patient, caregiver, moderator
):
    client_id = uuid.uuid4()
    first = actions.start_conversation(
        actor=patient, recipients=[caregiver, moderator], body="Hello both", client_id=client_id
    )
    # The second copy checked before the first had committed (it found nothing then); it waits
    # for the first on the actor's row and looks again.
    from unittest import mock

    real = actions.existing_send
    calls: list[int] = []

    def not_yet_then_real(author, wanted):
        calls.append(1)
        return None if len(calls) == 1 else real(author, wanted)

    with mock.patch.object(actions, "existing_send", side_effect=not_yet_then_real):
        second = actions.start_conversation(
            actor=patient,
            recipients=[caregiver, moderator],
            body="Hello both",
            client_id=str(client_id),
        )
    assert second.pk == first.pk
    assert Conversation.objects.count() == 1
    assert Participant.objects.count() == 3
    assert list(Message.objects.values_list("body", flat=True)) == ["Hello both"]
    # Sequentially, the retry is answered with the same conversation too.
    third = actions.start_conversation(
        actor=patient, recipients=[caregiver, moderator], body="Hello both", client_id=client_id
    )
    assert third.pk == first.pk
    assert Conversation.objects.count() == 1


def test_a_badge_counted_before_a_send_committed_does_not_overwrite_the_fresh_one(
    patient, caregiver, direct, django_capture_on_commit_callbacks
):
    assert queries.count_unread(patient.pk) == 0
    real = queries.count_unread
    raced: list[int] = []

    def count_then_a_send_commits(member_id: int) -> int:
        counted = real(member_id)
        if not raced:
            raced.append(counted)
            # While this page was counting, Cam's message was committed and its fresh count
            # stored.
            with django_capture_on_commit_callbacks(execute=True):
                actions.send_message(actor=caregiver, conversation=direct, body="Hello again")
        return counted

    from unittest import mock

    with mock.patch.object(queries, "count_unread", side_effect=count_then_a_send_commits):
        assert queries.unread_count(patient) == 0  # what this page counted
    assert raced == [0]
    assert queries.unread_count(patient) == 1  # the send's count was kept


def test_seen_leaves_out_members_who_blocked_the_reader_or_were_blocked(
    community, patient, caregiver, moderator
):
    group = actions.start_conversation(
        actor=patient, recipients=[caregiver, moderator], title="Three", body="Hi"
    )
    mine = group.last_message_id
    actions.mark_read(actor=caregiver, conversation=group, message_id=mine)
    actions.mark_read(actor=moderator, conversation=group, message_id=mine)
    assert queries.seen_by(patient, queries.participants_of(group), mine, actor_shares=True) == [
        caregiver,
        moderator,
    ]

    actions.block_member(actor=caregiver, member=patient)  # Cam blocks Pat
    assert queries.seen_by(patient, queries.participants_of(group), mine, actor_shares=True) == [
        moderator
    ]
    actions.block_member(actor=patient, member=moderator)  # Pat blocks Mo
    assert queries.seen_by(patient, queries.participants_of(group), mine, actor_shares=True) == []
    # A mute is not a block: a muted member's reading still shows.
    actions.block_member(actor=patient, member=moderator, level="mute")
    assert queries.seen_by(patient, queries.participants_of(group), mine, actor_shares=True) == [
        moderator
    ]


def test_a_moderator_deleting_a_reported_message_refreshes_the_badges(
    community, patient, caregiver, manager, listen, django_capture_on_commit_callbacks
):
    from carecircle.messaging.actions.reports import delete_reported_message, report_message

    with django_capture_on_commit_callbacks(execute=True):
        direct = actions.start_conversation(actor=patient, recipients=[caregiver], body="Hello")
        actions.mark_read(actor=caregiver, conversation=direct, message_id=direct.last_message_id)
    with django_capture_on_commit_callbacks(execute=True):
        message = actions.send_message(actor=patient, conversation=direct, body="Abuse")
    assert queries.unread_count(caregiver) == 1
    report = report_message(actor=caregiver, message=message, reason="abusive")
    listener = listen(f"user:{caregiver.pk}")
    with django_capture_on_commit_callbacks(execute=True):
        delete_reported_message(actor=manager, report=report)

    assert queries.count_unread(caregiver.pk) == 0
    assert queries.unread_count(caregiver) == 0
    assert listener.events() == [{"type": "unread", "conversations": 0}]
