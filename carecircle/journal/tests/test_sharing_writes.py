"""Creating shares (action, page, API): validation, what is stored and audited, rate limit."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.serializers.json import DjangoJSONEncoder
from django.test import override_settings
from django.utils import timezone

from carecircle.accounts.models import User
from carecircle.caregivers.models import CaregiverLink
from carecircle.communities.models import Community
from carecircle.core.errors import PermissionDeniedError, ValidationFailed
from carecircle.core.factories import CommunityFactory, UserFactory
from carecircle.core.models import AuditEvent
from carecircle.journal.actions.sharing import share_journal
from carecircle.journal.models import JournalShare
from carecircle.journal.tests.test_sharing_access import World, make_world
from carecircle.messaging.models import MemberBlock
from carecircle.moderation.models import Sanction
from conftest import client_for


@pytest.fixture
def world(
    patient: User, caregiver: User, moderator: User, outsider: User, community: Community
) -> World:
    return make_world(patient, caregiver, moderator, outsider, community)


def _other_link(world: World, **fields: Any) -> CaregiverLink:
    values: dict[str, Any] = {
        "patient": UserFactory(handle="someone"),
        "carer": world.carer,
        "requested_by": CaregiverLink.Side.PATIENT,
        "status": CaregiverLink.Status.ACTIVE,
    }
    values.update(fields)
    return CaregiverLink.objects.create(**values)


def _ended_link(world: World) -> CaregiverLink:
    CaregiverLink.objects.filter(pk=world.link.pk).update(status=CaregiverLink.Status.ENDED)
    return world.link


Case = Callable[[World], dict[str, Any]]
MEMBER: dict[str, Any] = {"audience": "member", "parts": ["symptoms"]}

INVALID: dict[str, tuple[Case, str, str]] = {
    "no_parts": (lambda w: {**MEMBER, "member": w.intended, "parts": []}, "parts", "required"),
    "unknown_part": (
        lambda w: {**MEMBER, "member": w.intended, "parts": ["symptoms", "x-rays"]},
        "parts",
        "bad_part",
    ),
    "unknown_audience": (
        lambda w: {**MEMBER, "audience": "everyone", "member": w.intended},
        "audience",
        "bad_audience",
    ),
    "no_caregiver_link": (
        lambda w: {"audience": "caregiver", "parts": ["mood"]},
        "caregiver_link",
        "bad_caregiver_link",
    ),
    "someone_elses_link": (
        lambda w: {"audience": "caregiver", "parts": ["mood"], "caregiver_link": _other_link(w).pk},
        "caregiver_link",
        "bad_caregiver_link",
    ),
    "link_where_i_am_the_carer": (
        lambda w: {
            "audience": "caregiver",
            "parts": ["mood"],
            "caregiver_link": _other_link(w, patient=w.carer, carer=w.owner),
        },
        "caregiver_link",
        "bad_caregiver_link",
    ),
    "ended_link": (
        lambda w: {"audience": "caregiver", "parts": ["mood"], "caregiver_link": _ended_link(w)},
        "caregiver_link",
        "bad_caregiver_link",
    ),
    "no_member": (lambda w: {**MEMBER, "member": " "}, "member", "required"),
    "myself": (lambda w: {**MEMBER, "member": "@patient"}, "member", "self"),
    "unknown_member": (
        lambda w: {**MEMBER, "member": "nobody"},
        "member",
        "cannot_share_with_member",
    ),
    "memorial_account": (
        lambda w: {**MEMBER, "member": UserFactory(handle="gone", memorialised_at=timezone.now())},
        "member",
        "cannot_share_with_member",
    ),
    "deactivated_member": (
        lambda w: {**MEMBER, "member": UserFactory(handle="closed", is_active=False).handle},
        "member",
        "cannot_share_with_member",
    ),
    "member_i_blocked": (
        lambda w: {
            **MEMBER,
            "member": MemberBlock.objects.create(blocker=w.owner, blocked=w.intended).blocked,
        },
        "member",
        "you_blocked",
    ),
    "member_who_blocked_me": (
        lambda w: {
            **MEMBER,
            "member": MemberBlock.objects.create(blocker=w.intended, blocked=w.owner).blocker,
        },
        "member",
        "cannot_share_with_member",
    ),
    "community_not_mine": (
        lambda w: {"audience": "community", "parts": ["mood"], "community": CommunityFactory()},
        "community",
        "bad_community",
    ),
    "unknown_community": (
        lambda w: {"audience": "community", "parts": ["mood"], "community": "no-such-place"},
        "community",
        "bad_community",
    ),
    "community_where_i_am_banned": (
        lambda w: {
            "audience": "community",
            "parts": ["mood"],
            "community": Sanction.objects.create(
                member=w.owner, community=w.community, kind=Sanction.Kind.BAN
            ).community,
        },
        "community",
        "bad_community",
    ),
    "since_in_the_future": (
        lambda w: {**MEMBER, "member": w.intended, "since": timezone.localdate() + timedelta(1)},
        "since",
        "future_date",
    ),
    "since_not_a_date": (
        lambda w: {**MEMBER, "member": w.intended, "since": "last spring"},
        "since",
        "bad_date",
    ),
    "title_too_long": (
        lambda w: {**MEMBER, "member": w.intended, "title": "x" * 121},
        "title",
        "too_long",
    ),
}


@pytest.mark.parametrize("case", list(INVALID))
def test_invalid_shares_are_refused_and_change_nothing(world: World, case: str) -> None:
    build, field, code = INVALID[case]
    arguments = build(world)
    events = AuditEvent.objects.count()

    with pytest.raises(ValidationFailed) as raised:
        share_journal(actor=world.owner, **arguments)

    assert (raised.value.field, raised.value.code) == (field, code)
    assert JournalShare.objects.count() == 0
    assert AuditEvent.objects.count() == events


@pytest.mark.parametrize("who", ["visitor", "memorial"])
def test_only_active_members_share(world: World, who: str) -> None:
    actor: Any = AnonymousUser()
    if who == "memorial":
        User.objects.filter(pk=world.owner.pk).update(memorialised_at=timezone.now())
        actor = User.objects.get(pk=world.owner.pk)
    with pytest.raises(PermissionDeniedError):
        share_journal(actor=actor, audience="member", parts=["mood"], member=world.intended)
    assert JournalShare.objects.count() == 0


def test_share_is_stored_in_order_and_audited_without_its_words(world: World) -> None:
    since = timezone.localdate() - timedelta(days=3)

    share = share_journal(
        actor=world.owner,
        audience="member",
        parts=["diary", "symptoms", "diary"],
        member="@INA",
        since=since.isoformat(),
        title="  My   feet  ",
        community=world.community,  # another audience's choice: ignored
    )

    share.refresh_from_db()
    assert (share.audience, share.member_id, share.community_id, share.caregiver_link_id) == (
        "member",
        world.intended.pk,
        None,
        None,
    )
    assert (share.parts, share.since, share.title, share.revoked_at) == (
        ["symptoms", "diary"],
        since,
        "My feet",
        None,
    )
    event = AuditEvent.objects.order_by("-id").first()
    assert event is not None
    assert (event.verb, event.actor_id, event.subject_id, event.target_id) == (
        "journal.share",
        world.owner.pk,
        world.owner.pk,
        str(share.pk),
    )
    # The share (its id is the event's target) and its audience only: which parts of a journal
    # are shared, from when and with whom is journal detail no admin reads in the log.
    assert event.data == {"audience": "member"}


def test_sharing_page_creates_a_community_share_and_shows_its_link(world: World) -> None:
    client = client_for(world.owner)
    page = client.get("/journal/sharing/")
    body = page.content.decode()
    assert page["Cache-Control"] == "private, no-store"
    # Choices: the active link where the owner is cared for, the owner's communities.
    assert f'<option value="{world.link.pk}">Cam the caregiver (@caregiver)</option>' in body
    assert '<option value="type-2-diabetes">Type 2 Diabetes</option>' in body

    response = client.post(
        "/journal/sharing/new/",
        {
            "audience": "community",
            "community": "type-2-diabetes",
            "member": "typed but not chosen",
            "parts": ["measurements", "symptoms"],
            "since": "",
            "title": "Sugar since the new dose",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == "/journal/sharing/"
    share = JournalShare.objects.get()
    assert (share.audience, share.community_id, share.member_id, share.parts, share.title) == (
        "community",
        world.community.pk,
        None,
        ["symptoms", "measurements"],
        "Sugar since the new dose",
    )
    body = client.get("/journal/sharing/").content.decode()
    assert f'value="http://testserver/journal/shared/{share.pk}/" readonly' in body
    assert (
        "Paste this link in a post: members of Type 2 Diabetes can open it; "
        "people outside it cannot."
    ) in body
    assert "Shared. Copy its link into a post: only members of Type 2 Diabetes can open it." in (
        body
    )


def test_sharing_page_keeps_what_was_typed_and_shows_the_error_by_the_field(
    world: World,
) -> None:
    response = client_for(world.owner).post(
        "/journal/sharing/new/",
        {"audience": "member", "member": "nobody", "parts": ["mood"], "title": "For Sam"},
    )

    body = response.content.decode()
    assert response.status_code == 400
    assert (
        '<input type="text" id="id_member" name="member" value="nobody" autocomplete="off" '
        'aria-describedby="help_member error_member" aria-invalid="true">'
    ) in body
    assert (
        '<p class="field-error" id="error_member"><span class="visually-hidden">Error: </span>'
        "You can&#x27;t share with this member. Check the handle after the @.</p>"
    ) in body
    assert 'id="part-mood" checked' in body
    assert 'value="For Sam"' in body
    assert 'id="audience-member" checked' in body
    assert "<title>Error: Sharing my journal" in body
    # The community choice starts empty: nothing is shared with a community by default.
    assert '<option value="">Choose a community</option>' in body
    assert JournalShare.objects.count() == 0


def test_an_identical_active_share_is_refused_and_nothing_is_written(world: World) -> None:
    since = timezone.localdate() - timedelta(days=7)
    first = share_journal(
        actor=world.owner,
        audience="member",
        parts=["mood", "diary"],
        member=world.intended,
        since=since,
    )
    events = AuditEvent.objects.count()
    client = client_for(world.owner)

    page = client.post(
        "/journal/sharing/new/",
        {"audience": "member", "member": "ina", "parts": ["diary", "mood"],
         "since": since.isoformat(), "title": "Again"},
    )  # fmt: skip
    api = client.post(
        "/api/v1/journal/shares",
        {"audience": "member", "member": "ina", "parts": ["mood", "diary"],
         "since": since.isoformat()},
        content_type="application/json",
    )  # fmt: skip

    assert page.status_code == 400
    assert "You already share exactly this with them" in page.content.decode()
    assert (api.status_code, api.json()["code"]) == (400, "already_shared")
    assert list(JournalShare.objects.values_list("pk", flat=True)) == [first.pk]
    assert AuditEvent.objects.count() == events
    # Other parts, another day, or after stopping the first: shared again.
    share_journal(
        actor=world.owner, audience="member", parts=["mood"], member=world.intended, since=since
    )
    share_journal(actor=world.owner, audience="member", parts=["mood", "diary"],
                  member=world.intended)  # fmt: skip
    assert JournalShare.objects.count() == 3


def test_api_creates_lists_and_refuses(world: World) -> None:
    client = client_for(world.owner)

    created = client.post(
        "/api/v1/journal/shares",
        {"audience": "caregiver", "caregiver_link": world.link.pk, "parts": ["goals"]},
        content_type="application/json",
    )
    refused = client.post(
        "/api/v1/journal/shares",
        {"audience": "community", "community": "nowhere", "parts": ["goals"]},
        content_type="application/json",
    )
    visitor = client_for(None).post(
        "/api/v1/journal/shares",
        {"audience": "member", "member": "ina", "parts": ["goals"]},
        content_type="application/json",
    )

    share = JournalShare.objects.get()
    assert created.status_code == 201
    assert created["Cache-Control"] == "private, no-store"
    assert created.json() == {
        "id": share.pk,
        "owner": {"handle": "patient", "display_name": "Pat the patient"},
        "audience": "caregiver",
        "member": {"handle": "caregiver", "display_name": "Cam the caregiver"},
        "caregiver_link": world.link.pk,
        "community": None,
        "parts": ["goals"],
        "since": None,
        "title": "",
        "created_at": DjangoJSONEncoder().default(share.created_at),
        "revoked_at": None,
        "is_reachable": True,
    }
    assert refused.status_code == 400
    assert refused.json() == {
        "code": "bad_community",
        "message": "Choose one of your communities.",
        "field": "community",
    }
    assert visitor.status_code == 401
    assert [row["id"] for row in client.get("/api/v1/journal/shares").json()] == [share.pk]


@override_settings(CARECIRCLE_JOURNAL_WRITE_RATE="2/m")
def test_sharing_is_rate_limited(world: World) -> None:
    client = client_for(world.owner)
    statuses = [
        client.post(
            "/api/v1/journal/shares",
            {"audience": "member", "member": "ina", "parts": [part]},
            content_type="application/json",
        ).status_code
        for part in ("mood", "diary", "goals")
    ]
    assert statuses == [201, 201, 429]
    assert JournalShare.objects.count() == 2


def test_revoke_asks_first_then_lists_it_as_revoked(world: World) -> None:
    share = share_journal(
        actor=world.owner, audience="member", parts=["mood"], member=world.intended
    )
    client = client_for(world.owner)

    confirm = client.get(f"/journal/sharing/{share.pk}/revoke/")
    assert confirm.status_code == 200
    assert confirm["Cache-Control"] == "private, no-store"
    assert "Stop sharing this?" in confirm.content.decode()
    share.refresh_from_db()
    assert share.revoked_at is None

    client.post(f"/journal/sharing/{share.pk}/revoke/")
    body = client.get("/journal/sharing/").content.decode()
    assert "You share nothing: your whole journal is private." in body
    assert '<h2 id="revoked-heading">No longer shared</h2>' in body
    # The confirm page of a revoked share goes back to the list.
    assert client.get(f"/journal/sharing/{share.pk}/revoke/")["Location"] == "/journal/sharing/"
