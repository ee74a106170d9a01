"""POST /reports: members report what they can read; reports land in the right queue."""

from __future__ import annotations

from django.test import Client

from carecircle.communities.models import Community
from carecircle.core.factories import CommunityFactory, make_member, make_topic
from carecircle.moderation.models import Report, ReportReason, ReviewItem
from carecircle.moderation.tests.test_api_support import (
    World,
    call,
    signed_in,
    snapshot,
    world_fixture,  # noqa: F401  (the `world` fixture)
)


def test_reporting_a_topic_for_medical_inaccuracy(world: World) -> None:
    response = call(
        signed_in(world.reporter),
        "post",
        "/reports",
        {
            "kind": "topic",
            "target_id": world.topic.pk,
            "reason": "medically_inaccurate",
            "note": "Tells people to stop their medicine.",
        },
    )

    assert response.status_code == 201
    body = response.json()
    report = Report.objects.get()
    assert body.pop("created_at")
    assert body == {
        "id": report.pk,
        "kind": "topic",
        "target_id": world.topic.pk,
        "reason": "medically_inaccurate",
        "note": "Tells people to stop their medicine.",
    }
    item = report.item
    assert (item.queue, item.kind, item.community_id, item.member_id, item.is_urgent) == (
        ReviewItem.Queue.PROFESSIONAL,
        ReviewItem.Kind.TOPIC,
        world.community.pk,
        world.author.pk,
        False,
    )
    assert (item.topic_id, item.post_id, item.report_count) == (
        world.topic.pk,
        world.first_post.pk,
        1,
    )
    assert report.reporter_id == world.reporter.pk


def test_a_crisis_report_goes_to_the_urgent_safeguarding_queue(world: World) -> None:
    response = call(
        signed_in(world.reporter),
        "post",
        "/reports",
        {"kind": "post", "target_id": world.first_post.pk, "reason": "crisis"},
    )

    assert response.status_code == 201
    item = ReviewItem.objects.get()
    assert (item.queue, item.is_urgent, item.kind) == ("safeguarding", True, "post")


def test_two_members_reporting_one_post_share_one_item(world: World) -> None:
    for reporter in (world.reporter, world.member):
        response = call(
            signed_in(reporter),
            "post",
            "/reports",
            {"kind": "post", "target_id": world.first_post.pk, "reason": "spam"},
        )
        assert response.status_code == 201

    item = ReviewItem.objects.get()
    assert (item.queue, item.report_count) == ("general", 2)
    assert sorted(item.reports.values_list("reporter__handle", flat=True)) == ["member", "patient"]


def test_reporting_twice_is_a_conflict_and_changes_nothing(world: World) -> None:
    client = signed_in(world.reporter)
    payload = {"kind": "post", "target_id": world.first_post.pk, "reason": "spam"}
    assert call(client, "post", "/reports", payload).status_code == 201
    before = snapshot()

    response = call(client, "post", "/reports", payload)

    assert response.status_code == 409
    assert response.json()["code"] == "already_reported"
    assert snapshot() == before


def test_reporting_your_own_post_is_refused(world: World) -> None:
    client = signed_in(world.author)
    before = snapshot()

    response = call(
        client,
        "post",
        "/reports",
        {"kind": "post", "target_id": world.first_post.pk, "reason": "spam"},
    )

    assert response.status_code == 403
    assert response.json()["code"] == "own_content"
    assert snapshot() == before


def test_something_you_cannot_read_looks_missing(world: World) -> None:
    closed = CommunityFactory(
        name="Closed Circle", slug="closed-circle", visibility=Community.Visibility.MEMBERS
    )
    make_member(closed, world.author)
    secret = make_topic(closed, world.author, title="Members only", body="Private words")
    client = signed_in(world.reporter)
    before = snapshot()

    response = call(
        client,
        "post",
        "/reports",
        {"kind": "topic", "target_id": secret.pk, "reason": "spam"},
    )
    missing = call(
        client,
        "post",
        "/reports",
        {"kind": "topic", "target_id": secret.pk + 1000, "reason": "spam"},
    )

    assert response.status_code == missing.status_code == 404
    assert response.json() == missing.json()
    assert snapshot() == before


def test_something_else_needs_a_note(world: World) -> None:
    client = signed_in(world.reporter)
    before = snapshot()

    response = call(
        client,
        "post",
        "/reports",
        {"kind": "post", "target_id": world.first_post.pk, "reason": "other", "note": "  "},
    )

    assert response.status_code == 400
    body = response.json()
    assert (body["code"], body["field"]) == ("note_required", "note")
    assert snapshot() == before


def test_a_community_reason_of_its_own(world: World) -> None:
    reason = ReportReason.objects.create(community=world.community, label="Selling supplements")

    response = call(
        signed_in(world.reporter),
        "post",
        "/reports",
        {
            "kind": "post",
            "target_id": world.first_post.pk,
            "reason": "custom",
            "custom_reason_id": reason.pk,
        },
    )

    assert response.status_code == 201
    assert Report.objects.get().custom_reason_id == reason.pk


def test_a_reason_of_another_community_is_refused(world: World) -> None:
    elsewhere = ReportReason.objects.create(community=world.other_community, label="Off brand")
    client = signed_in(world.reporter)
    before = snapshot()

    response = call(
        client,
        "post",
        "/reports",
        {
            "kind": "post",
            "target_id": world.first_post.pk,
            "reason": "custom",
            "custom_reason_id": elsewhere.pk,
        },
    )

    assert response.status_code == 400
    assert response.json()["field"] == "reason"
    assert snapshot() == before


def test_reporting_a_member(world: World) -> None:
    response = call(
        signed_in(world.reporter),
        "post",
        "/reports",
        {"kind": "member", "target_id": world.author.pk, "reason": "abusive"},
    )

    assert response.status_code == 201
    item = ReviewItem.objects.get()
    # Members are reviewed by site staff: no community.
    assert (item.kind, item.community_id, item.member_id) == ("member", None, world.author.pk)


def test_visitors_must_sign_in(world: World) -> None:
    before = snapshot()

    response = call(
        Client(),
        "post",
        "/reports",
        {"kind": "post", "target_id": world.first_post.pk, "reason": "spam"},
    )

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert snapshot() == before
