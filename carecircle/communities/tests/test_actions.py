"""Every write to communities and memberships, through the actions in communities/actions.py."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from carecircle.communities import actions
from carecircle.communities.models import Community, GuidelinesAcceptance, Invitation, Membership
from carecircle.communities.tests.helpers import snapshot
from carecircle.core.errors import ConflictError, PermissionDeniedError, ValidationFailed
from carecircle.core.factories import CommunityFactory, UserFactory, make_member
from carecircle.core.models import AuditEvent

pytestmark = pytest.mark.django_db

VALID = {
    "name": "Long COVID Support",
    "description": "For people living with long COVID.",
    "guidelines": "Be kind. Share experience, not prescriptions.",
}


def events(verb: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(verb=verb).order_by("pk"))


# --- create_community ---------------------------------------------------------------------------


def test_site_manager_creates_a_community_and_becomes_its_first_manager(manager):
    before = timezone.now()

    community = actions.create_community(actor=manager, **VALID)

    community.refresh_from_db()
    assert community.name == "Long COVID Support"
    assert community.slug == "long-covid-support"
    assert community.description == "For people living with long COVID."
    assert community.guidelines == "Be kind. Share experience, not prescriptions."
    assert community.kind == Community.Kind.CONDITION
    assert community.visibility == Community.Visibility.PUBLIC
    assert community.guidelines_version == 1
    assert community.member_count == 1
    assert community.created_by == manager
    assert community.last_activity_at >= before
    membership = Membership.objects.get(community=community)
    assert membership.user == manager
    assert membership.role == Membership.Role.MANAGER
    assert membership.guidelines_version == 1
    acceptance = GuidelinesAcceptance.objects.get(community=community)
    assert (acceptance.user, acceptance.guidelines_version) == (manager, 1)
    [event] = events("community.create")
    assert event.actor == manager
    assert (event.target_type, event.target_id) == ("communities.community", str(community.pk))


def test_create_trims_text_and_honours_slug_kind_and_visibility(manager):
    community = actions.create_community(
        actor=manager,
        name="  Carers' Corner  ",
        description="  For carers.  ",
        guidelines="  Be kind.  ",
        kind=Community.Kind.GENERAL,
        visibility=Community.Visibility.HIDDEN,
        slug="Carers Corner",
    )
    assert community.name == "Carers' Corner"
    assert community.description == "For carers."
    assert community.guidelines == "Be kind."
    assert community.slug == "carers-corner"
    assert community.kind == "general"
    assert community.visibility == "hidden"


@pytest.mark.parametrize(
    "persona",
    ["visitor", "patient", "moderator", "outsider", "site_moderator", "community_manager"],
)
def test_only_site_managers_may_create_communities(persona, request, community):
    actor = AnonymousUser() if persona == "visitor" else request.getfixturevalue(persona)
    before = snapshot()

    with pytest.raises(PermissionDeniedError) as caught:
        actions.create_community(actor=actor, **VALID)

    assert caught.value.code == "not_manager"
    assert caught.value.status == 403
    assert str(caught.value.message) == "Only site managers can create communities."
    assert snapshot() == before


def test_deactivated_site_manager_may_not_create(manager):
    manager.is_active = False
    manager.save()
    before = snapshot()
    with pytest.raises(PermissionDeniedError):
        actions.create_community(actor=manager, **VALID)
    assert snapshot() == before


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": "   "}, "name", "Please enter a name."),
        ({"name": "x" * 81}, "name", "A name can be at most 80 characters."),
        ({"description": ""}, "description", "Please enter a description."),
        (
            {"description": "x" * 2001},
            "description",
            "A description can be at most 2000 characters.",
        ),
        ({"guidelines": "\n"}, "guidelines", "Please enter guidelines."),
        ({"guidelines": "x" * 20001}, "guidelines", "Guidelines can be at most 20000 characters."),
        ({"kind": "gossip"}, "kind", "Please choose one of the options."),
        ({"visibility": "secret"}, "visibility", "Please choose one of the options."),
        ({"name": "!!!"}, "name", "Please use letters or numbers in the name."),
    ],
)
def test_create_rejects_bad_input_with_a_message_for_the_field(manager, changes, field, message):
    before = snapshot()

    with pytest.raises(ValidationFailed) as caught:
        actions.create_community(actor=manager, **{**VALID, **changes})

    assert caught.value.field == field
    assert caught.value.code == "invalid"
    assert str(caught.value.message) == message
    assert snapshot() == before


def test_create_refuses_a_name_taken_in_any_case(manager, community):
    before = snapshot()
    with pytest.raises(ConflictError) as caught:
        actions.create_community(actor=manager, **{**VALID, "name": "TYPE 2 diabetes"})
    assert (caught.value.field, caught.value.status) == ("name", 409)
    assert str(caught.value.message) == "A community with this name already exists."
    assert snapshot() == before


def test_create_refuses_a_taken_web_address(manager, community):
    before = snapshot()
    with pytest.raises(ConflictError) as caught:
        actions.create_community(actor=manager, **{**VALID, "slug": "type-2-diabetes"})
    assert caught.value.field == "slug"
    assert str(caught.value.message) == "This web address is already taken."
    assert snapshot() == before


# --- update_community ---------------------------------------------------------------------------


def edit(community: Community, **changes: str) -> dict[str, str]:
    values = {
        field: getattr(community, field)
        for field in ("name", "description", "guidelines", "kind", "visibility")
    }
    return {**values, **changes}


def test_community_manager_edits_description_without_a_new_guidelines_version(
    community, community_manager
):
    actions.update_community(
        actor=community_manager,
        community=community,
        **edit(community, description="Living well with type 2 diabetes."),
    )

    community.refresh_from_db()
    assert community.description == "Living well with type 2 diabetes."
    assert community.guidelines_version == 1
    [event] = events("community.update")
    assert event.actor == community_manager
    assert event.data == {"changes": {"description": "Living well with type 2 diabetes."}}


def test_changed_guidelines_get_a_new_version(community, community_manager):
    actions.update_community(
        actor=community_manager, community=community, **edit(community, guidelines="Be kinder.")
    )

    community.refresh_from_db()
    assert community.guidelines == "Be kinder."
    assert community.guidelines_version == 2
    [event] = events("community.update")
    assert event.data == {"changes": {"guidelines_version": 2, "guidelines": "changed"}}
    # Members keep the version they accepted until they accept again.
    assert (
        Membership.objects.get(community=community, user__handle="patient").guidelines_version == 1
    )


def test_unchanged_guidelines_keep_their_version(community, manager):
    actions.update_community(actor=manager, community=community, **edit(community, name="T2D"))
    actions.update_community(actor=manager, community=community, **edit(community))
    community.refresh_from_db()
    assert (community.name, community.guidelines_version) == ("T2D", 1)


def test_site_manager_edits_a_community_they_are_not_a_member_of(community, manager):
    actions.update_community(
        actor=manager,
        community=community,
        **edit(community, visibility=Community.Visibility.MEMBERS, kind="general"),
    )
    community.refresh_from_db()
    assert (community.visibility, community.kind) == ("members", "general")


@pytest.mark.parametrize(
    "persona", ["visitor", "patient", "moderator", "outsider", "site_moderator"]
)
def test_only_managers_may_edit(persona, request, community):
    actor = AnonymousUser() if persona == "visitor" else request.getfixturevalue(persona)
    before = snapshot()

    with pytest.raises(PermissionDeniedError) as caught:
        actions.update_community(
            actor=actor, community=community, **edit(community, guidelines="Anything goes.")
        )

    assert caught.value.code == "not_manager"
    assert str(caught.value.message) == "Only this community's managers can do that."
    assert snapshot() == before


def test_edit_refuses_another_communitys_name(community, private_community, manager):
    before = snapshot()
    with pytest.raises(ConflictError) as caught:
        actions.update_community(
            actor=manager, community=community, **edit(community, name="breast cancer")
        )
    assert caught.value.field == "name"
    assert snapshot() == before
    assert community.name == "Type 2 Diabetes"


def test_edit_rejects_blank_guidelines_and_changes_nothing(community, manager):
    before = snapshot()
    with pytest.raises(ValidationFailed) as caught:
        actions.update_community(
            actor=manager, community=community, **edit(community, guidelines="")
        )
    assert (caught.value.field, str(caught.value.message)) == (
        "guidelines",
        "Please enter guidelines.",
    )
    assert snapshot() == before
    assert community.guidelines_version == 1


# --- join_community -----------------------------------------------------------------------------


def test_joining_records_the_accepted_guidelines_version_and_time(community, outsider):
    Community.objects.filter(pk=community.pk).update(guidelines_version=3)
    community.refresh_from_db()
    before = timezone.now()

    membership = actions.join_community(actor=outsider, community=community, accept_guidelines=True)

    after = timezone.now()
    assert membership.role == Membership.Role.MEMBER
    assert membership.guidelines_version == 3
    assert before <= membership.guidelines_accepted_at <= after
    acceptance = GuidelinesAcceptance.objects.get(community=community, user=outsider)
    assert acceptance.guidelines_version == 3
    assert before <= acceptance.accepted_at <= after
    assert community.member_count == 4
    assert Community.objects.get(pk=community.pk).member_count == 4
    [event] = events("community.join")
    assert event.actor == outsider
    assert event.data == {"guidelines_version": 3}


def test_joining_without_accepting_the_guidelines_is_refused(community, outsider):
    before = snapshot()

    with pytest.raises(ValidationFailed) as caught:
        actions.join_community(actor=outsider, community=community, accept_guidelines=False)

    assert caught.value.code == "guidelines_not_accepted"
    assert caught.value.field == "accept_guidelines"
    assert str(caught.value.message) == "Please read and accept the community guidelines to join."
    assert snapshot() == before


def test_anyone_signed_in_may_join_a_members_only_community(private_community, outsider):
    actions.join_community(actor=outsider, community=private_community, accept_guidelines=True)
    assert Membership.objects.filter(community=private_community, user=outsider).exists()
    assert Community.objects.get(pk=private_community.pk).member_count == 2


def test_hidden_community_needs_an_invitation(hidden_community, outsider):
    before = snapshot()

    with pytest.raises(PermissionDeniedError) as caught:
        actions.join_community(actor=outsider, community=hidden_community, accept_guidelines=True)

    assert caught.value.code == "invitation_required"
    assert str(caught.value.message) == "This community is by invitation only."
    assert snapshot() == before


def test_invited_member_joins_a_hidden_community_and_the_invitation_is_marked(
    hidden_community, outsider, manager
):
    invitation = actions.invite_member(actor=manager, community=hidden_community, member=outsider)

    actions.join_community(actor=outsider, community=hidden_community, accept_guidelines=True)

    invitation.refresh_from_db()
    assert invitation.accepted_at is not None
    assert Membership.objects.get(community=hidden_community, user=outsider).role == "member"
    assert Community.objects.get(pk=hidden_community.pk).member_count == 2


def test_joining_twice_is_a_conflict_and_counts_once(community, patient):
    before = snapshot()

    with pytest.raises(ConflictError) as caught:
        actions.join_community(actor=patient, community=community, accept_guidelines=True)

    assert caught.value.code == "already_member"
    assert caught.value.status == 409
    assert str(caught.value.message) == "You are already a member of this community."
    assert snapshot() == before


def test_visitors_cannot_join(community):
    before = snapshot()
    with pytest.raises(PermissionDeniedError) as caught:
        actions.join_community(actor=AnonymousUser(), community=community, accept_guidelines=True)
    assert caught.value.code == "not_authenticated"
    assert snapshot() == before


# --- accept_guidelines --------------------------------------------------------------------------


def test_member_accepts_updated_guidelines(community, patient, manager):
    actions.update_community(
        actor=manager, community=community, **edit(community, guidelines="New rules.")
    )

    membership = actions.accept_guidelines(
        actor=patient, community=community, accept_guidelines=True
    )

    membership.refresh_from_db()
    assert membership.guidelines_version == 2
    versions = GuidelinesAcceptance.objects.filter(community=community, user=patient)
    assert sorted(versions.values_list("guidelines_version", flat=True)) == [1, 2]


def test_re_accepting_needs_the_box_ticked_too(community, patient, manager):
    actions.update_community(
        actor=manager, community=community, **edit(community, guidelines="New rules.")
    )
    before = snapshot()

    with pytest.raises(ValidationFailed) as caught:
        actions.accept_guidelines(actor=patient, community=community, accept_guidelines=False)

    assert (caught.value.code, caught.value.field) == (
        "guidelines_not_accepted",
        "accept_guidelines",
    )
    assert snapshot() == before


def test_non_member_cannot_accept_guidelines(community, outsider):
    before = snapshot()
    with pytest.raises(PermissionDeniedError) as caught:
        actions.accept_guidelines(actor=outsider, community=community, accept_guidelines=True)
    assert caught.value.code == "not_member"
    assert snapshot() == before


# --- leave_community ----------------------------------------------------------------------------


def test_leaving_ends_what_open_sockets_receive_from_the_community_rooms(
    community, patient, django_capture_on_commit_callbacks
):
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    from carecircle.messaging.models import ChatRoom

    room = ChatRoom.objects.create(community=community, name="Tuesday group", slug="tuesday")
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(f"stream.room.{room.pk}", channel)

    with django_capture_on_commit_callbacks(execute=True):
        actions.leave_community(actor=patient, community=community)

    message = async_to_sync(layer.receive)(channel)
    assert message["event"] == {
        "type": "access.revoked",
        "user_ids": [patient.pk],
        "reason": "left_community",
    }


def test_member_leaves_and_the_count_drops(community, patient):
    actions.leave_community(actor=patient, community=community)

    assert not Membership.objects.filter(community=community, user=patient).exists()
    assert Community.objects.get(pk=community.pk).member_count == 2
    [event] = events("community.leave")
    assert event.actor == patient
    # The record of what they accepted outlives the membership.
    assert GuidelinesAcceptance.objects.filter(community=community, user=patient).count() == 1


def test_non_member_cannot_leave(community, outsider):
    before = snapshot()
    with pytest.raises(PermissionDeniedError) as caught:
        actions.leave_community(actor=outsider, community=community)
    assert caught.value.code == "not_member"
    assert str(caught.value.message) == "You are not a member of this community."
    assert snapshot() == before


def test_last_manager_cannot_leave(community, community_manager):
    before = snapshot()

    with pytest.raises(ConflictError) as caught:
        actions.leave_community(actor=community_manager, community=community)

    assert caught.value.code == "last_manager"
    assert str(caught.value.message) == (
        "You are this community's only manager. Make someone else a manager first."
    )
    assert snapshot() == before


def test_a_manager_may_leave_once_another_manager_exists(community, community_manager, patient):
    actions.set_member_role(
        actor=community_manager, community=community, member=patient, role="manager"
    )

    actions.leave_community(actor=community_manager, community=community)

    assert list(
        Membership.objects.filter(community=community, role="manager").values_list(
            "user__handle", flat=True
        )
    ) == ["patient"]
    assert Community.objects.get(pk=community.pk).member_count == 3


def test_member_count_follows_joins_and_leaves(community, outsider, caregiver):
    actions.join_community(actor=outsider, community=community, accept_guidelines=True)
    actions.leave_community(actor=caregiver, community=community)
    actions.leave_community(actor=outsider, community=community)
    actions.join_community(actor=outsider, community=community, accept_guidelines=True)

    community.refresh_from_db()
    assert community.member_count == 3
    assert community.member_count == Membership.objects.filter(community=community).count()


# --- set_member_role ----------------------------------------------------------------------------


def test_community_manager_makes_a_member_moderator(community, community_manager, patient):
    membership = actions.set_member_role(
        actor=community_manager, community=community, member=patient, role="moderator"
    )

    assert membership.role == "moderator"
    assert Membership.objects.get(community=community, user=patient).role == "moderator"
    [event] = events("community.set_role")
    assert event.actor == community_manager
    assert event.data == {"member": patient.pk, "previous": "member", "role": "moderator"}


def test_site_manager_sets_roles_in_any_community(community, manager, moderator):
    actions.set_member_role(actor=manager, community=community, member=moderator, role="member")
    assert Membership.objects.get(community=community, user=moderator).role == "member"


@pytest.mark.parametrize(
    "persona", ["visitor", "patient", "moderator", "outsider", "site_moderator"]
)
def test_only_managers_may_set_roles(persona, request, community, caregiver):
    actor = AnonymousUser() if persona == "visitor" else request.getfixturevalue(persona)
    before = snapshot()

    with pytest.raises(PermissionDeniedError) as caught:
        actions.set_member_role(actor=actor, community=community, member=caregiver, role="manager")

    assert caught.value.code == "not_manager"
    assert snapshot() == before


def test_set_role_rejects_an_unknown_role_and_a_non_member(community, manager, patient, outsider):
    before = snapshot()
    with pytest.raises(ValidationFailed) as unknown_role:
        actions.set_member_role(actor=manager, community=community, member=patient, role="king")
    with pytest.raises(ValidationFailed) as not_member:
        actions.set_member_role(actor=manager, community=community, member=outsider, role="member")

    assert unknown_role.value.field == "role"
    assert not_member.value.field == "member"
    assert str(not_member.value.message) == "That person is not a member of this community."
    assert snapshot() == before


def test_the_last_manager_cannot_step_down(community, community_manager):
    # Stepping down would leave the community without a manager, exactly what leaving forbids.
    before = snapshot()

    with pytest.raises(ConflictError) as caught:
        actions.set_member_role(
            actor=community_manager, community=community, member=community_manager, role="member"
        )

    assert caught.value.code == "last_manager"
    assert snapshot() == before


# --- invite_member ------------------------------------------------------------------------------


def test_moderator_invites_a_member(community, moderator, outsider):
    invitation = actions.invite_member(actor=moderator, community=community, member=outsider)

    assert (invitation.community, invitation.user, invitation.invited_by) == (
        community,
        outsider,
        moderator,
    )
    assert invitation.accepted_at is None
    [event] = events("community.invite")
    assert event.data == {"member": outsider.pk}


def test_inviting_twice_keeps_one_invitation(community, moderator, outsider):
    first = actions.invite_member(actor=moderator, community=community, member=outsider)
    second = actions.invite_member(actor=moderator, community=community, member=outsider)
    assert first.pk == second.pk
    assert Invitation.objects.filter(community=community, user=outsider).count() == 1


def test_plain_members_cannot_invite(hidden_community, patient, outsider):
    before = snapshot()
    with pytest.raises(PermissionDeniedError) as caught:
        actions.invite_member(actor=patient, community=hidden_community, member=outsider)
    assert caught.value.code == "not_moderator"
    assert snapshot() == before


def test_inviting_an_existing_member_is_a_conflict(community, moderator, patient):
    before = snapshot()
    with pytest.raises(ConflictError) as caught:
        actions.invite_member(actor=moderator, community=community, member=patient)
    assert (caught.value.field, str(caught.value.message)) == (
        "member",
        "That person is already a member.",
    )
    assert snapshot() == before


def test_invitation_lets_a_member_see_and_join_a_hidden_community(hidden_community, outsider):
    from carecircle.communities.queries import visible_communities

    staff = UserFactory(is_site_moderator=True)
    assert hidden_community not in visible_communities(outsider)

    actions.invite_member(actor=staff, community=hidden_community, member=outsider)

    assert hidden_community in visible_communities(outsider)
    actions.join_community(actor=outsider, community=hidden_community, accept_guidelines=True)
    assert Membership.objects.filter(community=hidden_community, user=outsider).exists()


def test_a_manager_of_one_community_cannot_manage_another(community_manager):
    other = CommunityFactory(name="Asthma", slug="asthma")
    owner = UserFactory()
    make_member(other, owner, Membership.Role.MANAGER)
    before = snapshot()
    with pytest.raises(PermissionDeniedError):
        actions.update_community(
            actor=community_manager, community=other, **edit(other, name="Mine now")
        )
    with pytest.raises(PermissionDeniedError):
        actions.invite_member(actor=community_manager, community=other, member=owner)
    assert snapshot() == before
