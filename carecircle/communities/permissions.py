"""Who may see, read, join, post in, moderate and manage a community."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from carecircle.communities.models import Community, Membership
from carecircle.core.errors import PermissionDeniedError


def membership_of(actor: Any, community: Community) -> Membership | None:
    """The actor's membership, using a prefetched `actor_membership` when the query set one."""
    if not getattr(actor, "is_authenticated", False):
        return None
    if (
        hasattr(community, "actor_membership")
        and getattr(community, "actor_membership_user_id", None) == actor.pk
    ):
        return community.actor_membership
    cache = getattr(community, "_membership_cache", {})
    if actor.pk not in cache:
        cache[actor.pk] = Membership.objects.filter(community=community, user=actor).first()
        community._membership_cache = cache  # type: ignore[attr-defined]
    return cache[actor.pk]


def is_site_staff(actor: Any) -> bool:
    return bool(getattr(actor, "is_authenticated", False) and actor.is_site_staff)


def can_see_community(actor: Any, community: Community) -> bool:
    """Whether the community's name and description may be shown (lists, join page)."""
    if community.visibility != Community.Visibility.HIDDEN:
        return True
    if is_site_staff(actor) or membership_of(actor, community) is not None:
        return True
    return bool(
        getattr(actor, "is_authenticated", False)
        and community.invitations.filter(user=actor).exists()
    )


def can_read_community(actor: Any, community: Community) -> bool:
    """Whether topics, posts and counts of the community may be shown."""
    if community.visibility == Community.Visibility.PUBLIC:
        return True
    return is_site_staff(actor) or membership_of(actor, community) is not None


def can_join_community(actor: Any, community: Community) -> bool:
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return False
    if membership_of(actor, community) is not None:
        return False
    if community.visibility == Community.Visibility.HIDDEN:
        return community.invitations.filter(user=actor).exists()
    return True


def _restriction(actor: Any, community: Community) -> Any:
    """The member's active suspension or ban here (or site-wide), if any.

    Imported late: moderation builds on communities, not the other way round. One query per
    actor object (so per request), never a longer cache: a sanction works at once.
    """
    from carecircle.moderation.enforcement import restriction_for

    return restriction_for(actor, community)


def can_post_in_community(actor: Any, community: Community) -> bool:
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return False
    if _restriction(actor, community) is not None:
        return False
    membership = membership_of(actor, community)
    if community.kind == Community.Kind.ANNOUNCEMENTS:
        return can_moderate_community(actor, community)
    return membership is not None


def can_reply_in_community(actor: Any, community: Community) -> bool:
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return False
    if _restriction(actor, community) is not None:
        return False
    return membership_of(actor, community) is not None or can_moderate_community(actor, community)


def can_moderate_community(actor: Any, community: Community) -> bool:
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return False
    if is_site_staff(actor):
        return True
    membership = membership_of(actor, community)
    return membership is not None and membership.role in (
        Membership.Role.MODERATOR,
        Membership.Role.MANAGER,
    )


def can_manage_community(actor: Any, community: Community) -> bool:
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return False
    if actor.is_site_admin or actor.is_site_manager:
        return True
    membership = membership_of(actor, community)
    return membership is not None and membership.role == Membership.Role.MANAGER


def can_create_community(actor: Any) -> bool:
    return bool(
        getattr(actor, "is_authenticated", False)
        and actor.is_active
        and (actor.is_site_admin or actor.is_site_manager)
    )


def check_can_read_community(actor: Any, community: Community) -> None:
    if not can_read_community(actor, community):
        raise PermissionDeniedError(
            _("Only members of this community can read it."), code="members_only"
        )


def check_can_join_community(actor: Any, community: Community) -> None:
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDeniedError(_("Please sign in to join."), code="not_authenticated")
    if membership_of(actor, community) is not None:
        raise PermissionDeniedError(
            _("You are already a member of this community."), code="already_member"
        )
    if not can_join_community(actor, community):
        raise PermissionDeniedError(
            _("This community is by invitation only."), code="invitation_required"
        )


def check_can_post_in_community(actor: Any, community: Community) -> None:
    if not can_post_in_community(actor, community):
        sanction = _restriction(actor, community)
        if sanction is not None:
            from carecircle.moderation.enforcement import restriction_error

            raise restriction_error(sanction)
        if community.kind == Community.Kind.ANNOUNCEMENTS and membership_of(actor, community):
            raise PermissionDeniedError(
                _("Only moderators can start topics in an announcements community."),
                code="announcements_only",
            )
        raise PermissionDeniedError(_("Join this community to start a topic."), code="not_member")


def check_can_reply_in_community(actor: Any, community: Community) -> None:
    """Raise "suspended"/"banned" for a restricted member, "not_member" for anyone else."""
    if not can_reply_in_community(actor, community):
        sanction = _restriction(actor, community)
        if sanction is not None:
            from carecircle.moderation.enforcement import restriction_error

            raise restriction_error(sanction)
        raise PermissionDeniedError(_("Join this community to reply."), code="not_member")


def check_can_moderate_community(actor: Any, community: Community) -> None:
    if not can_moderate_community(actor, community):
        raise PermissionDeniedError(
            _("Only this community's moderators can do that."), code="not_moderator"
        )


def check_can_manage_community(actor: Any, community: Community) -> None:
    if not can_manage_community(actor, community):
        raise PermissionDeniedError(
            _("Only this community's managers can do that."), code="not_manager"
        )


def check_can_create_community(actor: Any) -> None:
    if not can_create_community(actor):
        raise PermissionDeniedError(
            _("Only site managers can create communities."), code="not_manager"
        )
