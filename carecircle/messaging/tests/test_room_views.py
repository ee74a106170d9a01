"""Chat room pages: they work without JavaScript, keep the member's words, and stay cheap."""

from __future__ import annotations

import re
import zoneinfo
from datetime import timedelta

import pytest
from django.utils import timezone

from carecircle.core.models import AuditEvent
from carecircle.discussions.models import Topic
from carecircle.messaging.models import ChatRoom, ChatSession, Message, RoomRestriction
from carecircle.messaging.tests.attachments_setup import attached_upload
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

ROOM_URL = "/c/type-2-diabetes/chat/tuesday-evening-support-group/"


@pytest.fixture(autouse=True)
def _no_static_scan_per_client(settings) -> None:
    # WhiteNoise would index every static file for each test client; these pages serve none.
    settings.WHITENOISE_AUTOREFRESH = True


def text(response) -> str:
    return response.content.decode()


def without_tokens(page: str) -> str:
    """The page without what differs on every response (script nonces, CSRF tokens)."""
    page = re.sub(r'nonce="[^"]*"|"inlineScriptNonce": "[^"]*"', "", page)
    page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", page)
    return re.sub(r'"X-CSRFToken": "[^"]*"', "", page)


# --- the list of rooms ---------------------------------------------------------------------------


def test_the_community_page_links_its_rooms_for_members_only(community, patient, visitor_client):
    link = 'href="/c/type-2-diabetes/chat/"'

    assert link in text(client_for(patient).get("/c/type-2-diabetes/"))
    assert link not in text(visitor_client.get("/c/type-2-diabetes/"))


def test_members_see_the_rooms_with_their_next_session(room, patient, community):
    patient.time_zone = "Asia/Tokyo"
    patient.save(update_fields=["time_zone"])
    evening = ChatRoom.objects.create(community=community, name="Evening", slug="evening")
    session = make_session(evening, starts_in=timedelta(days=1), title="Weekly circle")

    page = text(client_for(patient).get("/c/type-2-diabetes/chat/"))

    tokyo = session.starts_at.astimezone(zoneinfo.ZoneInfo("Asia/Tokyo"))
    assert f'href="{ROOM_URL}">Tuesday evening support group</a>' in page
    assert "Open at any time" in page
    assert "Next session: Weekly circle" in page
    assert f"{tokyo:%A} {tokyo.day} {tokyo:%b %Y, %H:%M}</time>" in page
    assert "Open a new room" not in page


def test_managers_are_offered_to_open_a_room(room, room_manager):
    assert "Open a new room" in text(client_for(room_manager).get("/c/type-2-diabetes/chat/"))


def test_outsiders_are_told_rooms_are_for_members_and_visitors_sign_in(
    room, outsider, visitor_client
):
    response = client_for(outsider).get("/c/type-2-diabetes/chat/")

    assert response.status_code == 403
    assert "Chat rooms are for members of this community." in text(response)
    assert visitor_client.get("/c/type-2-diabetes/chat/")["Location"] == (
        "/accounts/login/?next=%2Fc%2Ftype-2-diabetes%2Fchat%2F"
    )


@pytest.mark.parametrize("count", [2, 12])
def test_the_room_list_query_count_does_not_grow(
    community, patient, count, django_assert_num_queries
):
    for number in range(count):
        room = ChatRoom.objects.create(
            community=community, name=f"Room {number}", slug=f"r{number}"
        )
        make_session(room, starts_in=timedelta(days=1 + number))
    client = client_for(patient)

    # session, member, community, membership, rooms, their sessions, unread badge, terms (2).
    with django_assert_num_queries(10):  # + the notifications bell's unread count
        response = client.get("/c/type-2-diabetes/chat/")

    assert response.status_code == 200
    assert text(response).count("Next session") == count


# --- creating and editing rooms -------------------------------------------------------------------


