"""The message reports API: members report, staff list, read (audited), close and delete."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from carecircle.accounts.actions import create_api_token
from carecircle.core.factories import UserFactory
from carecircle.core.models import AuditEvent
from carecircle.messaging.actions.reports import report_message
from carecircle.messaging.models import Message, MessageReport
from carecircle.messaging.tests.reports_setup import make_conversation, make_message, make_room

pytestmark = pytest.mark.django_db

SECRET = "Call me on 0612345678"


def api_for(user: Any) -> Client:
    _token, secret = create_api_token(actor=user, name="test")
    return Client(headers={"Authorization": f"Bearer {secret}"})


@pytest.fixture
def site_moderator(db: None) -> Any:
    return UserFactory(display_name="Sid site moderator", handle="sitemod", is_site_moderator=True)


@pytest.fixture
def private_message(patient, caregiver) -> Message:
    return make_message(make_conversation(caregiver, patient), caregiver, SECRET)


@pytest.fixture
def room_message(community, caregiver) -> Message:
    return make_message(make_room(community, "Evening chat"), caregiver, "Buy my cure")


def test_a_member_reports_a_message(private_message, patient):
    response = api_for(patient).post(
        f"/api/v1/messages/{private_message.pk}/reports",
        {"reason": "private_information", "note": "My number!"},
        content_type="application/json",
    )

    assert response.status_code == 201
    body = response.json()
    report = MessageReport.objects.get()
    assert body == {
        "id": report.pk,
        "message_id": private_message.pk,
        "reason": "private_information",
        "note": "My number!",
        "status": "open",
        "created_at": body["created_at"],
    }
    assert report.body_snapshot == SECRET


def test_report_errors_are_json_and_change_nothing(private_message, patient, caregiver, outsider):
    url = f"/api/v1/messages/{private_message.pk}/reports"
    cases = [
        (patient, {"reason": "nonsense"}, 400, "invalid", "reason"),
        (patient, {"reason": "other", "note": ""}, 400, "invalid", "note"),
        (caregiver, {"reason": "spam"}, 403, "own_message", None),
        (outsider, {"reason": "spam"}, 404, "not_found", None),
    ]
    for member, payload, status, code, field in cases:
        response = api_for(member).post(url, payload, content_type="application/json")
        assert response.status_code == status
        assert (response.json()["code"], response.json().get("field")) == (code, field)
    missing = api_for(patient).post(
        "/api/v1/messages/999999/reports", {"reason": "spam"}, content_type="application/json"
    )
    assert missing.status_code == 404
    assert MessageReport.objects.count() == 0
    assert not AuditEvent.objects.filter(verb="message.report").exists()


def test_a_second_report_is_a_conflict(private_message, patient):
    client = api_for(patient)
    url = f"/api/v1/messages/{private_message.pk}/reports"
    assert client.post(url, {"reason": "spam"}, content_type="application/json").status_code == 201
    again = client.post(url, {"reason": "abusive"}, content_type="application/json")
    assert (again.status_code, again.json()["code"]) == (409, "conflict")
    assert list(MessageReport.objects.values_list("reason", flat=True)) == ["spam"]


def test_visitors_cannot_report(private_message):
    response = Client().post(
        f"/api/v1/messages/{private_message.pk}/reports",
        {"reason": "spam"},
        content_type="application/json",
    )
    assert response.status_code == 401
    assert MessageReport.objects.count() == 0


def test_staff_list_reports_without_text(private_message, room_message, patient, site_moderator):
    private = report_message(actor=patient, message=private_message, reason="abusive", note="n")
    room = report_message(actor=patient, message=room_message, reason="spam")

    response = api_for(site_moderator).get("/api/v1/moderation/message-reports")

    assert response.status_code == 200
    body = response.json()
    assert (body["total"], body["page"], body["pages"]) == (2, 1, 1)
    assert body["items"] == [
        {
            "id": private.pk,
            "message_id": private_message.pk,
            "reason": "abusive",
            "kind": "private",
            "community": None,
            "room": None,
            "status": "open",
            "created_at": body["items"][0]["created_at"],
        },
        {
            "id": room.pk,
            "message_id": room_message.pk,
            "reason": "spam",
            "kind": "room",
            "community": "type-2-diabetes",
            "room": "Evening chat",
            "status": "open",
            "created_at": body["items"][1]["created_at"],
        },
    ]
    assert SECRET not in response.content.decode()
    assert not AuditEvent.objects.filter(verb="message.report_viewed").exists()


def test_a_community_moderator_lists_only_their_rooms(
    private_message, room_message, patient, moderator
):
    report_message(actor=patient, message=private_message, reason="abusive")
    room = report_message(actor=patient, message=room_message, reason="spam")

    body = api_for(moderator).get("/api/v1/moderation/message-reports").json()

    assert [item["id"] for item in body["items"]] == [room.pk]


def test_members_get_not_found_for_the_list(patient):
    response = api_for(patient).get("/api/v1/moderation/message-reports")
    assert response.status_code == 404


def test_the_detail_has_the_words_and_is_recorded(
    private_message, patient, caregiver, site_moderator
):
    report = report_message(actor=patient, message=private_message, reason="abusive", note="n")
    client = api_for(site_moderator)

    response = client.get(f"/api/v1/moderation/message-reports/{report.pk}")
    client.get(f"/api/v1/moderation/message-reports/{report.pk}")

    assert response.status_code == 200
    body = response.json()
    assert (body["body_snapshot"], body["note"], body["reports_of_message"]) == (SECRET, "n", 1)
    assert body["author"] == {"handle": "caregiver", "display_name": "Cam the caregiver"}
    assert body["reporter"] == {"handle": "patient", "display_name": "Pat the patient"}
    assert body["message_state"] == {
        "is_deleted": False,
        "deleted_by_moderator": False,
        "edited_at": None,
    }
    assert list(
        AuditEvent.objects.filter(verb="message.report_viewed").values_list(
            "actor_id", "subject_id"
        )
    ) == [(site_moderator.pk, caregiver.pk), (site_moderator.pk, caregiver.pk)]


def test_others_get_not_found_and_nothing_is_recorded(private_message, patient, moderator):
    report = report_message(actor=patient, message=private_message, reason="abusive")
    clients = [api_for(member) for member in (moderator, patient)]
    before = AuditEvent.objects.count()
    for client in clients:
        assert client.get(f"/api/v1/moderation/message-reports/{report.pk}").status_code == 404
        closed = client.post(
            f"/api/v1/moderation/message-reports/{report.pk}/close",
            {},
            content_type="application/json",
        )
        assert closed.status_code == 404
        deleted = client.post(f"/api/v1/moderation/message-reports/{report.pk}/delete-message")
        assert deleted.status_code == 404
    assert AuditEvent.objects.count() == before
    assert MessageReport.objects.get(pk=report.pk).status == "open"
    assert Message.objects.get(pk=private_message.pk).body == SECRET


def test_staff_close_a_report(room_message, patient, moderator):
    report = report_message(actor=patient, message=room_message, reason="spam")
    client = api_for(moderator)
    url = f"/api/v1/moderation/message-reports/{report.pk}/close"

    response = client.post(url, {"outcome_note": "Fine"}, content_type="application/json")

    assert response.status_code == 200
    assert response.json()["status"] == "closed"
    again = client.post(url, {}, content_type="application/json")
    assert (again.status_code, again.json()["code"]) == (409, "conflict")


def test_staff_delete_a_reported_message(room_message, patient, moderator):
    report = report_message(actor=patient, message=room_message, reason="spam")

    response = api_for(moderator).post(
        f"/api/v1/moderation/message-reports/{report.pk}/delete-message"
    )

    assert (response.status_code, response.json()["status"]) == (200, "closed")
    message = Message.objects.get(pk=room_message.pk)
    assert (message.body, message.body_html, message.deleted_by_id) == ("", "", moderator.pk)
