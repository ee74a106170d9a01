"""Reads of communities, already scoped to what the actor may see."""

from __future__ import annotations

from typing import Any

from django.db.models import Case, Exists, OuterRef, Prefetch, Q, QuerySet, When
from django.utils.translation import gettext as _

from carecircle.communities.models import Community, Invitation, Membership
from carecircle.core.errors import NotFoundError, ValidationFailed


def _with_actor_membership(queryset: QuerySet[Community], actor: Any) -> QuerySet[Community]:
    if getattr(actor, "is_authenticated", False):
        return queryset.prefetch_related(
            Prefetch(
                "memberships",
                queryset=Membership.objects.filter(user=actor),
                to_attr="actor_memberships",
            )
        )
    return queryset


def _attach_membership(communities: list[Community], actor: Any) -> list[Community]:
    for community in communities:
        memberships = getattr(community, "actor_memberships", [])
        community.actor_membership = memberships[0] if memberships else None  # type: ignore[attr-defined]
        # Whose membership that is: asked about anyone else, permissions look it up instead.
        community.actor_membership_user_id = getattr(actor, "pk", None)  # type: ignore[attr-defined]
    return communities


def attach_actor_memberships(communities: list[Community], actor: Any) -> None:
    """Read the actor's memberships of these (already loaded) communities in one query and set
    each on its community object, so permission checks on them ask the database nothing more
    (see `permissions.membership_of`). Nothing for a visitor."""
    if not communities or not getattr(actor, "is_authenticated", False):
        return
    memberships = {
        membership.community_id: membership
        for membership in Membership.objects.filter(
            user=actor, community_id__in={community.pk for community in communities}
        )
    }
    for community in communities:
        community.actor_membership = memberships.get(community.pk)  # type: ignore[attr-defined]
        community.actor_membership_user_id = actor.pk  # type: ignore[attr-defined]


def visible_communities(actor: Any) -> QuerySet[Community]:
    """Communities whose name the actor may see: all but hidden ones they are not part of."""
    queryset = Community.objects.all()
    if getattr(actor, "is_authenticated", False) and actor.is_site_staff:
        return queryset
    hidden = Q(visibility=Community.Visibility.HIDDEN)
    if not getattr(actor, "is_authenticated", False):
        return queryset.exclude(hidden)
    is_member = Exists(Membership.objects.filter(community=OuterRef("pk"), user=actor))
    is_invited = Exists(Invitation.objects.filter(community=OuterRef("pk"), user=actor))
    return queryset.filter(~hidden | is_member | is_invited)


def readable_community_ids(actor: Any) -> QuerySet[Community, Any]:
    """Communities whose content the actor may read (as a subquery of ids)."""
    if getattr(actor, "is_authenticated", False) and actor.is_site_staff:
        return Community.objects.values("pk")
    public = Q(visibility=Community.Visibility.PUBLIC)
    if not getattr(actor, "is_authenticated", False):
        return Community.objects.filter(public).values("pk")
    is_member = Exists(Membership.objects.filter(community=OuterRef("pk"), user=actor))
    return Community.objects.filter(public | is_member).values("pk")


def list_communities(actor: Any) -> list[Community]:
    """Every community the actor may see, with `actor_membership` attached; one or two queries."""
    communities = list(_with_actor_membership(visible_communities(actor), actor))
    return _attach_membership(communities, actor)


def get_community(actor: Any, slug: str) -> Community:
    """The community with `slug` if the actor may see it; NotFoundError otherwise (no leak)."""
    community = _with_actor_membership(visible_communities(actor), actor).filter(slug=slug).first()
    if community is None:
        raise NotFoundError("Community not found.")
    return _attach_membership([community], actor)[0]


def list_members(actor: Any, community: Community) -> QuerySet[Membership]:
    """Members of a community the actor may read: managers, then moderators, then by name."""
    rank = Case(
        When(role=Membership.Role.MANAGER, then=0),
        When(role=Membership.Role.MODERATOR, then=1),
        default=2,
    )
    return (
        Membership.objects.filter(community=community)
        .select_related("user")
        .order_by(rank, "user__display_name")
    )


def get_member(actor: Any, community: Community, handle: str) -> Any:
    """The member of `community` with `handle`; NotFoundError when there is none."""
    membership = (
        Membership.objects.filter(community=community, user__handle=(handle or "").lower())
        .select_related("user")
        .first()
    )
    if membership is None:
        raise NotFoundError(_("That person is not a member of this community."), field="member")
    return membership.user


def find_member_by_handle(handle: str) -> Any:
    """An active member by @handle, for invitations; ValidationFailed when unknown."""
    from carecircle.accounts.queries import get_member

    try:
        return get_member(handle)
    except NotFoundError as error:
        raise ValidationFailed(
            _("We could not find a member with that handle. Check the spelling."), field="handle"
        ) from error


def memberships_of(actor: Any) -> QuerySet[Membership]:
    if not getattr(actor, "is_authenticated", False):
        return Membership.objects.none()
    return Membership.objects.filter(user=actor).select_related("community")
