"""The one policy that decides which parts of a member's profile a viewer may see.

Every place a profile appears (profile page, member lists, post bylines, the API, mention
autocomplete, search) asks `visible_profile` or `visible_profiles`; nothing reads `Profile`
fields for display on its own. Staff roles give no extra access: a site admin sees a
member's profile exactly as any other member with the same audience does.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum
from typing import Any

from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from carecircle.accounts.countries import country_name
from carecircle.accounts.models import Profile, User, Visibility
from carecircle.core.markdown import render_markdown

FIELDS: tuple[str, ...] = (
    "avatar",
    "bio",
    "pronouns",
    "role",
    "interests",
    "location",
    "joined",
    "conditions",
    "treatments",
    "story",
)
HEALTH_FIELDS: tuple[str, ...] = ("conditions", "treatments", "story")
DEFAULT_VISIBILITY: dict[str, str] = {
    "avatar": Visibility.EVERYONE,
    "bio": Visibility.MEMBERS,
    "pronouns": Visibility.MEMBERS,
    "role": Visibility.MEMBERS,
    "interests": Visibility.MEMBERS,
    "location": Visibility.MEMBERS,
    "joined": Visibility.MEMBERS,
    # Nothing about a member's health is shown to anyone until they choose so.
    "conditions": Visibility.PRIVATE,
    "treatments": Visibility.PRIVATE,
    "story": Visibility.PRIVATE,
}
FIELD_LABELS: dict[str, Any] = {
    "avatar": _("Picture"),
    "bio": _("About me"),
    "pronouns": _("Pronouns"),
    "role": _("Why I am here"),
    "interests": _("Interests"),
    "location": _("Where I live"),
    "joined": _("Date I joined"),
    "conditions": _("My conditions"),
    "treatments": _("My treatments"),
    "story": _("My story"),
}
LEVEL_EXPLANATIONS: dict[str, Any] = {
    Visibility.EVERYONE: _(
        "Anyone on the internet, even people without an account, and search engines."
    ),
    Visibility.MEMBERS: _("Anyone who has a CareCircle account and is signed in."),
    Visibility.SHARED: _("Only people who are in at least one community with you."),
    Visibility.PRIVATE: _("Nobody else, not even moderators or site administrators."),
}


class Audience(IntEnum):
    """How close a viewer is to a member; a field is shown when the audience reaches its level."""

    VISITOR = 0
    MEMBER = 1
    SHARED = 2
    SELF = 3


# The narrowest audience that sees a field at each level (also the preview page's choices).
LEVEL_RANK: dict[str, Audience] = {
    Visibility.EVERYONE: Audience.VISITOR,
    Visibility.MEMBERS: Audience.MEMBER,
    Visibility.SHARED: Audience.SHARED,
    Visibility.PRIVATE: Audience.SELF,
}

# Accessible colours (white text passes WCAG AA on each) for generated avatars.
AVATAR_COLOURS = (
    "#1d4ed8",
    "#047857",
    "#b91c1c",
    "#7c3aed",
    "#a16207",
    "#0e7490",
    "#be185d",
    "#4d7c0f",
    "#c2410c",
    "#4338ca",
)


def visibility_of(profile: Profile) -> dict[str, str]:
    """Every field's level: the member's stored choice where valid, the default otherwise."""
    return levels_of(profile.visibility)


def levels_of(stored: object) -> dict[str, str]:
    """Every field's level from a {field: level} mapping; unknown or invalid entries ignored."""
    stored = stored if isinstance(stored, dict) else {}
    return {
        name: stored[name] if stored.get(name) in LEVEL_RANK else default
        for name, default in DEFAULT_VISIBILITY.items()
    }


def may_see(audience: Audience, level: str) -> bool:
    return int(audience) >= LEVEL_RANK.get(level, Audience.SELF)


def _is_member(viewer: Any) -> bool:
    return bool(getattr(viewer, "is_authenticated", False) and viewer.is_active)


def shared_member_ids(viewer: Any, member_ids: Iterable[int]) -> set[int]:
    """Which of `member_ids` hold a membership in a community the viewer also belongs to."""
    from carecircle.communities.models import Membership

    ids = set(member_ids)
    if not _is_member(viewer) or not ids:
        return set()
    mine = Membership.objects.filter(user_id=viewer.pk).values("community_id")
    return set(
        Membership.objects.filter(user_id__in=ids, community_id__in=mine)
        .values_list("user_id", flat=True)
        .distinct()
    )


