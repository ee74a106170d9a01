"""A member's notices of moderators' decisions, their appeal, and another moderator's answer."""

from __future__ import annotations

from carecircle.core.models import ModerationState
from carecircle.moderation import actions
from carecircle.moderation.models import Appeal, ModerationAction, ReviewItem
from carecircle.moderation.tests.test_api_support import (
    World,
    call,
    report_topic,
    signed_in,
    snapshot,
    world_fixture,  # noqa: F401  (the `world` fixture)
)

REASON = "Stopping a medicine without a doctor can be dangerous."
APPEAL = "My doctor told me to stop; I was only sharing that."


def hidden_by_moderator(world: World) -> ModerationAction:
    item = report_topic(world)
    return actions.resolve_item(
        actor=world.moderator, item=item, decision="hide", reason=REASON, guideline="Rule 3"
    )


def test_a_member_sees_the_decision_and_may_appeal(world: World) -> None:
    action = hidden_by_moderator(world)

    response = call(signed_in(world.author), "get", "/me/moderation-notices")

    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 1
    [notice] = body["items"]
    assert notice.pop("created_at")
    assert notice == {
        "id": action.pk,
        "verb": "hide",
        "verb_label": "Hid",
        "headline": "Your topic was hidden",
        "community": "type-2-diabetes",
        "reason": REASON,
        "guideline": "Rule 3",
        "can_appeal": True,
        "appeal": None,
    }


def test_appealing_opens_an_appeals_item(world: World) -> None:
    action = hidden_by_moderator(world)

    response = call(
        signed_in(world.author),
        "post",
        f"/me/moderation-notices/{action.pk}/appeal",
        {"text": APPEAL},
    )

    assert response.status_code == 201
    body = response.json()
    assert body["can_appeal"] is False
    assert body["appeal"]["status"] == "open"
    appeal = Appeal.objects.get()
    assert appeal.text == APPEAL
    item = ReviewItem.objects.get(queue=ReviewItem.Queue.APPEALS)
    assert (item.kind, item.community_id, item.appeal_id) == (
        "appeal",
        world.community.pk,
        appeal.pk,
    )


def test_appealing_twice_changes_nothing(world: World) -> None:
    action = hidden_by_moderator(world)
    client = signed_in(world.author)
    path = f"/me/moderation-notices/{action.pk}/appeal"
    assert call(client, "post", path, {"text": APPEAL}).status_code == 201
    before = snapshot()

    response = call(client, "post", path, {"text": "Again."})

    assert response.status_code == 403
    assert response.json()["code"] == "already_appealed"
    assert snapshot() == before


def test_nobody_else_can_appeal_a_members_decision(world: World) -> None:
    action = hidden_by_moderator(world)
    client = signed_in(world.reporter)
    before = snapshot()

    response = call(client, "post", f"/me/moderation-notices/{action.pk}/appeal", {"text": "Hi"})

    assert response.status_code == 404
    assert snapshot() == before


def test_the_moderator_who_decided_cannot_decide_the_appeal(world: World) -> None:
    action = hidden_by_moderator(world)
    appeal = actions.appeal_action(actor=world.author, action=action, text=APPEAL)
    client = world.client("moderator")
    before = snapshot()

    response = call(
        client,
        "post",
        f"/moderation/appeals/{appeal.pk}/decision",
        {"uphold": True, "decision": "Fair enough."},
    )

    assert response.status_code == 403
    assert response.json()["code"] == "own_decision"
    assert snapshot() == before


def test_another_moderator_upholds_the_appeal(world: World) -> None:
    action = hidden_by_moderator(world)
    appeal = actions.appeal_action(actor=world.author, action=action, text=APPEAL)

    response = call(
        world.client("manager"),
        "post",
        f"/moderation/appeals/{appeal.pk}/decision",
        {"uphold": True, "decision": "Sharing your own doctor's advice is fine."},
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["appeal"]["status"], body["appeal"]["decision"]) == (
        action.pk,
        "upheld",
        "Sharing your own doctor's advice is fine.",
    )
    assert world.first_post.moderation_state == ModerationState.VISIBLE
    notices = call(signed_in(world.author), "get", "/me/moderation-notices").json()
    assert notices["items"][0]["verb"] == "appeal_upheld"
