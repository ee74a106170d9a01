"""Every write to communities and memberships."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import capfirst, slugify
from django.utils.translation import gettext as _

from carecircle.communities import permissions
from carecircle.communities.models import Community, GuidelinesAcceptance, Invitation, Membership
from carecircle.core.audit import record_event
from carecircle.core.errors import ConflictError, PermissionDeniedError, ValidationFailed
from carecircle.core.realtime import revoke_access
from carecircle.search.indexing import index_community_later


def _clean_text(value: str, *, field: str, label: str, max_length: int) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationFailed(_("Please enter %(label)s.") % {"label": label}, field=field)
    if len(value) > max_length:
        raise ValidationFailed(
            _("%(label)s can be at most %(max)d characters.")
            % {"label": capfirst(label), "max": max_length},
            field=field,
        )
    return value


def _validate_choice(value: str, choices: Any, *, field: str) -> str:
    if value not in choices.values:
        raise ValidationFailed(_("Please choose one of the options."), field=field)
    return value


def _has_other_manager(community: Community, membership: Membership) -> bool:
    return (
        Membership.objects.filter(community=community, role=Membership.Role.MANAGER)
        .exclude(pk=membership.pk)
        .exists()
    )


def create_community(
    *,
    actor: Any,
    name: str,
    description: str,
    guidelines: str,
    kind: str = Community.Kind.CONDITION,
    visibility: str = Community.Visibility.PUBLIC,
    slug: str = "",
) -> Community:
    """Create a community; the creator becomes its first manager. Site managers only."""
    permissions.check_can_create_community(actor)
    name = _clean_text(name, field="name", label=_("a name"), max_length=80)
    description = _clean_text(
        description, field="description", label=_("a description"), max_length=2000
    )
    guidelines = _clean_text(
        guidelines, field="guidelines", label=_("guidelines"), max_length=20000
    )
    kind = _validate_choice(kind, Community.Kind, field="kind")
    visibility = _validate_choice(visibility, Community.Visibility, field="visibility")
    slug = slugify(slug or name)[:80]
    if not slug:
        raise ValidationFailed(_("Please use letters or numbers in the name."), field="name")
    if Community.objects.filter(name__iexact=name).exists():
        raise ConflictError(_("A community with this name already exists."), field="name")
    if Community.objects.filter(slug=slug).exists():
        raise ConflictError(_("This web address is already taken."), field="slug")
    now = timezone.now()
    try:
        with transaction.atomic():
            community = Community.objects.create(
                name=name,
                slug=slug,
                description=description,
                guidelines=guidelines,
                kind=kind,
                visibility=visibility,
                created_by=actor,
                member_count=1,
                last_activity_at=now,
            )
            Membership.objects.create(
                community=community,
                user=actor,
                role=Membership.Role.MANAGER,
                guidelines_version=community.guidelines_version,
                guidelines_accepted_at=now,
            )
            GuidelinesAcceptance.objects.create(
                community=community, user=actor, guidelines_version=community.guidelines_version
            )
            record_event(actor=actor, verb="community.create", target=community)
            index_community_later(community.pk)
    except IntegrityError as error:
        raise ConflictError(
            _("A community with this name already exists."), field="name"
        ) from error
    return community


def update_community(
    *,
    actor: Any,
    community: Community,
    name: str,
    description: str,
    guidelines: str,
    kind: str,
    visibility: str,
    allow_anonymous_posts: bool | None = None,
) -> Community:
    """Edit a community; changed guidelines get a new version that members accept again.

    `allow_anonymous_posts` None keeps the current setting.
    """
    permissions.check_can_manage_community(actor, community)
    name = _clean_text(name, field="name", label=_("a name"), max_length=80)
    description = _clean_text(
        description, field="description", label=_("a description"), max_length=2000
    )
    guidelines = _clean_text(
        guidelines, field="guidelines", label=_("guidelines"), max_length=20000
    )
    kind = _validate_choice(kind, Community.Kind, field="kind")
    visibility = _validate_choice(visibility, Community.Visibility, field="visibility")
    if Community.objects.filter(name__iexact=name).exclude(pk=community.pk).exists():
        raise ConflictError(_("A community with this name already exists."), field="name")
    changes: dict[str, object] = {}
    with transaction.atomic():
        if guidelines != community.guidelines:
            community.guidelines_version += 1
            changes["guidelines_version"] = community.guidelines_version
        for field, value in (
            ("name", name),
            ("description", description),
            ("guidelines", guidelines),
            ("kind", kind),
            ("visibility", visibility),
            (
                "allow_anonymous_posts",
                community.allow_anonymous_posts
                if allow_anonymous_posts is None
                else allow_anonymous_posts,
            ),
        ):
            if getattr(community, field) != value:
                changes.setdefault(field, value if field != "guidelines" else "changed")
                setattr(community, field, value)
        community.save()
        record_event(actor=actor, verb="community.update", target=community, changes=changes)
        index_community_later(community.pk)
    return community


def _guidelines_not_accepted() -> ValidationFailed:
    return ValidationFailed(
        _("Please read and accept the community guidelines to join."),
        field="accept_guidelines",
        code="guidelines_not_accepted",
    )


def join_community(*, actor: Any, community: Community, accept_guidelines: bool) -> Membership:
    """Join after accepting the current guidelines; hidden communities need an invitation."""
    if permissions.membership_of(actor, community) is not None:
        # The same conflict the unique constraint reports below, whichever comes first.
        raise ConflictError(_("You are already a member of this community."), code="already_member")
    permissions.check_can_join_community(actor, community)
    if not accept_guidelines:
        raise _guidelines_not_accepted()
    now = timezone.now()
    try:
        with transaction.atomic():
            membership = Membership.objects.create(
                community=community,
                user=actor,
                guidelines_version=community.guidelines_version,
                guidelines_accepted_at=now,
            )
            GuidelinesAcceptance.objects.create(
                community=community, user=actor, guidelines_version=community.guidelines_version
            )
            Invitation.objects.filter(community=community, user=actor).update(accepted_at=now)
            Community.objects.filter(pk=community.pk).update(member_count=F("member_count") + 1)
            record_event(
                actor=actor,
                verb="community.join",
                target=community,
                guidelines_version=community.guidelines_version,
            )
            # The community's welcome message, in the bell after commit.
            from carecircle.engagement.actions import send_welcome

            send_welcome(membership)
    except IntegrityError as error:
        raise ConflictError(
            _("You are already a member of this community."), code="already_member"
        ) from error
    community.member_count += 1
    if hasattr(community, "_membership_cache"):
        community._membership_cache.pop(actor.pk, None)
    return membership


def accept_guidelines(*, actor: Any, community: Community, accept_guidelines: bool) -> Membership:
    """Re-accept a community's updated guidelines (`accept_guidelines` must be true)."""
    membership = permissions.membership_of(actor, community)
    if membership is None:
        raise PermissionDeniedError(_("You are not a member of this community."), code="not_member")
    if not accept_guidelines:
        raise _guidelines_not_accepted()
    with transaction.atomic():
        membership.guidelines_version = community.guidelines_version
        membership.guidelines_accepted_at = timezone.now()
        membership.save(update_fields=["guidelines_version", "guidelines_accepted_at"])
        GuidelinesAcceptance.objects.create(
            community=community, user=actor, guidelines_version=community.guidelines_version
        )
    return membership


