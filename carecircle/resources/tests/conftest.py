"""Fixtures for the library tests, on top of the shared personas in the root conftest."""

from __future__ import annotations

from typing import Any

import pytest

from carecircle.accounts.models import User
from carecircle.communities.models import Community
from carecircle.core.factories import UserFactory, make_member
from carecircle.resources.models import Resource, ResourceCategory


def make_resource(community: Community | None, **fields: Any) -> Resource:
    """A resource inserted directly (test set-up, not the action under test)."""
    values: dict[str, Any] = {
        "kind": Resource.Kind.WEBSITE,
        "title": "Living well with diabetes",
        "summary": "Food, movement and checks, explained simply.",
        "url": "https://www.example.org/diabetes",
        "status": Resource.Status.PUBLISHED,
    }
    values.update(fields)
    categories = values.pop("categories", [])
    resource = Resource.objects.create(community=community, **values)
    if categories:
        resource.categories.set(categories)
    return resource


@pytest.fixture
def member_professional(community: Community, professional: User) -> User:
    """A verified professional who is a member of `community`: a curator of its library."""
    make_member(community, professional)
    return professional


@pytest.fixture
def site_staff(db: None) -> User:
    return UserFactory(display_name="Sita site moderator", handle="sitemod", is_site_moderator=True)


@pytest.fixture
def published(community: Community) -> Resource:
    return make_resource(community, title="Diabetes basics", tags=["diet", "easy-read"])


@pytest.fixture
def site_resource(db: None) -> Resource:
    return make_resource(None, title="Understanding your medicines", kind=Resource.Kind.ARTICLE)


@pytest.fixture
def suggestion(community: Community, patient: User) -> Resource:
    return make_resource(
        community,
        title="A blog I like",
        url="https://blog.example.net/",
        status=Resource.Status.SUGGESTED,
        suggested_by=patient,
    )


@pytest.fixture
def category(community: Community) -> ResourceCategory:
    return ResourceCategory.objects.create(community=community, name="Food", slug="food")
