"""JSON API: onboarding, welcome messages and badges."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from carecircle.accounts.privacy import visible_profile
from carecircle.accounts.queries import get_member
from carecircle.api.api import member_auth
from carecircle.api.schemas import ErrorOut
from carecircle.communities.queries import get_community
from carecircle.engagement import actions, permissions, queries
from carecircle.engagement.models import CommunityWelcome, OnboardingState
from carecircle.engagement.schemas import (
    BadgeOut,
    MemberBadgesOut,
    OnboardingIn,
    OnboardingOut,
    WelcomeMessageIn,
    WelcomeMessageOut,
)

router = Router(tags=["engagement"])


def _onboarding_out(state: OnboardingState | None) -> OnboardingOut:
    if state is None:
        # Members who joined before onboarding existed: nothing to resume, nothing to do.
        return OnboardingOut(
            step=actions.STEPS[0],
            steps=list(actions.STEPS),
            is_open=False,
            started_at=None,
            completed_at=None,
            skipped_at=None,
        )
    return OnboardingOut(
        step=state.step,
        steps=list(actions.STEPS),
        is_open=state.is_open,
        started_at=state.started_at,
        completed_at=state.completed_at,
        skipped_at=state.skipped_at,
    )


@router.get("/me/onboarding", response={200: OnboardingOut, 401: ErrorOut}, auth=member_auth)
def get_onboarding(request: HttpRequest) -> OnboardingOut:
    """Where the member is in their welcome steps."""
    return _onboarding_out(queries.onboarding_state(request.user))


@router.post(
    "/me/onboarding", response={200: OnboardingOut, 400: ErrorOut, 401: ErrorOut}, auth=member_auth
)
def update_onboarding(request: HttpRequest, payload: OnboardingIn) -> OnboardingOut:
    """Move past a step, or finish or skip the whole onboarding."""
    if payload.step_done:
        actions.advance_onboarding(actor=request.user, step=payload.step_done)
    if payload.status == "completed":
        actions.complete_onboarding(actor=request.user)
    elif payload.status == "skipped":
        actions.skip_onboarding(actor=request.user)
    return _onboarding_out(queries.onboarding_state(request.user))


@router.get(
    "/members/{handle}/badges",
    response={200: MemberBadgesOut, 401: ErrorOut, 404: ErrorOut},
    tags=["members"],
)
def member_badges(request: HttpRequest, handle: str) -> MemberBadgesOut:
    """A member's badges, when the member lets this viewer see them."""
    member = get_member(handle)
    profile = visible_profile(request.user, member)
    earned = queries.visible_badges(profile)
    return MemberBadgesOut(
        handle=member.handle,
        is_shown=earned is not None,
        badges=[
            BadgeOut(
                key=item.badge.key,
                name=str(item.badge.name),
                description=str(item.badge.description),
                how_to_earn=str(item.badge.how_to_earn),
                awarded_at=item.awarded_at,
            )
            for item in earned or []
        ],
    )


def _welcome_out(community: Any, welcome: CommunityWelcome | None) -> WelcomeMessageOut:
    return WelcomeMessageOut(
        community=community.slug,
        body=welcome.body if welcome else "",
        body_html=queries.welcome_html(community, welcome),
        is_enabled=welcome.is_enabled if welcome else True,
        updated_at=welcome.updated_at if welcome else None,
    )


@router.get(
    "/communities/{slug}/welcome-message",
    response={200: WelcomeMessageOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    auth=member_auth,
    tags=["communities"],
)
def get_welcome_message(request: HttpRequest, slug: str) -> WelcomeMessageOut:
    """The community's welcome message as its managers edit it (managers only)."""
    community = get_community(request.user, slug)
    permissions.check_can_edit_welcome_message(request.user, community)
    return _welcome_out(community, queries.welcome_of(community))


@router.put(
    "/communities/{slug}/welcome-message",
    response={200: WelcomeMessageOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    auth=member_auth,
    tags=["communities"],
)
def put_welcome_message(
    request: HttpRequest, slug: str, payload: WelcomeMessageIn
) -> WelcomeMessageOut:
    """Write the message new members are welcomed with (managers only)."""
    community = get_community(request.user, slug)
    welcome = actions.update_welcome_message(
        actor=request.user, community=community, body=payload.body, is_enabled=payload.is_enabled
    )
    return _welcome_out(community, welcome)
