"""Chat room actions: rooms, sessions and their window, sends, moderation, transcripts, purge."""

from __future__ import annotations

import re
import uuid
import zoneinfo
from datetime import UTC, timedelta
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from carecircle.accounts.models import User
from carecircle.core.errors import (
    ConflictError,
    PermissionDeniedError,
    RateLimitedError,
    ValidationFailed,
)
from carecircle.core.factories import UserFactory, make_member
from carecircle.core.markdown import find_mentions
from carecircle.core.models import AuditEvent
from carecircle.discussions.models import Post, Topic
from carecircle.messaging.actions import rooms as actions
from carecircle.messaging.models import (
    ChatRoom,
    ChatSession,
    Message,
    MessageReport,
    RoomRestriction,
)
from carecircle.messaging.queries import rooms as queries
from carecircle.messaging.tests.rooms_fixtures import *  # noqa: F403
from carecircle.messaging.tests.rooms_fixtures import (
    add_room_message,
    block,
    make_session,
    rooms_state,
)

pytestmark = pytest.mark.django_db


# --- rooms ---------------------------------------------------------------------------------------


def test_a_community_manager_opens_a_room(community, room_manager):
    room = actions.create_room(
        actor=room_manager,
        community=community,
        name="  Tuesday evening   support group ",
        description="Weekly, for caregivers.",
        retention_days="30",
    )

    assert (room.community_id, room.name, room.slug, room.description) == (
        community.pk,
        "Tuesday evening support group",
        "tuesday-evening-support-group",
        "Weekly, for caregivers.",
    )
    assert (room.retention_days, room.slow_mode_seconds, room.is_archived) == (30, 0, False)
    assert room.created_by_id == room_manager.pk
    event = AuditEvent.objects.get(verb="chat.room_create")
    assert (event.actor_id, event.target_id, event.data) == (
        room_manager.pk,
        str(room.pk),
        {"retention_days": 30},
    )


@pytest.mark.parametrize("who", ["patient", "moderator", "outsider"])
def test_only_managers_open_rooms_and_a_refusal_changes_nothing(request, community, who):
    actor = request.getfixturevalue(who)
    before = rooms_state()

    with pytest.raises(PermissionDeniedError) as refused:
        actions.create_room(actor=actor, community=community, name="My own room")

    assert refused.value.code == "not_manager"
    assert rooms_state() == before


def test_a_site_manager_may_open_rooms_in_any_community(community, manager):
    room = actions.create_room(actor=manager, community=community, name="Open house")

    assert ChatRoom.objects.get(pk=room.pk).name == "Open house"


def test_room_names_are_unique_per_community_and_slugs_never_clash(community, room_manager, room):
    with pytest.raises(ConflictError) as clash:
        actions.create_room(
            actor=room_manager, community=community, name="TUESDAY evening support group"
        )
    assert clash.value.field == "name"

    new = actions.create_room(actor=room_manager, community=community, name="New")
    similar = actions.create_room(
        actor=room_manager, community=community, name="Tuesday evening: support group!"
    )

    assert new.slug == "new-room"
    assert similar.slug == "tuesday-evening-support-group-2"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": "ab"}, "name"),
        ({"name": "x" * 81}, "name"),
        ({"name": "Fine name", "retention_days": "0"}, "retention_days"),
        ({"name": "Fine name", "retention_days": "forever"}, "retention_days"),
        ({"name": "Fine name", "description": "d" * 1001}, "description"),
    ],
)
def test_bad_room_settings_are_refused_with_the_field(community, room_manager, fields, field):
    before = rooms_state()

    with pytest.raises(ValidationFailed) as refused:
        actions.create_room(actor=room_manager, community=community, **fields)

    assert refused.value.field == field
    assert rooms_state() == before


def test_changing_retention_is_audited_and_a_rename_alone_is_not(room, room_manager):
    actions.update_room(
        actor=room_manager, room=room, name="Evening group", description="", retention_days=""
    )
    assert AuditEvent.objects.filter(verb="chat.retention_change").count() == 0

    actions.update_room(
        actor=room_manager, room=room, name="Evening group", description="", retention_days=14
    )

    room.refresh_from_db()
    assert (room.name, room.retention_days) == ("Evening group", 14)
    event = AuditEvent.objects.get(verb="chat.retention_change")
    assert (event.actor_id, event.target_id, event.data) == (
        room_manager.pk,
        str(room.pk),
        {"previous": None, "retention_days": 14},
    )


