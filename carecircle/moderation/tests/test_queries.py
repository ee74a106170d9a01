"""Moderation reads: scoped to the actor, prefetched, and cheap where pages need them."""

from __future__ import annotations

import pytest
from django.utils import timezone

from carecircle.core.errors import NotFoundError, PermissionDeniedError
from carecircle.moderation import actions, queries
from carecircle.moderation.models import (
    ContextNote,
    CrisisResource,
    MemberNote,
    ModerationSettings,
    ReviewItem,
)
from carecircle.moderation.tests.factories import (
    REASON,
    Cast,
    cast_fixture,  # noqa: F401  (the `cast` fixture)
    make_item,
    make_sanction,
)


def test_the_community_queue_by_role(cast: Cast) -> None:
    general = make_item(cast)
    professional = make_item(cast, queue=ReviewItem.Queue.PROFESSIONAL, reporter=cast.trusted)

    assert set(queries.review_items(cast.moderator, community=cast.community)) == {
        general,
        professional,
    }
    assert list(queries.review_items(cast.professional, community=cast.community)) == [professional]
    assert list(
        queries.review_items(cast.moderator, community=cast.community, queue="professional")
    ) == [professional]
    with pytest.raises(PermissionDeniedError):
        queries.review_items(cast.other_moderator, community=cast.community)
    with pytest.raises(PermissionDeniedError):
        queries.review_items(cast.member, community=cast.community)


def test_the_site_queue_holds_site_items_and_escalations(cast: Cast) -> None:
    site_item = ReviewItem.objects.create(
        community=None, kind="member", target_key=f"member:{cast.author.pk}", member=cast.author
    )
    escalated = make_item(cast)
    actions.resolve_item(actor=cast.moderator, item=escalated, decision="escalate")
    make_item(cast, queue=ReviewItem.Queue.PROFESSIONAL, reporter=cast.trusted)

    assert set(queries.review_items(cast.site_admin, community=None)) == {site_item, escalated}
    with pytest.raises(PermissionDeniedError):
        queries.review_items(cast.moderator, community=None)


def test_the_queue_is_prefetched(cast: Cast, django_assert_num_queries) -> None:
    for reporter in (cast.member, cast.trusted):
        make_item(
            cast, reporter=reporter, queue="general" if reporter == cast.member else "safeguarding"
        )
    # The moderator's membership, their own bans and suspensions (a restricted moderator does
    # not moderate), the items with their content and people, their reports.
    with django_assert_num_queries(4):
        seen = [
            ([report.reporter for report in item.reports.all()], item.post.topic.community)
            for item in queries.review_items(cast.moderator, community=cast.community)
        ]
    assert [reporters for reporters, _community in seen] == [[cast.member], [cast.trusted]]


def test_an_item_is_not_found_for_anyone_who_may_not_review_it(cast: Cast) -> None:
    item = make_item(cast)

    assert queries.review_item_for(cast.moderator, item.pk) == item
    for outsider in (cast.other_moderator, cast.professional, cast.member):
        with pytest.raises(NotFoundError):
            queries.review_item_for(outsider, item.pk)


def test_item_context_for_moderators_and_professionals(cast: Cast) -> None:
    item = make_item(cast, queue=ReviewItem.Queue.PROFESSIONAL)
    MemberNote.objects.create(member=cast.author, community=cast.community, body="Kind but blunt")
    make_sanction(cast.author, "warning", cast.community)

    context = queries.item_context(cast.moderator, item)
    assert context["author_history"]["posts"] == 2
    assert [note.body for note in context["notes"]] == ["Kind but blunt"]
    assert len(context["sanctions"]) == 1

    limited = queries.item_context(cast.professional, item)
    assert (limited["author_history"], limited["notes"], limited["sanctions"]) == ({}, [], [])


def test_open_counts_for_the_badge_and_home(cast: Cast, django_assert_num_queries) -> None:
    make_item(cast)
    make_item(cast, queue=ReviewItem.Queue.PROFESSIONAL, reporter=cast.trusted)

    with django_assert_num_queries(1):
        assert queries.open_item_count(cast.moderator) == 2
    assert queries.open_item_count(cast.professional) == 1
    assert queries.open_item_count(cast.other_moderator) == 0
    assert queries.open_item_count(cast.member) == 0
    assert queries.moderated_communities(cast.moderator) == [(cast.community, 2)]
    assert queries.moderated_communities(cast.professional) == [(cast.community, 1)]
    assert queries.moderated_communities(cast.other_moderator) == [(cast.other, 0)]


def test_the_log_is_per_community(cast: Cast) -> None:
    action = actions.resolve_item(
        actor=cast.moderator, item=make_item(cast), decision="hide", reason=REASON
    )

    assert list(queries.moderation_log(cast.moderator, community=cast.community)) == [action]
    assert list(queries.moderation_log(cast.other_moderator, community=cast.other)) == []
    with pytest.raises(PermissionDeniedError):
        queries.moderation_log(cast.other_moderator, community=cast.community)


def test_member_notices_show_decisions_about_the_member_only(cast: Cast) -> None:
    hidden = actions.resolve_item(
        actor=cast.moderator, item=make_item(cast), decision="hide", reason=REASON
    )
    actions.resolve_item(actor=cast.moderator, item=make_item(cast), decision="escalate")

    assert list(queries.member_notices(cast.author)) == [hidden]
    assert list(queries.member_notices(cast.member)) == []


def test_member_moderation_is_scoped(cast: Cast) -> None:
    make_sanction(cast.author, "ban", cast.other)
    here = make_sanction(cast.author, "pre_moderation", cast.community)

    page = queries.member_moderation(cast.moderator, cast.author, cast.community)
    assert page["sanctions"] == [here]
    assert page["active_sanctions"] == [here]
    with pytest.raises(PermissionDeniedError):
        queries.member_moderation(cast.member, cast.author, cast.community)


def test_crisis_resources_by_country_with_a_fallback(cast: Cast) -> None:
    assert [row.phone for row in queries.crisis_resources("GB")][:3] == ["999", "116 123", "111"]
    assert [row.phone for row in queries.crisis_resources("US")][:2] == ["911", "988"]
    fallback = queries.crisis_resources("FR")
    assert [row.name for row in fallback] == ["Emergency services"]
    assert fallback[0].country == ""
    assert CrisisResource.objects.count() == 6


def test_medical_notice_and_settings_defaults(cast: Cast) -> None:
    assert queries.medical_notice(cast.community) == queries.default_medical_notice()
    assert queries.settings_for(cast.community).pk is None
    ModerationSettings.objects.create(community=cast.other, show_medical_notice=False)
    assert queries.medical_notice(cast.other) == ""


def test_context_notes_for_posts_leave_out_removed_ones(cast: Cast) -> None:
    kept = ContextNote.objects.create(post=cast.reply, author=cast.professional, body="See NICE")
    ContextNote.objects.create(
        post=cast.reply, author=cast.professional, body="Old", removed_at=timezone.now()
    )

    assert queries.context_notes_for([cast.reply.pk, cast.first_post.pk]) == {cast.reply.pk: [kept]}
