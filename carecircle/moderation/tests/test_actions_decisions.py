"""resolve_item: every decision × every role, and what each decision does."""

from __future__ import annotations

import pytest

from carecircle.communities.models import Membership
from carecircle.core.errors import ConflictError, PermissionDeniedError, ValidationFailed
from carecircle.core.factories import CommunityFactory, make_member
from carecircle.core.models import AuditEvent, ModerationState
from carecircle.discussions.models import Post, Topic
from carecircle.moderation import actions
from carecircle.moderation.models import ModerationAction, ReviewItem, Sanction
from carecircle.moderation.tests.factories import (
    MODERATING_ROLES,
    REASON,
    ROLES,
    Cast,
    cast_fixture,  # noqa: F401  (the `cast` fixture)
    make_item,
    state,
)

PROFESSIONAL_DECISIONS = {"approve", "dismiss", "hide", "escalate"}


def _kwargs(cast: Cast, decision: str) -> dict:
    extra: dict = {"reason": REASON}
    if decision == "edit":
        extra["body"] = "Edited by the moderators."
    if decision == "move":
        destination = CommunityFactory(name="Diabetes Chat", slug="diabetes-chat")
        make_member(destination, cast.moderator, Membership.Role.MODERATOR)
        make_member(destination, cast.manager, Membership.Role.MODERATOR)
        extra["destination"] = destination
    if decision == "suspend":
        extra["days"] = 3
    return extra


def _prepare(cast: Cast, decision: str, queue: str = ReviewItem.Queue.GENERAL) -> ReviewItem:
    item = make_item(cast, queue=queue)
    if decision == "unhide":
        Post.objects.filter(pk=cast.reply.pk).update(moderation_state=ModerationState.HIDDEN)
    if decision == "approve":
        Post.objects.filter(pk=cast.reply.pk).update(moderation_state=ModerationState.PENDING)
    if decision == "unlock":
        Topic.objects.filter(pk=cast.topic.pk).update(is_locked=True)
    item.refresh_from_db()
    return ReviewItem.objects.select_related("post__topic__community", "member").get(pk=item.pk)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("decision", actions.DECISIONS)
def test_decision_on_a_general_item_by_role(cast: Cast, decision: str, role: str) -> None:
    item = _prepare(cast, decision)
    kwargs = _kwargs(cast, decision)
    before = state(item)

    if role in MODERATING_ROLES:
        action = actions.resolve_item(actor=cast.role(role), item=item, decision=decision, **kwargs)
        assert action.verb == decision
        assert action.actor == cast.role(role)
        assert action.item_id == item.pk
        item.refresh_from_db()
        assert item.status == ("open" if decision == "escalate" else "resolved")
    else:
        with pytest.raises(PermissionDeniedError):
            actions.resolve_item(actor=cast.role(role), item=item, decision=decision, **kwargs)
        assert state(item) == before
        assert ModerationAction.objects.count() == 0


@pytest.mark.parametrize("decision", actions.DECISIONS)
def test_a_professional_decides_some_things_on_a_medical_accuracy_item(
    cast: Cast, decision: str
) -> None:
    item = _prepare(cast, decision, queue=ReviewItem.Queue.PROFESSIONAL)
    kwargs = _kwargs(cast, decision)
    before = state(item)

    if decision in PROFESSIONAL_DECISIONS:
        action = actions.resolve_item(
            actor=cast.professional, item=item, decision=decision, **kwargs
        )
        assert action.verb == decision
    else:
        with pytest.raises(PermissionDeniedError) as caught:
            actions.resolve_item(actor=cast.professional, item=item, decision=decision, **kwargs)
        assert caught.value.code == "not_moderator"
        assert state(item) == before


def test_a_professional_hides_pending_review_and_the_item_stays_open(cast: Cast) -> None:
    item = make_item(cast, queue=ReviewItem.Queue.PROFESSIONAL)

    actions.resolve_item(actor=cast.professional, item=item, decision="hide", reason=REASON)

    item.refresh_from_db()
    assert item.status == "open"
    assert Post.objects.get(pk=cast.reply.pk).moderation_state == ModerationState.HIDDEN


