"""Pinned query counts of the library's list pages and API lists.

Each pin counts EVERY query of the request (session, member, terms check, page), measured with
a few rows and with many: the number must not grow with the rows. Each client GETs the page
once before it is counted, so the session's first set-up and the cached current terms and
policy are left out (as the other apps' pins do). SQLite and PostgreSQL run the same queries.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from carecircle.accounts.models import User
from carecircle.communities.models import Community
from carecircle.core.factories import CommunityFactory, make_member, make_topic
from carecircle.resources.models import Resource, ResourceCategory, ResourceCitation
from carecircle.resources.tests.conftest import make_resource
from conftest import client_for

Adder = Callable[[int, int], None]

# Visitor: count, page, its categories, the library's categories and tags (5). A member adds
# session and member, their sanctions (for "may add?"), their own suggestions and the terms
# check (+5).
SITE_LIBRARY = {"visitor": 5, "patient": 10}
# The member's page of a community library: the community and their membership (+2).
COMMUNITY_LIBRARY = 12
# Session, member; the resource, its categories and files; the citing discussions' count and
# page; sanctions and membership (may edit or review?); the terms check.
RESOURCE_PAGE = 10
# Session, member, sanctions; the curated libraries (communities, then each one's membership),
# read once by the page and again by the queue (8 in all with two communities: it grows with
# the libraries a curator has, not with the suggestions); count, page, categories; terms.
REVIEW_QUEUE = 13
# Session, member, community, membership, sanctions, the categories, the terms check.
CATEGORIES_PAGE = 7
# Visitor: count, page, categories (with their communities), files, readable citation counts.
# A member adds session and member, their memberships of the page's communities (read at once)
# and sanctions (+4).
API_LIST = {"visitor": 5, "patient": 9}
# Session, member; the resource, its categories and files; the discussions' count and page.
API_CITATIONS = 7


def queries_of(client: Client, url: str) -> tuple[list[str], Any]:
    """The SQL of one GET of `url`, after a first GET that warms the session, and its response."""
    client.get(url)
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    return [query["sql"] for query in context.captured_queries], response


def few_and_many(client: Client, url: str, add: Adder) -> tuple[int, int, Any]:
    """The request's query count with 2 rows, then with 10 (`add(start, stop)` adds rows
    start..stop-1), and the second response."""
    add(0, 2)
    few, _response = queries_of(client, url)
    add(2, 10)
    many, response = queries_of(client, url)
    assert len(many) == len(few), many
    return len(few), len(many), response


@pytest.fixture
def other_community(db: None, patient: User, professional: User) -> Community:
    community = CommunityFactory(name="Long COVID", slug="long-covid")
    make_member(community, patient)
    make_member(community, professional)
    return community


@pytest.fixture
def other_category(other_community: Community) -> ResourceCategory:
    return ResourceCategory.objects.create(community=other_community, name="Rest", slug="rest")


def resources(
    community: Community | None,
    categories: list[ResourceCategory],
    reviewer: User | None,
    **fields: Any,
) -> Adder:
    """Adds published resources "Resource <n>" with categories, a tag each and a reviewer."""

    def add(start: int, stop: int) -> None:
        for n in range(start, stop):
            make_resource(
                community,
                title=f"Resource {n}",
                categories=categories,
                tags=[f"tag-{n}"],
                last_reviewed_by=reviewer,
                **fields,
            )

    return add


def citations(resource: Resource, places: list[Community], authors: list[User]) -> Adder:
    """Adds discussions "Citing <n>" citing `resource`, alternating communities and authors."""

    def add(start: int, stop: int) -> None:
        for n in range(start, stop):
            topic = make_topic(places[n % 2], authors[n % 2], title=f"Citing {n}")
            ResourceCitation.objects.create(post=topic.posts.get(), resource=resource)

    return add


def listed(html: str, prefix: str) -> int:
    return sum(f"{prefix} {n}<" in html for n in range(10))


@pytest.mark.parametrize("persona", ["visitor", "patient"])
def test_site_library(request: pytest.FixtureRequest, persona: str, moderator: User) -> None:
    user = None if persona == "visitor" else request.getfixturevalue(persona)
    few, many, response = few_and_many(
        client_for(user), reverse("site_library"), resources(None, [], moderator)
    )
    assert listed(response.text, "Resource") == 10
    assert (few, many) == (SITE_LIBRARY[persona],) * 2


def test_community_library(
    community: Community, category: ResourceCategory, patient: User, moderator: User
) -> None:
    few, many, response = few_and_many(
        client_for(patient),
        reverse("community_library", args=[community.slug]),
        resources(community, [category], moderator),
    )
    assert listed(response.text, "Resource") == 10
    assert (few, many) == (COMMUNITY_LIBRARY,) * 2


def test_resource_page_with_2_or_10_citing_discussions(
    community: Community,
    private_community: Community,
    category: ResourceCategory,
    patient: User,
    moderator: User,
) -> None:
    resource = make_resource(community, categories=[category], last_reviewed_by=moderator)
    add = citations(resource, [private_community, community], [patient, moderator])
    few, many, response = few_and_many(client_for(patient), resource.get_absolute_url(), add)
    assert response.text.count('class="topic-title"') == 10
    assert (few, many) == (RESOURCE_PAGE,) * 2


def test_review_queue_across_two_libraries(
    community: Community, other_community: Community, patient: User, member_professional: User
) -> None:
    def suggest(start: int, stop: int) -> None:
        for n in range(start, stop):
            make_resource(
                (community, other_community)[n % 2],
                title=f"Suggestion {n}",
                status=Resource.Status.SUGGESTED,
                suggested_by=patient,
            )

    few, many, response = few_and_many(
        client_for(member_professional), reverse("resource_review_queue"), suggest
    )
    assert listed(response.text, "Suggestion") == 10
    assert (few, many) == (REVIEW_QUEUE,) * 2


def test_categories_page(community: Community, moderator: User) -> None:
    def add(start: int, stop: int) -> None:
        for n in range(start, stop):
            ResourceCategory.objects.create(
                community=community, name=f"Topic {n}", slug=f"topic-{n}", position=n
            )

    few, many, response = few_and_many(
        client_for(moderator), reverse("resource_categories", args=[community.slug]), add
    )
    assert sum(f'value="Topic {n}"' in response.text for n in range(10)) == 10
    assert (few, many) == (CATEGORIES_PAGE,) * 2


@pytest.mark.parametrize("persona", ["visitor", "patient"])
def test_api_list_across_libraries(
    request: pytest.FixtureRequest,
    persona: str,
    community: Community,
    other_community: Community,
    category: ResourceCategory,
    other_category: ResourceCategory,
    moderator: User,
) -> None:
    user = None if persona == "visitor" else request.getfixturevalue(persona)
    libraries = (
        resources(community, [category], moderator),
        resources(other_community, [other_category], None),
        resources(None, [], moderator),
    )

    def add(start: int, stop: int) -> None:
        for n in range(start, stop):
            libraries[n % 3](n, n + 1)

    few, many, response = few_and_many(client_for(user), "/api/v1/resources", add)
    body = response.json()
    assert (body["total"], len(body["items"])) == (10, 10)
    assert {item["community"] for item in body["items"]} == {None, "type-2-diabetes", "long-covid"}
    assert (few, many) == (API_LIST[persona],) * 2


def test_api_citations_of_2_or_10_discussions(
    community: Community, private_community: Community, patient: User, moderator: User
) -> None:
    resource = make_resource(None, title="Understanding your medicines")
    add = citations(resource, [private_community, community], [patient, moderator])
    few, many, response = few_and_many(
        client_for(patient), f"/api/v1/resources/{resource.pk}/citations", add
    )
    assert (response.json()["total"], len(response.json()["items"])) == (10, 10)
    assert (few, many) == (API_CITATIONS,) * 2
