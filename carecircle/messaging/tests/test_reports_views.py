"""Pages for reporting a message and for the staff who review reports."""

from __future__ import annotations

from typing import Any

import pytest

from carecircle.core.errors import NotFoundError
from carecircle.core.factories import UserFactory
from carecircle.core.models import AuditEvent
from carecircle.messaging.actions.reports import report_message
from carecircle.messaging.models import Message, MessageReport, Participant
from carecircle.messaging.tests.reports_setup import make_conversation, make_message, make_room
from conftest import client_for

pytestmark = pytest.mark.django_db

SECRET = "My address is 12 Rose Lane"


@pytest.fixture
def site_moderator(db: None) -> Any:
    return UserFactory(display_name="Sid site moderator", handle="sitemod", is_site_moderator=True)


@pytest.fixture
def private_report(patient, caregiver) -> MessageReport:
    message = make_message(make_conversation(caregiver, patient), caregiver, SECRET)
    return report_message(actor=patient, message=message, reason="abusive", note="Scared me")


@pytest.fixture
def room_report(community, patient, caregiver) -> MessageReport:
    message = make_message(make_room(community, "Evening chat"), caregiver, "Buy my cure")
    return report_message(actor=patient, message=message, reason="spam")


def _viewed() -> list[tuple[int | None, str]]:
    return list(
        AuditEvent.objects.filter(verb="message.report_viewed").values_list("actor_id", "target_id")
    )


# --- a member reports ----------------------------------------------------------------------------


def test_the_report_page_shows_the_message_and_the_reasons(community, patient, caregiver):
    message = make_message(make_room(community), caregiver, "Buy my cure")

    response = client_for(patient).get(f"/report-message/{message.pk}/?next=/messages/")

    page = response.content.decode()
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    assert "Buy my cure" in page
    assert 'value="medically_inaccurate"' in page
    assert '<input type="hidden" name="next" value="/messages/">' in page


def test_a_member_reports_a_message_and_goes_back(community, patient, caregiver):
    message = make_message(make_room(community), caregiver, "Buy my cure")

    response = client_for(patient).post(
        f"/report-message/{message.pk}/", {"reason": "spam", "note": "", "next": "/messages/"}
    )

    assert (response.status_code, response["Location"]) == (302, "/messages/")
    report = MessageReport.objects.get()
    assert (report.reporter_id, report.reason, report.body_snapshot) == (
        patient.pk,
        "spam",
        "Buy my cure",
    )


def test_a_foreign_next_address_is_ignored(community, patient, caregiver):
    message = make_message(make_room(community), caregiver)
    response = client_for(patient).post(
        f"/report-message/{message.pk}/", {"reason": "spam", "next": "https://evil.example/"}
    )
    assert (response.status_code, response["Location"]) == (302, f"/report-message/{message.pk}/")