def _audience(viewer_id: int | None, member_id: int, shared: set[int]) -> Audience:
    if viewer_id is None:
        return Audience.VISITOR
    if member_id == viewer_id:
        return Audience.SELF
    return Audience.SHARED if member_id in shared else Audience.MEMBER


def audience_of(viewer: Any, member: User) -> Audience:
    """The viewer's audience for `member`: themself, sharing a community, member or visitor."""
    viewer_id = viewer.pk if _is_member(viewer) else None
    shared = shared_member_ids(viewer, [member.pk]) if viewer_id not in (None, member.pk) else set()
    return _audience(viewer_id, member.pk, shared)


@dataclass(frozen=True)
class GeneratedAvatar:
    initials: str
    colour: str


def generated_avatar(member: User) -> GeneratedAvatar:
    """Initials from the display name on a colour chosen from the handle: no file, no photo."""
    words = [word for word in (member.display_name or member.handle).split() if word[:1].isalnum()]
    initials = "".join(word[0] for word in words[:2]).upper() or (member.handle[:1].upper() or "?")
    digest = hashlib.sha256(member.handle.encode("utf-8")).digest()
    return GeneratedAvatar(
        initials=initials, colour=AVATAR_COLOURS[digest[0] % len(AVATAR_COLOURS)]
    )


@dataclass
class VisibleProfile:
    """Exactly what one viewer may see of one member's profile; absent fields are None."""

    member_id: int
    handle: str
    display_name: str
    url: str
    audience: Audience
    is_hidden: bool
    is_professional: bool
    memorialised_at: datetime | None
    generated_avatar: GeneratedAvatar
    values: dict[str, Any] = field(default_factory=dict)
    # The stored picture's file name, set only when this viewer may see the picture: the
    # picture view serves it without reading the profile again.
    avatar_file: str = ""

    @property
    def is_self(self) -> bool:
        return self.audience == Audience.SELF

    def shows(self, name: str) -> bool:
        return name in self.values

    @property
    def shown_fields(self) -> list[str]:
        return [name for name in FIELDS if name in self.values]

    @property
    def shown_health_fields(self) -> list[str]:
        """Health fields shown with a value: what a view by someone else must audit."""
        return [name for name in HEALTH_FIELDS if self.values.get(name)]

    @property
    def avatar_url(self) -> str | None:
        return self.values.get("avatar") or None

    @property
    def bio(self) -> str | None:
        return self.values.get("bio")

    @property
    def pronouns(self) -> str | None:
        return self.values.get("pronouns")

    @property
    def roles(self) -> list[str] | None:
        return self.values.get("role")

    @property
    def interests(self) -> list[str] | None:
        return self.values.get("interests")

    @property
    def location(self) -> dict[str, str] | None:
        return self.values.get("location")

    @property
    def joined(self) -> datetime | None:
        return self.values.get("joined")

    @property
    def conditions(self) -> list[str] | None:
        return self.values.get("conditions")

    @property
    def treatments(self) -> list[str] | None:
        return self.values.get("treatments")

    @property
    def story(self) -> str | None:
        return self.values.get("story")

    @cached_property
    def story_html(self) -> str:
        return render_markdown(self.values.get("story") or "")

    @property
    def has_details(self) -> bool:
        """Whether anything beyond the name, handle and avatar is shown."""
        return any(self.values.get(name) for name in FIELDS if name != "avatar")


def role_values(member: User) -> list[str]:
    """The member's self-described roles as stable codes (patient, caregiver)."""
    return [
        code
        for code, flag in (("patient", member.is_patient), ("caregiver", member.is_caregiver))
        if flag
    ]


ROLE_LABELS: dict[str, Any] = {
    "patient": _("Lives with a health condition"),
    "caregiver": _("Cares for someone"),
}


def avatar_url(member: User, profile: Profile) -> str:
    # The stored name changes with every upload, so the query string busts browser caches.
    version = profile.avatar.rsplit("/", 1)[-1].split(".", 1)[0][:12]
    return reverse("member_avatar", kwargs={"handle": member.handle}) + f"?v={version}"