def test_members_cannot_change_a_room(room, patient):
    before = rooms_state()

    with pytest.raises(PermissionDeniedError):
        actions.update_room(
            actor=patient, room=room, name="Mine now", description="", retention_days=1
        )
    with pytest.raises(PermissionDeniedError):
        actions.set_room_archived(actor=patient, room=room, is_archived=True)

    assert rooms_state() == before


def test_an_archived_room_is_read_only(room, room_manager, patient):
    actions.set_room_archived(actor=room_manager, room=room, is_archived=True)
    before = rooms_state()

    with pytest.raises(PermissionDeniedError) as refused:
        actions.send_room_message(actor=patient, room=room, body="Anyone here?")

    assert refused.value.code == "archived"
    assert rooms_state() == before
    assert AuditEvent.objects.filter(verb="chat.room_archive", target_id=str(room.pk)).exists()


# --- sending -------------------------------------------------------------------------------------


def test_a_member_sends_and_the_room_hears_it_after_commit(
    room, patient, listen, django_capture_on_commit_callbacks
):
    listener = listen(f"room:{room.pk}")

    with django_capture_on_commit_callbacks(execute=True):
        message = actions.send_room_message(actor=patient, room=room, body="  Hello **all**  ")

    stored = Message.objects.get(pk=message.pk)
    assert (stored.room_id, stored.author_id, stored.body) == (room.pk, patient.pk, "Hello **all**")
    assert stored.body_html == "<p>Hello <strong>all</strong></p>\n"
    events = listener.events()
    assert [event["type"] for event in events] == ["message.new"]
    assert events[0]["message"] == {
        "id": message.pk,
        "stream": f"room:{room.pk}",
        "client_id": None,
        "author": {"handle": "patient", "display_name": "Pat the patient"},
        "html": "<p>Hello <strong>all</strong></p>\n",
        "created_at": stored.created_at.isoformat(),
        "edited_at": None,
        "is_deleted": False,
        "deleted_by_moderator": False,
        "moderation_state": "visible",
        "attachments": [],
        "attachments_html": "",
    }


def test_a_repeated_send_returns_the_stored_message(room, patient):
    client_id = uuid.uuid4()

    first = actions.send_room_message(actor=patient, room=room, body="Hi", client_id=client_id)
    again = actions.send_room_message(actor=patient, room=room, body="Hi", client_id=str(client_id))

    assert again.pk == first.pk
    assert Message.objects.filter(room=room).count() == 1


def test_a_send_racing_its_own_retry_is_stored_once(room, patient, monkeypatch):
    client_id = uuid.uuid4()
    earlier = add_room_message(room, patient, "Hi", client_id=client_id)
    real_lookup = actions.existing_send
    lookups = []

    def lookup_that_misses_once(author, wanted):
        # The first look-up runs before the other copy was saved, as in a real race.
        lookups.append(wanted)
        return None if len(lookups) == 1 else real_lookup(author, wanted)

    monkeypatch.setattr(actions, "existing_send", lookup_that_misses_once)

    stored = actions.send_room_message(actor=patient, room=room, body="Hi", client_id=client_id)

    assert stored.pk == earlier.pk
    assert len(lookups) == 2
    assert Message.objects.filter(room=room).count() == 1


def test_a_client_id_used_in_another_room_is_refused(community, room, patient):
    other = ChatRoom.objects.create(community=community, name="Other", slug="other")
    client_id = uuid.uuid4()
    actions.send_room_message(actor=patient, room=other, body="Hi", client_id=client_id)

    with pytest.raises(ConflictError) as refused:
        actions.send_room_message(actor=patient, room=room, body="Hi", client_id=client_id)

    assert refused.value.field == "client_id"
    assert Message.objects.filter(room=room).count() == 0


@pytest.mark.parametrize("who", ["outsider", "manager"])
def test_outsiders_cannot_send_and_site_staff_can(request, room, who):
    actor = request.getfixturevalue(who)
    if who == "outsider":
        with pytest.raises(PermissionDeniedError) as refused:
            actions.send_room_message(actor=actor, room=room, body="Let me in")
        assert refused.value.code == "members_only"
        assert Message.objects.count() == 0
    else:
        actions.send_room_message(actor=actor, room=room, body="Staff here")
        assert Message.objects.get().author_id == actor.pk


@pytest.mark.parametrize("body", ["", "   ", "x" * 5001])
def test_empty_or_too_long_messages_are_refused(room, patient, body):
    with pytest.raises(ValidationFailed) as refused:
        actions.send_room_message(actor=patient, room=room, body=body)

    assert refused.value.field == "body"
    assert Message.objects.count() == 0


