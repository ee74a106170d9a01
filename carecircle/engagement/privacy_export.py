"""Onboarding and badges in a member's data export; welcome messages are the community's."""

from __future__ import annotations

from carecircle.privacy.registry import exclude, register


def _register_all() -> None:
    register(
        "engagement.OnboardingState",
        name="onboarding",
        fields=["step", "started_at", "updated_at", "completed_at", "skipped_at"],
    )
    register("engagement.BadgeAward", name="badges", fields=["badge", "awarded_at"])
    exclude(
        "engagement.CommunityWelcome",
        reason="The community's welcome message; the member is only its last editor.",
    )


_register_all()
