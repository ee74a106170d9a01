"""Files of a reported private message: shown to the staff who review the report, as its
words are, and to nobody else; the rest of the conversation stays closed to them."""

from __future__ import annotations

from typing import Any

import pytest

from carecircle.core.factories import UserFactory
from carecircle.messaging.actions.reports import delete_reported_message, report_message
from carecircle.messaging.tests.reports_setup import make_conversation, make_message
from carecircle.uploads.display import upload_url
from carecircle.uploads.tests.conftest import make_upload
from conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def site_moderator(db: None) -> Any:
    return UserFactory(display_name="Sid site moderator", handle="sitemod", is_site_moderator=True)


def test_the_reviewer_of_a_report_sees_the_reported_messages_files_and_no_others(
    patient, caregiver, site_moderator
) -> None:
    conversation = make_conversation(caregiver, patient)
    reported = make_message(conversation, caregiver, "Look at this")
    other = make_message(conversation, caregiver, "And this one")
    photo = make_upload(caregiver, message=reported, alt_text="A photo of a rash")
    other_photo = make_upload(caregiver, message=other, alt_text="A cat")
    staff = client_for(site_moderator)
    outsider = client_for(UserFactory())

    # Not reported: a private conversation's file is its members' only.
    assert staff.get(upload_url(photo)).status_code == 404
    report = report_message(actor=patient, message=reported, reason="abusive")

    response = staff.get(upload_url(photo))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"RIFF....WEBPVP8 test-bytes"
    assert response["Cache-Control"].startswith("private")
    # The message beside it was not reported: still closed.
    assert staff.get(upload_url(other_photo)).status_code == 404
    assert outsider.get(upload_url(photo)).status_code == 404

    page = staff.get(f"/moderation/message-reports/{report.pk}/").content.decode()
    assert "Its file now" in page
    assert f'src="{upload_url(photo)}"' in page
    assert 'alt="A photo of a rash"' in page
    assert upload_url(other_photo) not in page

    body = staff.get(f"/api/v1/moderation/message-reports/{report.pk}").json()
    assert [(item["id"], item["alt_text"]) for item in body["attachments"]] == [
        (photo.pk, "A photo of a rash")
    ]
    assert body["attachments"][0]["url"] == upload_url(photo)


def test_once_the_reported_message_is_deleted_its_files_are_gone_for_reviewers_too(
    patient, caregiver, site_moderator
) -> None:
    reported = make_message(make_conversation(caregiver, patient), caregiver, "Look")
    photo = make_upload(caregiver, message=reported, alt_text="x")
    report = report_message(actor=patient, message=reported, reason="abusive")
    staff = client_for(site_moderator)
    assert staff.get(upload_url(photo)).status_code == 200

    delete_reported_message(actor=site_moderator, report=report)

    assert staff.get(upload_url(photo)).status_code == 404
    page = staff.get(f"/moderation/message-reports/{report.pk}/").content.decode()
    assert "Its file now" not in page
    body = staff.get(f"/api/v1/moderation/message-reports/{report.pk}").json()
    assert body["attachments"] == []