def test_sends_are_rate_limited_per_member(room, patient, caregiver):
    for number in range(20):
        actions.send_room_message(actor=patient, room=room, body=f"Message {number}")

    with pytest.raises(RateLimitedError):
        actions.send_room_message(actor=patient, room=room, body="One too many")

    assert Message.objects.filter(author=patient).count() == 20
    actions.send_room_message(actor=caregiver, room=room, body="I can still write")


# --- sessions ------------------------------------------------------------------------------------


def test_a_room_with_sessions_is_closed_before_the_window_and_says_when_it_opens(room, patient):
    session = make_session(room, starts_in=timedelta(minutes=30))
    before = rooms_state()

    with pytest.raises(PermissionDeniedError) as refused:
        actions.send_room_message(actor=patient, room=room, body="Too early")

    opens = (session.starts_at - timedelta(minutes=10)).astimezone(UTC)
    assert refused.value.code == "room_closed"
    assert str(refused.value.message) == (
        "This room is open during its sessions. It opens again at "
        f"{opens.day} {opens:%B %Y, %H:%M}."
    )
    assert rooms_state() == before


def test_the_room_opens_ten_minutes_before_a_session(room, patient):
    make_session(room, starts_in=timedelta(minutes=9))

    message = actions.send_room_message(actor=patient, room=room, body="Early bird")

    assert Message.objects.get().pk == message.pk


def test_the_room_is_open_during_a_session(room, patient):
    make_session(room, starts_in=-timedelta(minutes=30))

    actions.send_room_message(actor=patient, room=room, body="During")

    assert Message.objects.count() == 1


def test_after_the_last_session_the_room_is_closed(room, patient):
    make_session(room, starts_in=-timedelta(hours=2))

    with pytest.raises(PermissionDeniedError) as refused:
        actions.send_room_message(actor=patient, room=room, body="Too late")

    assert refused.value.code == "room_closed"
    assert str(refused.value.message) == (
        "This room is open during its sessions, and none is planned at the moment."
    )
    assert Message.objects.count() == 0


def test_managers_schedule_sessions_with_the_publishing_notice(room, room_manager):
    starts = timezone.now() + timedelta(days=2)

    session = actions.schedule_session(
        actor=room_manager,
        room=room,
        title=" Evening circle ",
        starts_at=starts,
        ends_at=starts + timedelta(minutes=90),
        publishes_transcript=True,
    )

    stored = ChatSession.objects.get(pk=session.pk)
    assert (stored.title, stored.starts_at, stored.ends_at) == (
        "Evening circle",
        starts,
        starts + timedelta(minutes=90),
    )
    assert (stored.publishes_transcript, stored.created_by_id) == (True, room_manager.pk)


@pytest.mark.parametrize(
    ("start", "length", "field"),
    [
        (timedelta(days=1), timedelta(0), "ends_at"),
        (timedelta(days=1), timedelta(hours=13), "ends_at"),
        (-timedelta(days=1), timedelta(hours=1), "starts_at"),
        # Overlap the session tomorrow (or its 10 minutes before).
        (timedelta(days=1, minutes=55), timedelta(hours=1), "starts_at"),
        (timedelta(days=1, minutes=-65), timedelta(hours=1), "starts_at"),
    ],
)
def test_impossible_or_overlapping_sessions_are_refused(room, room_manager, start, length, field):
    make_session(room, starts_in=timedelta(days=1))
    before = rooms_state()
    starts = timezone.now() + start

    with pytest.raises((ValidationFailed, ConflictError)) as refused:
        actions.schedule_session(
            actor=room_manager, room=room, title="Clash", starts_at=starts, ends_at=starts + length
        )

    assert refused.value.field == field
    assert rooms_state() == before


def test_a_session_cannot_start_in_the_past(room, room_manager):
    now = timezone.now()
    before = rooms_state()

    with pytest.raises(ValidationFailed) as refused:
        actions.schedule_session(
            actor=room_manager,
            room=room,
            title="Backdated",
            starts_at=now - timedelta(hours=11),
            ends_at=now + timedelta(hours=1),
            publishes_transcript=True,
        )

    assert refused.value.field == "starts_at"
    assert str(refused.value.message) == (
        "A session cannot start in the past. Please choose a time from now on."
    )
    assert rooms_state() == before


def test_a_session_starting_in_the_minute_just_gone_is_accepted(room, room_manager):
    # A form names whole minutes: "19:00" sent at 19:00:40 is still "now".
    starts = timezone.now() - timedelta(seconds=40)

    session = actions.schedule_session(
        actor=room_manager,
        room=room,
        title="Right now",
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
    )

    assert ChatSession.objects.get().starts_at == starts == session.starts_at


