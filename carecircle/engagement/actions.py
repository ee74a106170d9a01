"""Every write of onboarding, welcome messages and badges.

Onboarding saves nothing of its own but the member's progress: each step calls the action of
the app that owns the data (accounts for roles, profile and privacy; communities for joining,
guidelines accepted; notifications for the digest), so every rule of those actions applies.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from carecircle.communities.models import Community, Membership
from carecircle.core.audit import record_event
from carecircle.core.errors import ValidationFailed
from carecircle.core.markdown import render_markdown
from carecircle.engagement import permissions
from carecircle.engagement.models import (
    BadgeAward,
    CommunityWelcome,
    OnboardingState,
    OnboardingStep,
)

STEPS: tuple[str, ...] = tuple(OnboardingStep.values)
#: Profile fields whose visibility onboarding asks about (the rest stay at their default).
PRIVACY_FIELDS: tuple[str, ...] = ("bio", "role", "location", "joined", "conditions")
MAX_WELCOME = 5000


# --- onboarding -----------------------------------------------------------------------------


def start_onboarding(*, actor: Any) -> OnboardingState:
    """Give a newly signed-up member their onboarding (idempotent)."""
    state, _created = OnboardingState.objects.get_or_create(user=actor)
    return state


def _locked_state(actor: Any) -> OnboardingState | None:
    """The actor's row, locked; None for members who joined before onboarding existed (they
    may walk through /welcome/ any time, and nothing starts sending them there)."""
    return OnboardingState.objects.select_for_update().filter(user_id=actor.pk).first()


def _locked_or_new_state(actor: Any) -> OnboardingState:
    state, _created = OnboardingState.objects.select_for_update().get_or_create(user=actor)
    return state


def _next_step(step: str) -> str | None:
    index = STEPS.index(step)
    return STEPS[index + 1] if index + 1 < len(STEPS) else None


def advance_onboarding(*, actor: Any, step: str) -> OnboardingState | None:
    """Mark `step` as done (saved or skipped): the member resumes at the step after it.

    Finishing the last step completes onboarding.
    """
    permissions.check_is_member(actor)
    if step not in STEPS:
        raise ValidationFailed(_("There is no such onboarding step."), field="step")
    with transaction.atomic():
        state = _locked_state(actor)
        if state is None:
            return None
        following = _next_step(step)
        if following is None:
            state.completed_at = state.completed_at or timezone.now()
        else:
            state.step = following
        state.save()
    return state


def go_to_onboarding_step(*, actor: Any, step: str) -> OnboardingState | None:
    """Remember `step` as the one to resume at (a member going back to an earlier step)."""
    permissions.check_is_member(actor)
    if step not in STEPS:
        raise ValidationFailed(_("There is no such onboarding step."), field="step")
    with transaction.atomic():
        state = _locked_state(actor)
        if state is not None and state.step != step:
            state.step = step
            state.save()
    return state


def complete_onboarding(*, actor: Any) -> OnboardingState:
    """The member finished: signing in no longer sends them to /welcome/."""
    permissions.check_is_member(actor)
    with transaction.atomic():
        state = _locked_or_new_state(actor)
        if state.completed_at is None:
            state.completed_at = timezone.now()
            state.save()
    return state


def skip_onboarding(*, actor: Any) -> OnboardingState:
    """The member skipped the rest: signing in no longer sends them to /welcome/."""
    permissions.check_is_member(actor)
    with transaction.atomic():
        state = _locked_or_new_state(actor)
        if state.skipped_at is None and state.completed_at is None:
            state.skipped_at = timezone.now()
            state.save()
    return state


def save_onboarding_roles(
    *, actor: Any, is_patient: bool, is_caregiver: bool
) -> OnboardingState | None:
    """Why the member is here (patient, caregiver, both or neither: interested).

    Being a health professional is not self-declared here: it stays as it was.
    """
    from carecircle.accounts.actions import update_profile

    permissions.check_is_member(actor)
    with transaction.atomic():
        update_profile(
            actor=actor,
            display_name=actor.display_name,
            handle=actor.handle,
            is_patient=is_patient,
            is_caregiver=is_caregiver,
            time_zone=actor.time_zone,
        )
        return advance_onboarding(actor=actor, step=OnboardingStep.ROLES)


def join_onboarding_communities(
    *, actor: Any, communities: Sequence[Community], accept_guidelines: bool
) -> list[Membership]:
    """Join the chosen communities, each through `join_community` (guidelines accepted).

    All or nothing: when one join is refused, none is kept and the member can choose again.
    Communities the member already belongs to are left alone. Each new member is welcomed.
    """
    from carecircle.communities.actions import join_community
    from carecircle.communities.permissions import membership_of

    permissions.check_is_member(actor)
    memberships: list[Membership] = []
    with transaction.atomic():
        for community in communities:
            if membership_of(actor, community) is not None:
                continue
            membership = join_community(
                actor=actor, community=community, accept_guidelines=accept_guidelines
            )
            membership.community = community
            memberships.append(membership)
        for membership in memberships:
            send_welcome(membership)
        advance_onboarding(actor=actor, step=OnboardingStep.COMMUNITIES)
    return memberships


def _current_profile_values(actor: Any) -> dict[str, Any]:
    """The actor's whole profile as `update_profile_details` takes it (it replaces all)."""
    from carecircle.accounts.models import Profile
    from carecircle.accounts.privacy import visibility_of

    profile = Profile.objects.filter(user_id=actor.pk).first() or Profile(user=actor)
    return {
        "bio": profile.bio,
        "pronouns": profile.pronouns,
        "interests": list(profile.interests or []),
        "conditions": list(profile.conditions or []),
        "treatments": list(profile.treatments or []),
        "country": profile.country,
        "region": profile.region,
        "story": profile.story,
        "visibility": visibility_of(profile),
        "is_hidden": profile.is_hidden,
        "is_presence_hidden": profile.is_presence_hidden,
    }


