"""Reads for onboarding, welcome messages and badges, scoped to the actor."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _

from carecircle.accounts.privacy import FIELDS as PROFILE_FIELDS
from carecircle.accounts.privacy import VisibleProfile
from carecircle.communities.models import Community
from carecircle.core.markdown import render_markdown
from carecircle.engagement.badges import BADGES, Badge
from carecircle.engagement.models import BadgeAward, CommunityWelcome, OnboardingState

MAX_SEARCH_TERMS = 5
MAX_TERM_LENGTH = 80


def onboarding_state(user: Any) -> OnboardingState | None:
    """The member's onboarding row, or None for members who joined before it existed."""
    if not getattr(user, "is_authenticated", False):
        return None
    return OnboardingState.objects.filter(user_id=user.pk).first()


def needs_onboarding(user: Any) -> bool:
    """Whether signing in should send the member to /welcome/ (not finished, not skipped)."""
    if not getattr(user, "is_authenticated", False):
        return False
    return OnboardingState.objects.filter(
        user_id=user.pk, completed_at__isnull=True, skipped_at__isnull=True
    ).exists()


def split_terms(text: str) -> list[str]:
    """The conditions a member typed (comma or new line separated), trimmed, at most five."""
    terms: list[str] = []
    for raw in (text or "").replace("\n", ",").split(","):
        term = " ".join(raw.split())[:MAX_TERM_LENGTH]
        if term and term.lower() not in {t.lower() for t in terms}:
            terms.append(term)
    return terms[:MAX_SEARCH_TERMS]


def _words_for(terms: list[str]) -> set[str]:
    """The typed terms plus the names and other names of the conditions they match."""
    from carecircle.accounts.queries import search_conditions

    words = {term.lower() for term in terms}
    for term in terms:
        for condition in search_conditions(term, limit=5):
            words.add(condition.name.lower())
            words.update(s.strip().lower() for s in condition.synonyms.split(",") if s.strip())
    return {word for word in words if len(word) >= 3}


def suggest_communities(actor: Any, terms: list[str]) -> tuple[list[Community], list[Community]]:
    """(suggested, others): communities the actor may join, those matching `terms` first.

    A community matches when a typed condition, or a name or other name of a condition on
    the shared list that matches it, appears in the community's name or description (or the
    community's name appears in what was typed).
    """
    from carecircle.communities.permissions import can_join_community
    from carecircle.communities.queries import list_communities

    joinable = [c for c in list_communities(actor) if can_join_community(actor, c)]
    if not terms:
        return [], joinable
    words = _words_for(terms)
    typed = " ".join(terms).lower()
    suggested: list[Community] = []
    others: list[Community] = []
    for community in joinable:
        text = f"{community.name} {community.description}".lower()
        if any(word in text for word in words) or community.name.lower() in typed:
            suggested.append(community)
        else:
            others.append(community)
    return suggested, others


def joinable_by_slugs(actor: Any, slugs: list[str]) -> list[Community]:
    """The communities among `slugs` the actor may see (the join action checks the rest)."""
    from carecircle.communities.queries import list_communities

    wanted = set(slugs)
    return [c for c in list_communities(actor) if c.slug in wanted]


# --- welcome messages -----------------------------------------------------------------------


def welcome_of(community: Community) -> CommunityWelcome | None:
    return CommunityWelcome.objects.filter(community=community).first()


def default_welcome_text(community: Community) -> str:
    return _(
        "Welcome to %(name)s! We are glad you are here.\n\n"
        "Please take a minute to read the community guidelines. When you are ready, say hello "
        "in a new topic, or reply to someone whose story sounds like yours. Nobody here expects "
        "you to share more than you want to."
    ) % {"name": community.name}


def welcome_html(community: Community, welcome: CommunityWelcome | None) -> str:
    """The managers' message as safe HTML, or the default text when they wrote none."""
    if welcome is not None and welcome.body.strip():
        return welcome.body_html
    return render_markdown(default_welcome_text(community))


# --- badges ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class EarnedBadge:
    badge: Badge
    awarded_at: datetime


def badges_visible(profile: VisibleProfile) -> bool:
    """Whether this viewer may see the member's badges.

    When the privacy policy lists a "badges" field it decides; until then badges follow the
    profile itself: shown wherever the profile is not hidden from this viewer.
    """
    if "badges" in PROFILE_FIELDS:
        return profile.shows("badges")
    return not profile.is_hidden


def badges_of(member_id: int) -> list[EarnedBadge]:
    """The member's badges in the order earned (unknown keys from older versions skipped)."""
    return [
        EarnedBadge(BADGES[award.badge], award.awarded_at)
        for award in BadgeAward.objects.filter(user_id=member_id)
        if award.badge in BADGES
    ]


def visible_badges(profile: VisibleProfile) -> list[EarnedBadge] | None:
    """The badges this viewer may see of the member, or None when they may not see them."""
    if not badges_visible(profile):
        return None
    return badges_of(profile.member_id)


def own_profile(user: Any) -> Any:
    """The member's profile, or an unsaved default one: reading never creates a row."""
    from carecircle.accounts.models import Profile

    return Profile.objects.filter(user_id=user.pk).first() or Profile(user=user)
