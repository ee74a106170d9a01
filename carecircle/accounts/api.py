from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Field, File, Router, Schema, UploadedFile

from carecircle.accounts import actions, queries
from carecircle.accounts.avatars import MAX_UPLOAD_BYTES
from carecircle.accounts.models import Profile, User
from carecircle.accounts.privacy import (
    FIELDS,
    Audience,
    VisibleProfile,
    build_visible_profile,
    role_values,
    visibility_of,
    visible_profile,
)
from carecircle.api.api import member_auth
from carecircle.api.schemas import ErrorOut
from carecircle.core.ratelimit import check_rate

router = Router(tags=["me"])


class MeOut(Schema):
    handle: str
    display_name: str
    email: str
    roles: list[str]
    time_zone: str
    date_joined: datetime


@router.get("/me", response={200: MeOut, 401: ErrorOut}, auth=member_auth)
def me(request: HttpRequest) -> MeOut:
    """The signed-in member."""
    user = request.user
    assert isinstance(user, User)
    roles = [
        name
        for name, flag in (
            ("patient", user.is_patient),
            ("caregiver", user.is_caregiver),
            ("professional", user.is_professional),
            ("moderator", user.is_site_moderator),
            ("manager", user.is_site_manager),
            ("admin", user.is_site_admin),
        )
        if flag
    ]
    return MeOut(
        handle=user.handle,
        display_name=user.display_name,
        email=user.email,
        roles=roles,
        time_zone=user.time_zone,
        date_joined=user.date_joined,
    )


# --- Profiles -----------------------------------------------------------------------------


class AvatarOut(Schema):
    url: str | None = Field(None, description="The uploaded picture, when this viewer may see it.")
    initials: str
    colour: str


def avatar_out(profile: VisibleProfile) -> AvatarOut:
    return AvatarOut(
        url=profile.avatar_url,
        initials=profile.generated_avatar.initials,
        colour=profile.generated_avatar.colour,
    )


class LocationOut(Schema):
    country: str
    country_name: str
    region: str


class MemberProfileOut(Schema):
    """A member's profile with only the fields this viewer may see; the others are null."""

    handle: str
    display_name: str
    url: str
    is_professional: bool
    is_hidden: bool
    in_memory_since: datetime | None
    avatar: AvatarOut
    bio: str | None = None
    pronouns: str | None = None
    roles: list[str] | None = None
    interests: list[str] | None = None
    location: LocationOut | None = None
    joined: datetime | None = None
    conditions: list[str] | None = None
    treatments: list[str] | None = None
    story: str | None = None
    story_html: str | None = None


def member_profile_out(profile: VisibleProfile) -> MemberProfileOut:
    return MemberProfileOut(
        handle=profile.handle,
        display_name=profile.display_name,
        url=profile.url,
        is_professional=profile.is_professional,
        is_hidden=profile.is_hidden,
        in_memory_since=profile.memorialised_at,
        avatar=avatar_out(profile),
        bio=profile.bio,
        pronouns=profile.pronouns,
        roles=profile.roles,
        interests=profile.interests,
        location=LocationOut(**profile.location) if profile.location else None,
        joined=profile.joined,
        conditions=profile.conditions,
        treatments=profile.treatments,
        story=profile.story,
        story_html=profile.story_html if profile.story is not None else None,
    )


class MentionOut(Schema):
    handle: str
    display_name: str
    avatar: AvatarOut


@router.get(
    "/members/autocomplete",
    response={200: list[MentionOut], 401: ErrorOut, 429: ErrorOut},
    auth=member_auth,
    tags=["members"],
)
def member_autocomplete(request: HttpRequest, q: str = "") -> list[MentionOut]:
    """Members for an @mention: at least 2 characters of a handle or display name."""
    check_rate(scope="member_autocomplete", key=str(request.user.pk), rate="120/m")
    return [
        MentionOut(
            handle=profile.handle,
            display_name=profile.display_name,
            avatar=avatar_out(profile),
        )
        for profile in queries.autocomplete_members(request.user, q)
    ]


@router.get(
    "/members/{handle}",
    response={200: MemberProfileOut, 401: ErrorOut, 404: ErrorOut},
    tags=["members"],
)
def member_profile(request: HttpRequest, handle: str) -> MemberProfileOut:
    """A member's profile: exactly the fields the member lets this viewer see."""
    member = queries.get_member(handle)
    profile = visible_profile(request.user, member)
    actions.record_sensitive_view(
        viewer=request.user, member=member, fields=profile.shown_health_fields
    )
    return member_profile_out(profile)


