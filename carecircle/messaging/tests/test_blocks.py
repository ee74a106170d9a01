"""Muting and blocking members: the action, the lookups others read, the profile's buttons."""

from __future__ import annotations

import pytest

from carecircle.core.errors import ValidationFailed
from carecircle.messaging.actions import conversations as actions
from carecircle.messaging.models import MemberBlock
from carecircle.messaging.queries import blocks
from conftest import client_for

from .conftest import messaging_state

pytestmark = pytest.mark.django_db


def test_block_mute_and_lift(patient, caregiver, professional):
    actions.block_member(actor=patient, member=caregiver)
    actions.block_member(actor=patient, member=professional, level="mute")

    assert blocks.blocked_by(patient) == {caregiver.pk}
    assert blocks.muted_by(patient) == {caregiver.pk, professional.pk}
    assert blocks.blockers_of(caregiver) == {patient.pk}
    assert blocks.blockers_of(professional) == set()
    assert blocks.is_blocked(blocker=patient, blocked=caregiver)
    assert not blocks.is_blocked(blocker=patient, blocked=professional)
    assert blocks.block_level(blocker=patient, blocked=professional) == "mute"
    assert blocks.block_level_by_handle(blocker=patient, handle="caregiver") == "block"
    assert [b.blocked.handle for b in blocks.blocks_made_by(patient)] == [
        "caregiver",
        "professional",
    ]

    # Blocking again changes the level, never adds a second row.
    actions.block_member(actor=patient, member=caregiver, level="mute")
    assert MemberBlock.objects.filter(blocker=patient).count() == 2
    assert blocks.blocked_by(patient) == set()

    assert actions.unblock_member(actor=patient, member=caregiver) is True
    assert actions.unblock_member(actor=patient, member=caregiver) is False
    assert blocks.muted_by(patient) == {professional.pk}


def test_nobody_blocks_themself_or_with_an_unknown_level(patient, caregiver):
    before = messaging_state()
    with pytest.raises(ValidationFailed):
        actions.block_member(actor=patient, member=patient)
    with pytest.raises(ValidationFailed):
        actions.block_member(actor=patient, member=caregiver, level="ban")
    assert messaging_state() == before


def test_the_profile_offers_message_mute_and_block(patient, caregiver):
    page = client_for(patient).get("/members/caregiver/").content.decode()
    assert 'href="/messages/new/?to=caregiver">Send a message</a>' in page
    assert 'name="level" value="mute"' in page
    assert 'name="level" value="block"' in page
    own = client_for(caregiver).get("/members/caregiver/").content.decode()
    assert "Send a message" not in own
    assert 'value="block"' not in own
    visitor = client_for(None).get("/members/caregiver/").content.decode()
    assert "Send a message" not in visitor


def test_blocking_from_the_profile_is_private_and_can_be_undone(patient, caregiver):
    client = client_for(patient)
    response = client.post("/messages/people/caregiver/block/", {"level": "block"})
    assert response.status_code == 302
    assert response["Location"] == "/members/caregiver/"
    assert blocks.block_level(blocker=patient, blocked=caregiver) == "block"

    page = client.get("/members/caregiver/").content.decode()
    assert "Send a message" not in page
    assert 'name="level" value="none" class="button-secondary">Unblock' in page
    assert "You blocked this member" in page
    # The blocked member's view of the blocker's profile shows nothing of it.
    theirs = client_for(caregiver).get("/members/patient/").content.decode()
    assert "blocked" not in theirs.lower()

    response = client.post(
        "/messages/people/caregiver/block/", {"level": "none", "next": "/messages/settings/"}
    )
    assert response["Location"] == "/messages/settings/"
    assert blocks.block_level(blocker=patient, blocked=caregiver) is None


def test_the_block_page_ignores_a_foreign_next_and_wants_a_post(patient, caregiver):
    client = client_for(patient)
    response = client.post(
        "/messages/people/caregiver/block/", {"level": "mute", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/members/caregiver/"
    assert client.get("/messages/people/caregiver/block/").status_code == 405
    assert client.post("/messages/people/nobody/block/", {"level": "mute"}).status_code == 404
    assert (
        client_for(None).post("/messages/people/caregiver/block/", {"level": "block"}).status_code
        == 302
    )  # to sign in
    assert MemberBlock.objects.count() == 1