def test_moderators_and_members_cannot_schedule_sessions(room, moderator, patient):
    starts = timezone.now() + timedelta(days=1)
    before = rooms_state()

    for actor in (moderator, patient):
        with pytest.raises(PermissionDeniedError):
            actions.schedule_session(
                actor=actor,
                room=room,
                title="Mine",
                starts_at=starts,
                ends_at=starts + timedelta(hours=1),
            )

    assert rooms_state() == before


def test_only_sessions_that_have_not_started_can_be_cancelled(room, room_manager):
    later = make_session(room, starts_in=timedelta(days=1))
    running = make_session(room, starts_in=-timedelta(minutes=5), title="Running")

    with pytest.raises(ConflictError):
        actions.cancel_session(actor=room_manager, session=running)
    actions.cancel_session(actor=room_manager, session=later)

    assert list(ChatSession.objects.values_list("title", flat=True)) == ["Running"]


# --- transcripts ---------------------------------------------------------------------------------


@pytest.fixture
def ended_session(room, patient, caregiver, outsider):
    """A session scheduled a day ahead that ended an hour ago, announced as published, with
    what was said in it."""
    starts_at = (timezone.now() - timedelta(hours=2)).replace(second=0, microsecond=0)
    session = ChatSession.objects.create(
        room=room,
        title="Evening circle",
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=1),
        publishes_transcript=True,
    )
    ChatSession.objects.filter(pk=session.pk).update(created_at=starts_at - timedelta(days=1))
    session.refresh_from_db()
    at = lambda minutes: starts_at + timedelta(minutes=minutes)  # noqa: E731
    add_room_message(room, patient, "Before the room opened", at=at(-20))
    add_room_message(room, caregiver, "Arrived early", at=at(-5))
    add_room_message(room, patient, "Hello everyone\n\nI am new here", at=at(1))
    add_room_message(room, caregiver, "Welcome *Pat*", at=at(5))
    add_room_message(room, patient, "Oops, wrong room", at=at(6), deleted_at=at(7))
    add_room_message(room, None, "Bye for now", at=at(59))
    add_room_message(room, patient, "After the end", at=at(61))
    return session


def test_publishing_puts_the_transcript_in_a_topic_by_the_manager(
    ended_session, room_manager, community
):
    room_manager.time_zone = "Europe/Paris"
    room_manager.save(update_fields=["time_zone"])
    paris = zoneinfo.ZoneInfo("Europe/Paris")
    start = ended_session.starts_at.astimezone(paris)
    end = ended_session.ends_at.astimezone(paris)
    time = lambda minutes: f"{start + timedelta(minutes=minutes):%H:%M}"  # noqa: E731

    topic = actions.publish_session_transcript(actor=room_manager, session=ended_session)

    topic = Topic.objects.get(pk=topic.pk)
    assert topic.title == f"Transcript: Evening circle ({start.day} {start:%b %Y})"
    assert (topic.community_id, topic.author_id) == (community.pk, room_manager.pk)
    post = Post.objects.get(topic=topic)
    assert post.body == "\n\n".join(
        [
            "Transcript of the chat session “Evening circle” in the room “Tuesday evening "
            f"support group”, {start.day} {start:%B %Y}, {start:%H:%M}–{end:%H:%M} "
            "(Europe/Paris). Messages deleted during the session are left out.",
            f"**{time(-5)} · Cam the caregiver**\n\n> Arrived early",
            f"**{time(1)} · Pat the patient**\n\n> Hello everyone\n>\n> I am new here",
            f"**{time(5)} · Cam the caregiver**\n\n> Welcome *Pat*",
            f"**{time(59)} · A former member**\n\n> Bye for now",
        ]
    )
    assert "<blockquote>" in post.body_html
    ended_session.refresh_from_db()
    assert ended_session.published_topic_id == topic.pk
    event = AuditEvent.objects.get(verb="chat.transcript_publish")
    assert (event.actor_id, event.target_id, event.data) == (
        room_manager.pk,
        str(ended_session.pk),
        {"room": ended_session.room_id, "topic": topic.pk, "messages": 4},
    )


def test_a_transcript_is_published_once(ended_session, room_manager):
    actions.publish_session_transcript(actor=room_manager, session=ended_session)
    before = rooms_state()

    with pytest.raises(ConflictError) as refused:
        actions.publish_session_transcript(
            actor=room_manager, session=ChatSession.objects.get(pk=ended_session.pk)
        )

    assert refused.value.code == "already_published"
    assert rooms_state() == before


