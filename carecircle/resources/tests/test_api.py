"""The library's JSON API: the same rules as the pages."""

from __future__ import annotations

import json
from typing import Any

from carecircle.accounts.models import User
from carecircle.communities.models import Community
from carecircle.core.factories import make_topic
from carecircle.resources.models import Resource, ResourceCategory, ResourceCitation
from carecircle.resources.tests.conftest import make_resource
from conftest import client_for


def send(client: Any, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    return getattr(client, method)(
        f"/api/v1{path}", data=json.dumps(body or {}), content_type="application/json"
    )


def test_list_filters_and_scopes_to_readable_libraries(
    community: Community,
    private_community: Community,
    category: ResourceCategory,
    patient: User,
) -> None:
    make_resource(community, title="Carb counting", categories=[category], tags=["diet"])
    make_resource(community, title="Waiting", status=Resource.Status.SUGGESTED)
    make_resource(private_community, title="Members only")
    make_resource(None, title="Site wide", kind="article")

    def listed(client: Any, query: str = "") -> list[str]:
        response = client.get(f"/api/v1/resources{query}")
        assert response.status_code == 200, response.content
        return [item["title"] for item in response.json()["items"]]

    visitor, member = client_for(None), client_for(patient)
    assert listed(visitor) == ["Site wide", "Carb counting"]
    assert listed(member) == ["Site wide", "Members only", "Carb counting"]
    assert listed(member, "?community=site") == ["Site wide"]
    assert listed(member, f"?community={community.slug}&category=food") == ["Carb counting"]
    assert listed(visitor, "?tag=diet") == ["Carb counting"]
    assert listed(visitor, "?kind=article") == ["Site wide"]
    assert listed(visitor, "?q=carb") == ["Carb counting"]
    assert visitor.get(f"/api/v1/resources?community={private_community.slug}").status_code == 403
    item = visitor.get("/api/v1/resources?q=carb").json()["items"][0]
    assert item["categories"] == [
        {
            "id": category.pk,
            "community": community.slug,
            "name": "Food",
            "slug": "food",
            "position": 0,
        }
    ]
    assert (item["status"], item["community"], item["tags"]) == (
        "published",
        community.slug,
        ["diet"],
    )


def test_create_suggest_read_patch_review_and_archive(
    community: Community, patient: User, moderator: User, caregiver: User
) -> None:
    created = send(
        client_for(patient),
        "post",
        "/resources",
        {
            "community": community.slug,
            "kind": "website",
            "title": "Walking for health",
            "url": "https://www.example.org/walking",
            "tags": ["walking", "Easy Read"],
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    resource_id = body["id"]
    assert (body["status"], body["tags"], body["can_edit"], body["can_review"]) == (
        "suggested",
        ["walking", "easy-read"],
        True,
        False,
    )
    assert client_for(caregiver).get(f"/api/v1/resources/{resource_id}").status_code == 404
    assert client_for(None).get(f"/api/v1/resources/{resource_id}").status_code == 404

    patched = send(client_for(patient), "patch", f"/resources/{resource_id}", {"summary": "Short"})
    assert patched.status_code == 200
    assert (patched.json()["summary"], patched.json()["title"]) == ("Short", "Walking for health")

    denied = send(
        client_for(patient), "post", f"/resources/{resource_id}/review", {"decision": "approve"}
    )
    assert (denied.status_code, denied.json()["code"]) == (403, "not_curator")
    rejected = send(
        client_for(moderator),
        "post",
        f"/resources/{resource_id}/review",
        {"decision": "reject", "note": "Out of date"},
    )
    assert (rejected.status_code, rejected.json()["status"]) == (200, "rejected")
    assert client_for(patient).get(f"/api/v1/resources/{resource_id}").json()["review_note"] == (
        "Out of date"
    )
    approved = send(
        client_for(moderator), "post", f"/resources/{resource_id}/review", {"decision": "approve"}
    )
    assert approved.json()["status"] == "published"
    assert approved.json()["review_note"] == ""
    assert approved.json()["last_reviewed_by"]["handle"] == "moderator"

    assert client_for(patient).delete(f"/api/v1/resources/{resource_id}").status_code == 403
    assert client_for(moderator).delete(f"/api/v1/resources/{resource_id}").status_code == 204
    assert Resource.objects.get(pk=resource_id).status == Resource.Status.ARCHIVED
    assert client_for(None).get(f"/api/v1/resources/{resource_id}").status_code == 404


def test_validation_errors_list_every_field(community: Community, moderator: User) -> None:
    response = send(
        client_for(moderator),
        "post",
        "/resources",
        {"community": community.slug, "kind": "podcast", "title": "", "url": "not a link"},
    )
    assert response.status_code == 400
    assert [(d["field"], d["code"]) for d in response.json()["details"]] == [
        ("kind", "bad_kind"),
        ("title", "title_required"),
        ("url", "bad_url"),
    ]
    assert Resource.objects.count() == 0
    assert (
        send(client_for(None), "post", "/resources", {"kind": "website", "title": "x"}).status_code
        == 401
    )


def test_citations_list_only_readable_discussions(
    community: Community, private_community: Community, patient: User, outsider: User
) -> None:
    resource = make_resource(None, title="Shared leaflet")
    open_topic = make_topic(community, patient, title="Open one")
    closed_topic = make_topic(private_community, patient, title="Closed one")
    for topic in (open_topic, closed_topic):
        ResourceCitation.objects.create(post=topic.posts.get(), resource=resource)

    def cited(user: User | None) -> list[str]:
        response = client_for(user).get(f"/api/v1/resources/{resource.pk}/citations")
        assert response.status_code == 200
        return [item["title"] for item in response.json()["items"]]

    assert cited(outsider) == ["Open one"]
    assert sorted(cited(patient)) == ["Closed one", "Open one"]
    item = client_for(None).get(f"/api/v1/resources/{resource.pk}/citations").json()["items"][0]
    assert (item["topic_id"], item["community"], item["url"]) == (
        open_topic.pk,
        community.slug,
        open_topic.get_absolute_url(),
    )


def test_category_endpoints(
    community: Community, private_community: Community, moderator: User, patient: User
) -> None:
    hidden = ResourceCategory.objects.create(
        community=private_community, name="Chemo", slug="chemo"
    )
    created = send(
        client_for(moderator),
        "post",
        "/resource-categories",
        {"community": community.slug, "name": "Sleep"},
    )
    assert created.status_code == 201
    category_id = created.json()["id"]
    assert (
        send(
            client_for(patient),
            "post",
            "/resource-categories",
            {"community": community.slug, "name": "X"},
        ).status_code
        == 403
    )
    listed = client_for(None).get(f"/api/v1/resource-categories?community={community.slug}")
    assert [c["name"] for c in listed.json()] == ["Sleep"]
    assert (
        client_for(None)
        .get(f"/api/v1/resource-categories?community={private_community.slug}")
        .status_code
        == 403
    )
    renamed = send(
        client_for(moderator), "patch", f"/resource-categories/{category_id}", {"name": "Rest"}
    )
    assert (renamed.status_code, renamed.json()["slug"]) == (200, "rest")
    assert (
        send(
            client_for(moderator), "patch", f"/resource-categories/{hidden.pk}", {"name": "Y"}
        ).status_code
        == 404
    )
    assert (
        client_for(patient).delete(f"/api/v1/resource-categories/{category_id}").status_code == 403
    )
    assert (
        client_for(moderator).delete(f"/api/v1/resource-categories/{category_id}").status_code
        == 204
    )
    assert list(ResourceCategory.objects.values_list("name", flat=True)) == ["Chemo"]


def test_ids_that_name_no_row_are_404_or_a_field_error(
    community: Community, moderator: User, category: ResourceCategory
) -> None:
    client = client_for(moderator)
    huge = 2**70
    assert client.get(f"/api/v1/resources/{huge}").status_code == 404
    assert client.get(f"/api/v1/resources/{huge}/citations").status_code == 404
    assert send(client, "patch", f"/resource-categories/{huge}", {"name": "X"}).status_code == 404
    assert send(client, "delete", f"/resource-categories/{huge}").status_code == 404
    body = {"community": community.slug, "kind": "website", "title": "T", "url": "https://e.org/"}
    response = send(client, "post", "/resources", body | {"category_ids": [huge]})
    assert (response.status_code, response.json()["field"]) == (400, "categories")
    response = send(client, "post", "/resources", body | {"kind": "file", "upload_id": huge})
    assert (response.status_code, response.json()["field"]) == (400, "file")
    response = send(
        client,
        "post",
        "/resource-categories",
        {"community": community.slug, "name": "Far", "position": huge},
    )
    assert response.status_code == 201
    assert ResourceCategory.objects.get(name="Far").position == 1000
    assert Resource.objects.count() == 0
