"""GET /api/v1/search: the page's search as JSON, for visitors, members and token holders."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client, override_settings

from carecircle.accounts.models import User
from carecircle.communities.models import Community
from carecircle.discussions.models import Topic
from carecircle.search.tests.test_views import DataSet, build_data_set, build_many
from conftest import client_for

pytestmark = pytest.mark.django_db

URL = "/api/v1/search"
WALKING = "A short walk keeps my sugar steady, even on <mark>metformin</mark>."


@pytest.fixture(name="data")
def data_set(
    community: Community, private_community: Community, patient: User, caregiver: User
) -> DataSet:
    """The page tests' data set: four topics about metformin, indexed."""
    return build_data_set(community, private_community, patient, caregiver)


@pytest.fixture(name="many")
def many_topics(community: Community, patient: User) -> list[Topic]:
    return build_many(community, patient)


def get(client: Client, **params: Any) -> tuple[int, dict[str, Any]]:
    response = client.get(URL, params)
    if response.status_code == 200:
        assert response["Cache-Control"] == "private, no-store"
    return response.status_code, response.json()


def test_visitor_gets_public_results_in_full(visitor_client, data: DataSet):
    status, body = get(visitor_client, q="metformin", sort="newest")
    assert status == 200
    assert body == {
        "query": "metformin",
        "page": 1,
        "total": 3,
        "total_is_capped": False,
        "has_next": False,
        "kind_totals": {"topic": 3, "post": 0, "member": 0, "community": 0, "resource": 0},
        "kind_totals_at_least": [],
        "suggestion": "",
        # The brand names are in the seeded synonym groups.
        "expanded": ["Glucophage", "Fortamet", "Glumetza"],
        "notes": [],
        "results": [
            {
                "kind": "topic",
                "id": data.anonymous.pk,
                "url": data.anonymous.get_absolute_url(),
                "title": "Metformin worries",
                "snippet_html": "I am scared to ask my doctor about <mark>metformin</mark>.",
                "community": {"name": "Type 2 Diabetes", "slug": "type-2-diabetes"},
                "author_name": "Anonymous member 1",
                "created_at": "2026-03-10T12:00:00Z",
                "is_question": True,
                "is_solved": False,
            },
            {
                "kind": "topic",
                "id": data.walking.pk,
                "url": data.walking.get_absolute_url(),
                "title": "Walking after dinner",
                "snippet_html": WALKING,
                "community": {"name": "Type 2 Diabetes", "slug": "type-2-diabetes"},
                "author_name": "Cam the caregiver",
                "created_at": "2026-02-10T12:00:00Z",
                "is_question": False,
                "is_solved": False,
            },
            {
                "kind": "topic",
                "id": data.solved.pk,
                "url": data.solved.get_absolute_url(),
                "title": "Tired after metformin",
                "snippet_html": "Does <mark>metformin</mark> make anyone else tired?",
                "community": {"name": "Type 2 Diabetes", "slug": "type-2-diabetes"},
                "author_name": "Pat the patient",
                "created_at": "2026-01-10T12:00:00Z",
                "is_question": True,
                "is_solved": True,
            },
        ],
    }


def test_member_also_finds_their_private_community(patient_client, data: DataSet):
    _status, body = get(patient_client, q="metformin", sort="newest")
    assert [result["id"] for result in body["results"]] == [
        data.private.pk,
        data.anonymous.pk,
        data.walking.pk,
        data.solved.pk,
    ]