def test_a_manager_opens_a_room_with_the_form(community, room_manager):
    client = client_for(room_manager)

    response = client.post(
        "/c/type-2-diabetes/chat/new/",
        {"name": "Morning coffee", "description": "Say hello", "retention_days": "30"},
    )

    room = ChatRoom.objects.get(name="Morning coffee")
    assert response["Location"] == "/c/type-2-diabetes/chat/morning-coffee/"
    assert (room.description, room.retention_days) == ("Say hello", 30)


def test_a_refused_room_name_is_shown_next_to_the_field_with_the_text_kept(room, room_manager):
    response = client_for(room_manager).post(
        "/c/type-2-diabetes/chat/new/",
        {"name": "Tuesday Evening Support Group", "description": "Kept words"},
    )

    page = text(response)
    assert response.status_code == 400
    assert "This community already has a room with that name." in page
    assert "Kept words</textarea>" in page
    assert ChatRoom.objects.count() == 1


def test_members_cannot_open_rooms(community, patient):
    before = rooms_state()
    client = client_for(patient)

    assert client.get("/c/type-2-diabetes/chat/new/").status_code == 403
    assert client.post("/c/type-2-diabetes/chat/new/", {"name": "Mine"}).status_code == 403
    assert rooms_state() == before


def test_a_manager_archives_a_room(room, room_manager):
    response = client_for(room_manager).post(ROOM_URL + "edit/", {"operation": "archive"})

    assert response["Location"] == ROOM_URL
    assert ChatRoom.objects.get(pk=room.pk).is_archived is True


# --- the room page -------------------------------------------------------------------------------


def test_the_room_page_shows_messages_presence_and_the_form(room, patient, caregiver, moderator):
    hide_presence(moderator)
    handler_rows = [("socket-c", caregiver), ("socket-m", moderator)]
    from carecircle.core.realtime import STREAMS

    for channel, user in handler_rows:
        STREAMS["room"].subscribe(user, str(room.pk), channel)
    add_room_message(room, caregiver, "Welcome")
    mine = add_room_message(room, patient, "Thanks")

    page = text(client_for(patient).get(ROOM_URL))

    assert "<h1>Tuesday evening support group</h1>" in page
    assert page.index("Welcome") < page.index("Thanks")
    assert f'data-stream="room:{room.pk}"' in page
    assert f'data-last-id="{mine.pk}"' in page
    assert '<li data-handle="caregiver">Cam the caregiver</li>' in page
    assert 'data-handle="moderator"' not in page
    assert f'action="{ROOM_URL}send"' in page
    assert f'href="{ROOM_URL}messages/{mine.pk}/delete/"' in page
    assert "No sessions: the room is open at any time." in page


def test_messages_of_members_one_blocked_are_left_out(room, patient, caregiver):
    block(patient, caregiver)
    add_room_message(room, caregiver, "Hidden words")

    page = text(client_for(patient).get(ROOM_URL))

    assert "Hidden words" not in page
    assert "No messages yet." in page


def test_older_messages_are_paged_without_javascript(room, patient):
    messages = [add_room_message(room, patient, f"Message number {n}") for n in range(60)]
    client = client_for(patient)

    latest = text(client.get(ROOM_URL))
    older = text(client.get(ROOM_URL + f"?before={messages[10].pk}"))

    assert "Message number 59<" in latest and "Message number 9<" not in latest
    assert f'href="?before={messages[10].pk}"' in latest
    assert "Message number 9<" in older and "Message number 10<" not in older
    assert "Older messages" not in older
    assert "Newer messages" in older
    assert "room.js" not in older