class OwnProfileIn(Schema):
    bio: str = ""
    pronouns: str = ""
    interests: list[str] = []
    conditions: list[str] = []
    treatments: list[str] = []
    country: str = Field("", description="ISO 3166-1 alpha-2 code, or empty.")
    region: str = ""
    story: str = Field("", description="Markdown.")
    visibility: dict[str, str] = Field(
        default_factory=dict,
        description=(
            "Field name → everyone | members | shared | private. Fields: "
            + ", ".join(FIELDS)
            + ". Missing fields keep their default."
        ),
    )
    is_hidden: bool = False
    is_presence_hidden: bool = False
    # Send again with true after a 422 "confirmation_needed" (personal details) to save as is.
    confirmed: bool = False


class OwnProfileOut(Schema):
    handle: str
    display_name: str
    avatar: AvatarOut
    bio: str
    pronouns: str
    roles: list[str]
    interests: list[str]
    conditions: list[str]
    treatments: list[str]
    country: str
    region: str
    story: str
    joined: datetime
    visibility: dict[str, str]
    is_hidden: bool
    is_presence_hidden: bool


def own_profile_out(user: User, profile: Profile) -> OwnProfileOut:
    return OwnProfileOut(
        handle=user.handle,
        display_name=user.display_name,
        avatar=avatar_out(build_visible_profile(Audience.SELF, user, profile)),
        bio=profile.bio,
        pronouns=profile.pronouns,
        roles=role_values(user),
        interests=list(profile.interests or []),
        conditions=list(profile.conditions or []),
        treatments=list(profile.treatments or []),
        country=profile.country,
        region=profile.region,
        story=profile.story,
        joined=user.date_joined,
        visibility=visibility_of(profile),
        is_hidden=profile.is_hidden,
        is_presence_hidden=profile.is_presence_hidden,
    )


@router.get("/me/profile", response={200: OwnProfileOut, 401: ErrorOut}, auth=member_auth)
def own_profile(request: HttpRequest) -> OwnProfileOut:
    """The signed-in member's whole profile and who may see each part."""
    user = request.user
    assert isinstance(user, User)
    return own_profile_out(user, queries.get_profile(user))


@router.put(
    "/me/profile",
    response={200: OwnProfileOut, 400: ErrorOut, 401: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    auth=member_auth,
)
def update_own_profile(request: HttpRequest, payload: OwnProfileIn) -> OwnProfileOut:
    """Replace the signed-in member's profile and visibility choices."""
    user = request.user
    assert isinstance(user, User)
    profile = actions.update_profile_details(actor=user, **payload.dict())
    return own_profile_out(user, profile)


@router.post(
    "/me/profile/avatar",
    response={200: OwnProfileOut, 400: ErrorOut, 401: ErrorOut, 429: ErrorOut},
    auth=member_auth,
)
def upload_avatar(request: HttpRequest, picture: UploadedFile = File(...)) -> OwnProfileOut:  # noqa: B008
    """Upload a picture (multipart field `picture`: JPEG, PNG, WebP or GIF, up to 5 MB).

    It is re-encoded to a 256 px WebP without any metadata (no camera details, no GPS).
    """
    user = request.user
    assert isinstance(user, User)
    profile = actions.set_avatar(actor=user, data=picture.read(MAX_UPLOAD_BYTES + 1))
    return own_profile_out(user, profile)


@router.delete("/me/profile/avatar", response={200: OwnProfileOut, 401: ErrorOut}, auth=member_auth)
def remove_avatar(request: HttpRequest) -> OwnProfileOut:
    """Remove the uploaded picture; the generated initials are shown instead."""
    user = request.user
    assert isinstance(user, User)
    return own_profile_out(user, actions.remove_avatar(actor=user))


class ConditionOut(Schema):
    name: str


@router.get("/conditions", response={200: list[ConditionOut], 401: ErrorOut}, tags=["members"])
def conditions(request: HttpRequest, q: str = "") -> list[ConditionOut]:
    """Search the shared list of conditions by name or common other name (up to 20)."""
    return [ConditionOut(name=condition.name) for condition in queries.search_conditions(q)]