def test_a_stale_copy_of_the_session_cannot_publish_twice(ended_session, room_manager):
    stale = ChatSession.objects.get(pk=ended_session.pk)
    actions.publish_session_transcript(actor=room_manager, session=ended_session)
    before = rooms_state()

    with pytest.raises(ConflictError):
        actions.publish_session_transcript(actor=room_manager, session=stale)

    assert rooms_state() == before


@pytest.mark.parametrize("who", ["moderator", "patient"])
def test_only_managers_publish(request, ended_session, who):
    before = rooms_state()

    with pytest.raises(PermissionDeniedError) as refused:
        actions.publish_session_transcript(
            actor=request.getfixturevalue(who), session=ended_session
        )

    assert refused.value.code == "not_manager"
    assert rooms_state() == before


def test_sessions_not_announced_as_published_cannot_be_published(ended_session, room_manager):
    ChatSession.objects.filter(pk=ended_session.pk).update(publishes_transcript=False)
    ended_session.refresh_from_db()
    before = rooms_state()

    with pytest.raises(PermissionDeniedError) as refused:
        actions.publish_session_transcript(actor=room_manager, session=ended_session)

    assert refused.value.code == "not_publishable"
    assert rooms_state() == before


def test_a_session_is_published_only_after_it_ends(room, room_manager, patient):
    session = make_session(room, starts_in=-timedelta(minutes=5), publishes_transcript=True)
    actions.send_room_message(actor=patient, room=room, body="Live words")
    before = rooms_state()

    with pytest.raises(PermissionDeniedError) as refused:
        actions.publish_session_transcript(actor=room_manager, session=session)

    assert refused.value.code == "not_ended"
    assert rooms_state() == before


def test_an_empty_session_has_nothing_to_publish(room, room_manager):
    session = make_session(room, starts_in=-timedelta(hours=3), publishes_transcript=True)

    with pytest.raises(ValidationFailed) as refused:
        actions.publish_session_transcript(actor=room_manager, session=session)

    assert refused.value.code == "empty_transcript"
    assert Topic.objects.count() == 0


def end_now(session):
    ChatSession.objects.filter(pk=session.pk).update(ends_at=timezone.now())
    session.refresh_from_db()


def test_words_written_before_the_session_existed_are_never_in_its_transcript(
    room, room_manager, patient, caregiver
):
    # A room without sessions is open, with no transcript notice: Pat writes there.
    add_room_message(
        room, patient, "Written with no notice", at=timezone.now() - timedelta(minutes=3)
    )
    # Then a session starting now is scheduled: its room opened 10 minutes ago, its notice now.
    now = timezone.now()
    session = actions.schedule_session(
        actor=room_manager,
        room=room,
        title="Evening circle",
        starts_at=now,
        ends_at=now + timedelta(hours=1),
        publishes_transcript=True,
    )
    actions.send_room_message(actor=caregiver, room=room, body="Written under the notice")
    end_now(session)

    readable = queries.session_transcript(patient, session)
    topic = actions.publish_session_transcript(actor=room_manager, session=session)

    assert [m.body for m in readable] == ["Written under the notice"]
    body = Post.objects.get(topic=topic).body
    assert "Written under the notice" in body
    assert "Written with no notice" not in body


def test_a_transcript_begins_when_the_room_opened_for_a_session_scheduled_before(
    room, room_manager, patient
):
    session = make_session(room, starts_in=-timedelta(minutes=30), publishes_transcript=True)
    add_room_message(room, patient, "Early", at=session.starts_at - timedelta(minutes=9))
    add_room_message(room, patient, "Too early", at=session.starts_at - timedelta(minutes=11))
    end_now(session)

    assert [m.body for m in queries.session_messages(session)] == ["Early"]


def quotes_removed(html: str) -> str:
    """The HTML outside block quotes: what the transcript itself says, not a member."""
    return re.sub(r"<blockquote>.*?</blockquote>\n?", "", html, flags=re.DOTALL)