@pytest.mark.parametrize("count", [3, 30])
def test_the_room_page_query_count_does_not_grow(
    room, patient, caregiver, moderator, count, django_assert_num_queries
):
    for number in range(count):
        message = add_room_message(room, [patient, caregiver][number % 2], f"Message {number}")
        attached_upload(message)
    make_session(room, starts_in=timedelta(days=1))
    make_session(room, starts_in=-timedelta(days=1))
    from carecircle.core.realtime import STREAMS

    STREAMS["room"].subscribe(caregiver, str(room.pk), "socket-c")
    client = client_for(patient)

    # session, member, community, membership, room, blocks, messages, their attachments,
    # upcoming and past sessions, mute, presence, unread badge, terms check (2).
    with django_assert_num_queries(16):  # + the notifications bell's unread count
        response = client.get(ROOM_URL)

    assert response.status_code == 200
    assert text(response).count('srcset="/uploads/') == count


def test_outsiders_get_the_same_answer_whether_the_room_exists_or_not(room, outsider):
    client = client_for(outsider)

    existing = client.get(ROOM_URL)
    missing = client.get("/c/type-2-diabetes/chat/no-such-room/")

    assert existing.status_code == missing.status_code == 403
    assert without_tokens(text(existing)) == without_tokens(text(missing))
    assert "Chat rooms are for members of this community." in text(existing)


def test_a_missing_room_is_not_found_for_members(room, patient):
    assert client_for(patient).get("/c/type-2-diabetes/chat/no-such-room/").status_code == 404


def test_sending_without_javascript_posts_and_comes_back_to_the_message(room, patient):
    client = client_for(patient)

    response = client.post(ROOM_URL + "send", {"body": "Hello from a plain form", "client_id": ""})

    message = Message.objects.get()
    assert response["Location"] == f"{ROOM_URL}#message-{message.pk}"
    assert (message.author_id, message.body) == (patient.pk, "Hello from a plain form")


def test_a_resubmitted_form_is_stored_once(room, patient):
    client = client_for(patient)
    form = {"body": "Only once", "client_id": "6f1d2b1e-3c1f-4f5e-9d7a-2a1b3c4d5e6f"}

    client.post(ROOM_URL + "send", form)
    client.post(ROOM_URL + "send", form)

    assert Message.objects.count() == 1


def test_a_refused_send_keeps_the_words_next_to_the_reason(room, moderator, patient):
    ChatRoom.objects.filter(pk=room.pk).update(slow_mode_seconds=60)
    add_room_message(room, patient, "Just now")

    response = client_for(patient).post(ROOM_URL + "send", {"body": "My second thought"})

    page = text(response)
    assert response.status_code == 429
    assert "Slow mode is on: everyone can send one message every 60 seconds." in page
    assert "My second thought</textarea>" in page
    assert Message.objects.count() == 1


def test_a_closed_room_says_when_it_opens_in_the_members_time_zone(room, patient):
    patient.time_zone = "America/New_York"
    patient.save(update_fields=["time_zone"])
    session = make_session(room, starts_in=timedelta(hours=5), publishes_transcript=True)

    page = text(client_for(patient).get(ROOM_URL))

    opens = (session.starts_at - timedelta(minutes=10)).astimezone(
        zoneinfo.ZoneInfo("America/New_York")
    )
    assert "This room is open during its sessions. The next one, “Evening circle”, opens at " in (
        page
    )
    assert f"{opens:%A} {opens.day} {opens:%b %Y, %H:%M}." in page
    assert 'id="room-composer" enctype="multipart/form-data" novalidate hidden data-opens-at=' in (
        page
    )
    assert "May be published" in page
    assert "This session may be published." not in page


def test_during_a_published_session_the_room_says_so_before_anyone_writes(room, patient):
    make_session(room, starts_in=-timedelta(minutes=5), publishes_transcript=True)

    page = text(client_for(patient).get(ROOM_URL))

    assert "This session may be published." in page
    assert (
        "The topic is a copy posted by the manager: your words stay in it even if you later "
        "delete your messages here, the room deletes its old messages, or your account is "
        "erased."
    ) in page
    assert 'id="room-composer" enctype="multipart/form-data" novalidate>' in page


