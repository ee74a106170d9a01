"""Onboarding progress, community welcome messages and badges earned.

Only members who signed up after onboarding existed get an `OnboardingState` (created at sign
up): the row's presence is what sends a member to /welcome/ after signing in, until they finish
or skip it. A badge is a key of `carecircle.engagement.badges.BADGES`, awarded once.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class OnboardingStep(models.TextChoices):
    ROLES = "roles", _("Why you are here")
    COMMUNITIES = "communities", _("Communities")
    PRIVACY = "privacy", _("Privacy")
    NOTIFICATIONS = "notifications", _("Notifications")
    INTRODUCTION = "introduction", _("Introduce yourself")


class OnboardingState(models.Model):
    """Where a new member is in their first-run steps, and whether they are done with them."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="onboarding_state",
    )
    #: The next step to show when the member comes back (resumable).
    step = models.CharField(max_length=20, choices=OnboardingStep, default=OnboardingStep.ROLES)
    started_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    skipped_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"onboarding of {self.user_id} at {self.step}"

    @property
    def is_open(self) -> bool:
        """Still sends the member to /welcome/ after signing in."""
        return self.completed_at is None and self.skipped_at is None


class CommunityWelcome(models.Model):
    """The message a community's managers wrote for new members (Markdown, like posts)."""

    community = models.OneToOneField(
        "communities.Community",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="welcome_message",
    )
    body = models.TextField(_("welcome message"), blank=True, default="")
    body_html = models.TextField(blank=True, default="")
    #: Off: new members get no welcome notification (the page still shows the default text).
    is_enabled = models.BooleanField(_("send it to new members"), default=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"welcome message of {self.community_id}"


class BadgeAward(models.Model):
    """One badge a member earned; never taken back, never awarded twice."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="badge_awards"
    )
    #: A key of `carecircle.engagement.badges.BADGES`.
    badge = models.CharField(max_length=40)
    awarded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["awarded_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "badge"], name="one_award_per_badge")
        ]

    def __str__(self) -> str:
        return f"{self.badge} for {self.user_id}"