def leave_community(*, actor: Any, community: Community) -> None:
    """Leave a community. The last manager must hand over first."""
    membership = permissions.membership_of(actor, community)
    if membership is None:
        raise PermissionDeniedError(_("You are not a member of this community."), code="not_member")
    if membership.role == Membership.Role.MANAGER and not _has_other_manager(community, membership):
        raise ConflictError(
            _("You are this community's only manager. Make someone else a manager first."),
            code="last_manager",
        )
    with transaction.atomic():
        membership.delete()
        Community.objects.filter(pk=community.pk, member_count__gt=0).update(
            member_count=F("member_count") - 1
        )
        record_event(actor=actor, verb="community.leave", target=community)
        # Lines about a members-only community leave the bell with the member: so must its count.
        from carecircle.notifications.actions import refresh_unread

        refresh_unread([actor.pk])
        # Open sockets stop following the community's chat rooms at once; sends are refused
        # anyway, this ends what they still receive.
        for room_id in community.chat_rooms.values_list("pk", flat=True):
            revoke_access(f"room:{room_id}", [actor.pk], reason="left_community")
    if hasattr(community, "_membership_cache"):
        community._membership_cache.pop(actor.pk, None)
    if hasattr(community, "actor_membership"):
        community.actor_membership = None


def set_member_role(*, actor: Any, community: Community, member: Any, role: str) -> Membership:
    """Make a member a moderator, manager or plain member again. Managers only."""
    permissions.check_can_manage_community(actor, community)
    role = _validate_choice(role, Membership.Role, field="role")
    membership = Membership.objects.filter(community=community, user=member).first()
    if membership is None:
        raise ValidationFailed(_("That person is not a member of this community."), field="member")
    if (
        membership.role == Membership.Role.MANAGER
        and role != Membership.Role.MANAGER
        and not _has_other_manager(community, membership)
    ):
        raise ConflictError(
            _("This is the community's only manager. Make someone else a manager first."),
            code="last_manager",
        )
    with transaction.atomic():
        previous = membership.role
        membership.role = role
        membership.save(update_fields=["role", "updated_at"])
        record_event(
            actor=actor,
            verb="community.set_role",
            target=community,
            member=member.pk,
            previous=previous,
            role=role,
        )
    return membership


def invite_member(*, actor: Any, community: Community, member: Any) -> Invitation:
    """Invite an existing member; needed for hidden communities. Moderators and managers."""
    permissions.check_can_moderate_community(actor, community)
    if Membership.objects.filter(community=community, user=member).exists():
        raise ConflictError(_("That person is already a member."), field="member")
    with transaction.atomic():
        invitation, _created = Invitation.objects.get_or_create(
            community=community, user=member, defaults={"invited_by": actor}
        )
        record_event(actor=actor, verb="community.invite", target=community, member=member.pk)
    return invitation