def test_a_send_refused_while_muted_or_closed_still_shows_the_words(room, moderator, patient):
    RoomRestriction.objects.create(
        room=room, user=patient, until=timezone.now() + timedelta(hours=1), restricted_by=moderator
    )
    client = client_for(patient)

    muted = client.post(ROOM_URL + "send", {"body": "Words I do not want to lose"})
    RoomRestriction.objects.all().delete()
    make_session(room, starts_in=timedelta(days=1))
    closed = client.post(ROOM_URL + "send", {"body": "More words to keep"})

    assert muted.status_code == closed.status_code == 403
    assert "A moderator has paused your messages in this room until" in text(muted)
    assert 'readonly rows="4">Words I do not want to lose</textarea>' in text(muted)
    assert "This room is open during its sessions. It opens again at" in text(closed)
    assert 'readonly rows="4">More words to keep</textarea>' in text(closed)
    assert Message.objects.count() == 0


def test_a_muted_member_sees_until_when_instead_of_the_form(room, moderator, patient):
    until = timezone.now() + timedelta(hours=1)
    RoomRestriction.objects.create(room=room, user=patient, until=until, restricted_by=moderator)

    page = text(client_for(patient).get(ROOM_URL))

    assert "A moderator has paused your messages in this room until" in page
    assert 'id="room-composer"' not in page


def test_the_signed_out_sender_keeps_their_words(room, visitor_client):
    response = visitor_client.post(ROOM_URL + "send", {"body": "Words I typed"})

    assert response.status_code == 401
    assert "Words I typed</textarea>" in text(response)
    assert Message.objects.count() == 0


# --- moderation ----------------------------------------------------------------------------------


def test_a_moderator_deletes_a_message_after_confirming(room, moderator, patient):
    message = add_room_message(room, patient, "Something hurtful")
    client = client_for(moderator)
    url = f"{ROOM_URL}messages/{message.pk}/delete/"

    confirm = text(client.get(url))
    response = client.post(url)

    assert "The removal is recorded in the audit log." in confirm
    assert response["Location"] == f"{ROOM_URL}#message-{message.pk}"
    assert Message.objects.get().deleted_by_id == moderator.pk
    assert AuditEvent.objects.filter(verb="chat.message_delete").count() == 1
    assert "This message was removed by a moderator." in text(client.get(ROOM_URL))


def test_members_cannot_delete_others_messages_from_the_page(room, caregiver, patient):
    message = add_room_message(room, patient, "Mine")
    before = rooms_state()

    response = client_for(caregiver).post(f"{ROOM_URL}messages/{message.pk}/delete/")

    assert response.status_code == 403
    assert rooms_state() == before


def test_moderators_mute_and_set_slow_mode_from_the_moderation_page(room, moderator, patient):
    client = client_for(moderator)

    muted = client.post(
        ROOM_URL + "moderate/",
        {"operation": "mute", "handle": "@Patient", "minutes": "60", "reason": "Cool off"},
    )
    slowed = client.post(ROOM_URL + "moderate/", {"operation": "slow_mode", "seconds": "30"})

    assert muted.status_code == slowed.status_code == 302
    assert RoomRestriction.objects.get().user_id == patient.pk
    assert ChatRoom.objects.get(pk=room.pk).slow_mode_seconds == 30
    page = text(client.get(ROOM_URL + "moderate/"))
    assert "Pat the patient</strong>" in page and "Cool off" in page


def test_muting_an_unknown_handle_is_explained_next_to_the_field(room, moderator):
    response = client_for(moderator).post(
        ROOM_URL + "moderate/", {"operation": "mute", "handle": "nobody", "minutes": "60"}
    )

    assert response.status_code == 400
    assert "That person is not a member of this community." in text(response)
    assert RoomRestriction.objects.count() == 0


def test_members_cannot_moderate(room, patient):
    assert client_for(patient).get(ROOM_URL + "moderate/").status_code == 403


