"""/moderation/members/{handle}: a member's moderation record, sanctions, notes, trust level
and pre-moderation, for the community's moderators."""

from __future__ import annotations

from carecircle.moderation.models import MemberNote, MemberTrust, Sanction
from carecircle.moderation.tests.test_api_support import (
    World,
    call,
    snapshot,
    world_fixture,  # noqa: F401  (the `world` fixture)
)

REASON = "Repeatedly told members to stop their medicine."
HERE = "type-2-diabetes"


def test_a_members_record_as_the_communitys_moderator_sees_it(world: World) -> None:
    MemberNote.objects.create(
        member=world.author, community=world.community, author=world.moderator, body="Watch."
    )
    MemberNote.objects.create(
        member=world.author,
        community=world.other_community,
        author=world.other_moderator,
        body="Not for Type 2 Diabetes moderators.",
    )

    response = call(
        world.client("moderator"), "get", f"/moderation/members/caregiver?community={HERE}"
    )

    assert response.status_code == 200
    body = response.json()
    assert [n["body"] for n in body.pop("notes")] == ["Watch."]
    assert body == {
        "handle": "caregiver",
        "display_name": "Cam the caregiver",
        "community": HERE,
        "trust": {"level": 0, "label": "New member", "computed_level": 0, "manual_level": None},
        "is_premoderated": False,
        "sanctions": [],
        "actions": [],
    }


def test_suspending_and_lifting(world: World) -> None:
    client = world.client("moderator")

    created = call(
        client,
        "post",
        "/moderation/members/caregiver/sanctions",
        {"kind": "suspension", "community": HERE, "reason": REASON, "days": 2},
    )

    assert created.status_code == 201
    body = created.json()
    sanction = Sanction.objects.get()
    assert (body["id"], body["kind"], body["community"], body["member"], body["is_active"]) == (
        sanction.pk,
        "suspension",
        HERE,
        "caregiver",
        True,
    )

    lifted = call(client, "delete", f"/moderation/sanctions/{sanction.pk}?reason=Apologised")

    assert lifted.status_code == 204
    sanction.refresh_from_db()
    assert sanction.lifted_at is not None
    assert sanction.lifted_by_id == world.moderator.pk


def test_a_sanction_of_another_community_cannot_be_lifted_from_here(world: World) -> None:
    sanction = Sanction.objects.create(
        member=world.member, community=world.other_community, kind="ban", reason=REASON
    )
    client = world.client("moderator")
    before = snapshot()

    response = call(client, "delete", f"/moderation/sanctions/{sanction.pk}")

    assert response.status_code == 404
    assert snapshot() == before


def test_a_community_moderator_cannot_sanction_a_site_admin(world: World) -> None:
    client = world.client("moderator")
    before = snapshot()

    response = call(
        client,
        "post",
        "/moderation/members/admin/sanctions",
        {"kind": "ban", "community": HERE, "reason": REASON},
    )

    assert response.status_code == 403
    assert response.json()["code"] == "cannot_sanction"
    assert snapshot() == before


def test_nobody_sanctions_themselves(world: World) -> None:
    client = world.client("moderator")
    before = snapshot()

    response = call(
        client,
        "post",
        "/moderation/members/moderator/sanctions",
        {"kind": "warning", "community": HERE, "reason": REASON},
    )

    assert response.status_code == 403
    assert response.json()["code"] == "self_sanction"
    assert snapshot() == before


def test_a_note_about_a_member(world: World) -> None:
    response = call(
        world.client("moderator"),
        "post",
        "/moderation/members/caregiver/notes",
        {"community": HERE, "body": "Spoke to them about sources."},
    )

    assert response.status_code == 201
    body = response.json()
    assert body.pop("created_at")
    note = MemberNote.objects.get()
    assert body == {
        "id": note.pk,
        "member": "caregiver",
        "community": HERE,
        "author": "moderator",
        "body": "Spoke to them about sources.",
    }


def test_setting_and_clearing_a_trust_level(world: World) -> None:
    client = world.client("moderator")

    set_level = call(
        client, "post", "/moderation/members/caregiver/trust-level", {"level": 3, "reason": "Known"}
    )
    assert set_level.status_code == 200
    assert set_level.json() == {
        "level": 3,
        "label": "Trusted member",
        "computed_level": 0,
        "manual_level": 3,
    }

    cleared = call(client, "post", "/moderation/members/caregiver/trust-level", {"level": None})
    assert cleared.status_code == 200
    assert (cleared.json()["level"], cleared.json()["manual_level"]) == (0, None)
    assert MemberTrust.objects.get(user=world.author).manual_level is None


def test_pre_moderation_on_and_off(world: World) -> None:
    client = world.client("moderator")

    on = call(
        client,
        "post",
        "/moderation/members/caregiver/premoderation",
        {"is_on": True, "community": HERE, "reason": REASON},
    )
    assert on.status_code == 200
    assert on.json()["is_on"] is True
    assert on.json()["sanction"]["kind"] == "pre_moderation"
    record = call(client, "get", f"/moderation/members/caregiver?community={HERE}")
    assert record.json()["is_premoderated"] is True

    off = call(
        client,
        "post",
        "/moderation/members/caregiver/premoderation",
        {"is_on": False, "community": HERE},
    )
    assert off.status_code == 200
    assert off.json()["is_on"] is False
    record = call(client, "get", f"/moderation/members/caregiver?community={HERE}")
    assert record.json()["is_premoderated"] is False


def test_an_unknown_member_is_not_found(world: World) -> None:
    response = call(
        world.client("moderator"), "get", f"/moderation/members/nobody?community={HERE}"
    )

    assert response.status_code == 404
