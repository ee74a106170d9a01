"""Appealing a decision once, and deciding the appeal (not by the moderator who took it)."""

from __future__ import annotations

import pytest

from carecircle.core.errors import ConflictError, PermissionDeniedError, ValidationFailed
from carecircle.core.models import ModerationState
from carecircle.discussions.models import Post
from carecircle.moderation import actions
from carecircle.moderation.models import Appeal, ModerationAction, ReviewItem, Sanction
from carecircle.moderation.tests.factories import (
    REASON,
    Cast,
    cast_fixture,  # noqa: F401  (the `cast` fixture)
    make_item,
)

TEXT = "I was quoting my doctor, not giving advice."


def _hidden(cast: Cast) -> ModerationAction:
    item = make_item(cast)
    return actions.resolve_item(actor=cast.moderator, item=item, decision="hide", reason=REASON)


def test_the_member_appeals_once_and_it_reaches_the_appeals_queue(cast: Cast) -> None:
    action = _hidden(cast)

    appeal = actions.appeal_action(actor=cast.author, action=action, text=TEXT)

    item = ReviewItem.objects.get(queue="appeals")
    assert (item.appeal, item.community, item.member, item.kind) == (
        appeal,
        cast.community,
        cast.author,
        "appeal",
    )
    with pytest.raises(PermissionDeniedError) as caught:
        actions.appeal_action(actor=cast.author, action=action, text=TEXT)
    assert caught.value.code == "already_appealed"
    assert Appeal.objects.count() == 1


@pytest.mark.parametrize("role", ["member", "moderator", "site_admin"])
def test_nobody_else_appeals_for_the_member(cast: Cast, role: str) -> None:
    action = _hidden(cast)

    with pytest.raises(PermissionDeniedError):
        actions.appeal_action(actor=cast.role(role), action=action, text=TEXT)
    assert Appeal.objects.count() == 0


def test_an_appeal_needs_a_few_words(cast: Cast) -> None:
    action = _hidden(cast)

    with pytest.raises(ValidationFailed) as caught:
        actions.appeal_action(actor=cast.author, action=action, text="no")
    assert caught.value.field == "text"
    assert Appeal.objects.count() == 0


def test_dismissals_are_not_appealable(cast: Cast) -> None:
    action = actions.resolve_item(actor=cast.moderator, item=make_item(cast), decision="dismiss")

    with pytest.raises(PermissionDeniedError) as caught:
        actions.appeal_action(actor=cast.author, action=action, text=TEXT)
    assert caught.value.code == "not_appealable"


def test_upholding_makes_the_post_visible_again(cast: Cast) -> None:
    appeal = actions.appeal_action(actor=cast.author, action=_hidden(cast), text=TEXT)

    actions.decide_appeal(actor=cast.manager, appeal=appeal, uphold=True, decision="Fair point.")

    appeal.refresh_from_db()
    assert (appeal.status, appeal.decided_by) == ("upheld", cast.manager)
    assert Post.objects.get(pk=cast.reply.pk).moderation_state == ModerationState.VISIBLE
    assert ReviewItem.objects.get(queue="appeals").status == "resolved"
    logged = ModerationAction.objects.get(verb="appeal_upheld")
    assert (logged.member, logged.reason) == (cast.author, "Fair point.")


def test_upholding_a_suspension_lifts_it(cast: Cast) -> None:
    sanction = actions.sanction_member(
        actor=cast.moderator,
        member=cast.author,
        community=cast.community,
        kind="suspension",
        reason=REASON,
        days=3,
    )
    appeal = actions.appeal_action(actor=cast.author, action=sanction.action, text=TEXT)

    actions.decide_appeal(actor=cast.site_admin, appeal=appeal, uphold=True, decision="Lifted.")

    assert Sanction.objects.get().lifted_by == cast.site_admin


def test_rejecting_keeps_the_decision(cast: Cast) -> None:
    appeal = actions.appeal_action(actor=cast.author, action=_hidden(cast), text=TEXT)

    actions.decide_appeal(actor=cast.manager, appeal=appeal, uphold=False, decision="It stays.")

    assert Appeal.objects.get().status == "rejected"
    assert Post.objects.get(pk=cast.reply.pk).moderation_state == ModerationState.HIDDEN


def test_the_moderator_who_decided_cannot_judge_the_appeal(cast: Cast) -> None:
    appeal = actions.appeal_action(actor=cast.author, action=_hidden(cast), text=TEXT)

    with pytest.raises(PermissionDeniedError) as caught:
        actions.decide_appeal(actor=cast.moderator, appeal=appeal, uphold=True, decision="Mine.")

    assert caught.value.code == "own_decision"
    assert Appeal.objects.get().status == "open"
    assert Post.objects.get(pk=cast.reply.pk).moderation_state == ModerationState.HIDDEN


@pytest.mark.parametrize("role", ["member", "trusted", "professional", "other_moderator"])
def test_others_cannot_decide_appeals(cast: Cast, role: str) -> None:
    appeal = actions.appeal_action(actor=cast.author, action=_hidden(cast), text=TEXT)
    logged = ModerationAction.objects.count()

    with pytest.raises(PermissionDeniedError):
        actions.decide_appeal(actor=cast.role(role), appeal=appeal, uphold=True, decision="Yes.")

    assert Appeal.objects.get().status == "open"
    assert ModerationAction.objects.count() == logged


def test_an_appeal_is_decided_once(cast: Cast) -> None:
    appeal = actions.appeal_action(actor=cast.author, action=_hidden(cast), text=TEXT)
    actions.decide_appeal(actor=cast.manager, appeal=appeal, uphold=False, decision="It stays.")

    with pytest.raises(ConflictError):
        actions.decide_appeal(actor=cast.site_admin, appeal=appeal, uphold=True, decision="Undo.")
    assert Appeal.objects.get().status == "rejected"


def test_appeals_are_rate_limited(cast: Cast, settings) -> None:
    from carecircle.core.errors import RateLimitedError

    hides = [_hidden_post(cast, n) for n in range(6)]
    for action in hides[:5]:
        actions.appeal_action(actor=cast.author, action=action, text=TEXT)
    with pytest.raises(RateLimitedError):
        actions.appeal_action(actor=cast.author, action=hides[5], text=TEXT)
    assert Appeal.objects.count() == 5


def _hidden_post(cast: Cast, n: int) -> ModerationAction:
    from carecircle.core.factories import make_topic

    topic = make_topic(cast.community, cast.author, title=f"Topic number {n}", replies=1)
    post = Post.objects.get(topic=topic, position=2)
    item = make_item(cast, post=post)
    return actions.resolve_item(actor=cast.moderator, item=item, decision="hide", reason=REASON)
