"""Attachments on messages: conversations and chat rooms, by page (with and without script),
API and socket; what each reader is shown, and nothing saved when a choice is refused."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from carecircle.core.errors import ValidationFailed
from carecircle.core.realtime import STREAMS
from carecircle.messaging.actions import conversations as actions
from carecircle.messaging.actions import rooms as room_actions
from carecircle.messaging.models import Message
from carecircle.messaging.tests.attachments_setup import upload_state, waiting_upload
from carecircle.messaging.tests.rooms_fixtures import *  # noqa: F403
from carecircle.uploads.attachments import AttachmentChoice
from carecircle.uploads.models import Upload
from carecircle.uploads.tests.corpus import jpeg, pdf
from conftest import client_for, stored_files

from .conftest import messaging_state

API = "/api/v1"
ALT = "My new glucose meter next to its box"


def attachment_ids(message: Message) -> list[int]:
    return list(message.attachments.order_by("position").values_list("pk", flat=True))


# --- conversations: the action ------------------------------------------------------------


def test_a_message_takes_the_authors_uploads_in_order_with_their_descriptions(
    patient, caregiver, direct, django_capture_on_commit_callbacks
):
    leaflet = waiting_upload(patient, kind=Upload.Kind.DOCUMENT)
    photo = waiting_upload(patient)
    with django_capture_on_commit_callbacks(execute=True):
        message = actions.send_message(
            actor=patient,
            conversation=direct,
            body="The leaflet and my meter",
            attachments=[
                AttachmentChoice(upload_id=leaflet.pk),
                AttachmentChoice(upload_id=photo.pk, alt_text=f"  {ALT}  "),
            ],
        )

    assert attachment_ids(message) == [leaflet.pk, photo.pk]
    photo.refresh_from_db()
    assert (photo.alt_text, photo.is_decorative, photo.position) == (ALT, False, 1)
    assert photo.attached_at is not None
    page = client_for(caregiver).get(f"/messages/{direct.pk}/").content.decode()
    assert (
        f'<img src="/uploads/{photo.pk}/w640" srcset="/uploads/{photo.pk}/w320 320w, '
        f"/uploads/{photo.pk}/w640 640w, /uploads/{photo.pk}/w1280 1280w, "
        f'/uploads/{photo.pk}/file 1600w" sizes="(max-width: 40rem) 100vw, 40rem" alt="{ALT}" '
        'width="1600" height="1200" loading="lazy" decoding="async">'
    ) in page
    assert (
        f'<a href="/uploads/{leaflet.pk}/file" download="leaflet.pdf">leaflet.pdf</a> '
        '<span class="meta">PDF document, 2.0\xa0KB</span>'
    ) in page


def test_a_picture_may_go_without_words_but_a_message_needs_one_or_the_other(patient, direct):
    photo = waiting_upload(patient)
    message = actions.send_message(
        actor=patient,
        conversation=direct,
        body="   ",
        attachments=[AttachmentChoice(upload_id=photo.pk, is_decorative=True)],
    )
    assert (message.body, message.body_html, attachment_ids(message)) == ("", "", [photo.pk])

    before = messaging_state()
    with pytest.raises(ValidationFailed) as refused:
        actions.send_message(actor=patient, conversation=direct, body="  ")
    assert (refused.value.field, str(refused.value.message)) == ("body", "Please write a message.")
    assert messaging_state() == before


def test_a_picture_without_description_or_anothers_upload_saves_nothing(patient, caregiver, direct):
    photo = waiting_upload(patient)
    theirs = waiting_upload(caregiver, kind=Upload.Kind.DOCUMENT)
    before, uploads_before = messaging_state(), upload_state()

    with pytest.raises(ValidationFailed) as refused:
        actions.send_message(
            actor=patient,
            conversation=direct,
            body="Look",
            attachments=[
                AttachmentChoice(upload_id=photo.pk),
                AttachmentChoice(upload_id=theirs.pk),
            ],
        )

    assert refused.value.field == f"alt_{photo.pk}"
    assert [(d["field"], d["code"]) for d in refused.value.details] == [
        (f"alt_{photo.pk}", "alt_text_required"),
        ("attachments", "upload_not_available"),
    ]
    assert (messaging_state(), upload_state()) == (before, uploads_before)


def test_deleting_a_message_lets_its_files_go_and_shows_them_to_nobody(patient, caregiver, direct):
    photo = waiting_upload(patient, alt_text=ALT)
    message = actions.send_message(
        actor=patient,
        conversation=direct,
        body="Oops",
        attachments=[AttachmentChoice(upload_id=photo.pk)],
    )

    actions.delete_message(actor=patient, message=message)

    photo.refresh_from_db()
    assert (photo.message_id, photo.position) == (None, 0)
    page = client_for(caregiver).get(f"/messages/{direct.pk}/").content.decode()
    assert f"/uploads/{photo.pk}/" not in page


# --- conversations: the page, with and without script -------------------------------------


def test_without_script_files_go_with_the_form_and_a_picture_asks_for_its_description(
    patient, caregiver, direct, upload_root
):
    client = client_for(patient)
    messages_before = Message.objects.count()

    response = client.post(
        f"/messages/{direct.pk}/send/",
        {
            "body": "Here is my meter",
            "client_id": str(uuid.uuid4()),
            "files": [
                SimpleUploadedFile("meter.jpg", jpeg(), content_type="image/jpeg"),
                SimpleUploadedFile("leaflet.pdf", pdf(), content_type="application/pdf"),
            ],
        },
    )

    assert response.status_code == 400
    photo, leaflet = Upload.objects.order_by("pk")
    assert (photo.kind, leaflet.kind) == ("image", "document")
    assert (photo.is_attached, leaflet.is_attached) == (False, False)
    assert Message.objects.count() == messages_before
    assert sorted(name.rsplit("/", 1)[1] for name in stored_files(upload_root)) == [
        "file.pdf",
        "file.webp",
    ]
    page = response.content.decode()
    assert ">Here is my meter</textarea>" in page
    assert f'<input type="hidden" name="attachment" value="{photo.pk}">' in page
    assert f'<input type="hidden" name="attachment" value="{leaflet.pk}">' in page
    assert (
        f'aria-describedby="help_alt_{photo.pk} error_alt_{photo.pk}" aria-invalid="true">'
        "</textarea>"
    ) in page
    assert (
        f'<p class="field-error" id="error_alt_{photo.pk}">Please describe this picture for '
        "people who cannot see it, or tick “It is only decorative”.</p>"
    ) in page

    sent = client.post(
        f"/messages/{direct.pk}/send/",
        {
            "body": "Here is my meter",
            "client_id": str(uuid.uuid4()),
            "attachment": [str(photo.pk), str(leaflet.pk)],
            f"alt_{photo.pk}": ALT,
        },
    )

    message = Message.objects.latest("pk")
    assert sent.status_code == 302
    assert sent["Location"] == f"/messages/{direct.pk}/#message-{message.pk}"
    assert attachment_ids(message) == [photo.pk, leaflet.pk]
    assert Upload.objects.get(pk=photo.pk).alt_text == ALT


def test_a_refused_file_is_named_and_the_message_waits(patient, direct, upload_root):
    before = messaging_state()

    response = client_for(patient).post(
        f"/messages/{direct.pk}/send/",
        {
            "body": "My scan",
            "files": [SimpleUploadedFile("scan.jpg", b"<html><script>x</script></html>")],
        },
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="attach-error-files">scan.jpg: ' in page
    assert ">My scan</textarea>" in page
    assert (messaging_state(), Upload.objects.count(), stored_files(upload_root)) == (
        before,
        0,
        [],
    )


def test_the_compose_form_carries_the_picker_and_the_page_its_styles(patient, direct):
    page = client_for(patient).get(f"/messages/{direct.pk}/").content.decode()

    assert 'id="compose" enctype="multipart/form-data" novalidate>' in page
    assert '<input type="file" id="attach-files" name="files" multiple accept="' in page
    assert '<link rel="stylesheet" href="/static/uploads/attachments.css">' in page
    assert 'src="/static/uploads/attach.js"' in page
    assert '<div class="chat-message-attachments" data-attachments></div>' in page


# --- conversations: API and socket --------------------------------------------------------


def test_the_api_sends_attachments_and_returns_them(patient, direct):
    photo = waiting_upload(patient)
    client = client_for(patient)
    url = f"{API}/conversations/{direct.pk}/messages"

    refused = client.post(
        url, {"body": "", "attachments": [{"upload_id": photo.pk}]}, content_type="application/json"
    )
    sent = client.post(
        url,
        {"attachments": [{"upload_id": photo.pk, "alt_text": ALT}]},
        content_type="application/json",
    )

    assert refused.status_code == 400
    assert refused.json()["details"][0]["field"] == f"alt_{photo.pk}"
    assert sent.status_code == 201
    assert sent.json()["html"] == ""
    assert sent.json()["attachments"] == [
        {
            "id": photo.pk,
            "kind": "image",
            "mime_type": "image/webp",
            "name": "photo.jpg",
            "size": 2048,
            "url": f"/uploads/{photo.pk}/file",
            "alt_text": ALT,
            "is_decorative": False,
            "width": 1600,
            "height": 1200,
            "variants": [
                {"width": width, "url": f"/uploads/{photo.pk}/w{width}"}
                for width in (320, 640, 1280)
            ],
            "poster_url": None,
            "captions_url": None,
            "captions_language": None,
            "duration_seconds": None,
        }
    ]
    listed = client.get(url).json()["items"][-1]
    assert [item["id"] for item in listed["attachments"]] == [photo.pk]


def test_a_socket_send_frame_takes_attachments(patient, caregiver, direct):
    handler = STREAMS["conversation"]
    subscription = handler.subscribe(patient, str(direct.pk), "socket-1")
    video = waiting_upload(patient, kind=Upload.Kind.VIDEO)

    sent = handler.handle(
        patient,
        subscription,
        {"type": "send", "body": "A clip", "attachments": [{"upload_id": video.pk}]},
    )

    assert [item["id"] for item in sent["attachments"]] == [video.pk]
    assert '<video controls preload="metadata">' in sent["attachments_html"]
    with pytest.raises(ValidationFailed):
        handler.handle(
            patient, subscription, {"type": "send", "body": "x", "attachments": "everything"}
        )


# --- chat rooms ---------------------------------------------------------------------------


def test_a_room_message_takes_attachments_and_a_moderator_removal_lets_them_go(
    room, patient, caregiver, moderator
):
    photo = waiting_upload(patient)
    handler = STREAMS["room"]
    subscription = handler.subscribe(patient, str(room.pk), "socket-1")
    sent = handler.handle(
        patient,
        subscription,
        {
            "type": "send",
            "body": "Our walk",
            "attachments": [{"upload_id": photo.pk, "is_decorative": True}],
        },
    )
    assert 'alt=""' in sent["attachments_html"]
    page = client_for(caregiver).get(f"/c/type-2-diabetes/chat/{room.slug}/").content.decode()
    assert f'srcset="/uploads/{photo.pk}/w320 320w' in page

    room_actions.delete_room_message(actor=moderator, message=Message.objects.get(pk=sent["id"]))

    photo.refresh_from_db()
    assert photo.message_id is None


def test_a_room_page_send_without_description_keeps_everything(room, patient):
    photo = waiting_upload(patient)
    before, uploads_before = messaging_state(), upload_state()

    response = client_for(patient).post(
        f"/c/type-2-diabetes/chat/{room.slug}/send",
        {"body": "Look at this", "attachment": [str(photo.pk)], f"alt_{photo.pk}": "  "},
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert f'<p class="field-error" id="error_alt_{photo.pk}">Please describe' in page
    assert ">Look at this</textarea>" in page
    assert (messaging_state(), upload_state()) == (before, uploads_before)


def test_the_room_api_sends_attachments(room, patient):
    leaflet = waiting_upload(patient, kind=Upload.Kind.DOCUMENT)
    response = client_for(patient).post(
        f"{API}/rooms/{room.pk}/messages",
        {"body": "Leaflet", "attachments": [{"upload_id": leaflet.pk}]},
        content_type="application/json",
    )

    assert response.status_code == 201
    assert [(a["id"], a["kind"]) for a in response.json()["attachments"]] == [
        (leaflet.pk, "document")
    ]


def test_a_transcript_copies_words_only_and_says_where_a_file_was(room, patient, room_manager):
    session = make_session(room, starts_in=-timedelta(minutes=5))  # noqa: F405
    photo = waiting_upload(patient)
    message = room_actions.send_room_message(
        actor=patient,
        room=room,
        body="",
        attachments=[AttachmentChoice(upload_id=photo.pk, alt_text=ALT)],
    )

    entries = room_actions.transcript_markdown(session, [message], reader=room_manager)

    assert entries[1].endswith("\n\n> (shared a file, not copied into the transcript)")
    assert f"/uploads/{photo.pk}" not in "".join(entries)
