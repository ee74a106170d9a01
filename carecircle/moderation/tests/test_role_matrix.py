"""Every moderation action × every role, through the JSON API.

The roles: a member, a trusted member (trust level 3), a verified professional who belongs to
the community, the community's moderator, a moderator of another community, the community's
manager, and a site admin. The tables below say who may do what; a refusal must leave the
database exactly as it was, and a moderator of one community can do nothing in another.

Decisions are taken on a medical-accuracy item (a reported topic), the one queue where a
verified professional may decide some things: approve, dismiss, hide and escalate.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from carecircle.core.models import ModerationState
from carecircle.discussions.models import Post, Topic
from carecircle.moderation import actions
from carecircle.moderation.models import (
    MemberNote,
    ModerationAction,
    ReviewItem,
    Sanction,
)
from carecircle.moderation.tests.test_api_support import (
    ROLES,
    World,
    call,
    report_topic,
    signed_in,
    snapshot,
    world_fixture,  # noqa: F401  (the `world` fixture)
)
from conftest import client_for

MODERATORS = {"moderator", "manager", "admin"}

# decision -> the roles allowed to take it on a medical-accuracy item of Type 2 Diabetes.
DECISION_ALLOWED: dict[str, set[str]] = {
    "approve": MODERATORS | {"professional"},
    "reject": MODERATORS,
    "dismiss": MODERATORS | {"professional"},
    "hide": MODERATORS | {"professional"},
    "unhide": MODERATORS,
    "edit": MODERATORS,
    "lock": MODERATORS,
    "unlock": MODERATORS,
    "move": MODERATORS,
    "delete": MODERATORS,
    "warn": MODERATORS,
    "suspend": MODERATORS,
    "ban": MODERATORS,
    "escalate": MODERATORS | {"professional"},
}

# other moderation action -> the roles allowed to do it in (or about a member of) Type 2 Diabetes.
ACTION_ALLOWED: dict[str, set[str]] = {
    "sanction": MODERATORS,
    "lift": MODERATORS,
    "note": MODERATORS,
    "set_trust_level": MODERATORS,
    "premoderation": MODERATORS,
    "context_note": MODERATORS | {"professional"},
    "settings_update": {"manager", "admin"},
    "watched_word_add": {"manager", "admin"},
    "report_reason_add": {"manager", "admin"},
    "read_queue": MODERATORS | {"professional"},
    "read_log": MODERATORS,
    "read_member_notes": MODERATORS,
    "decide_appeal": MODERATORS,
}

REASON = "Stopping a medicine without a doctor can be dangerous."


def test_the_tables_cover_every_decision_and_role() -> None:
    assert set(DECISION_ALLOWED) == set(actions.DECISIONS)
    for allowed in (*DECISION_ALLOWED.values(), *ACTION_ALLOWED.values()):
        assert allowed <= set(ROLES)
        # A moderator of the community next door is never allowed anything here.
        assert "other_moderator" not in allowed


# --- decisions -----------------------------------------------------------------------------------


def decision_payload(world: World, decision: str, item: ReviewItem) -> dict[str, Any]:
    """Set the item up so `decision` makes sense, and the request body that takes it."""
    payload: dict[str, Any] = {"decision": decision, "reason": REASON, "guideline": "Rule 3"}
    if decision == "unhide":
        Post.objects.filter(pk=world.first_post.pk).update(moderation_state=ModerationState.HIDDEN)
        Topic.objects.filter(pk=world.topic.pk).update(moderation_state=ModerationState.HIDDEN)
    elif decision == "unlock":
        Topic.objects.filter(pk=world.topic.pk).update(is_locked=True)
    elif decision == "edit":
        payload["body"] = "Talk to your doctor before stopping metformin."
        payload["title"] = "Stopping metformin (edited)"
    elif decision == "move":
        payload["destination"] = world.destination.slug
    elif decision == "suspend":
        payload["days"] = 3
    return payload


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("decision", list(DECISION_ALLOWED))
def test_decision_by_role(world: World, decision: str, role: str) -> None:
    client = world.client(role)
    item = report_topic(world)
    payload = decision_payload(world, decision, item)
    before = snapshot()

    response = call(client, "post", f"/moderation/items/{item.pk}/decisions", payload)

    if role in DECISION_ALLOWED[decision]:
        assert response.status_code == 200, response.json()
        body = response.json()
        assert body["action"]["verb"] == decision
        assert body["action"]["actor"] == world.user(role).handle
        assert body["item"]["id"] == item.pk
        assert (
            ModerationAction.objects.filter(
                item=item, verb=decision, actor=world.user(role)
            ).count()
            == 1
        )
        assert snapshot() != before
    else:
        assert response.status_code in (403, 404), response.json()
        assert response.json()["code"] in ("not_found", "not_moderator", "cannot_sanction")
        assert snapshot() == before


def test_a_professional_cannot_decide_a_general_report(world: World) -> None:
    client = world.client("professional")
    item = report_topic(world, reason="spam")
    assert item.queue == ReviewItem.Queue.GENERAL
    before = snapshot()

    response = call(
        client,
        "post",
        f"/moderation/items/{item.pk}/decisions",
        {"decision": "hide", "reason": REASON},
    )

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert snapshot() == before


# --- other moderation actions ------------------------------------------------------------------

Request = tuple[str, str, dict[str, Any] | None]


def _sanction(world: World) -> Request:
    return (
        "post",
        "/moderation/members/caregiver/sanctions",
        {"kind": "warning", "community": world.community.slug, "reason": REASON},
    )


def _lift(world: World) -> Request:
    sanction = Sanction.objects.create(
        member=world.author,
        community=world.community,
        kind=Sanction.Kind.SUSPENSION,
        reason=REASON,
        ends_at=timezone.now() + timedelta(days=3),
    )
    return ("delete", f"/moderation/sanctions/{sanction.pk}", None)


def _note(world: World) -> Request:
    return (
        "post",
        "/moderation/members/caregiver/notes",
        {"community": world.community.slug, "body": "Second warning about medicine advice."},
    )


def _trust(world: World) -> Request:
    return ("post", "/moderation/members/caregiver/trust-level", {"level": 3, "reason": REASON})


def _premoderation(world: World) -> Request:
    return (
        "post",
        "/moderation/members/caregiver/premoderation",
        {"is_on": True, "community": world.community.slug, "reason": REASON},
    )


def _context_note(world: World) -> Request:
    return (
        "post",
        f"/posts/{world.first_post.pk}/context-notes",
        {
            "body": "Metformin should only be stopped with your doctor's advice.",
            "resource_url": "https://www.nhs.uk/medicines/metformin/",
            "resource_title": "NHS: Metformin",
        },
    )


def _settings(world: World) -> Request:
    return (
        "put",
        f"/communities/{world.community.slug}/moderation/settings",
        {
            "premoderate_first_posts": 2,
            "auto_hide_reports": 4,
            "auto_hide_trust_level": 3,
            "new_member_posts_per_day": 5,
            "show_medical_notice": False,
            "medical_notice": "",
        },
    )


def _watched_word(world: World) -> Request:
    return (
        "post",
        "/moderation/watched-words",
        {"community": world.community.slug, "pattern": "miracle cure", "action": "flag"},
    )


def _report_reason(world: World) -> Request:
    return (
        "post",
        f"/communities/{world.community.slug}/report-reasons",
        {"label": "Selling supplements", "description": "Advertising a cure for sale."},
    )


def _read_queue(world: World) -> Request:
    report_topic(world)
    return ("get", f"/moderation/items?community={world.community.slug}", None)


def _read_log(world: World) -> Request:
    item = report_topic(world)
    actions.resolve_item(actor=world.second_moderator, item=item, decision="dismiss")
    return ("get", f"/moderation/log?community={world.community.slug}", None)


def _read_member_notes(world: World) -> Request:
    MemberNote.objects.create(
        member=world.author,
        community=world.community,
        author=world.second_moderator,
        body="Gave advice about stopping medicine before.",
    )
    return ("get", f"/moderation/members/caregiver?community={world.community.slug}", None)


def _decide_appeal(world: World) -> Request:
    item = report_topic(world)
    # Taken by the second moderator, so every role allowed to decide appeals is someone else.
    action = actions.resolve_item(
        actor=world.second_moderator, item=item, decision="hide", reason=REASON
    )
    appeal = actions.appeal_action(
        actor=world.author, action=action, text="My doctor told me to stop, I was sharing that."
    )
    return (
        "post",
        f"/moderation/appeals/{appeal.pk}/decision",
        {"uphold": False, "decision": "The post still reads as advice to everyone."},
    )


ACTION_SETUP: dict[str, Callable[[World], Request]] = {
    "sanction": _sanction,
    "lift": _lift,
    "note": _note,
    "set_trust_level": _trust,
    "premoderation": _premoderation,
    "context_note": _context_note,
    "settings_update": _settings,
    "watched_word_add": _watched_word,
    "report_reason_add": _report_reason,
    "read_queue": _read_queue,
    "read_log": _read_log,
    "read_member_notes": _read_member_notes,
    "decide_appeal": _decide_appeal,
}

SUCCESS = {"get": 200, "put": 200, "delete": 204, "post": (200, 201)}
READS = {"read_queue", "read_log", "read_member_notes"}


def test_every_action_has_a_setup() -> None:
    assert set(ACTION_SETUP) == set(ACTION_ALLOWED)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", list(ACTION_ALLOWED))
def test_action_by_role(world: World, action: str, role: str) -> None:
    client = world.client(role)
    method, path, payload = ACTION_SETUP[action](world)
    before = snapshot()

    response = call(client, method, path, payload)

    if role in ACTION_ALLOWED[action]:
        expected = SUCCESS[method]
        assert response.status_code in (expected if isinstance(expected, tuple) else (expected,)), (
            response.content
        )
        if action in READS:
            assert snapshot() == before
            body = response.json()
            if action == "read_member_notes":
                assert [n["body"] for n in body["notes"]] == [
                    "Gave advice about stopping medicine before."
                ]
            else:
                assert body["total"] >= 1
        else:
            assert snapshot() != before
    else:
        assert response.status_code in (403, 404), response.content
        assert snapshot() == before


# --- sanctions reach open sessions at once -----------------------------------------------------


def test_a_suspension_stops_the_very_next_reply_of_a_signed_in_member(world: World) -> None:
    member_client = signed_in(world.author)
    # The member's session is live and working before the suspension.
    first = call(member_client, "post", f"/topics/{world.topic.pk}/posts", {"body": "Still here."})
    assert first.status_code == 201, first.json()

    suspended = call(
        client_for(world.moderator),
        "post",
        "/moderation/members/caregiver/sanctions",
        {
            "kind": "suspension",
            "community": world.community.slug,
            "reason": REASON,
            "days": 3,
        },
    )
    assert suspended.status_code == 201, suspended.json()
    before = snapshot()

    response = call(
        member_client, "post", f"/topics/{world.topic.pk}/posts", {"body": "Am I still here?"}
    )

    assert response.status_code == 403
    assert response.json()["code"] == "suspended"
    assert snapshot() == before
    assert Post.objects.filter(topic=world.topic).count() == 2
