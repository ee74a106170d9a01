"""Reading what a member typed into the messaging forms (no rules here: actions decide)."""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext as _

from carecircle.accounts.models import User
from carecircle.core.errors import ValidationFailed

HANDLES_MAX = 20


def handles_from(text: Any) -> list[str]:
    """Handles typed as "@sam, @alex jo" (commas or spaces), lower-cased, without "@", once."""
    found: list[str] = []
    for part in re.split(r"[\s,;]+", text if isinstance(text, str) else ""):
        handle = part.strip().lstrip("@").lower()
        if handle and handle not in found:
            found.append(handle)
    return found


def members_from(handles: list[str]) -> list[User]:
    """The members with these handles, in the order typed; ValidationFailed (field "to")
    naming the first handle nobody has."""
    if not handles:
        raise ValidationFailed(_("Please write the @handle of who to write to."), field="to")
    if len(handles) > HANDLES_MAX:
        raise ValidationFailed(_("That is too many people for one conversation."), field="to")
    found = {user.handle: user for user in User.objects.filter(handle__in=handles, is_active=True)}
    for handle in handles:
        if handle not in found:
            raise ValidationFailed(
                _("We could not find a member with the handle @%(handle)s.") % {"handle": handle},
                field="to",
            )
    return [found[handle] for handle in handles]
