"""report_content: what members may report, where it goes, and automatic hiding."""

from __future__ import annotations

import pytest

from carecircle.communities.models import Community
from carecircle.core.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    ValidationFailed,
)
from carecircle.core.factories import CommunityFactory, UserFactory, make_member, make_topic
from carecircle.core.models import ModerationState
from carecircle.discussions.models import Post
from carecircle.moderation import actions
from carecircle.moderation.models import (
    ModerationAction,
    ModerationSettings,
    Report,
    ReportReason,
    ReviewItem,
    TrustLevel,
)
from carecircle.moderation.tests.factories import (
    Cast,
    cast_fixture,  # noqa: F401  (the `cast` fixture)
    make_trust,
)


def _counts() -> tuple[int, int]:
    return ReviewItem.objects.count(), Report.objects.count()


def test_reporting_a_post_opens_an_item_for_its_community(cast: Cast) -> None:
    report = actions.report_content(
        actor=cast.member, kind="post", target_id=cast.reply.pk, reason="abusive"
    )

    item = report.item
    assert (item.community, item.queue, item.kind, item.post, item.member) == (
        cast.community,
        "general",
        "post",
        cast.reply,
        cast.author,
    )
    item.refresh_from_db()
    assert item.report_count == 1
    assert item.body_snapshot == "Reply 2"


@pytest.mark.parametrize(
    ("reason", "queue", "urgent"),
    [("medically_inaccurate", "professional", False), ("crisis", "safeguarding", True)],
)
def test_reasons_route_to_their_queue(cast: Cast, reason: str, queue: str, urgent: bool) -> None:
    report = actions.report_content(
        actor=cast.member, kind="post", target_id=cast.reply.pk, reason=reason
    )
    assert (report.item.queue, report.item.is_urgent) == (queue, urgent)


def test_a_topic_report_points_at_the_topic_and_its_first_post(cast: Cast) -> None:
    report = actions.report_content(
        actor=cast.member, kind="topic", target_id=cast.topic.pk, reason="spam"
    )
    assert (report.item.topic, report.item.post, report.item.target_key) == (
        cast.topic,
        cast.first_post,
        f"topic:{cast.topic.pk}",
    )


def test_a_member_report_goes_to_the_site_queue(cast: Cast) -> None:
    report = actions.report_content(
        actor=cast.member, kind="member", target_id=cast.author.pk, reason="abusive"
    )
    assert (report.item.community, report.item.member) == (None, cast.author)


def test_your_own_writing_cannot_be_reported(cast: Cast) -> None:
    with pytest.raises(PermissionDeniedError) as caught:
        actions.report_content(
            actor=cast.author, kind="post", target_id=cast.reply.pk, reason="spam"
        )
    assert caught.value.code == "own_content"
    assert _counts() == (0, 0)


def test_what_you_cannot_read_is_not_found(cast: Cast) -> None:
    private = CommunityFactory(visibility=Community.Visibility.MEMBERS)
    make_member(private, cast.author)
    topic = make_topic(private, cast.author)
    outsider = UserFactory()

    with pytest.raises(NotFoundError):
        actions.report_content(actor=outsider, kind="topic", target_id=topic.pk, reason="spam")
    with pytest.raises(NotFoundError):
        actions.report_content(actor=outsider, kind="post", target_id=999999, reason="spam")
    assert _counts() == (0, 0)


def test_a_pending_post_cannot_be_reported_by_readers(cast: Cast) -> None:
    Post.objects.filter(pk=cast.reply.pk).update(moderation_state=ModerationState.PENDING)

    with pytest.raises(NotFoundError):
        actions.report_content(
            actor=cast.member, kind="post", target_id=cast.reply.pk, reason="spam"
        )
    assert _counts() == (0, 0)


def test_reporting_twice_is_refused(cast: Cast) -> None:
    actions.report_content(actor=cast.member, kind="post", target_id=cast.reply.pk, reason="spam")

    with pytest.raises(ConflictError) as caught:
        actions.report_content(
            actor=cast.member, kind="post", target_id=cast.reply.pk, reason="abusive"
        )
    assert caught.value.code == "already_reported"
    assert _counts() == (1, 1)


def test_two_reporters_share_one_item(cast: Cast) -> None:
    actions.report_content(actor=cast.member, kind="post", target_id=cast.reply.pk, reason="spam")
    actions.report_content(actor=cast.trusted, kind="post", target_id=cast.reply.pk, reason="spam")

    item = ReviewItem.objects.get()
    assert (item.report_count, item.reports.count()) == (2, 2)


def test_other_needs_a_note_and_custom_needs_an_active_reason(cast: Cast) -> None:
    with pytest.raises(ValidationFailed) as other:
        actions.report_content(
            actor=cast.member, kind="post", target_id=cast.reply.pk, reason="other"
        )
    retired = ReportReason.objects.create(community=cast.community, label="Old", is_active=False)
    with pytest.raises(ValidationFailed) as custom:
        actions.report_content(
            actor=cast.member,
            kind="post",
            target_id=cast.reply.pk,
            reason="custom",
            custom_reason_id=retired.pk,
        )
    assert (other.value.field, custom.value.field) == ("note", "reason")
    assert _counts() == (0, 0)

    active = ReportReason.objects.create(community=cast.community, label="Selling")
    report = actions.report_content(
        actor=cast.member,
        kind="post",
        target_id=cast.reply.pk,
        reason="custom",
        custom_reason_id=active.pk,
    )
    assert report.custom_reason == active


def test_reports_are_rate_limited(cast: Cast) -> None:
    topic = make_topic(cast.community, cast.author, replies=21)
    posts = list(Post.objects.filter(topic=topic).order_by("position"))
    for post in posts[:20]:
        actions.report_content(actor=cast.member, kind="post", target_id=post.pk, reason="spam")

    with pytest.raises(RateLimitedError):
        actions.report_content(
            actor=cast.member, kind="post", target_id=posts[20].pk, reason="spam"
        )
    assert Report.objects.count() == 20


def test_enough_trusted_reports_hide_the_post_until_reviewed(cast: Cast) -> None:
    ModerationSettings.objects.create(
        community=cast.community, auto_hide_reports=2, auto_hide_trust_level=TrustLevel.TRUSTED
    )
    make_trust(cast.member, TrustLevel.MEMBER)  # below the level: does not count
    actions.report_content(actor=cast.member, kind="post", target_id=cast.reply.pk, reason="spam")
    actions.report_content(actor=cast.trusted, kind="post", target_id=cast.reply.pk, reason="spam")
    assert Post.objects.get(pk=cast.reply.pk).moderation_state == ModerationState.VISIBLE

    actions.report_content(
        actor=cast.professional, kind="post", target_id=cast.reply.pk, reason="abusive"
    )
    assert Post.objects.get(pk=cast.reply.pk).moderation_state == ModerationState.VISIBLE

    make_trust(cast.site_admin, TrustLevel.NEW)  # site staff count as leaders
    actions.report_content(
        actor=cast.site_admin, kind="post", target_id=cast.reply.pk, reason="spam"
    )
    assert Post.objects.get(pk=cast.reply.pk).moderation_state == ModerationState.HIDDEN
    item = ReviewItem.objects.get()
    assert (item.is_auto_hidden, item.status) == (True, "open")
    logged = ModerationAction.objects.get()
    assert (logged.verb, logged.actor, logged.member) == ("auto_hide", None, cast.author)
