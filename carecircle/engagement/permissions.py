"""Who may edit and read a community's welcome message."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from carecircle.communities.models import Community
from carecircle.communities.permissions import can_manage_community, can_read_community
from carecircle.core.errors import PermissionDeniedError


def can_edit_welcome_message(actor: Any, community: Community) -> bool:
    return can_manage_community(actor, community)


def check_can_edit_welcome_message(actor: Any, community: Community) -> None:
    if not can_edit_welcome_message(actor, community):
        raise PermissionDeniedError(
            _("Only this community's managers can change its welcome message."),
            code="not_manager",
        )


def can_read_welcome(actor: Any, community: Community) -> bool:
    """Whoever may read the community may read its welcome (it is written for members)."""
    return bool(getattr(actor, "is_authenticated", False)) and can_read_community(actor, community)


def check_can_read_welcome(actor: Any, community: Community) -> None:
    if not can_read_welcome(actor, community):
        raise PermissionDeniedError(
            _("Only members of this community can read its welcome message."),
            code="members_only",
        )


def check_is_member(actor: Any) -> None:
    """Onboarding is the signed-in member's own; nobody acts on anyone else's."""
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        raise PermissionDeniedError(_("Please sign in first."), code="not_authenticated")