def test_no_line_break_lets_a_message_step_outside_its_quote(room, room_manager, patient):
    session = make_session(room, starts_in=-timedelta(minutes=30), publishes_transcript=True)
    forged = "ok\r\r**19:02 · Rita the room manager**\r\rPat is lying, ignore her"
    sent = actions.send_room_message(actor=patient, room=room, body=forged)
    # Stored before bodies were normalised: a lone "\r" is a line break to Markdown too.
    add_room_message(room, patient, forged.replace("Pat is", "Cam is"))
    end_now(session)
    reader = room_manager

    topic = actions.publish_session_transcript(actor=reader, session=session)

    post = Post.objects.get(topic=topic)
    time = f"{sent.created_at.astimezone(UTC):%H:%M}"
    quote = "> ok\n>\n> **19:02 · Rita the room manager**\n>\n> {} is lying, ignore her"
    assert post.body.split("\n\n")[1:] == [
        f"**{time} · Pat the patient**",
        quote.format("Pat"),
        f"**{time} · Pat the patient**",
        quote.format("Cam"),
    ]
    assert quotes_removed(post.body_html).count("is lying") == 0
    assert post.body_html.count("<blockquote>") == 2
    assert (
        quotes_removed(post.body_html).count("<strong>19:02 · Rita the room manager</strong>") == 0
    )


def test_a_published_transcript_mentions_nobody_but_still_reads_at_handles(
    room, room_manager, patient, caregiver, moderator
):
    from carecircle.discussions.models import Mention

    block(caregiver, patient)  # Cam blocked Pat: Pat must never reach Cam, also not this way
    UserFactory(display_name="Sam @moderator", handle="sam")
    session = make_session(room, starts_in=-timedelta(minutes=30), publishes_transcript=True)
    actions.send_room_message(actor=patient, room=room, body="hey @caregiver look at me")
    # An email address asks the writer to confirm first (moderation gate): they did.
    actions.send_room_message(
        actor=patient, room=room, body="\\@moderator, and mail a@b.org", confirmed=True
    )
    sam = User.objects.get(handle="sam")
    make_member(room.community, sam)
    actions.send_room_message(actor=sam, room=room, body="`@rita` in code")
    end_now(session)

    topic = actions.publish_session_transcript(actor=room_manager, session=session)

    posts = Post.objects.filter(topic=topic)
    assert not Mention.objects.filter(post__topic=topic).exists()
    assert [find_mentions(post.body) for post in posts] == [[]]
    html = posts.get().body_html
    assert "<p>hey @caregiver look at me</p>" in html
    assert "<p>@moderator, and mail a@b.org</p>" in html
    assert "· Sam @moderator</strong>" in html
    assert 'class="mention"' not in html
    # Inside code Markdown shows the entity as typed: still no mention, though.
    assert "<code>&amp;#64;rita</code>" in html


def test_a_long_transcript_continues_in_replies(room, room_manager, patient):
    session = make_session(room, starts_in=-timedelta(hours=3), publishes_transcript=True)
    for number in range(8):
        add_room_message(
            room, patient, f"{number} " + "word " * 990, at=session.starts_at + timedelta(minutes=1)
        )

    topic = actions.publish_session_transcript(actor=room_manager, session=session)

    bodies = list(
        Post.objects.filter(topic=topic).order_by("position").values_list("body", flat=True)
    )
    assert len(bodies) == 2
    assert all(len(body) <= 30000 for body in bodies)
    assert [body.count("· Pat the patient**") for body in bodies] == [5, 3]


# --- moderation ----------------------------------------------------------------------------------


def test_moderators_delete_others_messages_and_it_is_audited(
    room, moderator, patient, listen, django_capture_on_commit_callbacks
):
    message = add_room_message(room, patient, "Something hurtful")
    listener = listen(f"room:{room.pk}")

    with django_capture_on_commit_callbacks(execute=True):
        actions.delete_room_message(actor=moderator, message=message)

    stored = Message.objects.get(pk=message.pk)
    assert (stored.body, stored.body_html, stored.deleted_by_id) == ("", "", moderator.pk)
    assert stored.deleted_at is not None
    event = AuditEvent.objects.get(verb="chat.message_delete")
    assert (event.actor_id, event.subject_id, event.target_id, event.data) == (
        moderator.pk,
        patient.pk,
        str(message.pk),
        {"room": room.pk},
    )
    [deleted] = listener.events()
    assert deleted["type"] == "message.deleted"
    assert deleted["message"]["is_deleted"] is True
    assert deleted["message"]["deleted_by_moderator"] is True
    assert deleted["message"]["html"] == ""


def test_members_delete_their_own_messages_without_an_audit_event(room, patient):
    message = add_room_message(room, patient, "Typo")

    actions.delete_room_message(actor=patient, message=message)

    assert Message.objects.get(pk=message.pk).deleted_by_id == patient.pk
    assert not AuditEvent.objects.filter(verb="chat.message_delete").exists()


