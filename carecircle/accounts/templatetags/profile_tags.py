"""Avatars and bylines drawn through the privacy policy, in bulk for a whole page."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django import template
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import ngettext

from carecircle.accounts.models import User
from carecircle.accounts.privacy import VisibleProfile, visible_profiles

register = template.Library()


def _person_of(item: Any) -> User | None:
    if isinstance(item, User):
        return item
    if getattr(item, "alias_id", None):
        # An anonymous post: its author's profile is never looked at, let alone shown.
        return None
    for name in ("author", "user"):
        person = getattr(item, name, None)
        if isinstance(person, User):
            return person
    return None


def _viewer(context: template.Context) -> Any:
    request = context.get("request")
    return getattr(request, "user", None) or context.get("user")


def _page_profiles(
    context: template.Context, among: Iterable[Any] | None, person: User
) -> VisibleProfile:
    """The person's visible profile, computed once for every person in `among` (no N+1).

    The results live on the request (each included template has its own render context), keyed
    by the `among` object itself, so a page's bylines cost one or two queries in all.
    """
    request = context.get("request")
    cache: dict[int, tuple[Any, dict[int, VisibleProfile]]] = {}
    if request is not None:
        cache = request.__dict__.setdefault("_visible_profiles", {})
    entry = cache.get(id(among))
    if entry is None or entry[0] is not among or person.pk not in entry[1]:
        people = [p for p in (_person_of(item) for item in (among or [])) if p is not None]
        people.append(person)
        entry = (among, visible_profiles(_viewer(context), people))
        cache[id(among)] = entry
    return entry[1][person.pk]


@register.filter
def is_new_member(joined: datetime | None) -> bool:
    """Whether a member who joined at `joined` is still within their first
    CARECIRCLE_NEW_MEMBER_DAYS days (None: the viewer may not see when they joined)."""
    if joined is None:
        return False
    return timezone.now() - joined < timedelta(days=settings.CARECIRCLE_NEW_MEMBER_DAYS)


@register.simple_tag
def new_member_hint() -> str:
    """The words behind the "New member" tag: "joined in the last 3 weeks — say hello"."""
    days = settings.CARECIRCLE_NEW_MEMBER_DAYS
    if days % 7 == 0:
        weeks = days // 7
        return ngettext(
            "joined in the last week — say hello",
            "joined in the last %(count)d weeks — say hello",
            weeks,
        ) % {"count": weeks}
    return ngettext(
        "joined in the last day — say hello", "joined in the last %(count)d days — say hello", days
    ) % {"count": days}


def _shows_new_member(context: template.Context, profile: VisibleProfile) -> bool:
    # Only for signed-in readers (who can say hello), and only when the member lets them see
    # when they joined: the tag tells as much. The date was loaded with the author: no query.
    viewer = _viewer(context)
    if not getattr(viewer, "is_authenticated", False) or profile.is_self:
        return False
    return is_new_member(profile.joined)


@register.inclusion_tag("accounts/avatar.html")
def avatar(profile: VisibleProfile, size: int = 40) -> dict[str, Any]:
    """The member's picture if this viewer may see it, otherwise their generated initials."""
    return {"profile": profile, "size": size, "font_size": round(size * 0.42)}


@register.simple_tag(takes_context=True)
def post_byline(
    context: template.Context, post: Any, among: Iterable[Any] | None = None
) -> SafeString:
    """A post's author: avatar, linked display name and the professional badge."""
    element_id = f"post-{post.position}-author"
    if post.author is None:
        return render_to_string("accounts/byline.html", {"profile": None, "element_id": element_id})
    profile = _page_profiles(context, among, post.author)
    return render_to_string(
        "accounts/byline.html",
        {
            "profile": profile,
            "element_id": element_id,
            "link_class": "post-author",
            "is_new_member": _shows_new_member(context, profile),
        },
    )


@register.simple_tag(takes_context=True)
def member_byline(
    context: template.Context, member: User, among: Iterable[Any] | None = None
) -> SafeString:
    """A member in a list: avatar, linked display name and the professional badge."""
    profile = _page_profiles(context, among, member)
    return render_to_string(
        "accounts/byline.html", {"profile": profile, "link_class": "member-name"}
    )