def _field_value(name: str, member: User, profile: Profile) -> Any:
    if name == "avatar":
        return avatar_url(member, profile) if profile.avatar else ""
    if name == "role":
        return role_values(member)
    if name == "location":
        if not profile.country:
            return None
        return {
            "country": profile.country,
            "country_name": country_name(profile.country),
            "region": profile.region,
        }
    if name == "joined":
        return member.date_joined
    return getattr(profile, name)


def build_visible_profile(
    viewer_audience: Audience,
    member: User,
    profile: Profile | None,
    granted: frozenset[str] = frozenset(),
) -> VisibleProfile:
    """Apply the member's choices for a viewer whose audience is already known.

    `granted` are fields the member explicitly shares with this viewer as their caregiver:
    shown whatever their level, even on a hidden profile (the more specific choice wins).
    """
    profile = profile or Profile(user=member)
    hidden = profile.is_hidden and viewer_audience != Audience.SELF
    values: dict[str, Any] = {}
    levels = visibility_of(profile)
    for name in FIELDS:
        if name in granted or (not hidden and may_see(viewer_audience, levels[name])):
            values[name] = _field_value(name, member, profile)
    return VisibleProfile(
        member_id=member.pk,
        handle=member.handle,
        display_name=member.display_name,
        url=member.get_absolute_url(),
        audience=viewer_audience,
        is_hidden=hidden,
        is_professional=member.is_professional,
        memorialised_at=member.memorialised_at,
        generated_avatar=generated_avatar(member),
        values=values,
        avatar_file=profile.avatar if values.get("avatar") else "",
    )


def _needs_shared_check(profile: Profile | None) -> bool:
    if profile is None or profile.is_hidden:
        return False
    return Visibility.SHARED in visibility_of(profile).values()


def visible_profiles(
    viewer: Any,
    members: Iterable[User],
    granted: dict[int, frozenset[str]] | None = None,
) -> dict[int, VisibleProfile]:
    """The visible profile of each member for one viewer, keyed by member id.

    At most two queries whatever the number of members: the profiles, then (only when a
    member chose "members of my communities" for something) the shared memberships.
    """
    unique = {member.pk: member for member in members if member is not None}
    if not unique:
        return {}
    profiles = {p.user_id: p for p in Profile.objects.filter(user_id__in=list(unique))}
    viewer_id = viewer.pk if _is_member(viewer) else None
    to_check = [pk for pk in unique if pk != viewer_id and _needs_shared_check(profiles.get(pk))]
    shared = shared_member_ids(viewer, to_check) if viewer_id is not None else set()
    result: dict[int, VisibleProfile] = {}
    for pk, member in unique.items():
        result[pk] = build_visible_profile(
            _audience(viewer_id, pk, shared),
            member,
            profiles.get(pk),
            (granted or {}).get(pk, frozenset()),
        )
    return result


def visible_profile(viewer: Any, member: User) -> VisibleProfile:
    """What `viewer` (a member, site staff or a visitor) may see of `member`'s profile.

    A caregiver linked to `member` also sees the fields `member` chose to share with them.
    """
    from carecircle.caregivers.queries import fields_shared_with_carer

    granted = {member.pk: fields_shared_with_carer(viewer, member)}
    return visible_profiles(viewer, [member], granted=granted)[member.pk]


def preview_profile(member: User, audience: Audience) -> VisibleProfile:
    """The member's own profile as the given audience would see it (preview page)."""
    profile = Profile.objects.filter(user=member).first()
    return build_visible_profile(audience, member, profile)


def is_presence_hidden(user: User) -> bool:
    """Whether the member asked not to be shown as online (read by chat and presence)."""
    return Profile.objects.filter(user_id=user.pk, is_presence_hidden=True).exists()


def searchable_profile_text(viewer: Any, member: User) -> str:
    """The profile text `viewer` may find `member` by: only fields the policy shows them."""
    visible = visible_profile(viewer, member)
    return searchable_text_of(visible)


def searchable_text_of(visible: VisibleProfile) -> str:
    parts: list[str] = [visible.display_name, f"@{visible.handle}"]
    for name in ("bio", "pronouns", "story"):
        if visible.values.get(name):
            parts.append(str(visible.values[name]))
    for name in ("interests", "conditions", "treatments"):
        parts.extend(str(item) for item in visible.values.get(name) or [])
    for code in visible.values.get("role") or []:
        parts.append(str(ROLE_LABELS.get(code, code)))
    location = visible.values.get("location")
    if location:
        parts.extend(part for part in (location["country_name"], location["region"]) if part)
    return "\n".join(parts)
