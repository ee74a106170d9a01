"""Reads about members and their profiles, scoped by the privacy policy."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from carecircle.accounts.models import Condition, Profile, User
from carecircle.accounts.privacy import VisibleProfile, visible_profiles
from carecircle.core.errors import NotFoundError

AUTOCOMPLETE_MIN_LENGTH = 2
AUTOCOMPLETE_LIMIT = 8
CONDITION_SEARCH_LIMIT = 20


def get_profile(user: User) -> Profile:
    """The member's own profile, created on first use (every member has at most one)."""
    profile, _created = Profile.objects.get_or_create(user=user)
    return profile


def get_member(handle: str) -> User:
    """An active member by handle (with or without @); NotFoundError otherwise."""
    cleaned = (handle or "").strip().lstrip("@").lower()
    member = User.objects.filter(handle=cleaned, is_active=True).first() if cleaned else None
    if member is None:
        raise NotFoundError(_("Member not found."))
    return member


def search_conditions(query: str, *, limit: int = CONDITION_SEARCH_LIMIT) -> list[Condition]:
    """Conditions of the shared list whose name or other names contain `query`, names first."""
    query = " ".join((query or "").split())[:80]
    conditions = Condition.objects.all()
    if query:
        conditions = conditions.filter(Q(name__icontains=query) | Q(synonyms__icontains=query))
    found = list(conditions[: limit * 3]) if query else list(conditions[:limit])
    lowered = query.lower()
    found.sort(
        key=lambda c: (
            not c.name.lower().startswith(lowered),
            lowered not in c.name.lower(),
            c.name,
        )
    )
    return found[:limit]


def condition_names() -> list[str]:
    """Every name of the shared list, for the form's suggestion list."""
    return list(Condition.objects.values_list("name", flat=True))


def canonical_condition_names(names: list[str]) -> dict[str, str]:
    """{lower-cased name: the list's spelling} for the given names found in the shared list."""
    if not names:
        return {}
    lowered = {name.lower() for name in names}
    query = Q()
    for name in lowered:
        query |= Q(name__iexact=name)
    return {
        name.lower(): name
        for name in Condition.objects.filter(query).values_list("name", flat=True)
        if name.lower() in lowered
    }


def autocomplete_members(viewer: Any, query: str) -> list[VisibleProfile]:
    """Members whose handle or display name starts with `query`, for @mentions.

    Members who hid their profile are only found by their exact handle: whoever types it
    already knows it, and mentioning them must still work.
    """
    cleaned = (query or "").strip().lstrip("@")
    if len(cleaned) < AUTOCOMPLETE_MIN_LENGTH:
        return []
    members = list(
        User.objects.filter(is_active=True)
        .filter(Q(handle__istartswith=cleaned) | Q(display_name__istartswith=cleaned))
        .filter(Q(profile__isnull=True) | Q(profile__is_hidden=False) | Q(handle=cleaned.lower()))
        .order_by("handle")[:AUTOCOMPLETE_LIMIT]
    )
    visible = visible_profiles(viewer, members)
    return [visible[member.pk] for member in members]


def verified_professionals(actor: Any) -> QuerySet[User]:
    """Every verified health professional, by display name; site staff only (else 403)."""
    from carecircle.accounts.permissions import check_can_verify_professionals

    check_can_verify_professionals(actor)
    return User.objects.filter(is_professional=True).order_by("display_name", "handle")
