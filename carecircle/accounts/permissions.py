"""Who may change what on members' accounts beyond their own."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from carecircle.core.errors import PermissionDeniedError


def can_verify_professionals(actor: Any) -> bool:
    """Site staff (moderators, managers, admins) who are signed in and active."""
    return bool(
        getattr(actor, "is_authenticated", False)
        and actor.is_active
        and getattr(actor, "is_site_staff", False)
    )


def check_can_verify_professionals(actor: Any) -> None:
    if not can_verify_professionals(actor):
        raise PermissionDeniedError(
            _("Only the site team can verify health professionals."), code="not_site_staff"
        )
