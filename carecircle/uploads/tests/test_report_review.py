"""Files of a reported private message: shown to the staff who review the report, as its
words are, and to nobody else; the rest of the conversation stays closed to them. While the
report is open they are kept, whatever the writer does with the message; the writer's own
"Delete" of a file and erasure still delete it."""

from __future__ import annotations

from typing import Any

import pytest

from carecircle.core.factories import UserFactory
from carecircle.messaging.actions.conversations import delete_message, edit_message
from carecircle.messaging.actions.reports import (
    close_message_report,
    delete_reported_message,
    report_message,
)
from carecircle.messaging.tests.reports_setup import make_conversation, make_message
from carecircle.uploads.actions import delete_expired_uploads, delete_upload, delete_uploads_of
from carecircle.uploads.display import upload_url
from carecircle.uploads.models import Upload
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
    assert "The file sent with it" in page
    assert f'src="{upload_url(photo)}"' in page
    assert 'alt="A photo of a rash"' in page
    assert upload_url(other_photo) not in page

    body = staff.get(f"/api/v1/moderation/message-reports/{report.pk}").json()
    assert [(item["id"], item["alt_text"]) for item in body["attachments"]] == [
        (photo.pk, "A photo of a rash")
    ]
    assert body["attachments"][0]["url"] == upload_url(photo)

    # Closed, leaving the message: its reviewers still see the file it still has.
    close_message_report(actor=site_moderator, report=report)
    assert staff.get(upload_url(photo)).status_code == 200
    assert staff.get(upload_url(other_photo)).status_code == 404
    assert "Its file now" in staff.get(f"/moderation/message-reports/{report.pk}/").content.decode()


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
    assert "Its file now" not in page and "sent with it" not in page
    body = staff.get(f"/api/v1/moderation/message-reports/{report.pk}").json()
    assert body["attachments"] == []
    # The moderator's deletion lets the files go with the words: the cleanup job removes them.
    assert delete_expired_uploads(now=_later()) == 1
    assert not Upload.objects.filter(pk=photo.pk).exists()


def _later() -> Any:
    from datetime import timedelta

    from django.utils import timezone

    return timezone.now() + timedelta(days=365)


@pytest.mark.parametrize("writer_takes_it_away", ["removes the file", "deletes the message"])
def test_an_open_report_keeps_the_files_the_writer_takes_away_until_it_is_closed(
    patient, caregiver, site_moderator, writer_takes_it_away
) -> None:
    conversation = make_conversation(caregiver, patient)
    reported = make_message(conversation, caregiver, "Look at this")
    photo = make_upload(caregiver, message=reported, alt_text="A photo of a rash")
    report = report_message(actor=patient, message=reported, reason="abusive")
    if writer_takes_it_away == "removes the file":
        edit_message(
            actor=caregiver, message=reported, body="Look at this", remove_attachments=[photo.pk]
        )
    else:
        delete_message(actor=caregiver, message=reported)
    staff = client_for(site_moderator)
    # Gone from the conversation: the other member no longer opens it.
    assert client_for(patient).get(upload_url(photo)).status_code == 404
    # Kept for the report: its reviewers still see it, and the cleanup job leaves it.
    assert staff.get(upload_url(photo)).status_code == 200
    page = staff.get(f"/moderation/message-reports/{report.pk}/").content.decode()
    assert "The file sent with it" in page and 'alt="A photo of a rash"' in page
    assert "even if the writer removes it or deletes the message" in page
    body = staff.get(f"/api/v1/moderation/message-reports/{report.pk}").json()
    assert [item["id"] for item in body["attachments"]] == [photo.pk]
    assert delete_expired_uploads(now=_later()) == 0
    assert Upload.objects.filter(pk=photo.pk).exists()

    close_message_report(actor=site_moderator, report=report)

    assert staff.get(upload_url(photo)).status_code == 404
    page = staff.get(f"/moderation/message-reports/{report.pk}/").content.decode()
    assert "sent with it" not in page and "Its file now" not in page
    assert delete_expired_uploads(now=_later()) == 1
    assert not Upload.objects.filter(pk=photo.pk).exists()


def test_the_writers_own_delete_and_erasure_still_delete_a_kept_file(
    patient, caregiver, site_moderator
) -> None:
    reported = make_message(make_conversation(caregiver, patient), caregiver, "Look")
    first = make_upload(caregiver, message=reported, alt_text="x")
    second = make_upload(caregiver, message=reported, alt_text="y")
    report_message(actor=patient, message=reported, reason="abusive")
    edit_message(
        actor=caregiver, message=reported, body="Look", remove_attachments=[first.pk, second.pk]
    )

    delete_upload(actor=caregiver, upload=Upload.objects.get(pk=first.pk))
    assert not Upload.objects.filter(pk=first.pk).exists()
    assert delete_uploads_of(member=caregiver) == 1
    assert not Upload.objects.filter(pk=second.pk).exists()
    assert client_for(site_moderator).get(upload_url(second)).status_code == 404
