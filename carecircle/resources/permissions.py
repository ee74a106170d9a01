"""Who may read a library, add to it, suggest for it, review it and arrange its categories.

A library is a community's (`community` set) or the site's (`community` None). Its curators
add resources directly and review members' suggestions:

- a community library: the community's moderators and managers (site staff included, as
  `can_moderate_community` already says), and verified health professionals who are members;
- the site library: site staff and any verified health professional.

Members suggest (community members; for the site library, any signed-in member). A banned or
suspended member neither curates nor suggests. Reading follows the community: a public
community's library and the site library are open to visitors, a members-only or hidden
community's library to its members only.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from carecircle.communities.models import Community
from carecircle.communities.permissions import (
    can_moderate_community,
    can_read_community,
    is_site_staff,
    membership_of,
)
from carecircle.core.errors import NotFoundError, PermissionDeniedError
from carecircle.moderation.enforcement import restriction_for
from carecircle.resources.models import Resource


def _is_active_member(actor: Any) -> bool:
    return bool(getattr(actor, "is_authenticated", False) and actor.is_active)


def can_read_library(actor: Any, community: Community | None) -> bool:
    if community is None:
        return True
    return can_read_community(actor, community)


def can_curate_library(actor: Any, community: Community | None) -> bool:
    """Whether the actor adds resources directly and reviews suggestions in this library."""
    if not _is_active_member(actor) or restriction_for(actor, community) is not None:
        return False
    if community is None:
        return is_site_staff(actor) or bool(actor.is_professional)
    if can_moderate_community(actor, community):
        return True
    return bool(actor.is_professional) and membership_of(actor, community) is not None


def can_suggest_resource(actor: Any, community: Community | None) -> bool:
    """Whether the actor may send a suggestion to this library's review queue."""
    if not _is_active_member(actor) or restriction_for(actor, community) is not None:
        return False
    if community is None:
        return True
    return membership_of(actor, community) is not None or can_curate_library(actor, community)


def can_add_to_library(actor: Any, community: Community | None) -> bool:
    """Whether the library's "add" form is offered at all (curators add, members suggest)."""
    return can_curate_library(actor, community) or can_suggest_resource(actor, community)


def can_manage_categories(actor: Any, community: Community | None) -> bool:
    return can_curate_library(actor, community)


def _is_suggester(actor: Any, resource: Resource) -> bool:
    return bool(
        getattr(actor, "is_authenticated", False)
        and resource.suggested_by_id is not None
        and resource.suggested_by_id == actor.pk
    )


def can_read_resource(actor: Any, resource: Resource) -> bool:
    """Published: whoever reads the library. Suggested or not added: the member who suggested
    it and the curators. Archived: the curators only (it left the library)."""
    if not can_read_library(actor, resource.community):
        return False
    if resource.status == Resource.Status.PUBLISHED:
        return True
    if resource.status in (Resource.Status.SUGGESTED, Resource.Status.REJECTED) and _is_suggester(
        actor, resource
    ):
        return True
    return can_curate_library(actor, resource.community)


def can_edit_resource(actor: Any, resource: Resource) -> bool:
    """Curators edit anything in their library; a member edits their own suggestion while it
    still waits for review (to fix a typo before a curator reads it)."""
    if can_curate_library(actor, resource.community):
        return True
    return (
        resource.status == Resource.Status.SUGGESTED
        and _is_suggester(actor, resource)
        and can_suggest_resource(actor, resource.community)
    )


def can_review_resource(actor: Any, resource: Resource) -> bool:
    return can_curate_library(actor, resource.community)


def check_can_read_library(actor: Any, community: Community | None) -> None:
    if not can_read_library(actor, community):
        raise PermissionDeniedError(
            _("Only members of this community can read its library."), code="members_only"
        )


def check_can_read_resource(actor: Any, resource: Resource) -> None:
    if not can_read_resource(actor, resource):
        # Not "forbidden": a suggestion's or a closed library's id confirms nothing.
        raise NotFoundError(_("Resource not found."), code="resource_not_found")


def _restriction_or(actor: Any, community: Community | None, error: PermissionDeniedError) -> None:
    sanction = restriction_for(actor, community) if _is_active_member(actor) else None
    if sanction is not None:
        from carecircle.moderation.enforcement import restriction_error

        raise restriction_error(sanction)
    raise error


def check_can_add_to_library(actor: Any, community: Community | None) -> None:
    if can_add_to_library(actor, community):
        return
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDeniedError(
            _("Please sign in to suggest a resource."), code="not_authenticated"
        )
    _restriction_or(
        actor,
        community,
        PermissionDeniedError(
            _("Join this community to suggest a resource for its library."), code="not_member"
        ),
    )


def check_can_edit_resource(actor: Any, resource: Resource) -> None:
    if not can_edit_resource(actor, resource):
        _restriction_or(
            actor,
            resource.community,
            PermissionDeniedError(
                _("Only the library's curators can change this resource."), code="not_curator"
            ),
        )


def check_can_review_resource(actor: Any, resource: Resource) -> None:
    if not can_review_resource(actor, resource):
        _restriction_or(
            actor,
            resource.community,
            PermissionDeniedError(
                _("Only the library's curators can review resources."), code="not_curator"
            ),
        )


def check_can_manage_categories(actor: Any, community: Community | None) -> None:
    if not can_manage_categories(actor, community):
        _restriction_or(
            actor,
            community,
            PermissionDeniedError(
                _("Only the library's curators can change its categories."), code="not_curator"
            ),
        )