# --- sessions and transcripts --------------------------------------------------------------------


def test_a_manager_schedules_a_session_in_their_own_time_zone(room, room_manager):
    room_manager.time_zone = "Europe/Paris"
    room_manager.save(update_fields=["time_zone"])
    day = (timezone.now() + timedelta(days=3)).date()

    response = client_for(room_manager).post(
        ROOM_URL + "sessions/new/",
        {
            "title": "Evening circle",
            "starts_at": f"{day:%Y-%m-%d}T19:00",
            "ends_at": f"{day:%Y-%m-%d}T20:30",
            "publishes_transcript": "on",
        },
    )

    session = ChatSession.objects.get()
    paris = zoneinfo.ZoneInfo("Europe/Paris")
    assert response["Location"] == ROOM_URL + "#sessions"
    assert session.starts_at.astimezone(paris).strftime("%H:%M") == "19:00"
    assert session.ends_at - session.starts_at == timedelta(minutes=90)
    assert session.publishes_transcript is True


def test_a_session_in_the_past_is_refused_next_to_its_start_with_the_form_kept(room, room_manager):
    start = timezone.localtime(timezone.now() - timedelta(hours=2))
    end = start + timedelta(hours=3)
    before = rooms_state()

    response = client_for(room_manager).post(
        ROOM_URL + "sessions/new/",
        {
            "title": "Backdated circle",
            "starts_at": f"{start:%Y-%m-%dT%H:%M}",
            "ends_at": f"{end:%Y-%m-%dT%H:%M}",
            "publishes_transcript": "on",
        },
    )

    page = text(response)
    assert response.status_code == 400
    assert (
        '<div class="field-error" id="id_starts_at_error"><p><span class="visually-hidden">'
        "Error: </span>A session cannot start in the past. Please choose a time from now on."
        "</p></div>"
    ) in page
    assert 'value="Backdated circle"' in page
    assert f'value="{end:%Y-%m-%dT%H:%M}"' in page
    assert rooms_state() == before


def test_the_transcript_is_readable_only_after_the_session(room, patient, caregiver):
    running = make_session(room, starts_in=-timedelta(minutes=30))
    add_room_message(room, caregiver, "Said during the session")
    client = client_for(patient)

    during = client.get(f"{ROOM_URL}sessions/{running.pk}/")
    ChatSession.objects.filter(pk=running.pk).update(ends_at=timezone.now())
    after = client.get(f"{ROOM_URL}sessions/{running.pk}/")

    assert during.status_code == 403
    assert "The transcript can be read once the session has ended." in text(during)
    assert after.status_code == 200
    assert "Said during the session" in text(after)
    assert "Publish the transcript" not in text(after)


def test_a_manager_publishes_a_transcript_with_one_click(room, room_manager, caregiver):
    session = make_session(room, starts_in=-timedelta(hours=3), publishes_transcript=True)
    add_room_message(room, caregiver, "Words", at=session.starts_at + timedelta(minutes=1))
    client = client_for(room_manager)
    url = f"{ROOM_URL}sessions/{session.pk}/"

    offer = text(client.get(url))
    assert "Publish the transcript" in offer
    assert (
        "The topic is a copy: it keeps members' words after the room's messages are "
        "deleted or a member's account is erased."
    ) in offer
    response = client.post(url + "publish")
    again = client.post(url + "publish")

    topic = Topic.objects.get()
    assert response["Location"] == topic.get_absolute_url()
    assert again["Location"] == url
    assert Topic.objects.count() == 1
    assert "This transcript is published as a topic:" in text(client.get(url))


def test_members_cannot_publish_a_transcript(room, patient):
    session = make_session(room, starts_in=-timedelta(hours=3), publishes_transcript=True)
    before = rooms_state()

    response = client_for(patient).post(f"{ROOM_URL}sessions/{session.pk}/publish")

    assert response.status_code == 403
    assert rooms_state() == before
