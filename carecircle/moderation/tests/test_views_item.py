"""One review item: content, reports, history, decisions, context notes, the safeguarding
checklist and appeal decisions."""

# ruff: noqa: F811 - fixtures imported from the support module are redefined as arguments

from __future__ import annotations

import pytest

from carecircle.core.factories import make_topic
from carecircle.core.models import ModerationState
from carecircle.discussions.models import Post
from carecircle.moderation import actions
from carecircle.moderation.models import (
    Appeal,
    ContextNote,
    ModerationAction,
    ReviewItem,
    Sanction,
)
from carecircle.moderation.tests.test_views_support import (  # noqa: F401 - fixtures
    bad_topic,
    first_post,
    pro_member,
    report,
    reported_item,
    site_moderator,
    snapshot,
    text,
)
from conftest import client_for

pytestmark = pytest.mark.django_db


def _url(item: ReviewItem) -> str:
    return f"/moderation/items/{item.pk}/"


def test_the_item_shows_content_reports_history_and_every_decision(reported_item, moderator):
    response = client_for(moderator).get(_url(reported_item))

    page = text(response)
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    assert "Cinnamon cures diabetes, stop insulin." in page
    assert "Spam or advertising" in page and "Selling something" in page
    assert "Pat the patient" in page
    assert "Posts here" in page and "Cam the caregiver" in page
    for decision in ("dismiss", "hide", "edit", "delete", "warn", "suspend", "ban"):
        assert f'name="decision" value="{decision}"' in page
    assert 'value="lock"' not in page and 'value="approve"' not in page
    assert 'value="escalate"' in page
    assert 'name="body"' in page and "Cinnamon cures diabetes, stop insulin.</textarea>" in page
    assert f'href="/p/{reported_item.post_id}/"' in page


def test_an_edited_post_shows_the_words_as_first_queued(reported_item, moderator):
    Post.objects.filter(pk=reported_item.post_id).update(
        body="Harmless now", body_html="<p>Harmless now</p>"
    )

    page = text(client_for(moderator).get(_url(reported_item)))

    assert "Harmless now" in page
    assert "As it was when first queued" in page


def test_others_get_not_found_and_nothing_changes(reported_item, patient, outsider, pro_member):
    before = snapshot()
    for member in (patient, outsider, pro_member):
        assert client_for(member).get(_url(reported_item)).status_code == 404
        response = client_for(member).post(
            _url(reported_item), {"form": "decision", "decision": "hide", "reason": "x"}
        )
        assert response.status_code == 404
    assert snapshot() == before


def test_a_reason_is_needed_and_typed_words_are_kept(reported_item, moderator):
    before = snapshot()

    response = client_for(moderator).post(
        _url(reported_item),
        {"form": "decision", "decision": "hide", "reason": "", "guideline": "Be accurate"},
    )

    page = text(response)
    assert response.status_code == 400
    assert 'id="error_reason"' in page
    assert 'value="hide" checked' in page and 'value="Be accurate"' in page
    assert snapshot() == before


def test_hiding_resolves_the_item_and_returns_to_the_queue(reported_item, moderator):
    response = client_for(moderator).post(
        _url(reported_item),
        {"form": "decision", "decision": "hide", "reason": "Dangerous advice", "guideline": "2"},
    )

    assert response.status_code == 302
    assert response["Location"] == "/c/type-2-diabetes/moderation/?queue=general"
    reported_item.refresh_from_db()
    assert (reported_item.status, reported_item.resolution) == ("resolved", "hide")
    assert Post.objects.get(pk=reported_item.post_id).moderation_state == ModerationState.HIDDEN
    action = ModerationAction.objects.get(verb="hide")
    assert (action.reason, action.guideline, action.actor_id) == (
        "Dangerous advice",
        "2",
        moderator.pk,
    )


def test_suspending_needs_days_and_makes_a_sanction(reported_item, moderator, caregiver):
    missing = client_for(moderator).post(
        _url(reported_item), {"form": "decision", "decision": "suspend", "reason": "Repeated"}
    )
    assert missing.status_code == 400 and 'id="error_days"' in text(missing)
    assert Sanction.objects.count() == 0

    client_for(moderator).post(
        _url(reported_item),
        {"form": "decision", "decision": "suspend", "reason": "Repeated", "days": "7"},
    )

    sanction = Sanction.objects.get()
    assert (sanction.member_id, sanction.kind, sanction.community_id) == (
        caregiver.pk,
        "suspension",
        reported_item.community_id,
    )
    assert (sanction.ends_at - sanction.starts_at).days == 7


