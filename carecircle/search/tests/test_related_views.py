"""Related discussions under a topic, the similar-topics hint, and their JSON API."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from django.test import Client

from carecircle.accounts.models import User
from carecircle.communities.models import Community
from carecircle.core import ratelimit
from carecircle.core.factories import make_topic
from carecircle.discussions.models import Topic
from carecircle.search import indexing, related
from conftest import client_for

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _full_text_only(monkeypatch):
    # The pages are the same on both paths (test_related covers both); full text keeps these
    # tests independent of the optional model.
    from carecircle.search import embeddings

    monkeypatch.setattr(embeddings, "_available", False)
    related.forget_vectors()


@pytest.fixture
def topics(community: Community, private_community: Community, patient: User, caregiver: User):
    made = {
        "main": make_topic(community, patient, title="Tired all the time after metformin"),
        "close": make_topic(community, caregiver, title="Metformin and feeling tired"),
        "garden": make_topic(community, caregiver, title="Gardening tips for spring"),
        "private": make_topic(private_community, patient, title="Tired on metformin in chemo"),
    }
    for topic in made.values():
        indexing.reindex_topic(topic.pk)
    return made


def _related_url(topic: Topic) -> str:
    return f"/t/{topic.pk}/related"


def test_the_topic_page_loads_related_discussions_lazily(
    topics: dict[str, Topic], visitor_client: Client
) -> None:
    html = visitor_client.get(topics["main"].get_absolute_url()).content.decode()

    assert (
        f'hx-get="{_related_url(topics["main"])}" hx-trigger="revealed" '
        'hx-target="find [data-related-list]"' in html
    )
    assert '<h2 id="related-heading">Related discussions</h2>' in html
    assert f'<a href="{_related_url(topics["main"])}">See related discussions</a>' in html
    assert "Metformin and feeling tired" not in html


def test_the_related_page_works_without_javascript(
    topics: dict[str, Topic], caregiver: User
) -> None:
    response = client_for(caregiver).get(_related_url(topics["main"]))
    html = response.content.decode()

    assert response.status_code == 200
    assert "<h1>Related discussions</h1>" in html
    assert f'<a class="topic-title" href="{topics["close"].get_absolute_url()}">' in html
    assert "Tired on metformin in chemo" not in html
    assert "Gardening tips" not in html
    assert f'href="{topics["main"].get_absolute_url()}">Back to' in html
    assert response["Cache-Control"] == "private, no-store"


def test_htmx_gets_only_the_list(topics: dict[str, Topic], patient: User) -> None:
    response = client_for(patient).get(_related_url(topics["main"]), **HTMX)
    html = response.content.decode()

    assert response.status_code == 200
    assert "<html" not in html and "<h1>" not in html
    assert html.strip().startswith('<ul class="topic-list related-list">')
    # The patient belongs to the members-only community.
    assert html.count("<li>") == 2
    assert "Tired on metformin in chemo" in html
    assert "in Breast Cancer · 0 replies" in html


def test_nothing_related_says_so(community: Community, caregiver: User) -> None:
    lonely = make_topic(community, caregiver, title="Wheelchair ramps")
    indexing.reindex_topic(lonely.pk)

    html = client_for(caregiver).get(_related_url(lonely), **HTMX).content.decode()

    assert html.strip() == '<p class="meta">No related discussions yet.</p>'


def test_related_of_an_unreadable_topic_is_not_found(
    topics: dict[str, Topic], caregiver: User, visitor_client: Client
) -> None:
    assert client_for(caregiver).get(_related_url(topics["private"])).status_code == 404
    assert visitor_client.get(_related_url(topics["private"]), **HTMX).status_code == 404
    assert visitor_client.get("/t/999999/related").status_code == 404


def test_a_topic_titled_related_keeps_its_own_page(community: Community, patient: User) -> None:
    titled = make_topic(community, patient, title="Related")

    response = Client().get(f"/t/{titled.pk}/related/")

    assert response.status_code == 200
    assert "<h1>Related</h1>" in response.content.decode()


# --- Similar topics ---------------------------------------------------------------------------


def test_the_new_topic_form_asks_for_similar_topics_while_typing(
    community: Community, patient: User
) -> None:
    html = client_for(patient).get(f"/c/{community.slug}/new-topic/").content.decode()

    assert (
        '<div id="similar-topics" aria-live="polite" hx-post="/search/similar/" '
        'hx-trigger="input changed delay:800ms from:#id_title" hx-include="#id_title" '
        'hx-params="title,community" hx-vals=\'{"community": "type-2-diabetes"}\' '
        'hx-swap="innerHTML"></div>'
    ) in html


def test_similar_topics_hint(topics: dict[str, Topic], caregiver: User) -> None:
    response = client_for(caregiver).post(
        "/search/similar/",
        {"title": "Always tired on metformin", "community": "type-2-diabetes"},
        **HTMX,
    )
    html = response.content.decode()

    assert response.status_code == 200
    assert '<h2 id="similar-heading">Similar topics already exist</h2>' in html
    assert html.count("<li>") == 2
    assert f'href="{topics["main"].get_absolute_url()}"' in html
    assert f'href="{topics["close"].get_absolute_url()}"' in html
    assert "chemo" not in html
    assert response["Cache-Control"] == "private, no-store"


def test_no_similar_topics_show_nothing(topics: dict[str, Topic], caregiver: User) -> None:
    response = client_for(caregiver).post(
        "/search/similar/", {"title": "Wheelchair ramps", "community": ""}, **HTMX
    )

    assert response.status_code == 200
    assert response.content.decode().strip() == ""


def test_similar_topics_without_javascript_is_a_page(
    topics: dict[str, Topic], caregiver: User
) -> None:
    html = (
        client_for(caregiver)
        .post("/search/similar/", {"title": "Wheelchair ramps"})
        .content.decode()
    )

    assert "<h1>Similar topics</h1>" in html
    assert "No similar topics found." in html


def test_similar_topics_needs_a_post_with_csrf(topics: dict[str, Topic], caregiver: User) -> None:
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(caregiver)

    assert strict.post("/search/similar/", {"title": "tired metformin"}).status_code == 403
    assert client_for(caregiver).get("/search/similar/?title=tired+metformin").status_code == 405


def test_visitors_get_no_hint(topics: dict[str, Topic], visitor_client: Client) -> None:
    response = visitor_client.post("/search/similar/", {"title": "tired metformin"}, **HTMX)

    assert response.status_code == 403
    assert "metformin" not in response.content.decode()


def test_an_unknown_community_is_not_found(topics: dict[str, Topic], caregiver: User) -> None:
    response = client_for(caregiver).post(
        "/search/similar/", {"title": "tired metformin", "community": "nope"}, **HTMX
    )

    assert response.status_code == 404


def test_similar_topics_are_rate_limited(
    topics: dict[str, Topic], caregiver: User, settings, monkeypatch
) -> None:
    settings.CARECIRCLE_SIMILAR_TOPICS_RATE = "2/m"
    # One fixed instant: the requests never straddle two rate windows.
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: 1_800_000_001.0))
    client = client_for(caregiver)
    data = {"title": "tired metformin"}

    statuses = [client.post("/search/similar/", data, **HTMX).status_code for _ in range(3)]
    refused = client.post("/search/similar/", data)

    assert statuses == [200, 200, 429]
    assert refused.status_code == 429
    assert "You are doing that too often." in refused.content.decode()
    assert "Metformin and feeling tired" not in refused.content.decode()


# --- JSON API -----------------------------------------------------------------------------------


def test_api_related(topics: dict[str, Topic], caregiver: User) -> None:
    response = client_for(caregiver).get(f"/api/v1/topics/{topics['main'].pk}/related")

    assert response.status_code == 200
    assert response.json() == {
        "results": [
            {
                "id": topics["close"].pk,
                "title": "Metformin and feeling tired",
                "url": topics["close"].get_absolute_url(),
                "community": {"name": "Type 2 Diabetes", "slug": "type-2-diabetes"},
                "reply_count": 0,
                "is_question": False,
                "is_solved": False,
            }
        ]
    }


def test_api_related_of_an_unreadable_topic(topics: dict[str, Topic], caregiver: User) -> None:
    response = client_for(caregiver).get(f"/api/v1/topics/{topics['private'].pk}/related")

    assert response.status_code == 404


def test_api_similar(topics: dict[str, Topic], patient: User) -> None:
    response = client_for(patient).post(
        "/api/v1/search/similar",
        json.dumps({"title": "Always tired on metformin"}),
        content_type="application/json",
    )

    assert response.status_code == 200
    assert [item["id"] for item in response.json()["results"]] == [
        topic.pk for topic in related.similar_topics(patient, "Always tired on metformin")
    ]
    assert {item["title"] for item in response.json()["results"]} == {
        "Tired all the time after metformin",
        "Metformin and feeling tired",
        "Tired on metformin in chemo",
    }


def test_api_similar_needs_a_member(topics: dict[str, Topic], visitor_client: Client) -> None:
    response = visitor_client.post(
        "/api/v1/search/similar",
        json.dumps({"title": "tired metformin"}),
        content_type="application/json",
    )

    assert response.status_code == 401


def test_api_similar_needs_csrf_with_the_session(topics: dict[str, Topic], caregiver: User) -> None:
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(caregiver)

    response = strict.post(
        "/api/v1/search/similar",
        json.dumps({"title": "tired metformin"}),
        content_type="application/json",
    )

    assert response.status_code == 403


def test_api_similar_is_rate_limited(
    topics: dict[str, Topic], caregiver: User, settings, monkeypatch
) -> None:
    settings.CARECIRCLE_SIMILAR_TOPICS_RATE = "1/m"
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: 1_800_000_001.0))
    client = client_for(caregiver)
    body = json.dumps({"title": "tired metformin"})

    first = client.post("/api/v1/search/similar", body, content_type="application/json")
    second = client.post("/api/v1/search/similar", body, content_type="application/json")

    assert first.status_code == 200
    assert second.status_code == 429
    assert second.json()["code"] == "rate_limited"
