"""JSON shapes of the engagement API."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from ninja import Field, Schema


class OnboardingOut(Schema):
    step: str = Field(description="The step the member resumes at.")
    steps: list[str]
    is_open: bool = Field(description="True while signing in still leads to /welcome/.")
    started_at: datetime | None
    completed_at: datetime | None
    skipped_at: datetime | None


class OnboardingIn(Schema):
    step_done: str | None = Field(
        None, description="A step the member finished or skipped: they resume after it."
    )
    status: Literal["completed", "skipped"] | None = Field(
        None, description="Finish or skip the whole onboarding."
    )


class BadgeOut(Schema):
    key: str
    name: str
    description: str
    how_to_earn: str
    awarded_at: datetime


class MemberBadgesOut(Schema):
    handle: str
    is_shown: bool = Field(description="False when the member does not let this viewer see them.")
    badges: list[BadgeOut]


class WelcomeMessageOut(Schema):
    community: str
    body: str = Field(description="Markdown; empty means the default welcome is used.")
    body_html: str = Field(description="What members see (the default when body is empty).")
    is_enabled: bool
    updated_at: datetime | None


class WelcomeMessageIn(Schema):
    body: str = ""
    is_enabled: bool = True
