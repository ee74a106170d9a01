"""Who reads, curates and suggests in which library: the whole matrix."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from carecircle.accounts.models import User
from carecircle.communities.models import Community, Membership
from carecircle.core.factories import UserFactory, make_member
from carecircle.resources import permissions
from carecircle.resources.models import Resource
from carecircle.resources.tests.conftest import make_resource

PEOPLE = (
    "visitor",
    "outsider",
    "member",
    "suggester",
    "moderator",
    "manager",
    "member_professional",
    "outside_professional",
    "site_staff",
)


@pytest.fixture
def people(private_community: Community, patient: User) -> dict[str, Any]:
    people: dict[str, Any] = {
        "visitor": AnonymousUser(),
        "outsider": UserFactory(),
        "member": UserFactory(),
        "suggester": patient,
        "moderator": UserFactory(),
        "manager": UserFactory(),
        "member_professional": UserFactory(is_professional=True),
        "outside_professional": UserFactory(is_professional=True),
        "site_staff": UserFactory(is_site_moderator=True),
    }
    make_member(private_community, people["member"])
    make_member(private_community, people["moderator"], Membership.Role.MODERATOR)
    make_member(private_community, people["manager"], Membership.Role.MANAGER)
    make_member(private_community, people["member_professional"])
    return people


def allowed(people: dict[str, Any], check: Any) -> list[str]:
    return [name for name in PEOPLE if check(people[name])]


CURATORS = ["moderator", "manager", "member_professional", "site_staff"]
MEMBERS = ["member", "suggester", "moderator", "manager", "member_professional"]


def test_a_members_only_library(people: dict[str, Any], private_community: Community) -> None:
    published = make_resource(private_community)
    suggested = make_resource(
        private_community, status=Resource.Status.SUGGESTED, suggested_by=people["suggester"]
    )
    rejected = make_resource(
        private_community, status=Resource.Status.REJECTED, suggested_by=people["suggester"]
    )
    archived = make_resource(
        private_community, status=Resource.Status.ARCHIVED, suggested_by=people["suggester"]
    )
    assert allowed(people, lambda u: permissions.can_read_resource(u, published)) == [
        *MEMBERS,
        "site_staff",
    ]
    assert allowed(people, lambda u: permissions.can_read_resource(u, suggested)) == [
        "suggester",
        *CURATORS,
    ]
    assert allowed(people, lambda u: permissions.can_read_resource(u, rejected)) == [
        "suggester",
        *CURATORS,
    ]
    assert allowed(people, lambda u: permissions.can_read_resource(u, archived)) == CURATORS
    assert allowed(people, lambda u: permissions.can_curate_library(u, private_community)) == (
        CURATORS
    )
    assert allowed(people, lambda u: permissions.can_suggest_resource(u, private_community)) == [
        *MEMBERS,
        "site_staff",
    ]
    assert allowed(people, lambda u: permissions.can_edit_resource(u, suggested)) == [
        "suggester",
        *CURATORS,
    ]
    assert allowed(people, lambda u: permissions.can_edit_resource(u, published)) == CURATORS


def test_the_site_library(people: dict[str, Any]) -> None:
    published = make_resource(None)
    assert allowed(people, lambda u: permissions.can_read_resource(u, published)) == list(PEOPLE)
    assert allowed(people, lambda u: permissions.can_curate_library(u, None)) == [
        "member_professional",
        "outside_professional",
        "site_staff",
    ]
    assert allowed(people, lambda u: permissions.can_suggest_resource(u, None)) == list(PEOPLE[1:])


def test_a_public_library_is_read_by_all_and_an_inactive_curator_curates_nothing(
    community: Community, moderator: User
) -> None:
    published = make_resource(community)
    assert permissions.can_read_resource(AnonymousUser(), published)
    moderator.is_active = False
    assert not permissions.can_curate_library(moderator, community)
    assert not permissions.can_suggest_resource(moderator, community)
