"""Helpers shared by the engagement tests."""

from __future__ import annotations

from typing import Any

from carecircle.accounts.models import Profile, User
from carecircle.communities.models import Community, GuidelinesAcceptance, Membership
from carecircle.core.models import AuditEvent
from carecircle.engagement.models import BadgeAward, CommunityWelcome, OnboardingState
from carecircle.notifications.models import Notification, NotificationSettings

TRACKED_MODELS = (
    User,
    Profile,
    Community,
    Membership,
    GuidelinesAcceptance,
    OnboardingState,
    CommunityWelcome,
    BadgeAward,
    Notification,
    NotificationSettings,
    AuditEvent,
)


def db_state() -> dict[str, list[dict[str, Any]]]:
    """Every row of every model an engagement write may touch: equal snapshots before and
    after a denied action prove it changed nothing."""
    return {
        model._meta.label: list(model.objects.order_by("pk").values()) for model in TRACKED_MODELS
    }
