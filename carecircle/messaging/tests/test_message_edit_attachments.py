"""Removing files from one's own private message while editing it: by page and API, what stays
(order, descriptions), who can still open a removed file, and refusals that change nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from carecircle.core.errors import ConfirmationNeeded, PermissionDeniedError, ValidationFailed
from carecircle.messaging.actions import conversations as actions
from carecircle.messaging.models import Conversation, Message
from carecircle.messaging.tests.attachments_setup import upload_state
from carecircle.uploads.attachments import AttachmentChoice
from carecircle.uploads.display import upload_url
from carecircle.uploads.models import Upload
from carecircle.uploads.tests.conftest import make_upload
from conftest import client_for

from .conftest import messaging_state

pytestmark = pytest.mark.usefixtures("upload_root")

API = "/api/v1"
EMAIL = "Write to me at pat.jones@example.com any time."


def send_with_files(
    author: Any, conversation: Conversation, body: str = "Photos from today", **options: Any
) -> tuple[Message, list[Upload]]:
    """A message sent with a kitchen photo, a photo showing an address and a leaflet."""
    files = [
        make_upload(author, original_name="kitchen.jpg", alt_text="Our new kitchen"),
        make_upload(author, original_name="letter.jpg", alt_text="A letter with our address"),
        make_upload(author, kind=Upload.Kind.DOCUMENT, original_name="leaflet.pdf"),
    ]
    message = actions.send_message(
        actor=author,
        conversation=conversation,
        body=body,
        attachments=[AttachmentChoice(upload_id=upload.pk) for upload in files],
        **options,
    )
    return Message.objects.select_related("author").get(pk=message.pk), files


def attachments_now(message: Message) -> list[tuple[int, int, str, bool]]:
    return list(
        Upload.objects.filter(message_id=message.pk)
        .order_by("position")
        .values_list("pk", "position", "alt_text", "is_decorative")
    )


def everything() -> tuple[dict, list[dict]]:
    return messaging_state(), upload_state()


def edit_url(message: Message) -> str:
    return reverse("conversation_message_edit", args=[message.conversation_id, message.pk])


def api_url(message: Message) -> str:
    return f"{API}/conversations/{message.conversation_id}/messages/{message.pk}"


# --- removing ------------------------------------------------------------------------------


def test_the_edit_page_lists_the_files_and_removes_the_ticked_one(patient, caregiver, direct):
    message, (kitchen, letter, leaflet) = send_with_files(patient, direct)
    author = client_for(patient)
    other = client_for(caregiver)
    assert other.get(upload_url(letter)).status_code == 200

    page = author.get(edit_url(message)).content.decode()
    for upload in (kitchen, letter, leaflet):
        assert (
            f'<input type="checkbox" id="id_remove_{upload.pk}" name="remove_attachments" '
            f'value="{upload.pk}">' in page
        )
        assert f'<label for="id_remove_{upload.pk}">Remove {upload.original_name}</label>' in page
    response = author.post(
        edit_url(message), {"body": message.body, "remove_attachments": [str(letter.pk)]}
    )

    assert response.status_code == 302
    assert attachments_now(message) == [
        (kitchen.pk, 0, "Our new kitchen", False),
        (leaflet.pk, 1, "", False),
    ]
    fresh = Message.objects.get(pk=message.pk)
    assert (fresh.body, fresh.edited_at is not None) == ("Photos from today", True)
    letter.refresh_from_db()
    assert (letter.message_id, letter.owner_id) == (None, patient.pk)  # let go, for cleanup
    assert other.get(upload_url(letter)).status_code == 404
    assert other.get(upload_url(kitchen)).status_code == 200
    conversation_page = other.get(f"/messages/{direct.pk}/").content.decode()
    assert f"/uploads/{letter.pk}/" not in conversation_page
    assert f"/uploads/{kitchen.pk}/" in conversation_page


def test_the_api_removes_files_and_answers_the_message(patient, caregiver, direct):
    message, (kitchen, letter, leaflet) = send_with_files(patient, direct)

    response = client_for(patient).patch(
        api_url(message),
        {"body": "Only the kitchen now", "remove_attachments": [leaflet.pk, letter.pk]},
        content_type="application/json",
    )

    assert response.status_code == 200
    data = response.json()
    assert [item["id"] for item in data["attachments"]] == [kitchen.pk]
    assert data["attachments"][0]["alt_text"] == "Our new kitchen"
    assert (data["html"], data["edited_at"] is not None) == ("<p>Only the kitchen now</p>\n", True)
    assert attachments_now(message) == [(kitchen.pk, 0, "Our new kitchen", False)]
    other = client_for(caregiver)
    assert other.get(upload_url(leaflet)).status_code == 404
    assert other.get(upload_url(letter)).status_code == 404
    listed = other.get(f"{API}/conversations/{direct.pk}/messages").json()["items"][-1]
    assert [item["id"] for item in listed["attachments"]] == [kitchen.pk]


def test_a_patch_without_remove_attachments_still_edits_the_words_only(patient, direct):
    message, files = send_with_files(patient, direct)

    response = client_for(patient).patch(
        api_url(message), {"body": "New words"}, content_type="application/json"
    )

    assert response.status_code == 200
    assert [item["id"] for item in response.json()["attachments"]] == [u.pk for u in files]


def test_removing_files_only_is_an_edit_and_broadcasts_the_new_files(
    patient, direct, listen, django_capture_on_commit_callbacks
):
    message, (kitchen, letter, leaflet) = send_with_files(patient, direct)
    listener = listen(f"conversation:{direct.pk}")

    with django_capture_on_commit_callbacks(execute=True):
        edited = actions.edit_message(
            actor=patient, message=message, body=message.body, remove_attachments=[letter.pk]
        )

    assert edited.edited_at is not None
    events = listener.events()
    assert [(event["type"], event["message"]["id"]) for event in events] == [
        ("message.edited", message.pk)
    ]
    assert [item["id"] for item in events[0]["message"]["attachments"]] == [
        kitchen.pk,
        leaflet.pk,
    ]
    assert f"/uploads/{letter.pk}/" not in events[0]["message"]["attachments_html"]


def test_removing_files_does_not_screen_unchanged_words_again(patient, direct):
    # Words the gate asks about: sent once confirmed, they are not asked about again.
    message, (kitchen, letter, leaflet) = send_with_files(
        patient, direct, body=EMAIL, confirmed=True
    )

    edited = actions.edit_message(
        actor=patient, message=message, body=EMAIL, remove_attachments=[letter.pk]
    )

    assert edited.edited_at is not None
    assert [pk for pk, *_ in attachments_now(message)] == [kitchen.pk, leaflet.pk]
    # Changed words still pass the gate.
    with pytest.raises(ConfirmationNeeded):
        actions.edit_message(
            actor=patient, message=edited, body=f"{EMAIL} Or call.", remove_attachments=[]
        )


def test_a_message_may_lose_all_its_files_while_it_has_words(patient, caregiver, direct):
    message, files = send_with_files(patient, direct)

    actions.edit_message(
        actor=patient,
        message=message,
        body=message.body,
        remove_attachments=[upload.pk for upload in files],
    )

    assert attachments_now(message) == []
    assert all(client_for(caregiver).get(upload_url(u)).status_code == 404 for u in files)


# --- refusals change nothing ---------------------------------------------------------------


@pytest.mark.parametrize("which", ["another_message", "waiting_upload", "made_up"])
def test_an_id_that_is_not_a_file_of_this_message_is_refused_and_nothing_changes(
    patient, caregiver, direct, which
):
    message, files = send_with_files(patient, direct)
    elsewhere, (their_photo, *_) = send_with_files(caregiver, direct, body="Mine")
    wrong = {
        "another_message": their_photo.pk,
        "waiting_upload": make_upload(patient, original_name="new.jpg").pk,
        "made_up": 987654321,
    }[which]
    before = everything()

    with pytest.raises(ValidationFailed) as caught:
        actions.edit_message(
            actor=patient,
            message=message,
            body="Changed words",
            remove_attachments=[files[1].pk, wrong],
        )
    api = client_for(patient).patch(
        api_url(message),
        {"body": "Changed words", "remove_attachments": [files[1].pk, wrong]},
        content_type="application/json",
    )
    page = client_for(patient).post(
        edit_url(message),
        {"body": "Changed words", "remove_attachments": [str(files[1].pk), str(wrong)]},
    )

    assert (caught.value.field, caught.value.code) == (
        "remove_attachments",
        "attachment_not_in_message",
    )
    assert (api.status_code, api.json()["field"]) == (400, "remove_attachments")
    # The same answer whatever the id is: nothing is told about other members' files.
    assert api.json()["message"] == caught.value.message
    assert page.status_code == 400
    html = page.content.decode()
    assert f'<p class="field-error" id="error_remove_attachments">{caught.value.message}' in html
    assert ">Changed words</textarea>" in html  # what was typed is kept
    assert f'value="{files[1].pk}" checked' in html
    assert everything() == before
    assert client_for(caregiver).get(upload_url(files[1])).status_code == 200


def test_the_other_participant_cannot_remove_files(patient, caregiver, direct):
    message, files = send_with_files(patient, direct)
    before = everything()

    with pytest.raises(PermissionDeniedError):
        actions.edit_message(
            actor=caregiver, message=message, body=message.body, remove_attachments=[files[0].pk]
        )
    api = client_for(caregiver).patch(
        api_url(message),
        {"body": message.body, "remove_attachments": [files[0].pk]},
        content_type="application/json",
    )
    page = client_for(caregiver).post(
        edit_url(message), {"body": message.body, "remove_attachments": [str(files[0].pk)]}
    )

    assert (api.status_code, page.status_code) == (403, 403)
    assert everything() == before


def test_removing_every_file_of_a_message_without_words_is_refused(patient, direct):
    photo = make_upload(patient, original_name="letter.jpg", alt_text="A letter")
    message = actions.send_message(
        actor=patient,
        conversation=direct,
        body="",
        attachments=[AttachmentChoice(upload_id=photo.pk)],
    )
    before = everything()

    with pytest.raises(ValidationFailed) as caught:
        actions.edit_message(actor=patient, message=message, body="", remove_attachments=[photo.pk])
    api = client_for(patient).patch(
        api_url(message),
        {"body": "  ", "remove_attachments": [photo.pk]},
        content_type="application/json",
    )
    page = client_for(patient).post(
        edit_url(message), {"body": "", "remove_attachments": [str(photo.pk)]}
    )

    assert (caught.value.field, caught.value.code) == ("remove_attachments", "message_empty")
    assert "delete the message instead" in caught.value.message
    assert (api.status_code, api.json()["code"]) == (400, "message_empty")
    assert page.status_code == 400
    assert "delete the message instead" in page.content.decode()
    assert everything() == before