def test_hide_hides_the_post_logs_audits_and_closes_every_item_about_it(cast: Cast) -> None:
    item = make_item(cast)
    other = make_item(cast, queue=ReviewItem.Queue.PROFESSIONAL, reporter=cast.trusted)

    action = actions.resolve_item(
        actor=cast.moderator, item=item, decision="hide", reason=REASON, guideline="Rule 2"
    )

    assert Post.objects.get(pk=cast.reply.pk).moderation_state == ModerationState.HIDDEN
    assert (action.member, action.reason, action.guideline) == (cast.author, REASON, "Rule 2")
    assert action.is_appealable is True
    assert ReviewItem.objects.get(pk=other.pk).status == "resolved"
    event = AuditEvent.objects.get(verb="moderation.hide")
    assert event.subject == cast.author
    assert event.data["reason"] == REASON
    assert "body" not in str(event.data)


def test_hiding_the_first_post_hides_the_topic(cast: Cast) -> None:
    item = make_item(cast, post=cast.first_post)

    actions.resolve_item(actor=cast.moderator, item=item, decision="hide", reason=REASON)

    assert Topic.objects.get(pk=cast.topic.pk).moderation_state == ModerationState.HIDDEN


def test_approving_a_pending_post_makes_it_visible(cast: Cast) -> None:
    item = _prepare(cast, "approve")

    actions.resolve_item(actor=cast.moderator, item=item, decision="approve")

    assert Post.objects.get(pk=cast.reply.pk).moderation_state == ModerationState.VISIBLE


def test_rejecting_hides_and_deletes_the_post(cast: Cast) -> None:
    item = _prepare(cast, "approve")

    action = actions.resolve_item(actor=cast.moderator, item=item, decision="reject", reason=REASON)

    post = Post.objects.get(pk=cast.reply.pk)
    assert (post.moderation_state, post.is_deleted) == (ModerationState.HIDDEN, True)
    assert action.is_appealable is True


def test_edit_changes_the_text_and_keeps_the_old_one(cast: Cast) -> None:
    item = make_item(cast)

    actions.resolve_item(
        actor=cast.moderator, item=item, decision="edit", reason=REASON, body="Kinder words."
    )

    post = Post.objects.get(pk=cast.reply.pk)
    assert post.body == "Kinder words."
    assert post.revisions.get().body == "Reply 2"


@pytest.mark.parametrize("decision", ["reject", "hide", "edit", "delete", "warn", "suspend", "ban"])
def test_decisions_the_member_is_told_about_need_a_reason(cast: Cast, decision: str) -> None:
    item = make_item(cast)
    before = state(item)

    with pytest.raises(ValidationFailed) as caught:
        actions.resolve_item(actor=cast.moderator, item=item, decision=decision, reason=" ")

    assert caught.value.field == "reason"
    assert state(item) == before


def test_a_suspension_needs_one_to_365_days(cast: Cast) -> None:
    item = make_item(cast)

    with pytest.raises(ValidationFailed) as caught:
        actions.resolve_item(
            actor=cast.moderator, item=item, decision="suspend", reason=REASON, days=400
        )

    assert caught.value.field == "days"
    assert Sanction.objects.count() == 0


def test_suspending_from_an_item_restricts_in_that_community(cast: Cast) -> None:
    item = make_item(cast)

    action = actions.resolve_item(
        actor=cast.moderator, item=item, decision="suspend", reason=REASON, days=7
    )

    sanction = Sanction.objects.get()
    assert (sanction.member, sanction.community, sanction.kind) == (
        cast.author,
        cast.community,
        "suspension",
    )
    assert sanction.action == action
    assert (sanction.ends_at - sanction.starts_at).days == 7


def test_a_decided_item_cannot_be_decided_again(cast: Cast) -> None:
    item = make_item(cast)
    actions.resolve_item(actor=cast.moderator, item=item, decision="dismiss")

    with pytest.raises(ConflictError) as caught:
        actions.resolve_item(actor=cast.manager, item=item, decision="hide", reason=REASON)

    assert caught.value.code == "already_resolved"
    assert ModerationAction.objects.count() == 1


def test_dismissing_brings_back_an_automatically_hidden_post(cast: Cast) -> None:
    item = make_item(cast)
    ReviewItem.objects.filter(pk=item.pk).update(is_auto_hidden=True)
    Post.objects.filter(pk=cast.reply.pk).update(moderation_state=ModerationState.HIDDEN)
    item.refresh_from_db()

    actions.resolve_item(actor=cast.moderator, item=item, decision="dismiss")

    assert Post.objects.get(pk=cast.reply.pk).moderation_state == ModerationState.VISIBLE


def test_escalating_shows_the_item_to_site_staff_and_keeps_it_open(cast: Cast) -> None:
    item = make_item(cast)

    actions.resolve_item(actor=cast.moderator, item=item, decision="escalate")

    item.refresh_from_db()
    assert (item.status, item.is_escalated) == ("open", True)
