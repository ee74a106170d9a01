"""A member's moderation page: sanctions and lifting them, notes, trust level."""

# ruff: noqa: F811 - fixtures imported from the support module are redefined as arguments

from __future__ import annotations

import pytest

from carecircle.moderation.models import MemberNote, MemberTrust, Sanction
from carecircle.moderation.tests.test_views_support import (  # noqa: F401 - fixtures
    site_moderator,
    snapshot,
    text,
)
from conftest import client_for

pytestmark = pytest.mark.django_db

PAGE = "/members/caregiver/moderation/"


def test_a_moderator_suspends_for_some_days_in_their_community(community, moderator, caregiver):
    client = client_for(moderator)
    page = text(client.get(PAGE))
    assert '<option value="type-2-diabetes"' in page
    assert '<option value="site"' not in page

    missing = client.post(
        PAGE, {"form": "sanction", "kind": "suspension", "scope": "type-2-diabetes", "reason": ""}
    )
    assert missing.status_code == 400 and 'id="error_reason"' in text(missing)
    assert Sanction.objects.count() == 0

    response = client.post(
        PAGE,
        {
            "form": "sanction",
            "kind": "suspension",
            "scope": "type-2-diabetes",
            "reason": "Rude again",
            "days": "3",
        },
    )

    assert response.status_code == 302
    sanction = Sanction.objects.get()
    assert (sanction.member_id, sanction.community_id, sanction.kind) == (
        caregiver.pk,
        community.pk,
        "suspension",
    )
    assert "Rude again" in text(client.get(PAGE)) and ">Active<" in text(client.get(PAGE))


def test_a_sanction_is_lifted(community, moderator, caregiver):
    client = client_for(moderator)
    client.post(
        PAGE, {"form": "sanction", "kind": "ban", "scope": "type-2-diabetes", "reason": "Spam"}
    )
    sanction = Sanction.objects.get()

    client.post(PAGE, {"form": "lift", "sanction_id": str(sanction.pk)})

    sanction.refresh_from_db()
    assert sanction.lifted_by_id == moderator.pk


def test_notes_are_added(community, moderator, caregiver):
    client_for(moderator).post(PAGE, {"form": "note", "body": "Talked to them on Monday"})

    note = MemberNote.objects.get()
    assert (note.member_id, note.author_id, note.community_id, note.body) == (
        caregiver.pk,
        moderator.pk,
        community.pk,
        "Talked to them on Monday",
    )
    assert "Talked to them on Monday" in text(client_for(moderator).get(PAGE))


def test_site_staff_sanction_site_wide_and_set_the_trust_level(
    community, site_moderator, caregiver
):
    client = client_for(site_moderator)
    assert '<option value="site"' in text(client.get(PAGE))

    client.post(PAGE, {"form": "sanction", "kind": "warning", "scope": "site", "reason": "Mind it"})
    client.post(PAGE, {"form": "trust", "level": "3", "trust_reason": "Long-time helper"})

    warning = Sanction.objects.get()
    assert (warning.community_id, warning.kind) == (None, "warning")
    assert MemberTrust.objects.get(user=caregiver).manual_level == 3


def test_members_cannot_open_the_page_and_nothing_changes(community, patient, caregiver):
    before = snapshot()

    get = client_for(patient).get(PAGE)
    sent = client_for(patient).post(PAGE, {"form": "note", "body": "Sneaky"})

    assert (get.status_code, sent.status_code) == (403, 403)
    assert snapshot() == before


def test_a_moderator_cannot_sanction_themselves(community, moderator):
    before = snapshot()
    response = client_for(moderator).post(
        "/members/moderator/moderation/",
        {"form": "sanction", "kind": "ban", "scope": "type-2-diabetes", "reason": "Me"},
    )
    assert response.status_code == 400
    assert snapshot() == before