def test_a_professional_decides_only_hide_dismiss_and_escalate_and_adds_context(
    bad_topic, patient, pro_member
):
    item = report(patient, first_post(bad_topic), "medically_inaccurate")
    client = client_for(pro_member)

    page = text(client.get(_url(item)))
    assert 'value="hide"' in page and 'value="dismiss"' in page and 'value="escalate"' in page
    assert 'value="ban"' not in page and 'value="delete"' not in page
    assert "Add professional context" in page

    empty = client.post(_url(item), {"form": "context_note", "note_body": " "})
    assert empty.status_code == 400 and 'id="error_note_body"' in text(empty)
    assert ContextNote.objects.count() == 0
    sent = client.post(
        _url(item),
        {
            "form": "context_note",
            "note_body": "Insulin must not be stopped without a doctor.",
            "resource_url": "https://www.nhs.uk/conditions/type-2-diabetes/",
            "resource_title": "NHS",
        },
    )
    assert sent.status_code == 302 and sent["Location"] == _url(item)
    note = ContextNote.objects.get()
    assert (note.post_id, note.author_id, note.resource_title) == (
        item.post_id,
        pro_member.pk,
        "NHS",
    )


def test_the_safeguarding_checklist_ticks_steps(bad_topic, patient, moderator):
    item = report(patient, first_post(bad_topic), "crisis")
    client = client_for(moderator)

    page = text(client.get(_url(item)))
    assert "Safeguarding follow-up" in page
    assert page.count(">Mark done<") == len(actions.SAFEGUARDING_STEPS)

    response = client.post(_url(item), {"form": "checklist", "step": "read", "is_done": "1"})

    assert response.status_code == 302
    item.refresh_from_db()
    assert item.checklist["read"] != ""
    assert ">Mark not done<" in text(client.get(_url(item)))


def test_an_appeal_is_decided_by_another_moderator(reported_item, moderator, caregiver, community):
    from carecircle.core.factories import UserFactory, make_member

    other = UserFactory(display_name="Second moderator", handle="second")
    make_member(community, other, "moderator")
    client_for(moderator).post(
        _url(reported_item), {"form": "decision", "decision": "hide", "reason": "Dangerous"}
    )
    action = ModerationAction.objects.get(verb="hide")
    appeal = actions.appeal_action(actor=caregiver, action=action, text="It was a joke")
    item = ReviewItem.objects.get(kind="appeal")

    own = text(client_for(moderator).get(_url(item)))
    assert "It was a joke" in own and "Another moderator must decide" in own
    missing = client_for(other).post(_url(item), {"form": "appeal", "appeal_decision": "No"})
    assert missing.status_code == 400 and 'id="error_uphold"' in text(missing)

    response = client_for(other).post(
        _url(item), {"form": "appeal", "uphold": "yes", "appeal_decision": "Fair point."}
    )

    assert response.status_code == 302
    appeal.refresh_from_db()
    assert (appeal.status, appeal.decision, appeal.decided_by_id) == (
        Appeal.Status.UPHELD,
        "Fair point.",
        other.pk,
    )


def test_moving_a_topic_offers_only_communities_the_moderator_moderates(
    bad_topic, patient, moderator, community
):
    from carecircle.communities.models import Membership
    from carecircle.core.factories import CommunityFactory, make_member

    destination = CommunityFactory(name="Diabetes Support", slug="diabetes-support")
    make_member(destination, moderator, Membership.Role.MODERATOR)
    CommunityFactory(name="Not mine", slug="not-mine")
    topic = make_topic(community, bad_topic.author, title="Wrong place")
    item = actions.report_content(
        actor=patient, kind="topic", target_id=topic.pk, reason="off_topic"
    ).item

    page = text(client_for(moderator).get(_url(item)))
    assert '<option value="diabetes-support"' in page and "not-mine" not in page

    client_for(moderator).post(
        _url(item), {"form": "decision", "decision": "move", "destination": "diabetes-support"}
    )

    topic.refresh_from_db()
    assert topic.community_id == destination.pk
