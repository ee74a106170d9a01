"""Authorization matrix: every profile field × every visibility level × every kind of viewer,
through the profile page and the API. Each field holds a unique canary value; a viewer must see
exactly the canaries their audience allows, and nothing else."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from carecircle.accounts.models import Profile, User, Visibility
from carecircle.accounts.privacy import FIELDS
from carecircle.communities.models import Community, Membership
from carecircle.core.factories import CommunityFactory, UserFactory, make_member
from conftest import client_for

pytestmark = pytest.mark.django_db

# What the profile page shows for each field when it is visible (and never otherwise).
PAGE_CANARIES = {
    "avatar": "/members/subject/avatar?v=canaryavatar",
    "bio": "CanaryBio7731",
    "pronouns": "canary-pronoun",
    "role": "Cares for someone",
    "interests": "CanaryInterest",
    "location": "CanaryRegion, Iceland",
    "joined": "February 2001",
    "conditions": "CanaryCondition",
    "treatments": "CanaryTreatment",
    "story": "<strong>CanaryStory</strong>",
}
# The API's value for each field when visible; null otherwise.
API_CANARIES = {
    "bio": "CanaryBio7731",
    "pronouns": "canary-pronoun",
    "roles": ["caregiver"],
    "interests": ["CanaryInterest"],
    "location": {"country": "IS", "country_name": "Iceland", "region": "CanaryRegion"},
    "joined": "2001-02-03T04:05:06Z",
    "conditions": ["CanaryCondition"],
    "treatments": ["CanaryTreatment"],
    "story": "**CanaryStory**",
}
API_KEY = {"role": "roles"}

# The widest level each viewer kind reaches: staff roles add nothing.
VIEWERS = {
    "visitor": {Visibility.EVERYONE},
    "member": {Visibility.EVERYONE, Visibility.MEMBERS},
    "shared": {Visibility.EVERYONE, Visibility.MEMBERS, Visibility.SHARED},
    "hidden_shared": {Visibility.EVERYONE, Visibility.MEMBERS, Visibility.SHARED},
    "other": {Visibility.EVERYONE, Visibility.MEMBERS},
    "community_moderator": {Visibility.EVERYONE, Visibility.MEMBERS},
    "site_admin": {Visibility.EVERYONE, Visibility.MEMBERS},
    "site_moderator": {Visibility.EVERYONE, Visibility.MEMBERS},
    "self": {Visibility.EVERYONE, Visibility.MEMBERS, Visibility.SHARED, Visibility.PRIVATE},
}


@pytest.fixture
def subject(db: None) -> User:
    member = UserFactory(
        display_name="Sam Subject",
        handle="subject",
        is_caregiver=True,
        date_joined=datetime(2001, 2, 3, 4, 5, 6, tzinfo=UTC),
    )
    Profile.objects.create(
        user=member,
        avatar="avatars/canaryavatar-rest.webp",
        bio="CanaryBio7731",
        pronouns="canary-pronoun",
        interests=["CanaryInterest"],
        conditions=["CanaryCondition"],
        treatments=["CanaryTreatment"],
        story="**CanaryStory**",
        country="IS",
        region="CanaryRegion",
    )
    return member


def viewer_of(kind: str, subject: User) -> User | None:
    """A viewer of the given kind, with the relationship to `subject` that kind means."""
    if kind == "visitor":
        return None
    if kind == "self":
        return subject
    viewer = UserFactory(display_name=f"Viewer {kind}", handle=f"viewer-{kind}".replace("_", "-"))
    if kind == "shared":
        place = CommunityFactory()
        make_member(place, subject)
        make_member(place, viewer)
    elif kind == "hidden_shared":
        place = CommunityFactory(visibility=Community.Visibility.HIDDEN)
        make_member(place, subject)
        make_member(place, viewer)
    elif kind == "other":
        # In a community of their own, which the subject is not in.
        make_member(CommunityFactory(), viewer)
        make_member(CommunityFactory(), subject)
    elif kind == "community_moderator":
        make_member(CommunityFactory(), viewer, Membership.Role.MODERATOR)
    elif kind == "site_admin":
        User.objects.filter(pk=viewer.pk).update(is_site_admin=True, is_staff=True)
        viewer.refresh_from_db()
    elif kind == "site_moderator":
        User.objects.filter(pk=viewer.pk).update(is_site_moderator=True)
        viewer.refresh_from_db()
    return viewer


def set_every_field(subject: User, level: str) -> None:
    Profile.objects.filter(user=subject).update(visibility=dict.fromkeys(FIELDS, level))


@pytest.mark.parametrize("level", [v.value for v in Visibility])
@pytest.mark.parametrize("kind", list(VIEWERS))
def test_profile_page_shows_exactly_the_allowed_fields(subject, kind, level):
    set_every_field(subject, level)
    viewer = viewer_of(kind, subject)

    response = client_for(viewer).get("/members/subject/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "Sam Subject" in page
    assert "@subject" in page
    allowed = level in VIEWERS[kind]
    shown = {name for name, canary in PAGE_CANARIES.items() if canary in page}
    assert shown == (set(FIELDS) if allowed else set())


@pytest.mark.parametrize("level", [v.value for v in Visibility])
@pytest.mark.parametrize("kind", list(VIEWERS))
def test_member_api_returns_exactly_the_allowed_fields(subject, kind, level):
    set_every_field(subject, level)
    viewer = viewer_of(kind, subject)

    response = client_for(viewer).get("/api/v1/members/subject")

    data = response.json()
    assert response.status_code == 200
    assert (data["handle"], data["display_name"]) == ("subject", "Sam Subject")
    allowed = level in VIEWERS[kind]
    for key, canary in API_CANARIES.items():
        assert data[key] == (canary if allowed else None), key
    assert data["story_html"] == ("<p><strong>CanaryStory</strong></p>\n" if allowed else None)
    assert data["avatar"]["url"] == ("/members/subject/avatar?v=canaryavatar" if allowed else None)
    assert data["avatar"]["initials"] == "SS"
    raw = response.content.decode()
    if not allowed:
        assert "Canary" not in raw


@pytest.mark.parametrize("kind", list(VIEWERS))
def test_mixed_levels_show_each_field_by_its_own_level(subject, kind):
    levels = [v.value for v in Visibility]
    choice = {name: levels[index % 4] for index, name in enumerate(FIELDS)}
    Profile.objects.filter(user=subject).update(visibility=choice)
    viewer = viewer_of(kind, subject)

    page = client_for(viewer).get("/members/subject/").content.decode()
    data = client_for(viewer).get("/api/v1/members/subject").json()

    expected = {name for name in FIELDS if choice[name] in VIEWERS[kind]}
    assert {name for name, canary in PAGE_CANARIES.items() if canary in page} == expected
    api_shown = {
        name for name in FIELDS if name != "avatar" and data[API_KEY.get(name, name)] is not None
    }
    assert api_shown == expected - {"avatar"}


@pytest.mark.parametrize("kind", list(VIEWERS))
def test_a_hidden_profile_shows_only_name_handle_and_initials_to_others(subject, kind):
    Profile.objects.filter(user=subject).update(
        visibility=dict.fromkeys(FIELDS, Visibility.EVERYONE), is_hidden=True
    )
    viewer = viewer_of(kind, subject)

    page = client_for(viewer).get("/members/subject/").content.decode()
    data = client_for(viewer).get("/api/v1/members/subject").json()

    shown = {name for name, canary in PAGE_CANARIES.items() if canary in page}
    if kind == "self":
        assert shown == set(FIELDS)
        assert data["is_hidden"] is False
    else:
        assert shown == set()
        assert "This member keeps their profile private." in page
        assert data["is_hidden"] is True
        assert all(data[key] is None for key in API_CANARIES)
        assert data["avatar"] == {"url": None, "initials": "SS", "colour": data["avatar"]["colour"]}