def test_token_holder_searches_as_themselves(patient: User, data: DataSet):
    from carecircle.accounts.actions import create_api_token

    _token, secret = create_api_token(actor=patient, name="search")
    response = Client().get(URL, {"q": "chemo"}, HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 200
    assert [result["id"] for result in response.json()["results"]] == [data.private.pk]


def test_wrong_credentials_are_refused_not_served_as_a_visitor(data: DataSet):
    response = Client().get(URL, {"q": "metformin"}, HTTP_AUTHORIZATION="Bearer cc_wrong")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_communities_and_members(visitor_client, data: DataSet, community):
    _status, body = get(visitor_client, q="diabetes", kind="communities")
    assert body["results"] == [
        {
            "kind": "community",
            "id": community.pk,
            "url": "/c/type-2-diabetes/",
            "title": "Type 2 Diabetes",
            "snippet_html": "A place to talk.",
            "community": None,
            "author_name": "",
            "created_at": None,
            "is_question": False,
            "is_solved": False,
        }
    ]
    _status, body = get(visitor_client, q="cam", kind="members")
    assert [(r["kind"], r["url"], r["title"]) for r in body["results"]] == [
        ("member", "/members/caregiver/", "Cam the caregiver")
    ]


def test_filters(visitor_client, patient_client, data: DataSet):
    def ids(client: Client, **params: Any) -> list[int]:
        status, body = get(client, q="metformin", sort="newest", **params)
        assert status == 200, body
        return [result["id"] for result in body["results"]]

    assert ids(visitor_client, author="@caregiver") == [data.walking.pk]
    assert ids(visitor_client, solved="solved") == [data.solved.pk]
    assert ids(visitor_client, solved="unsolved") == [data.anonymous.pk]
    assert ids(visitor_client, after="2026-02-10", before="2026-03-10") == [
        data.anonymous.pk,
        data.walking.pk,
    ]
    assert ids(patient_client, community="breast-cancer") == [data.private.pk]
    assert ids(patient_client, mine="true", kind="topics") == [
        data.private.pk,
        data.anonymous.pk,
        data.walking.pk,
        data.solved.pk,
    ]


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        (
            {"community": "nowhere"},
            "community",
            "We could not find that community. Choose one from the list, or “Any community”.",
        ),
        (
            {"author": "nobody-here"},
            "author",
            "We could not find a member with that handle. Check the spelling.",
        ),
        ({"after": "31/12/2026"}, "after", "Enter a date like 2026-03-31, or leave it empty."),
        (
            {"after": "2026-03-01", "before": "2026-02-01"},
            "before",
            "This date is before the “From” date. Swap them or change one.",
        ),
        ({"sort": "random"}, "sort", "Choose best match, newest or oldest."),
    ],
)
def test_bad_filters_answer_400_with_the_field(visitor_client, data, params, field, message):
    status, body = get(visitor_client, q="metformin", **params)
    assert status == 400
    assert body == {"code": "invalid", "message": message, "field": field}


def test_empty_query_finds_nothing_and_is_not_counted(visitor_client, data):
    with override_settings(CARECIRCLE_SEARCH_RATE="1/m"):
        for _ in range(3):
            status, body = get(visitor_client, q="  ")
            assert status == 200
            assert body["results"] == []
            assert body["total"] == 0


def test_pages(visitor_client, many):
    _status, body = get(visitor_client, q="pacing", sort="newest")
    assert (len(body["results"]), body["total"], body["has_next"]) == (20, 25, True)
    _status, body = get(visitor_client, q="pacing", sort="newest", page=2)
    assert (len(body["results"]), body["page"], body["has_next"]) == (5, 2, False)
    assert [r["id"] for r in body["results"]] == [t.pk for t in reversed(many[:5])]
    _status, body = get(visitor_client, q="pacing", page=10**20)
    assert (body["page"], body["results"]) == (50, [])


@override_settings(CARECIRCLE_SEARCH_RATE="2/m")
def test_rate_limit_answers_429(patient, data):
    client = client_for(patient)
    assert get(client, q="metformin")[0] == 200
    assert get(client, q="metformin")[0] == 200
    status, body = get(client, q="metformin")
    assert status == 429
    assert body == {
        "code": "rate_limited",
        "message": (
            "That is a lot of searches in a short time. Please wait a minute and try again."
        ),
    }
