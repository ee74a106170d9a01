"""GET /moderation/items and /moderation/items/{id}: who sees which queue, and the shapes."""

from __future__ import annotations

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from carecircle.core.factories import UserFactory, make_member
from carecircle.moderation.models import ReviewItem
from carecircle.moderation.tests.test_api_support import (
    World,
    call,
    report_topic,
    world_fixture,  # noqa: F401  (the `world` fixture)
)
from conftest import client_for


def test_a_moderator_reads_the_community_queue(world: World) -> None:
    item = report_topic(world, note="Tells people to stop their medicine.")

    response = call(world.client("moderator"), "get", "/moderation/items?community=type-2-diabetes")

    assert response.status_code == 200
    body = response.json()
    assert (body["total"], body["page"], body["pages"]) == (1, 1, 1)
    [got] = body["items"]
    assert got.pop("created_at")
    [report] = got.pop("reports")
    assert report.pop("created_at")
    assert report == {
        "reason": "medically_inaccurate",
        "reason_label": "Medically inaccurate or harmful advice",
        "custom_reason": None,
        "note": "Tells people to stop their medicine.",
        "reporter": "patient",
    }
    assert got == {
        "id": item.pk,
        "queue": "professional",
        "kind": "topic",
        "source": "report",
        "status": "open",
        "community": "type-2-diabetes",
        "target": {
            "post_id": world.first_post.pk,
            "topic_id": world.topic.pk,
            "message_id": None,
            "member": "caregiver",
            "title": "Stopping metformin",
            "excerpt": "I stopped my metformin and feel great, you should too.",
            "moderation_state": "visible",
            "is_deleted": False,
        },
        "report_count": 1,
        "flags": [],
        "is_urgent": False,
        "is_escalated": False,
        "is_auto_hidden": False,
        "checklist": {},
        "appeal_id": None,
        "resolution": "",
        "resolved_at": None,
    }


def test_queue_and_status_filters(world: World) -> None:
    professional_item = report_topic(world)
    general_item = report_topic(world, reason="spam")
    client = world.client("moderator")

    general = call(client, "get", "/moderation/items?community=type-2-diabetes&queue=general")
    resolved = call(client, "get", "/moderation/items?community=type-2-diabetes&status=resolved")

    assert [i["id"] for i in general.json()["items"]] == [general_item.pk]
    assert resolved.json()["items"] == []
    assert professional_item.pk != general_item.pk


def test_a_professional_sees_only_the_medical_accuracy_queue(world: World) -> None:
    professional_item = report_topic(world)
    report_topic(world, reason="spam")

    response = call(
        world.client("professional"), "get", "/moderation/items?community=type-2-diabetes"
    )

    assert response.status_code == 200
    assert [i["id"] for i in response.json()["items"]] == [professional_item.pk]


def test_a_moderator_of_another_community_cannot_read_this_queue(world: World) -> None:
    report_topic(world)

    response = call(
        world.client("other_moderator"), "get", "/moderation/items?community=type-2-diabetes"
    )

    assert response.status_code == 403
    assert response.json()["code"] == "not_moderator"


def test_the_site_queue_is_for_site_staff(world: World) -> None:
    call(
        client_for(world.reporter),
        "post",
        "/reports",
        {"kind": "member", "target_id": world.author.pk, "reason": "abusive"},
    )
    member_item = ReviewItem.objects.get(kind="member")

    by_moderator = call(world.client("moderator"), "get", "/moderation/items")
    by_admin = call(world.client("admin"), "get", "/moderation/items")

    assert by_moderator.status_code == 403
    assert by_moderator.json()["code"] == "not_site_staff"
    assert [i["id"] for i in by_admin.json()["items"]] == [member_item.pk]
    assert by_admin.json()["items"][0]["community"] is None


def test_unknown_queue_is_invalid(world: World) -> None:
    response = call(
        world.client("moderator"), "get", "/moderation/items?community=type-2-diabetes&queue=x"
    )

    assert response.status_code == 400
    assert (response.json()["code"], response.json()["field"]) == ("invalid", "queue")


def test_the_queue_needs_a_signed_in_member(world: World) -> None:
    response = call(Client(), "get", "/moderation/items?community=type-2-diabetes")

    assert response.status_code == 401


def test_the_queue_costs_the_same_queries_for_more_items(world: World) -> None:
    client = world.client("moderator")
    report_topic(world)
    url = "/api/v1/moderation/items?community=type-2-diabetes"
    client.get(url)  # warm the session and caches
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200

    for handle in ("extra1", "extra2", "extra3"):
        reporter = UserFactory(handle=handle)
        make_member(world.community, reporter)
        call(
            client_for(reporter),
            "post",
            "/reports",
            {"kind": "post", "target_id": world.first_post.pk, "reason": "spam"},
        )
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)

    assert response.json()["total"] == 2
    assert len(many.captured_queries) == len(one.captured_queries)


def test_one_item_with_its_context(world: World) -> None:
    item = report_topic(world)

    response = call(world.client("moderator"), "get", f"/moderation/items/{item.pk}")

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == item.pk
    assert body["body"] == "I stopped my metformin and feel great, you should too."
    assert body["body_snapshot"] == (
        "Stopping metformin\n\nI stopped my metformin and feel great, you should too."
    )
    assert body["checklist_steps"] == []
    assert body["context_notes"] == []
    context = body["context"]
    assert context["author_history"]["posts"] == 1
    assert context["author_history"]["hidden_posts"] == 0
    assert (context["sanctions"], context["notes"], context["other_items"]) == ([], [], [])


def test_an_item_of_another_community_looks_missing(world: World) -> None:
    item = report_topic(world)

    response = call(world.client("other_moderator"), "get", f"/moderation/items/{item.pk}")
    missing = call(world.client("other_moderator"), "get", f"/moderation/items/{item.pk + 999}")

    assert response.status_code == missing.status_code == 404
    assert response.json() == missing.json()
