"""The badges section of a member's profile, shown only to viewers the member allows."""

from __future__ import annotations

from typing import Any

from django import template

from carecircle.accounts.privacy import VisibleProfile
from carecircle.engagement.badges import BADGES
from carecircle.engagement.queries import visible_badges

register = template.Library()


@register.inclusion_tag("engagement/member_badges.html")
def member_badges(profile: VisibleProfile) -> dict[str, Any]:
    """One query, and none at all for a viewer who may not see the badges."""
    return {
        "profile": profile,
        "earned": visible_badges(profile),
        "badge_count": len(BADGES),
    }
