"""The conversation pages, used without JavaScript: forms post, pages reload."""

from __future__ import annotations

import re

import pytest

from carecircle.core.factories import UserFactory, make_member
from carecircle.messaging.actions import conversations as actions
from carecircle.messaging.models import Conversation, Message, MessagingSettings
from carecircle.messaging.queries import conversations as queries
from conftest import client_for

from .attachments_setup import attached_upload
from .conftest import add_messages, messaging_state, place_of

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return response.content.decode()


def message_ids(page: str) -> list[int]:
    return [int(found) for found in re.findall(r'id="message-(\d+)"', page)]


# --- lists ---------------------------------------------------------------------------------


def test_the_inbox_lists_conversations_with_unread_marks(patient, caregiver, direct):
    actions.send_message(actor=caregiver, conversation=direct, body="How was **today**?")
    page = text(client_for(patient).get("/messages/"))
    assert f'href="/messages/{direct.pk}/">Cam the caregiver</a>' in page
    assert "Unread" in page
    assert "Cam the caregiver: How was **today**?" in page
    assert client_for(patient).get("/messages/")["Cache-Control"] == "private, no-store"


def test_visitors_are_sent_to_sign_in(db):
    response = client_for(None).get("/messages/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("count", [3, 25])
def test_inbox_query_count_does_not_grow(community, patient, count, django_assert_num_queries):
    for _n in range(count):
        other = UserFactory()
        make_member(community, other)
        conversation = actions.start_conversation(actor=other, recipients=[patient], body="Hi")
        add_messages(conversation, other, 2)
    client = client_for(patient)
    client.get("/messages/")  # the header badge is now cached, as on any later page

    # session, member, inbox count, page, people, last messages, requests, policy banner
    with django_assert_num_queries(8):
        response = client.get("/messages/")
    assert response.status_code == 200
    assert text(response).count('class="conversation-entry') == min(count, 20)


def test_requests_are_listed_apart_and_answered(patient, stranger):
    conversation = actions.start_conversation(actor=stranger, recipients=[patient], body="Hi")
    client = client_for(patient)
    assert "Sam Stranger" not in text(client.get("/messages/"))
    requests = text(client.get("/messages/requests/"))
    assert "From Sam Stranger (@stranger)" in requests
    assert (
        '<span class="nav-badge">1<span class="visually-hidden"> waiting</span></span>' in requests
    )
    # Reading it first does not tell the sender anything.
    page = text(client.get(f"/messages/{conversation.pk}/"))
    assert "would like to talk with you" in page
    assert 'id="compose"' not in page
    assert place_of(conversation, patient).last_read_message_id == 0

    response = client.post(f"/messages/{conversation.pk}/answer/", {"answer": "accept"})
    assert response["Location"] == f"/messages/{conversation.pk}/#compose"
    assert place_of(conversation, patient).state == "active"
    assert 'id="compose"' in text(client.get(f"/messages/{conversation.pk}/"))


@pytest.mark.parametrize("count", [3, 25])
def test_requests_page_query_count_does_not_grow(
    community, patient, count, django_assert_num_queries
):
    for _n in range(count):
        actions.start_conversation(actor=UserFactory(), recipients=[patient], body="Hi")
    client = client_for(patient)
    client.get("/messages/requests/")  # the header badge is now cached, as on any later page

    # session, member, requests count (also the nav's count), page, people, last messages,
    # policy banner
    with django_assert_num_queries(7):
        response = client.get("/messages/requests/")
    page = text(response)
    assert page.count("Read it first") == min(count, 20)
    assert f'<span class="nav-badge">{count}<span class="visually-hidden"> waiting' in page


def test_declining_from_the_page(patient, stranger):
    conversation = actions.start_conversation(actor=stranger, recipients=[patient], body="Hi")
    client = client_for(patient)
    response = client.post(f"/messages/{conversation.pk}/answer/", {"answer": "decline"})
    assert response["Location"] == "/messages/requests/"
    assert place_of(conversation, patient).state == "declined"
    assert client.get(f"/messages/{conversation.pk}/").status_code == 404


# --- starting ------------------------------------------------------------------------------


def test_starting_from_a_profile_reuses_the_conversation(patient, caregiver, direct):
    response = client_for(patient).get("/messages/new/?to=caregiver")
    assert response.status_code == 302
    assert response["Location"] == f"/messages/{direct.pk}/#compose"


def test_starting_a_new_conversation_without_javascript(community, patient, stranger):
    client = client_for(patient)
    form = text(client.get("/messages/new/?to=stranger"))
    assert 'value="@stranger"' in form
    client_id = re.search(r'name="client_id" value="([0-9a-f-]+)"', form).group(1)

    data = {"to": "@stranger", "body": "Hello *Sam*", "client_id": client_id, "title": ""}
    response = client.post("/messages/new/", data)
    conversation = Conversation.objects.get()
    assert response["Location"] == f"/messages/{conversation.pk}/#latest"
    # The same form sent twice (a double click, a retried post) starts nothing new.
    assert client.post("/messages/new/", data)["Location"] == response["Location"]
    assert Message.objects.count() == 1
    assert Message.objects.get().body_html == "<p>Hello <em>Sam</em></p>\n"
    assert place_of(conversation, stranger).state == "requested"


def test_starting_keeps_the_text_on_errors(patient, caregiver):
    client = client_for(patient)
    response = client.post("/messages/new/", {"to": "@nobody", "body": "My long message"})
    assert response.status_code == 400
    page = text(response)
    assert "We could not find a member with the handle @nobody." in page
    assert "My long message</textarea>" in page

    actions.block_member(actor=caregiver, member=patient)
    response = client.post("/messages/new/", {"to": "caregiver", "body": "Please"})
    assert response.status_code == 403
    assert "You can&#x27;t send messages to this member." in text(response)
    assert "Please</textarea>" in text(response)
    # The form from the profile says so at once, without telling why.
    assert "You can&#x27;t send messages to this member." in text(
        client.get("/messages/new/?to=caregiver")
    )
    assert Conversation.objects.count() == 0


def test_a_group_from_the_form(community, patient, caregiver, moderator):
    response = client_for(patient).post(
        "/messages/new/",
        {"to": "@caregiver, @moderator", "title": "Carers", "body": "Hello both"},
    )
    conversation = Conversation.objects.get()
    assert response.status_code == 302
    assert (conversation.kind, conversation.title) == ("group", "Carers")
    assert conversation.participants.count() == 3


# --- one conversation ----------------------------------------------------------------------


def test_sending_and_reading_without_javascript(patient, caregiver, direct):
    client = client_for(caregiver)
    page = text(client.get(f"/messages/{direct.pk}/"))
    assert "Hello Cam" in page
    assert place_of(direct, caregiver).last_read_message_id == direct.last_message_id
    response = client.post(f"/messages/{direct.pk}/send/", {"body": "Hi Pat"})
    message = Message.objects.get(author=caregiver)
    assert response["Location"] == f"/messages/{direct.pk}/#message-{message.pk}"

    response = client.post(f"/messages/{direct.pk}/send/", {"body": "x" * 5001})
    assert response.status_code == 400
    page = text(response)
    assert "Messages can be at most 5000 characters; yours has 5001." in page
    assert "x" * 5001 + "</textarea>" in page
    assert Message.objects.count() == 2


def test_seen_shows_under_my_latest_message(patient, caregiver, direct):
    client = client_for(patient)
    assert 'id="chat-seen" hidden' in text(client.get(f"/messages/{direct.pk}/"))
    client_for(caregiver).get(f"/messages/{direct.pk}/")
    assert 'id="chat-seen">Seen</p>' in text(client.get(f"/messages/{direct.pk}/"))
    MessagingSettings.objects.create(user=patient, shares_read_receipts=False)
    assert 'id="chat-seen" hidden' in text(client.get(f"/messages/{direct.pk}/"))


def test_seen_is_not_shown_under_the_other_members_message(patient, caregiver, direct):
    client_for(caregiver).get(f"/messages/{direct.pk}/")
    client = client_for(patient)
    assert 'id="chat-seen">Seen</p>' in text(client.get(f"/messages/{direct.pk}/"))
    actions.send_message(actor=caregiver, conversation=direct, body="Thanks")
    page = text(client.get(f"/messages/{direct.pk}/"))
    assert 'id="chat-seen" hidden></p>' in page


def test_older_messages_are_a_link_away(patient, caregiver, direct):
    made = add_messages(direct, caregiver, 60)
    client = client_for(patient)
    page = text(client.get(f"/messages/{direct.pk}/"))
    newest = message_ids(page)
    assert newest == [m.pk for m in made[-50:]]
    assert f'href="?before={made[10].pk}" rel="prev">Older messages</a>' in page

    older = text(client.get(f"/messages/{direct.pk}/?before={made[10].pk}"))
    first = Message.objects.filter(conversation=direct).order_by("pk").first()
    assert message_ids(older) == [first.pk] + [m.pk for m in made[:10]]
    assert "Older messages" not in older
    assert "Newest messages" in older
    assert "data-stream=" not in older  # an old page does not go live


@pytest.mark.parametrize("count", [5, 60])
def test_conversation_page_query_count_does_not_grow(
    patient, caregiver, direct, count, django_assert_num_queries
):
    for message in add_messages(direct, caregiver, count):
        attached_upload(message)
    client = client_for(patient)
    client.get(f"/messages/{direct.pk}/")  # reads it, so the badge below is current
    # session, member, place, people, messages, their attachments, a block between the two,
    # policy banner
    with django_assert_num_queries(8):
        response = client.get(f"/messages/{direct.pk}/")
    assert len(message_ids(text(response))) == min(count + 1, 50)
    assert text(response).count('srcset="/uploads/') == min(count, 50)


@pytest.mark.django_db(transaction=True)
def test_opening_unread_messages_marks_them_read_and_updates_the_badge(patient, caregiver, direct):
    add_messages(direct, caregiver, 3)
    client = client_for(patient)
    assert "<span data-unread-count>1</span>" in text(client.get("/messages/"))
    page = text(client.get(f"/messages/{direct.pk}/"))
    assert "data-unread-badge hidden" in page
    assert queries.count_unread(patient.pk) == 0


def test_non_participants_get_not_found_and_change_nothing(patient, caregiver, outsider, direct):
    message = Message.objects.get(author=patient)
    client = client_for(outsider)
    before = messaging_state()
    for url in (
        f"/messages/{direct.pk}/",
        f"/messages/{direct.pk}/m/{message.pk}/edit/",
        f"/messages/{direct.pk}/m/{message.pk}/delete/",
    ):
        assert client.get(url).status_code == 404
    for url, data in (
        (f"/messages/{direct.pk}/send/", {"body": "Let me in"}),
        (f"/messages/{direct.pk}/answer/", {"answer": "accept"}),
        (f"/messages/{direct.pk}/leave/", {}),
        (f"/messages/{direct.pk}/mute/", {"muted": "yes"}),
        (f"/messages/{direct.pk}/add/", {"to": "outsider"}),
        (f"/messages/{direct.pk}/m/{message.pk}/edit/", {"body": "Changed"}),
        (f"/messages/{direct.pk}/m/{message.pk}/delete/", {}),
    ):
        response = client.post(url, data)
        assert response.status_code == 404, url
        assert "Hello Cam" not in text(response)
    assert messaging_state() == before


def test_editing_and_deleting_own_messages_only(patient, caregiver, direct):
    mine = Message.objects.get(author=patient)
    client = client_for(patient)
    form = text(client.get(f"/messages/{direct.pk}/m/{mine.pk}/edit/"))
    assert "Hello Cam</textarea>" in form
    response = client.post(f"/messages/{direct.pk}/m/{mine.pk}/edit/", {"body": "Hi Cam"})
    assert response["Location"] == f"/messages/{direct.pk}/#message-{mine.pk}"
    assert "(edited)" in text(client.get(f"/messages/{direct.pk}/"))

    before = messaging_state()
    theirs = client_for(caregiver)
    assert theirs.get(f"/messages/{direct.pk}/m/{mine.pk}/edit/").status_code == 403
    assert theirs.post(f"/messages/{direct.pk}/m/{mine.pk}/delete/").status_code == 403
    assert messaging_state() == before
    # Others' messages offer a report instead (the unified moderation report form).
    assert f"/report/message/{mine.pk}/?next=/messages/{direct.pk}/" in text(
        theirs.get(f"/messages/{direct.pk}/")
    )

    client.post(f"/messages/{direct.pk}/m/{mine.pk}/delete/")
    page = text(theirs.get(f"/messages/{direct.pk}/"))
    assert "This message was deleted." in page
    assert "Hi Cam" not in page


def test_leaving_muting_and_adding_from_the_page(community, patient, caregiver, moderator):
    group = actions.start_conversation(
        actor=patient, recipients=[caregiver], title="Two", body="Hi"
    )
    group = actions.start_conversation(
        actor=patient, recipients=[caregiver, UserFactory()], title="Three", body="Hi"
    )
    client = client_for(patient)
    client.post(f"/messages/{group.pk}/add/", {"to": "@moderator"})
    assert place_of(group, moderator).state == "active"
    response = client.post(f"/messages/{group.pk}/add/", {"to": "@moderator"})
    assert response.status_code == 409
    assert "They are already in this conversation." in text(response)

    client.post(f"/messages/{group.pk}/mute/", {"muted": "yes"})
    assert place_of(group, patient).is_muted is True

    response = client_for(caregiver).post(f"/messages/{group.pk}/leave/")
    assert response["Location"] == "/messages/"
    assert place_of(group, caregiver).state == "left"
    assert client_for(caregiver).get(f"/messages/{group.pk}/").status_code == 404


def test_messaging_settings_page(patient, caregiver):
    client = client_for(patient)
    actions.block_member(actor=patient, member=caregiver, level="mute")
    page = text(client.get("/messages/settings/"))
    assert 'value="strangers" checked' in page
    assert "Cam the caregiver" in page
    response = client.post("/messages/settings/", {"requests_from": "new_people"})
    assert response["Location"] == "/messages/settings/"
    saved = MessagingSettings.objects.get(user=patient)
    assert (saved.requests_from, saved.shares_read_receipts) == ("new_people", False)
    response = client.post("/messages/settings/", {"requests_from": "all"})
    assert response.status_code == 400
    assert MessagingSettings.objects.get(user=patient).requests_from == "new_people"


def test_the_header_badge_counts_unread_conversations(patient, caregiver, stranger, direct):
    client = client_for(patient)
    assert "data-unread-badge hidden" in text(client.get("/communities/"))
    actions.send_message(actor=caregiver, conversation=direct, body="New")
    actions.start_conversation(actor=stranger, recipients=[patient], body="Request")
    queries.forget_unread([patient.pk])
    page = text(client.get("/communities/"))
    assert "<span data-unread-count>2</span>" in page
    assert "data-live-member" in page
    assert "carecircle/badges.js" in page
    visitor = text(client_for(None).get("/communities/"))
    assert "data-unread-count" not in visitor
    assert "data-live-member" not in visitor
