"""Who may read a journal share: the full matrix of audiences and viewers, page and API."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from carecircle.accounts.models import User
from carecircle.caregivers.models import CaregiverLink
from carecircle.communities.actions import leave_community
from carecircle.communities.models import Community, Membership
from carecircle.core.factories import UserFactory, make_member
from carecircle.core.models import AuditEvent
from carecircle.journal import permissions, sharing
from carecircle.journal.actions.sharing import revoke_share, share_journal
from carecircle.journal.models import JournalEntry, JournalShare, Part
from carecircle.journal.payloads import clean_entry
from carecircle.messaging.models import MemberBlock
from carecircle.moderation.models import Sanction
from conftest import client_for

SECRET_SYMPTOM = "Burning feet"


@dataclass
class World:
    owner: User
    community: Community
    carer: User
    link: CaregiverLink
    intended: User
    other: User
    community_member: User
    moderator: User


def make_world(
    patient: User, caregiver: User, moderator: User, outsider: User, community: Community
) -> World:
    """The owner (patient, in `community`), their active carer, and possible readers."""
    link = CaregiverLink.objects.create(
        patient=patient,
        carer=caregiver,
        requested_by=CaregiverLink.Side.PATIENT,
        status=CaregiverLink.Status.ACTIVE,
        accepted_at=timezone.now(),
    )
    community_member = UserFactory(display_name="Cora", handle="cora")
    make_member(community, community_member)
    JournalEntry.objects.create(
        owner=patient,
        kind="symptom",
        recorded_at=timezone.now() - timedelta(days=1),
        data=clean_entry("symptom", {"name": SECRET_SYMPTOM, "severity": 6}),
    )
    return World(
        owner=patient,
        community=community,
        carer=caregiver,
        link=link,
        intended=UserFactory(display_name="Ina", handle="ina"),
        other=outsider,
        community_member=community_member,
        moderator=moderator,
    )


@pytest.fixture
def world(
    patient: User, caregiver: User, moderator: User, outsider: User, community: Community
) -> World:
    return make_world(patient, caregiver, moderator, outsider, community)


def _share(world: World, audience: str) -> JournalShare:
    target: dict[str, Any] = {
        "caregiver": {"caregiver_link": world.link},
        "member": {"member": world.intended},
        "community": {"community": world.community},
    }[audience]
    return share_journal(
        actor=world.owner, audience=audience, parts=[Part.SYMPTOMS], title="Feet", **target
    )


def _reader(world: World, audience: str) -> User:
    """The member the share is meant for (for a community share: an ordinary member)."""
    return {
        "caregiver": world.carer,
        "member": world.intended,
        "community": world.community_member,
    }[audience]


def _left(world: World, audience: str) -> User:
    member = UserFactory(handle="lefty")
    make_member(world.community, member)
    leave_community(actor=member, community=world.community)
    return member


def _ended_link(world: World, audience: str) -> User:
    CaregiverLink.objects.filter(pk=world.link.pk).update(
        status=CaregiverLink.Status.ENDED, ended_at=timezone.now()
    )
    return world.carer


def _blocked_by_owner(world: World, audience: str) -> User:
    reader = _reader(world, audience)
    MemberBlock.objects.create(blocker=world.owner, blocked=reader)
    return reader


def _blocks_owner(world: World, audience: str) -> User:
    reader = _reader(world, audience)
    MemberBlock.objects.create(blocker=reader, blocked=world.owner)
    return reader


def _muted_by_owner(world: World, audience: str) -> User:
    reader = _reader(world, audience)
    MemberBlock.objects.create(blocker=world.owner, blocked=reader, level=MemberBlock.Level.MUTE)
    return reader


def _sanctioned(kind: str) -> Callable[[World, str], User]:
    def make(world: World, audience: str) -> User:
        member = UserFactory(handle=f"{kind}ned")
        make_member(world.community, member)
        Sanction.objects.create(
            member=member,
            community=world.community,
            kind=kind,
            ends_at=timezone.now() + timedelta(days=3)
            if kind == Sanction.Kind.SUSPENSION
            else None,
        )
        return member

    return make


def _site_staff(world: World, audience: str) -> User:
    return UserFactory(
        handle="staff",
        is_staff=True,
        is_superuser=True,
        is_site_admin=True,
        is_site_manager=True,
        is_site_moderator=True,
    )


def _inactive_reader(world: World, audience: str) -> User:
    reader = _reader(world, audience)
    User.objects.filter(pk=reader.pk).update(is_active=False)
    reader.refresh_from_db()
    return reader


VIEWERS: dict[str, Callable[[World, str], User | None]] = {
    "owner": lambda w, a: w.owner,
    "intended_member": lambda w, a: w.intended,
    "other_member": lambda w, a: w.other,
    "community_member": lambda w, a: w.community_member,
    "member_who_left": _left,
    "carer_active_link": lambda w, a: w.carer,
    "carer_link_ended": _ended_link,
    "reader_blocked_by_owner": _blocked_by_owner,
    "reader_who_blocked_owner": _blocks_owner,
    "reader_muted_by_owner": _muted_by_owner,
    "reader_deactivated": _inactive_reader,
    "community_moderator": lambda w, a: w.moderator,
    "banned_in_community": _sanctioned(Sanction.Kind.BAN),
    "suspended_in_community": _sanctioned(Sanction.Kind.SUSPENSION),
    "site_staff_and_admin": _site_staff,
    "visitor": lambda w, a: None,
}

# Who reads each audience's share. The caregiver and the community moderator are members of
# the community, so they read a community share as members (nothing more); a mute is not a
# block, so it changes nothing.
SEES: dict[str, set[str]] = {
    "caregiver": {"owner", "carer_active_link", "reader_muted_by_owner"},
    "member": {"owner", "intended_member", "reader_muted_by_owner"},
    "community": {
        "owner",
        "community_member",
        "carer_active_link",
        "carer_link_ended",
        "community_moderator",
        "reader_muted_by_owner",
    },
}


def _snapshot() -> tuple[Any, ...]:
    return (
        list(JournalShare.objects.order_by("pk").values_list("pk", "revoked_at", "parts")),
        AuditEvent.objects.count(),
        JournalEntry.objects.count(),
    )


@pytest.mark.parametrize("audience", ["caregiver", "member", "community"])
@pytest.mark.parametrize("viewer_name", list(VIEWERS))
def test_access_matrix(world: World, audience: str, viewer_name: str) -> None:
    share = _share(world, audience)
    viewer = VIEWERS[viewer_name](world, audience)
    expected = viewer_name in SEES[audience]
    before = _snapshot()

    page = client_for(viewer).get(f"/journal/shared/{share.pk}/")
    api = client_for(viewer).get(f"/api/v1/journal/shared/{share.pk}")
    listing = client_for(viewer).get("/api/v1/journal/shared-with-me")

    if viewer is None or not viewer.is_active:
        # Visitors, and deactivated accounts (which cannot be signed in), are sent to sign in.
        assert page.status_code == 302
        assert page["Location"].startswith("/accounts/login/")
        assert api.status_code == 401
        assert listing.status_code == 401
        assert permissions.can_view_share(viewer, share) is False
        if viewer is not None:
            assert sharing.shares_visible_to(viewer) == []
    elif expected:
        assert page.status_code == 200
        assert SECRET_SYMPTOM in page.content.decode()
        assert page["Cache-Control"] == "private, no-store"
        assert api.status_code == 200
        assert api["Cache-Control"] == "private, no-store"
        assert [e["data"]["name"] for e in api.json()["entries"]] == [SECRET_SYMPTOM]
        assert permissions.can_view_share(viewer, share) is True
        in_list = [row["id"] for row in listing.json()]
        assert in_list == ([] if viewer == world.owner else [share.pk])
    else:
        assert page.status_code == 404
        assert SECRET_SYMPTOM not in page.content.decode()
        assert api.status_code == 404
        assert api.json() == {"code": "share_not_found", "message": "Share not found."}
        assert listing.json() == []
        assert permissions.can_view_share(viewer, share) is False
        assert sharing.shares_visible_to(viewer) == []
    assert _snapshot() == before


def test_revoking_ends_access_at_once_and_twice_changes_nothing(world: World) -> None:
    share = _share(world, "caregiver")
    carer = client_for(world.carer)
    assert carer.get(f"/journal/shared/{share.pk}/").status_code == 200
    events = AuditEvent.objects.count()

    response = client_for(world.owner).post(f"/journal/sharing/{share.pk}/revoke/")

    assert response.status_code == 302
    assert response["Location"] == "/journal/sharing/"
    share.refresh_from_db()
    assert share.revoked_at is not None
    assert AuditEvent.objects.count() == events + 1
    event = AuditEvent.objects.order_by("-id").first()
    assert event is not None
    assert (event.verb, event.actor_id, event.data) == (
        "journal.share_revoke",
        world.owner.pk,
        {"audience": "caregiver"},
    )
    assert carer.get(f"/journal/shared/{share.pk}/").status_code == 404
    assert carer.get(f"/api/v1/journal/shared/{share.pk}").status_code == 404
    assert carer.get("/api/v1/journal/shared-with-me").json() == []
    # The owner does not read a revoked share either.
    assert client_for(world.owner).get(f"/journal/shared/{share.pk}/").status_code == 404

    revoked_at = share.revoked_at
    again = client_for(world.owner).delete(f"/api/v1/journal/shares/{share.pk}")
    assert again.status_code == 200
    assert again.json()["revoked_at"] is not None
    revoke_share(actor=world.owner, share=share)
    share.refresh_from_db()
    assert share.revoked_at == revoked_at
    assert AuditEvent.objects.count() == events + 1


@pytest.mark.parametrize("who", ["carer", "moderator", "staff", "visitor"])
def test_only_the_owner_revokes(world: World, who: str) -> None:
    share = _share(world, "community")
    actor = {
        "carer": world.carer,
        "moderator": world.moderator,
        "staff": _site_staff(world, "community"),
        "visitor": None,
    }[who]
    before = _snapshot()
    client = client_for(actor)

    page_get = client.get(f"/journal/sharing/{share.pk}/revoke/")
    page_post = client.post(f"/journal/sharing/{share.pk}/revoke/")
    api = client.delete(f"/api/v1/journal/shares/{share.pk}")

    if actor is None:
        assert (page_get.status_code, page_post.status_code, api.status_code) == (302, 302, 401)
    else:
        assert (page_get.status_code, page_post.status_code, api.status_code) == (404, 404, 404)
    assert _snapshot() == before


def test_community_share_closes_when_the_owner_leaves(world: World) -> None:
    share = _share(world, "community")
    reader = client_for(world.community_member)
    assert reader.get(f"/journal/shared/{share.pk}/").status_code == 200

    leave_community(actor=world.owner, community=world.community)

    assert reader.get(f"/journal/shared/{share.pk}/").status_code == 404
    assert reader.get(f"/api/v1/journal/shared/{share.pk}").status_code == 404
    # The owner still sees it in their own list (it is not revoked).
    mine = client_for(world.owner).get("/api/v1/journal/shares").json()
    assert [(row["id"], row["revoked_at"]) for row in mine] == [(share.pk, None)]


def test_site_wide_ban_and_suspension_close_community_shares(world: World) -> None:
    share = _share(world, "community")
    Sanction.objects.create(
        member=world.community_member,
        community=None,
        kind=Sanction.Kind.SUSPENSION,
        ends_at=timezone.now() + timedelta(days=1),
    )
    assert permissions.can_view_share(world.community_member, share) is False
    lifted = Sanction.objects.get(member=world.community_member)
    lifted.lifted_at = timezone.now()
    lifted.save()
    # Sanctions are read once per request (cached on the member object): a fresh request.
    assert permissions.can_view_share(User.objects.get(pk=world.community_member.pk), share)


def test_shared_with_me_lists_by_owner_without_a_query_per_share(
    world: World, django_assert_max_num_queries: Any
) -> None:
    second_owner = UserFactory(display_name="Abe", handle="abe")
    make_member(world.community, second_owner)
    _share(world, "community")
    _share(world, "member")
    share_journal(
        actor=second_owner, audience="community", parts=["mood"], community=world.community
    )
    client = client_for(world.intended)
    make_member(world.community, world.intended)
    client.get("/journal/shared/")  # warm the session and the member

    with django_assert_max_num_queries(12) as first:
        page = client.get("/journal/shared/")
    body = page.content.decode()
    assert page.status_code == 200
    assert page["Cache-Control"] == "private, no-store"
    # Owners in name order: Abe, then Pat the patient with both of their shares.
    assert body.index("Abe") < body.index("Pat the patient")
    assert body.count('href="/journal/shared/') == 3
    for part in ("goals", "diary", "symptoms"):
        share_journal(
            actor=second_owner, audience="community", parts=[part], community=world.community
        )
    with django_assert_max_num_queries(len(first.captured_queries)):
        assert client.get("/journal/shared/").content.decode().count('href="/journal/shared/') == 6


def test_membership_role_gives_nothing_extra(world: World, community: Community) -> None:
    share = _share(world, "member")
    Membership.objects.filter(user=world.moderator).update(role=Membership.Role.MANAGER)
    assert permissions.can_view_share(world.moderator, share) is False