def test_members_cannot_delete_others_messages(room, patient, caregiver):
    message = add_room_message(room, patient, "Mine")
    before = rooms_state()

    with pytest.raises(PermissionDeniedError):
        actions.delete_room_message(actor=caregiver, message=message)

    assert rooms_state() == before


def test_a_muted_member_cannot_write_until_the_mute_ends(room, moderator, patient):
    restriction = actions.restrict_room_member(
        actor=moderator, room=room, member=patient, minutes=15, reason="Cool off"
    )

    assert timedelta(minutes=14) < restriction.until - timezone.now() <= timedelta(minutes=15)
    event = AuditEvent.objects.get(verb="chat.room_mute")
    assert (event.actor_id, event.subject_id, event.target_id) == (
        moderator.pk,
        patient.pk,
        str(room.pk),
    )
    assert (event.data["minutes"], event.data["reason"]) == (15, "Cool off")
    with pytest.raises(PermissionDeniedError) as refused:
        actions.send_room_message(actor=patient, room=room, body="Let me speak")
    assert refused.value.code == "muted"
    assert Message.objects.count() == 0

    RoomRestriction.objects.filter(pk=restriction.pk).update(
        until=timezone.now() - timedelta(seconds=1)
    )
    actions.send_room_message(actor=patient, room=room, body="Back again")
    assert Message.objects.count() == 1


def test_lifting_a_mute_lets_the_member_write_and_is_audited(room, moderator, patient):
    actions.restrict_room_member(actor=moderator, room=room, member=patient, minutes=60)

    actions.lift_room_restriction(actor=moderator, room=room, member=patient)

    actions.send_room_message(actor=patient, room=room, body="Thanks")
    assert RoomRestriction.objects.count() == 0
    assert AuditEvent.objects.filter(verb="chat.room_unmute", subject=patient).count() == 1


def test_members_cannot_mute_and_moderators_cannot_be_muted(room, patient, caregiver, moderator):
    before = rooms_state()

    with pytest.raises(PermissionDeniedError):
        actions.restrict_room_member(actor=patient, room=room, member=caregiver, minutes=15)
    with pytest.raises(ConflictError):
        actions.restrict_room_member(actor=moderator, room=room, member=moderator, minutes=15)
    with pytest.raises(ValidationFailed) as refused:
        actions.restrict_room_member(actor=moderator, room=room, member=caregiver, minutes=0)

    assert refused.value.field == "minutes"
    assert rooms_state() == before


def test_slow_mode_limits_members_but_not_moderators(room, moderator, patient, caregiver):
    actions.set_room_slow_mode(actor=moderator, room=room, seconds=30)

    actions.send_room_message(actor=patient, room=room, body="First")
    with pytest.raises(RateLimitedError) as refused:
        actions.send_room_message(actor=patient, room=room, body="Second")
    actions.send_room_message(actor=caregiver, room=room, body="Someone else")
    actions.send_room_message(actor=moderator, room=room, body="Moderator one")
    actions.send_room_message(actor=moderator, room=room, body="Moderator two")

    assert refused.value.code == "slow_mode"
    assert str(refused.value.message) == (
        "Slow mode is on: everyone can send one message every 30 seconds. "
        "You can send your next one in 30 seconds."
    )
    assert list(Message.objects.order_by("pk").values_list("body", flat=True)) == [
        "First",
        "Someone else",
        "Moderator one",
        "Moderator two",
    ]
    event = AuditEvent.objects.get(verb="chat.slow_mode")
    assert (event.actor_id, event.data) == (moderator.pk, {"previous": 0, "seconds": 30})


def test_slow_mode_lets_a_member_write_again_after_the_period(room, moderator, patient):
    actions.set_room_slow_mode(actor=moderator, room=room, seconds=30)
    add_room_message(room, patient, "A while ago", at=timezone.now() - timedelta(seconds=31))

    actions.send_room_message(actor=patient, room=room, body="Now")

    assert Message.objects.count() == 2


def test_slow_mode_is_read_from_the_room_itself_not_a_stale_copy(room, moderator, patient):
    stale = ChatRoom.objects.get(pk=room.pk)
    actions.set_room_slow_mode(actor=moderator, room=room, seconds=30)
    actions.send_room_message(actor=patient, room=stale, body="First")

    with pytest.raises(RateLimitedError) as refused:
        actions.send_room_message(actor=patient, room=stale, body="Second")

    assert refused.value.code == "slow_mode"
    assert list(Message.objects.values_list("body", flat=True)) == ["First"]