def save_onboarding_privacy(
    *, actor: Any, visibility: dict[str, str], is_hidden: bool
) -> OnboardingState | None:
    """Who may see a few key parts of the actor's own profile, and whether to hide it all."""
    from carecircle.accounts.actions import update_profile_details

    permissions.check_is_member(actor)
    unknown = set(visibility) - set(PRIVACY_FIELDS)
    if unknown:
        raise ValidationFailed(
            _("There is no profile field called “%(name)s”.") % {"name": sorted(unknown)[0][:40]},
            field="visibility",
        )
    values = _current_profile_values(actor)
    values["visibility"] = {**values["visibility"], **visibility}
    values["is_hidden"] = bool(is_hidden)
    with transaction.atomic():
        update_profile_details(actor=actor, **values)
        return advance_onboarding(actor=actor, step=OnboardingStep.PRIVACY)


def save_onboarding_notifications(
    *, actor: Any, digest: str, email_includes_details: bool
) -> OnboardingState | None:
    """The digest (off until the member opts in) and whether emails may carry details."""
    from carecircle.notifications.actions import update_notification_settings

    permissions.check_is_member(actor)
    with transaction.atomic():
        update_notification_settings(
            actor=actor, digest=digest, email_includes_details=email_includes_details
        )
        return advance_onboarding(actor=actor, step=OnboardingStep.NOTIFICATIONS)


def save_onboarding_introduction(
    *, actor: Any, bio: str, confirmed: bool = False
) -> OnboardingState | None:
    """A few words about the member, saved as "about me" through the profile action."""
    from carecircle.accounts.actions import update_profile_details

    permissions.check_is_member(actor)
    values = _current_profile_values(actor)
    values["bio"] = bio
    with transaction.atomic():
        update_profile_details(actor=actor, confirmed=confirmed, **values)
        return advance_onboarding(actor=actor, step=OnboardingStep.INTRODUCTION)


# --- welcome messages -----------------------------------------------------------------------


def update_welcome_message(
    *, actor: Any, community: Community, body: str, is_enabled: bool
) -> CommunityWelcome:
    """Write the message new members of `community` get. Its managers only.

    An empty body means the default welcome text.
    """
    permissions.check_can_edit_welcome_message(actor, community)
    body = (body or "").strip()
    if len(body) > MAX_WELCOME:
        raise ValidationFailed(
            _("Please keep the welcome message to %(max)d characters (it has %(count)d).")
            % {"max": MAX_WELCOME, "count": len(body)},
            field="body",
        )
    with transaction.atomic():
        welcome = CommunityWelcome.objects.select_for_update().filter(community=community).first()
        if welcome is None:
            welcome = CommunityWelcome(community=community)
        changed = [
            name
            for name, value in (("body", body), ("is_enabled", is_enabled))
            if welcome._state.adding or getattr(welcome, name) != value
        ]
        welcome.body = body
        welcome.body_html = render_markdown(body)
        welcome.is_enabled = is_enabled
        welcome.updated_by = actor
        welcome.save()
        record_event(
            actor=actor, verb="community.welcome_message", target=community, fields=changed
        )
    return welcome


def send_welcome(membership: Membership) -> bool:
    """Tell a member who just joined where to read the community's welcome (in-app).

    Call inside the join's transaction: the notification is delivered after it commits.
    Returns False when the managers turned the welcome off. Once per membership object, so
    the join action and onboarding may both call it for the same join.
    """
    from carecircle.notifications.actions import notify

    if getattr(membership, "_welcome_sent", False):
        return False
    community = membership.community
    if CommunityWelcome.objects.filter(community=community, is_enabled=False).exists():
        return False
    notify(
        recipient_ids=[membership.user_id],
        kind="welcome",
        url=reverse("community_welcome", kwargs={"slug": community.slug}),
        community_id=community.pk,
    )
    membership._welcome_sent = True  # type: ignore[attr-defined]
    return True


# --- badges ---------------------------------------------------------------------------------


def award_earned_badges(*, member_id: int) -> list[str]:
    """Award every badge the member earned and does not hold yet; each exactly once.

    System action (no actor): run by `check_badges_task`. Returns the newly awarded keys.
    """
    from carecircle.accounts.models import User
    from carecircle.engagement.badges import BADGES, earned_badges
    from carecircle.notifications.actions import notify

    member = User.objects.filter(pk=member_id, is_active=True).only("pk", "handle").first()
    if member is None:
        return []
    held = set(BadgeAward.objects.filter(user_id=member_id).values_list("badge", flat=True))
    awarded: list[str] = []
    for key in sorted(earned_badges(member_id) - held):
        try:
            with transaction.atomic():
                BadgeAward.objects.create(user_id=member_id, badge=key)
                notify(
                    recipient_ids=[member_id],
                    kind="badge",
                    url=reverse("member_profile", kwargs={"handle": member.handle}) + "#badges",
                    data={"badge": key, "badge_name": str(BADGES[key].name)},
                )
        except IntegrityError:
            # Another worker awarded it a moment ago (and told the member).
            continue
        awarded.append(key)
    return awarded
