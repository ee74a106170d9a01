"""Clamped pagination: huge or nonsense page numbers never reach the database."""

from __future__ import annotations

import pytest

from carecircle.communities.models import Community
from carecircle.core.factories import CommunityFactory
from carecircle.core.pagination import MAX_PAGE, Page, PageRequest, clamp_int, paginate


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("7", 7),
        (7, 7),
        ("99999999999", 50),
        ("-5", 1),
        ("0", 1),
        ("abc", 3),
        ("", 3),
        (None, 3),
        ("1.5", 3),
        ("1e9", 3),
        ([], 3),
    ],
)
def test_clamp_int(value, expected):
    assert clamp_int(value, default=3, minimum=1, maximum=50) == expected


@pytest.mark.parametrize(
    ("page", "size", "number", "page_size"),
    [
        (None, None, 1, 20),
        ("2", "10", 2, 10),
        ("99999999999", "100000", MAX_PAGE, 100),
        ("-5", "-5", 1, 1),
        ("abc", "abc", 1, 20),
        (0, 0, 1, 1),
    ],
)
def test_page_request_from_params(page, size, number, page_size):
    request = PageRequest.from_params(page, size)
    assert (request.number, request.size) == (number, page_size)
    assert request.offset == (number - 1) * page_size


def test_page_arithmetic():
    page = Page(items=[], number=2, size=10, total=25)
    assert (page.page_count, page.has_next, page.has_previous) == (3, True, True)
    assert (page.next_number, page.previous_number) == (3, 1)
    first = Page(items=[], number=1, size=10, total=0)
    assert (first.page_count, first.has_next, first.has_previous) == (1, False, False)


@pytest.fixture
def communities(db) -> None:
    for number in range(25):
        CommunityFactory(name=f"Community {number:02d}")


def names(page: Page) -> list[str]:
    return [community.name for community in page.items]


def test_paginate_slices_the_query(communities):
    page = paginate(Community.objects.order_by("name"), PageRequest.from_params("2", "10"))
    assert names(page) == [f"Community {number:02d}" for number in range(10, 20)]
    assert (page.number, page.size, page.total, page.page_count) == (2, 10, 25, 3)


def test_a_page_past_the_end_shows_the_last_page(communities):
    page = paginate(Community.objects.order_by("name"), PageRequest.from_params(99999999999, 10))
    assert page.number == 3
    assert names(page) == [f"Community {number:02d}" for number in range(20, 25)]


def test_an_empty_list_is_one_empty_page(db):
    page = paginate(Community.objects.all(), PageRequest.from_params(5))
    assert (page.items, page.number, page.total, page.page_count) == ([], 1, 0, 1)


def test_a_known_total_saves_the_count_query(communities, django_assert_num_queries):
    with django_assert_num_queries(1):
        page = paginate(Community.objects.order_by("name"), PageRequest(1, 5), total=25)
    assert len(page.items) == 5
