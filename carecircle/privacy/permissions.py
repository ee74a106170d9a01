"""Who may mark a member as in memory, and who may browse the whole audit log."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from carecircle.communities.models import Membership
from carecircle.core.errors import PermissionDeniedError


def _is_active_member(actor: Any) -> bool:
    return bool(getattr(actor, "is_authenticated", False) and actor.is_active)


def can_memorialise(actor: Any, member: Any) -> bool:
    """Site admins, and managers of a community the member belongs to (never for themselves)."""
    if not _is_active_member(actor) or member is None or actor.pk == member.pk:
        return False
    if actor.is_site_admin:
        return True
    return Membership.objects.filter(
        user=actor,
        role=Membership.Role.MANAGER,
        community__memberships__user=member,
    ).exists()


def check_can_memorialise(actor: Any, member: Any) -> None:
    if not can_memorialise(actor, member):
        raise PermissionDeniedError(
            _(
                "Only a site administrator or a manager of one of this member's communities "
                "can do this."
            ),
            code="not_manager",
        )


def can_undo_memorial(actor: Any, member: Any) -> bool:
    """Undoing is for site administrators only."""
    return _is_active_member(actor) and bool(actor.is_site_admin) and actor.pk != member.pk


def check_can_undo_memorial(actor: Any, member: Any) -> None:
    if not can_undo_memorial(actor, member):
        raise PermissionDeniedError(
            _("Only a site administrator can undo this."), code="not_site_admin"
        )


def can_browse_audit_log(actor: Any) -> bool:
    return _is_active_member(actor) and bool(actor.is_site_admin)


def check_can_browse_audit_log(actor: Any) -> None:
    if not can_browse_audit_log(actor):
        raise PermissionDeniedError(
            _("Only site administrators can read the audit log."), code="not_site_admin"
        )
