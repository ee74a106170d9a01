"""The admin shows messaging metadata only: no words, nothing editable."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib import admin
from django.test import Client

from carecircle.core.crypto import EncryptedTextField
from carecircle.core.factories import UserFactory
from carecircle.messaging import models
from carecircle.messaging.actions.reports import report_message
from carecircle.messaging.models import Message, MessageReport
from carecircle.messaging.tests.reports_setup import make_conversation, make_message, make_room

pytestmark = pytest.mark.django_db

BODY = "zqxsecret private words"
NOTE = "zqxnote of the reporter"
MESSAGING_MODELS = [
    models.Message,
    models.MessageReport,
    models.Conversation,
    models.Participant,
    models.MemberBlock,
    models.MessagingSettings,
    models.ChatRoom,
    models.ChatSession,
    models.RoomRestriction,
    models.RoomPresence,
]


@pytest.fixture
def admin_client(db: None) -> Client:
    superuser = UserFactory(is_staff=True, is_superuser=True, is_site_admin=True)
    client = Client()
    client.force_login(superuser)
    return client


@pytest.fixture
def reported(patient, caregiver) -> MessageReport:
    conversation = make_conversation(caregiver, patient, title="zqxtitle of the group")
    message = make_message(conversation, caregiver, BODY)
    return report_message(actor=patient, message=message, reason="other", note=NOTE)


def _pages(report: MessageReport) -> list[str]:
    message = report.message
    return [
        "/admin/messaging/message/",
        f"/admin/messaging/message/{message.pk}/change/",
        "/admin/messaging/messagereport/",
        f"/admin/messaging/messagereport/{report.pk}/change/",
        "/admin/messaging/conversation/",
        f"/admin/messaging/conversation/{message.conversation_id}/change/",
        "/admin/messaging/participant/",
    ]


def test_every_messaging_model_is_in_the_admin_without_encrypted_fields():
    for model in MESSAGING_MODELS:
        model_admin: Any = admin.site._registry[model]
        encrypted = {
            f.name for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)
        }
        shown = set(model_admin.fields or ()) | {
            name for name in model_admin.list_display if isinstance(name, str)
        }
        assert model_admin.fields, model  # an explicit list: nothing is shown by default
        assert shown & encrypted == set(), model
        assert not model_admin.search_fields, model


def test_admin_pages_show_no_words(admin_client, reported):
    for url in _pages(reported):
        response = admin_client.get(url)
        assert response.status_code == 200, url
        page = response.content.decode()
        assert "zqx" not in page, url
    # The page did show the metadata.
    page = admin_client.get(f"/admin/messaging/messagereport/{reported.pk}/change/")
    assert "Something else" in page.content.decode()


def test_the_same_words_are_in_the_database_encrypted(reported):
    # Guards the test above: the words exist and would show if a field were listed.
    assert Message.objects.get(pk=reported.message_id).body == BODY
    assert MessageReport.objects.get(pk=reported.pk).body_snapshot == BODY


def test_nothing_can_be_added_changed_or_deleted(admin_client, reported, community, caregiver):
    message = reported.message
    room = make_room(community)
    make_message(room, caregiver, "zqxroom words")

    response = admin_client.post(
        f"/admin/messaging/message/{message.pk}/change/", {"deleted_at_0": "2026-01-01"}
    )
    assert response.status_code == 403
    assert admin_client.get("/admin/messaging/message/add/").status_code == 403
    assert admin_client.get("/admin/messaging/chatroom/add/").status_code == 403
    response = admin_client.post(f"/admin/messaging/message/{message.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    response = admin_client.post(
        f"/admin/messaging/messagereport/{reported.pk}/change/", {"status": "closed"}
    )
    assert response.status_code == 403
    room_page = admin_client.get(f"/admin/messaging/chatroom/{room.pk}/change/")
    assert room_page.status_code == 200 and "zqxroom" not in room_page.content.decode()
    assert 'name="_save"' not in room_page.content.decode()

    message.refresh_from_db()
    assert (message.body, message.deleted_at) == (BODY, None)
    assert MessageReport.objects.get(pk=reported.pk).status == "open"
    assert Message.objects.count() == 2