def test_bad_input_is_shown_next_to_the_field_and_the_note_is_kept(community, patient, caregiver):
    message = make_message(make_room(community), caregiver)

    response = client_for(patient).post(
        f"/report-message/{message.pk}/", {"reason": "other", "note": "   "}
    )

    assert response.status_code == 400
    assert 'id="error_note"' in response.content.decode()
    response = client_for(patient).post(
        f"/report-message/{message.pk}/", {"reason": "", "note": "Kept words"}
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert 'id="error_reason"' in page and "Kept words</textarea>" in page
    assert MessageReport.objects.count() == 0


def test_a_second_visit_says_it_was_reported_already(community, patient, caregiver):
    message = make_message(make_room(community), caregiver)
    report_message(actor=patient, message=message, reason="spam")

    response = client_for(patient).get(f"/report-message/{message.pk}/")

    assert "You reported this message on" in response.content.decode()
    assert '<form method="post" class="stacked"' not in response.content.decode()


def test_someone_who_cannot_read_the_message_gets_not_found(private_report, outsider, moderator):
    message_id = private_report.message_id
    for member in (outsider, moderator):
        response = client_for(member).post(f"/report-message/{message_id}/", {"reason": "spam"})
        assert response.status_code == 404
        assert SECRET not in response.content.decode()
    assert MessageReport.objects.count() == 1


# --- staff: the list -----------------------------------------------------------------------------


def test_the_list_shows_reports_without_their_words(private_report, room_report, site_moderator):
    response = client_for(site_moderator).get("/moderation/message-reports/")

    page = response.content.decode()
    assert response.status_code == 200
    assert SECRET not in page and "Buy my cure" not in page and "Scared me" not in page
    assert "Private conversation" in page
    assert "Chat room “Evening chat” in Type 2 Diabetes" in page
    assert f"/moderation/message-reports/{private_report.pk}/" in page
    assert f"/moderation/message-reports/{room_report.pk}/" in page
    assert _viewed() == []


def test_a_community_moderator_lists_only_their_rooms(private_report, room_report, moderator):
    page = client_for(moderator).get("/moderation/message-reports/").content.decode()

    assert f"/moderation/message-reports/{room_report.pk}/" in page
    assert f"/moderation/message-reports/{private_report.pk}/" not in page


def test_closed_reports_leave_the_list(room_report, moderator):
    MessageReport.objects.filter(pk=room_report.pk).update(status="closed")
    page = client_for(moderator).get("/moderation/message-reports/").content.decode()
    assert "No reports are waiting" in page


def test_members_without_a_moderating_role_get_not_found(room_report, patient, visitor_client):
    assert client_for(patient).get("/moderation/message-reports/").status_code == 404
    assert visitor_client.get("/moderation/message-reports/").status_code == 302


@pytest.mark.parametrize("count", [2, 12])
def test_the_list_query_count_does_not_grow(
    community, patient, caregiver, site_moderator, count, django_assert_num_queries
):
    room = make_room(community)
    for number in range(count):
        conversation = make_conversation(caregiver, UserFactory()) if number % 2 else room
        message = make_message(conversation, caregiver)
        MessageReport.objects.create(message=message, reporter=patient, reason="spam")
    client = client_for(site_moderator)

    # session, member, count, page; then the layout's unread badge and policy notice (3)
    with django_assert_num_queries(8):  # + the notifications bell's unread count
        response = client.get("/moderation/message-reports/")

    assert response.status_code == 200


def test_the_list_query_count_for_a_community_moderator(
    room_report, moderator, django_assert_num_queries
):
    client = client_for(moderator)
    # session, member, "moderates anything?", count, page; then the layout's three
    with django_assert_num_queries(9):  # + the notifications bell's unread count
        response = client.get("/moderation/message-reports/")
    assert response.status_code == 200


# --- staff: one report ---------------------------------------------------------------------------


def test_the_detail_shows_the_words_and_records_each_view(private_report, site_moderator):
    client = client_for(site_moderator)

    first = client.get(f"/moderation/message-reports/{private_report.pk}/")
    assert _viewed() == [(site_moderator.pk, str(private_report.pk))]
    client.get(f"/moderation/message-reports/{private_report.pk}/")

    page = first.content.decode()
    assert first.status_code == 200
    assert first["Cache-Control"] == "private, no-store"
    assert SECRET in page and "Scared me" in page
    assert "Cam the caregiver (@caregiver)" in page and "Pat the patient (@patient)" in page
    assert "unchanged." in page
    assert _viewed() == [
        (site_moderator.pk, str(private_report.pk)),
        (site_moderator.pk, str(private_report.pk)),
    ]


def test_the_detail_tells_an_edited_message_from_the_reported_words(private_report, site_moderator):
    Message.objects.filter(pk=private_report.message_id).update(
        body="Nice words", body_html="<p>Nice words</p>", edited_at="2026-01-01T00:00:00Z"
    )
    page = (
        client_for(site_moderator)
        .get(f"/moderation/message-reports/{private_report.pk}/")
        .content.decode()
    )
    assert SECRET in page and "Nice words" not in page
    assert "edited since it was written" in page


@pytest.mark.parametrize("who", ["moderator", "patient", "caregiver", "outsider"])
def test_others_get_not_found_and_nothing_is_recorded(private_report, who, request):
    client = client_for(request.getfixturevalue(who))
    before = AuditEvent.objects.count()

    for url in (
        f"/moderation/message-reports/{private_report.pk}/",
        f"/moderation/message-reports/{private_report.pk + 1000}/",
    ):
        response = client.get(url)
        assert response.status_code == 404
        assert SECRET not in response.content.decode()
    response = client.post(f"/moderation/message-reports/{private_report.pk}/delete-message")
    assert response.status_code == 404
    response = client.post(f"/moderation/message-reports/{private_report.pk}/close")
    assert response.status_code == 404

    assert AuditEvent.objects.count() == before
    assert Message.objects.get(pk=private_report.message_id).body == SECRET
    assert MessageReport.objects.get(pk=private_report.pk).status == "open"


def test_a_community_moderator_opens_a_report_of_their_room(room_report, moderator):
    response = client_for(moderator).get(f"/moderation/message-reports/{room_report.pk}/")
    assert response.status_code == 200
    assert "Buy my cure" in response.content.decode()
    assert _viewed() == [(moderator.pk, str(room_report.pk))]


def test_staff_close_a_report_from_the_page(room_report, moderator):
    client = client_for(moderator)

    response = client.post(
        f"/moderation/message-reports/{room_report.pk}/close", {"outcome_note": "Fine"}
    )

    assert (response.status_code, response["Location"]) == (302, "/moderation/message-reports/")
    room_report.refresh_from_db()
    assert (room_report.status, room_report.closed_by_id) == ("closed", moderator.pk)
    assert AuditEvent.objects.get(verb="message.report_close").data["outcome_note"] == "Fine"


def test_a_too_long_outcome_note_is_shown_with_the_text_kept(room_report, moderator):
    response = client_for(moderator).post(
        f"/moderation/message-reports/{room_report.pk}/close", {"outcome_note": "y" * 501}
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert 'id="error_outcome_note"' in page and "y" * 501 in page
    room_report.refresh_from_db()
    assert room_report.status == "open"
    # The page showed the words again, so that showing is recorded too.
    assert _viewed() == [(moderator.pk, str(room_report.pk))]


def test_staff_delete_the_message_from_the_page(private_report, site_moderator):
    response = client_for(site_moderator).post(
        f"/moderation/message-reports/{private_report.pk}/delete-message"
    )

    assert (response.status_code, response["Location"]) == (302, "/moderation/message-reports/")
    message = Message.objects.get(pk=private_report.message_id)
    assert (message.body, message.deleted_by_id) == ("", site_moderator.pk)
    assert MessageReport.objects.get(pk=private_report.pk).status == "closed"


def test_the_staff_pages_need_post_for_changes(room_report, moderator):
    client = client_for(moderator)
    assert client.get(f"/moderation/message-reports/{room_report.pk}/close").status_code == 405
    assert (
        client.get(f"/moderation/message-reports/{room_report.pk}/delete-message").status_code
        == 405
    )
    assert MessageReport.objects.get(pk=room_report.pk).status == "open"


def test_someone_added_later_cannot_open_the_report_page_of_an_earlier_message(
    patient, caregiver, professional
):
    conversation = make_conversation(caregiver, patient, professional)
    earlier = make_message(conversation, caregiver, SECRET)
    Participant.objects.filter(conversation=conversation, user=professional).update(
        history_from_message_id=earlier.pk
    )
    response = client_for(professional).get(f"/report-message/{earlier.pk}/")
    assert response.status_code == 404
    assert SECRET not in response.content.decode()
    with pytest.raises(NotFoundError):
        report_message(actor=professional, message=earlier, reason="spam")
    assert MessageReport.objects.count() == 0