def test_a_send_refused_by_slow_mode_does_not_count_towards_the_rate(
    room, moderator, patient, monkeypatch
):
    from carecircle.core import ratelimit

    # One rate window for the whole test, wherever the clock is.
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: 1_000_000.0))
    actions.set_room_slow_mode(actor=moderator, room=room, seconds=30)
    actions.send_room_message(actor=patient, room=room, body="First")
    codes = []
    for number in range(25):
        with pytest.raises(RateLimitedError) as refused:
            actions.send_room_message(actor=patient, room=room, body=f"Try {number}")
        codes.append(refused.value.code)
    actions.set_room_slow_mode(actor=moderator, room=room, seconds=0)

    for number in range(19):  # the 20 sends per 10 seconds, the first one included
        actions.send_room_message(actor=patient, room=room, body=f"Message {number}")
    with pytest.raises(RateLimitedError) as limited:
        actions.send_room_message(actor=patient, room=room, body="One too many")

    assert codes == ["slow_mode"] * 25
    assert limited.value.code == "rate_limited"
    assert Message.objects.filter(author=patient).count() == 20


def test_members_cannot_set_slow_mode(room, patient):
    before = rooms_state()

    with pytest.raises(PermissionDeniedError):
        actions.set_room_slow_mode(actor=patient, room=room, seconds=30)

    assert rooms_state() == before


# --- retention -----------------------------------------------------------------------------------


def test_the_purge_deletes_exactly_the_expired_messages_and_is_idempotent(
    community, room, patient, caregiver
):
    now = timezone.now()
    ChatRoom.objects.filter(pk=room.pk).update(retention_days=7)
    forever = ChatRoom.objects.create(community=community, name="Forever", slug="forever")
    expired = [
        add_room_message(room, patient, "Old", at=now - timedelta(days=8)),
        add_room_message(room, patient, "Just old", at=now - timedelta(days=7, minutes=1)),
    ]
    reported = add_room_message(room, patient, "Under review", at=now - timedelta(days=9))
    MessageReport.objects.create(message=reported, reporter=caregiver, reason="abusive")
    kept = [
        add_room_message(room, patient, "Recent", at=now - timedelta(days=6, hours=23)),
        add_room_message(forever, patient, "Ancient", at=now - timedelta(days=400)),
        reported,
    ]

    assert actions.purge_chat_history(now=now) == 2
    assert actions.purge_chat_history(now=now) == 0

    assert sorted(Message.objects.values_list("pk", flat=True)) == sorted(m.pk for m in kept)
    assert not Message.objects.filter(pk__in=[m.pk for m in expired]).exists()


def test_a_message_reported_while_the_purge_runs_is_kept(room, patient, caregiver):
    now = timezone.now()
    ChatRoom.objects.filter(pk=room.pk).update(retention_days=7)
    old = add_room_message(room, patient, "Old", at=now - timedelta(days=8))
    reported = add_room_message(room, patient, "Reported meanwhile", at=now - timedelta(days=8))
    reports = []

    def report_after_the_batch_is_read(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if not reports and sql.lstrip().upper().startswith("SELECT") and "LIMIT" in sql.upper():
            # Someone reports the message between the purge's read and its delete.
            reports.append(
                MessageReport.objects.create(message=reported, reporter=caregiver, reason="abusive")
            )
        return result

    with connection.execute_wrapper(report_after_the_batch_is_read):
        deleted = actions.purge_chat_history(now=now)

    assert deleted == 1
    assert list(Message.objects.values_list("pk", flat=True)) == [reported.pk]
    assert list(MessageReport.objects.values_list("pk", "message_id")) == [
        (reports[0].pk, reported.pk)
    ]
    assert not Message.objects.filter(pk=old.pk).exists()


def test_the_purge_command_reports_how_many_it_deleted(room, patient, capsys):
    ChatRoom.objects.filter(pk=room.pk).update(retention_days=1)
    add_room_message(room, patient, "Old", at=timezone.now() - timedelta(days=2))

    call_command("purge_chat_history")
    call_command("purge_chat_history")

    assert capsys.readouterr().out == (
        "1 expired chat message(s) deleted.\n0 expired chat message(s) deleted.\n"
    )


def test_the_purge_task_runs_the_purge(room, patient):
    from carecircle.messaging.tasks import purge_chat_history_task

    ChatRoom.objects.filter(pk=room.pk).update(retention_days=1)
    add_room_message(room, patient, "Old", at=timezone.now() - timedelta(days=2))

    result = purge_chat_history_task.enqueue()

    assert result.return_value == 1
    assert Message.objects.count() == 0
