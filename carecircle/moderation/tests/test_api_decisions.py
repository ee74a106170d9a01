"""POST /moderation/items/{id}/decisions and /checklist: what each decision does, and input
errors that change nothing."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from carecircle.core.models import ModerationState
from carecircle.discussions.models import Topic
from carecircle.moderation.models import ModerationAction, ReviewItem, Sanction
from carecircle.moderation.tests.test_api_support import (
    World,
    call,
    report_topic,
    snapshot,
    world_fixture,  # noqa: F401  (the `world` fixture)
)

REASON = "Stopping a medicine without a doctor can be dangerous."


def decide(world: World, item: ReviewItem, role: str = "moderator", **payload: object):
    return call(world.client(role), "post", f"/moderation/items/{item.pk}/decisions", payload)


def test_hiding_a_topic(world: World) -> None:
    item = report_topic(world)

    response = decide(world, item, decision="hide", reason=REASON, guideline="Rule 3: no advice")

    assert response.status_code == 200
    body = response.json()
    action = ModerationAction.objects.get(verb="hide")
    assert body["action"].pop("created_at")
    assert body["action"] == {
        "id": action.pk,
        "verb": "hide",
        "verb_label": "Hid",
        "community": "type-2-diabetes",
        "actor": "moderator",
        "member": "caregiver",
        "item_id": item.pk,
        "target_key": f"topic:{world.topic.pk}",
        "reason": REASON,
        "guideline": "Rule 3: no advice",
        "is_appealable": True,
    }
    assert body["item"]["status"] == "resolved"
    assert body["item"]["target"]["moderation_state"] == "hidden"
    assert world.first_post.moderation_state == ModerationState.HIDDEN


def test_a_decision_that_needs_a_reason_refuses_without_one(world: World) -> None:
    item = report_topic(world)
    client = world.client("moderator")
    before = snapshot()

    response = call(client, "post", f"/moderation/items/{item.pk}/decisions", {"decision": "hide"})

    assert response.status_code == 400
    assert response.json()["field"] == "reason"
    assert snapshot() == before


def test_an_unknown_decision_is_invalid(world: World) -> None:
    item = report_topic(world)
    client = world.client("moderator")
    before = snapshot()

    response = call(
        client, "post", f"/moderation/items/{item.pk}/decisions", {"decision": "vanish"}
    )

    assert response.status_code == 400
    assert response.json()["field"] == "decision"
    assert snapshot() == before


def test_suspending_needs_days_and_then_suspends(world: World) -> None:
    item = report_topic(world)
    client = world.client("moderator")
    before = snapshot()

    without_days = call(
        client,
        "post",
        f"/moderation/items/{item.pk}/decisions",
        {"decision": "suspend", "reason": REASON},
    )
    assert without_days.status_code == 400
    assert without_days.json()["field"] == "days"
    assert snapshot() == before

    response = decide(world, item, decision="suspend", reason=REASON, days=7)

    assert response.status_code == 200
    sanction = Sanction.objects.get()
    assert (sanction.member_id, sanction.community_id, sanction.kind) == (
        world.author.pk,
        world.community.pk,
        "suspension",
    )
    expected_end = timezone.now() + timedelta(days=7)
    assert abs((sanction.ends_at - expected_end).total_seconds()) < 60


def test_escalating_keeps_the_item_open_for_site_staff(world: World) -> None:
    item = report_topic(world)

    response = decide(world, item, decision="escalate", reason="Needs a clinician's view.")

    assert response.status_code == 200
    assert (response.json()["item"]["status"], response.json()["item"]["is_escalated"]) == (
        "open",
        True,
    )
    site_queue = call(world.client("admin"), "get", "/moderation/items")
    assert [i["id"] for i in site_queue.json()["items"]] == [item.pk]


def test_moving_a_topic(world: World) -> None:
    item = report_topic(world, reason="off_topic")

    response = decide(world, item, decision="move", destination="diabetes-support")

    assert response.status_code == 200
    assert Topic.objects.get(pk=world.topic.pk).community_id == world.destination.pk


def test_a_decided_item_cannot_be_decided_again(world: World) -> None:
    item = report_topic(world)
    assert decide(world, item, decision="dismiss").status_code == 200
    client = world.client("manager")
    before = snapshot()

    response = call(
        client, "post", f"/moderation/items/{item.pk}/decisions", {"decision": "dismiss"}
    )

    assert response.status_code == 409
    assert response.json()["code"] == "already_resolved"
    assert snapshot() == before


def test_the_safeguarding_checklist(world: World) -> None:
    item = report_topic(world, reason="crisis")
    client = world.client("moderator")

    detail = call(client, "get", f"/moderation/items/{item.pk}")
    assert [s["step"] for s in detail.json()["checklist_steps"]] == [
        "read",
        "resources_shown",
        "contacted",
        "escalated",
        "recorded",
    ]
    response = call(
        client, "post", f"/moderation/items/{item.pk}/checklist", {"step": "read", "is_done": True}
    )

    assert response.status_code == 200
    assert response.json()["checklist"]["read"] != ""
    item.refresh_from_db()
    assert item.checklist["read"]


def test_an_unknown_checklist_step_changes_nothing(world: World) -> None:
    item = report_topic(world, reason="crisis")
    client = world.client("moderator")
    before = snapshot()

    response = call(
        client, "post", f"/moderation/items/{item.pk}/checklist", {"step": "dance", "is_done": True}
    )

    assert response.status_code == 400
    assert response.json()["field"] == "step"
    assert snapshot() == before
