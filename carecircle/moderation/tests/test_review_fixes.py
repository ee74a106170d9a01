"""Regression tests for the defects found in the moderation review (each failed before its fix)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from carecircle.communities.models import Community
from carecircle.core.errors import ConflictError, PermissionDeniedError, ValidationFailed
from carecircle.core.factories import UserFactory, make_member
from carecircle.core.models import ModerationState
from carecircle.discussions import actions as discussions
from carecircle.discussions.models import Post, Topic
from carecircle.moderation import actions, enforcement, permissions, queries, trust
from carecircle.moderation.models import (
    Appeal,
    MemberTrust,
    ModerationAction,
    Report,
    ReviewItem,
    SafetyNotice,
    Sanction,
    TrustLevel,
    WatchedWord,
)
from carecircle.moderation.screening.watched import (
    WatchedRule,
    apply_watched_words,
    pattern_problem,
)
from carecircle.moderation.tests.factories import (
    REASON,
    Cast,
    cast_fixture,  # noqa: F401  (the `cast` fixture)
    make_item,
    make_sanction,
    make_trust,
)

APPEAL_TEXT = "I did nothing wrong here at all, please look again."


def _counts(cast: Cast) -> tuple[int, int, int]:
    community = Community.objects.get(pk=cast.community.pk)
    topic = Topic.objects.get(pk=cast.topic.pk)
    return community.topic_count, community.post_count, topic.reply_count


def _pending_reply(cast: Cast, body: str = "A reply waiting for approval") -> Post:
    return Post.objects.create(
        topic=cast.topic,
        author=cast.member,
        position=3,
        body=body,
        body_html=f"<p>{body}</p>",
        moderation_state=ModerationState.PENDING,
    )


def _item_for(cast: Cast, post: Post, queue: str, **fields: Any) -> ReviewItem:
    return ReviewItem.objects.create(
        community=cast.community,
        queue=queue,
        kind=ReviewItem.Kind.POST,
        target_key=f"post:{post.pk}",
        post=post,
        topic=post.topic,
        member=post.author,
        **fields,
    )


def _status(item: ReviewItem) -> str:
    item.refresh_from_db()
    return item.status


# --- 1. nobody decides their own appeal ------------------------------------------------------


def test_a_moderator_cannot_decide_their_own_appeal(cast: Cast) -> None:
    warning = actions.sanction_member(
        actor=cast.manager,
        member=cast.moderator,
        community=cast.community,
        kind="warn",
        reason=REASON,
    )
    appeal = actions.appeal_action(actor=cast.moderator, action=warning.action, text=APPEAL_TEXT)
    actions_before = ModerationAction.objects.count()

    assert permissions.can_decide_appeal(cast.moderator, appeal) is False
    with pytest.raises(PermissionDeniedError) as caught:
        actions.decide_appeal(actor=cast.moderator, appeal=appeal, uphold=True, decision="Fine.")

    assert caught.value.code == "own_appeal"
    appeal.refresh_from_db()
    assert (appeal.status, appeal.decided_by) == (Appeal.Status.OPEN, None)
    assert ModerationAction.objects.count() == actions_before
    # Another moderator of the community still can.
    assert permissions.can_decide_appeal(cast.site_admin, appeal) is True


def test_a_suspended_moderator_cannot_uphold_their_own_appeal(cast: Cast) -> None:
    suspension = actions.sanction_member(
        actor=cast.manager,
        member=cast.moderator,
        community=cast.community,
        kind="suspend",
        reason=REASON,
        days=5,
    )
    appeal = actions.appeal_action(actor=cast.moderator, action=suspension.action, text=APPEAL_TEXT)

    with pytest.raises(PermissionDeniedError):
        actions.decide_appeal(actor=cast.moderator, appeal=appeal, uphold=True, decision="Fine.")

    appeal.refresh_from_db()
    suspension.refresh_from_db()
    assert appeal.status == Appeal.Status.OPEN
    assert suspension.lifted_at is None


# --- 2. a decision closes items of its own queue; professionals never publish -----------------


def test_a_professional_dismissal_leaves_safeguarding_and_reports_open(cast: Cast) -> None:
    medical = make_item(cast, queue=ReviewItem.Queue.PROFESSIONAL, reason="medically_inaccurate")
    general = make_item(cast, reporter=cast.trusted)
    safeguarding = _item_for(cast, cast.reply, ReviewItem.Queue.SAFEGUARDING, is_urgent=True)

    actions.resolve_item(actor=cast.professional, item=medical, decision="dismiss")

    assert _status(medical) == "resolved"
    assert _status(general) == "open"
    assert _status(safeguarding) == "open"


def test_a_moderator_dismissing_reports_leaves_the_medical_review_open(cast: Cast) -> None:
    general = make_item(cast)
    medical = make_item(cast, queue=ReviewItem.Queue.PROFESSIONAL, reporter=cast.trusted)

    actions.resolve_item(actor=cast.moderator, item=general, decision="dismiss")

    assert (_status(general), _status(medical)) == ("resolved", "open")


def test_hiding_settles_reports_but_not_safeguarding_or_approval(cast: Cast) -> None:
    general = make_item(cast)
    medical = make_item(cast, queue=ReviewItem.Queue.PROFESSIONAL, reporter=cast.trusted)
    safeguarding = _item_for(cast, cast.reply, ReviewItem.Queue.SAFEGUARDING, is_urgent=True)
    approval = _item_for(cast, cast.reply, ReviewItem.Queue.APPROVAL)

    actions.resolve_item(actor=cast.moderator, item=general, decision="hide", reason=REASON)

    assert (_status(medical), _status(safeguarding), _status(approval)) == (
        "resolved",
        "open",
        "open",
    )


def test_deleting_settles_the_approval_but_never_safeguarding(cast: Cast) -> None:
    general = make_item(cast)
    safeguarding = _item_for(cast, cast.reply, ReviewItem.Queue.SAFEGUARDING, is_urgent=True)
    approval = _item_for(cast, cast.reply, ReviewItem.Queue.APPROVAL)

    actions.resolve_item(actor=cast.moderator, item=general, decision="delete", reason=REASON)

    assert (_status(approval), _status(safeguarding)) == ("resolved", "open")


def test_a_professional_approval_does_not_publish_a_pending_post(cast: Cast) -> None:
    post = _pending_reply(cast)
    approval = _item_for(cast, post, ReviewItem.Queue.APPROVAL)
    medical = _item_for(cast, post, ReviewItem.Queue.PROFESSIONAL)
    before = _counts(cast)

    actions.resolve_item(actor=cast.professional, item=medical, decision="approve")

    post.refresh_from_db()
    assert post.moderation_state == ModerationState.PENDING
    assert (_status(medical), _status(approval)) == ("resolved", "open")
    assert _counts(cast) == before


# --- 3. watched-word patterns that backtrack catastrophically ---------------------------------


@pytest.mark.parametrize(
    "pattern",
    [r"(a|a)+c", r"(?:x|x)*y", r"\w*\w*\w*\w*\w*!", r"(ab|a)*z", r"(a?){9}b", r"\w+\s?\w+!"],
)
def test_the_reviewers_slow_patterns_are_refused(pattern: str) -> None:
    assert pattern_problem(pattern, is_regex=True) is not None


@pytest.mark.parametrize(
    "pattern", [r"(a|b)+c", r"\d+\s+\d+", r"cure\w*", r"b(u|v)y\s+now", r"\d{3}-\d{4}"]
)
def test_ordinary_patterns_are_still_accepted(pattern: str) -> None:
    assert pattern_problem(pattern, is_regex=True) is None


def test_a_stored_unsafe_rule_is_skipped_when_rules_load(cast: Cast) -> None:
    # Saved before the checks were tightened (written directly, as an old row would be).
    unsafe = WatchedWord.objects.create(
        community=cast.community, pattern=r"(a|a)+c", is_regex=True, action="block"
    )
    safe = WatchedWord.objects.create(
        community=cast.community, pattern="miracle cure", is_regex=False, action="flag"
    )

    rules = queries.watched_rules(cast.community)

    assert unsafe.pk not in [rule.pk for rule in rules]
    assert safe.pk in [rule.pk for rule in rules]


def test_matching_skips_a_stored_unsafe_rule() -> None:
    # Short text: the old code ran it (and blocked); on a long post it would hang the worker.
    unsafe = WatchedRule(pk=1, pattern=r"\w*\w*\w*\w*\w*!", is_regex=True, action="block")

    outcome = apply_watched_words("aaaa!", [unsafe])

    assert outcome.blocked_by is None


def test_regular_expressions_still_find_words_at_the_end_of_a_long_post() -> None:
    late = WatchedRule(pk=2, pattern=r"buy\s+now", is_regex=True, action="flag")
    text = "a" * 29_000 + " buy now"

    outcome = apply_watched_words(text, [late])

    assert outcome.flagged_by == [late]


def test_replacements_reach_every_part_of_a_long_post() -> None:
    rule = WatchedRule(pk=1, pattern=r"spam\d+", is_regex=True, action="replace", replacement="*")
    text = " ".join(["spam1"] + ["word"] * 3000 + ["spam2"])

    outcome = apply_watched_words(text, [rule])

    assert outcome.text == " ".join(["*"] + ["word"] * 3000 + ["*"])


# --- 4. approving and unhiding go through discussions' publish_post --------------------------


def test_approving_a_pending_reply_counts_it(cast: Cast) -> None:
    post = _pending_reply(cast)
    item = _item_for(cast, post, ReviewItem.Queue.APPROVAL)
    topics, posts, replies = _counts(cast)

    actions.resolve_item(actor=cast.moderator, item=item, decision="approve")

    post.refresh_from_db()
    assert post.moderation_state == ModerationState.VISIBLE
    assert _counts(cast) == (topics, posts + 1, replies + 1)
    assert Topic.objects.get(pk=cast.topic.pk).last_poster == cast.member


def test_approving_a_pending_topic_lists_and_counts_it(cast: Cast) -> None:
    actions.set_premoderation(
        actor=cast.moderator, member=cast.member, community=cast.community, is_on=True
    )
    enforcement.forget_sanctions(cast.member)
    topics, posts, _replies = _counts(cast)
    topic = discussions.create_topic(
        actor=cast.member, community=cast.community, title="Waiting topic", body="Its body"
    )
    item = ReviewItem.objects.get(queue="approval", target_key=f"topic:{topic.pk}")

    actions.resolve_item(actor=cast.moderator, item=item, decision="approve")

    topic.refresh_from_db()
    assert topic.moderation_state == ModerationState.VISIBLE
    community = Community.objects.get(pk=cast.community.pk)
    assert (community.topic_count, community.post_count) == (topics + 1, posts + 1)


def test_unhiding_does_not_count_the_post_again(cast: Cast) -> None:
    Post.objects.filter(pk=cast.reply.pk).update(moderation_state=ModerationState.HIDDEN)
    item = make_item(cast)
    before = _counts(cast)

    actions.resolve_item(actor=cast.moderator, item=item, decision="unhide")

    assert Post.objects.get(pk=cast.reply.pk).moderation_state == ModerationState.VISIBLE
    assert _counts(cast) == before


def test_an_upheld_appeal_against_hiding_a_first_post_shows_the_topic(cast: Cast) -> None:
    item = make_item(cast, post=cast.first_post)
    action = actions.resolve_item(actor=cast.moderator, item=item, decision="hide", reason=REASON)
    appeal = actions.appeal_action(actor=cast.author, action=action, text=APPEAL_TEXT)

    actions.decide_appeal(actor=cast.manager, appeal=appeal, uphold=True, decision="Restored.")

    assert Topic.objects.get(pk=cast.topic.pk).moderation_state == ModerationState.VISIBLE
    assert cast.first_post.moderation_state == ModerationState.VISIBLE


# --- 5. rejecting a pending topic touches no counter ----------------------------------------


def test_rejecting_a_pending_topic_does_not_uncount_it(cast: Cast) -> None:
    Community.objects.filter(pk=cast.community.pk).update(topic_count=5, post_count=9)
    actions.set_premoderation(
        actor=cast.moderator, member=cast.member, community=cast.community, is_on=True
    )
    enforcement.forget_sanctions(cast.member)
    topic = discussions.create_topic(
        actor=cast.member, community=cast.community, title="Pending topic", body="Pending body"
    )
    item = ReviewItem.objects.get(queue="approval", target_key=f"topic:{topic.pk}")

    action = actions.resolve_item(actor=cast.moderator, item=item, decision="reject", reason=REASON)

    community = Community.objects.get(pk=cast.community.pk)
    assert (community.topic_count, community.post_count) == (5, 9)
    topic.refresh_from_db()
    post = Post.objects.get(topic=topic, position=1)
    assert (topic.is_deleted, topic.moderation_state) == (True, ModerationState.HIDDEN)
    assert (post.is_deleted, post.moderation_state) == (True, ModerationState.HIDDEN)

    # Undone on appeal, it is published, and counted, for the first time.
    appeal = actions.appeal_action(actor=cast.member, action=action, text=APPEAL_TEXT)
    actions.decide_appeal(
        actor=cast.manager, appeal=appeal, uphold=True, decision="Fine after all."
    )

    community = Community.objects.get(pk=cast.community.pk)
    assert (community.topic_count, community.post_count) == (6, 10)
    topic.refresh_from_db()
    assert (topic.is_deleted, topic.moderation_state) == (False, ModerationState.VISIBLE)


def test_rejecting_a_pending_reply_does_not_uncount_it(cast: Cast) -> None:
    post = _pending_reply(cast)
    item = _item_for(cast, post, ReviewItem.Queue.APPROVAL)
    before = _counts(cast)

    actions.resolve_item(actor=cast.moderator, item=item, decision="reject", reason=REASON)

    post.refresh_from_db()
    assert (post.is_deleted, post.moderation_state) == (True, ModerationState.HIDDEN)
    assert _counts(cast) == before


# --- 6. a post hidden only pending review comes back when the review finds nothing ----------


def _trusted_reporters(cast: Cast, count: int) -> list[Any]:
    reporters = []
    for number in range(count):
        user = UserFactory(handle=f"reporter{number}")
        make_member(cast.community, user)
        make_trust(user, TrustLevel.TRUSTED)
        reporters.append(user)
    return reporters


def test_auto_hidden_across_queues_stays_hidden_until_every_hiding_item_is_settled(
    cast: Cast,
) -> None:
    first, second, third = _trusted_reporters(cast, 3)
    reply = cast.reply
    actions.report_content(actor=first, kind="post", target_id=reply.pk, reason="spam")
    actions.report_content(actor=second, kind="post", target_id=reply.pk, reason="spam")
    actions.report_content(
        actor=third, kind="post", target_id=reply.pk, reason="medically_inaccurate"
    )
    assert Post.objects.get(pk=reply.pk).moderation_state == ModerationState.HIDDEN
    general = ReviewItem.objects.get(queue="general")
    medical = ReviewItem.objects.get(queue="professional")

    actions.resolve_item(actor=cast.moderator, item=general, decision="dismiss")

    # The medical-accuracy item that hid it is still open, so it stays hidden for now.
    assert Post.objects.get(pk=reply.pk).moderation_state == ModerationState.HIDDEN
    assert _status(medical) == "open"

    actions.resolve_item(actor=cast.professional, item=medical, decision="dismiss")

    assert Post.objects.get(pk=reply.pk).moderation_state == ModerationState.VISIBLE


def test_a_professionals_hide_is_undone_when_a_moderator_dismisses(cast: Cast) -> None:
    item = make_item(cast, queue=ReviewItem.Queue.PROFESSIONAL)
    actions.resolve_item(actor=cast.professional, item=item, decision="hide", reason=REASON)
    assert Post.objects.get(pk=cast.reply.pk).moderation_state == ModerationState.HIDDEN

    actions.resolve_item(actor=cast.moderator, item=item, decision="dismiss")

    assert Post.objects.get(pk=cast.reply.pk).moderation_state == ModerationState.VISIBLE


def test_a_moderators_hide_stays_when_later_reports_are_dismissed(cast: Cast) -> None:
    first = make_item(cast)
    actions.resolve_item(actor=cast.moderator, item=first, decision="hide", reason=REASON)
    later = make_item(cast, reporter=cast.trusted)

    actions.resolve_item(actor=cast.moderator, item=later, decision="dismiss")

    assert Post.objects.get(pk=cast.reply.pk).moderation_state == ModerationState.HIDDEN


# --- 7. a moderator's edit is the moderator's, not the author's -----------------------------


def test_a_moderator_edit_is_not_stopped_by_the_authors_confirmation(cast: Cast) -> None:
    item = make_item(cast, reason="private_information")

    actions.resolve_item(
        actor=cast.moderator,
        item=item,
        decision="edit",
        reason=REASON,
        body="Mail me at pat.example@gmail.com if you want to talk.",
    )

    assert Post.objects.get(pk=cast.reply.pk).body == (
        "Mail me at pat.example@gmail.com if you want to talk."
    )


def test_a_moderator_edit_queues_nothing_about_the_moderator(cast: Cast) -> None:
    item = make_item(cast)

    actions.resolve_item(
        actor=cast.moderator,
        item=item,
        decision="edit",
        reason=REASON,
        body="Some days I want to kill myself, honestly.",
    )

    assert ReviewItem.objects.filter(queue="safeguarding").count() == 0
    assert ReviewItem.objects.filter(member=cast.moderator).count() == 0
    assert SafetyNotice.objects.count() == 0
    assert not MemberTrust.objects.filter(user=cast.moderator, posts_created__gt=0).exists()


def test_an_authors_own_edit_is_not_counted_as_a_new_post(cast: Cast) -> None:
    make_trust(cast.author, TrustLevel.MEMBER, posts_created=4)

    discussions.edit_post(actor=cast.author, post=cast.reply, body="A better reply.")

    assert MemberTrust.objects.get(user=cast.author).posts_created == 4


# --- 8. upholding an appeal against an edit restores the author's words ---------------------


def test_an_upheld_appeal_against_an_edit_restores_the_authors_text(cast: Cast) -> None:
    original = "Stop taking your metformin, it is poison."
    Post.objects.filter(pk=cast.reply.pk).update(body=original)
    item = make_item(cast, reason="private_information")
    action = actions.resolve_item(
        actor=cast.moderator,
        item=item,
        decision="edit",
        reason=REASON,
        body="My doctor is great, ask her.",
    )
    appeal = actions.appeal_action(actor=cast.author, action=action, text=APPEAL_TEXT)

    actions.decide_appeal(actor=cast.manager, appeal=appeal, uphold=True, decision="Restoring.")

    post = Post.objects.get(pk=cast.reply.pk)
    assert post.body == original
    assert "metformin" in post.body_html
    assert post.revisions.order_by("-number").first().body == "My doctor is great, ask her."


# --- 9. nobody sanctions an equal or a superior; restricted moderators do not moderate -------


@pytest.mark.parametrize(
    ("actor", "target", "allowed"),
    [
        ("moderator", "manager", False),
        ("moderator", "second_moderator", False),
        ("manager", "moderator", True),
        ("manager", "second_manager", False),
        ("site_moderator", "manager", True),
        ("site_moderator", "site_moderator_two", False),
        ("site_admin", "site_moderator", True),
    ],
)
def test_sanctions_only_go_down_the_roles(
    cast: Cast, actor: str, target: str, allowed: bool
) -> None:
    from carecircle.communities.models import Membership

    people = {
        "moderator": cast.moderator,
        "manager": cast.manager,
        "site_admin": cast.site_admin,
        "second_moderator": UserFactory(handle="secondmod"),
        "second_manager": UserFactory(handle="secondmanager"),
        "site_moderator": UserFactory(handle="sitemod", is_site_moderator=True),
        "site_moderator_two": UserFactory(handle="sitemodtwo", is_site_moderator=True),
    }
    make_member(cast.community, people["second_moderator"], Membership.Role.MODERATOR)
    make_member(cast.community, people["second_manager"], Membership.Role.MANAGER)

    assert permissions.can_sanction(people[actor], people[target], cast.community) is allowed
    if not allowed:
        with pytest.raises(PermissionDeniedError) as caught:
            actions.sanction_member(
                actor=people[actor],
                member=people[target],
                community=cast.community,
                kind="ban",
                reason=REASON,
            )
        assert caught.value.code == "cannot_sanction"
        assert Sanction.objects.count() == 0
        assert ModerationAction.objects.count() == 0


def test_a_banned_moderator_loses_moderation_there(cast: Cast) -> None:
    item = make_item(cast)
    actions.sanction_member(
        actor=cast.manager,
        member=cast.moderator,
        community=cast.community,
        kind="ban",
        reason=REASON,
    )

    assert permissions.can_moderate(cast.moderator, cast.community) is False
    assert permissions.can_review_item(cast.moderator, item) is False
    with pytest.raises(PermissionDeniedError):
        actions.resolve_item(actor=cast.moderator, item=item, decision="dismiss")
    assert _status(item) == "open"


def test_a_suspended_professional_does_not_review(cast: Cast) -> None:
    item = make_item(cast, queue=ReviewItem.Queue.PROFESSIONAL)
    make_sanction(
        cast.professional,
        Sanction.Kind.SUSPENSION,
        cast.community,
        ends_at=timezone.now() + timedelta(days=2),
    )

    assert permissions.can_review_item(cast.professional, item) is False


# --- 10. erasure wipes the member's words from the queue, anonymous ones too ----------------


def test_erasure_wipes_the_words_of_anonymous_writing_from_review_items(cast: Cast) -> None:
    from carecircle.privacy.actions import erase_member

    Community.objects.filter(pk=cast.community.pk).update(allow_anonymous_posts=True)
    cast.community.refresh_from_db()
    post = discussions.reply_to_topic(
        actor=cast.member,
        topic=cast.topic,
        body="My secret diagnosis is something private",
        is_anonymous=True,
    )
    actions.report_content(actor=cast.trusted, kind="post", target_id=post.pk, reason="spam")
    item = ReviewItem.objects.get(target_key=f"post:{post.pk}")
    ReviewItem.objects.filter(pk=item.pk).update(
        flags=[{"source": "crisis_screen", "label": "suicidal_intent", "matched": "secret"}]
    )
    own_report = actions.report_content(
        actor=cast.member, kind="post", target_id=cast.reply.pk, reason="other", note="My note"
    )
    assert item.member is None

    erase_member(actor=cast.member, member=cast.member, keep_posts=False)

    item.refresh_from_db()
    assert item.body_snapshot == ""
    assert item.flags == [{"source": "crisis_screen", "label": "suicidal_intent", "matched": ""}]
    assert Report.objects.get(pk=own_report.pk).note == ""


# --- 11. a community's moderators see their community only ---------------------------------


def test_community_moderators_see_site_wide_sanctions_only_while_in_force(cast: Cast) -> None:
    now = timezone.now()
    lifted = make_sanction(
        cast.author, Sanction.Kind.SUSPENSION, None, reason="Old site reason", lifted_at=now
    )
    active = make_sanction(cast.author, Sanction.Kind.BAN, None, reason="Site staff reason")
    here = make_sanction(cast.author, Sanction.Kind.WARNING, cast.community, reason=REASON)
    elsewhere_action = ModerationAction.objects.create(
        actor=cast.site_admin, member=cast.author, verb="warn", reason="Site-wide words"
    )
    site_item = ReviewItem.objects.create(
        community=None,
        queue="general",
        kind="member",
        target_key=f"member:{cast.author.pk}",
        member=cast.author,
    )
    item = make_item(cast)

    seen = queries.member_moderation(cast.moderator, cast.author, cast.community)
    context = queries.item_context(cast.moderator, item)

    assert {s.pk for s in seen["sanctions"]} == {active.pk, here.pk}
    assert lifted.pk not in {s.pk for s in context["sanctions"]}
    assert [s.reason for s in seen["sanctions"] if s.pk == active.pk] == [""]
    assert elsewhere_action not in seen["actions"]
    assert site_item not in context["other_items"]
    assert context["author_history"]["items"] == 1
    # Site staff see everything.
    staff = queries.member_moderation(cast.site_admin, cast.author, None)
    assert {s.pk for s in staff["sanctions"]} == {lifted.pk, active.pk, here.pk}


# --- 12. erased reporters are not distinct reporters ----------------------------------------


def test_reports_of_erased_members_do_not_add_up_to_an_auto_hide(cast: Cast) -> None:
    item = make_item(cast, reporter=cast.trusted)
    Report.objects.filter(item=item).update(reporter_trust_level=TrustLevel.TRUSTED)
    for _number in range(2):
        Report.objects.create(
            item=item, reporter=None, reason="spam", reporter_trust_level=TrustLevel.TRUSTED
        )
    (reporter,) = _trusted_reporters(cast, 1)

    actions.report_content(actor=reporter, kind="post", target_id=cast.reply.pk, reason="spam")

    assert Post.objects.get(pk=cast.reply.pk).moderation_state == ModerationState.VISIBLE


# --- smaller fixes ---------------------------------------------------------------------------


def test_a_second_suspension_in_the_same_place_is_refused(cast: Cast) -> None:
    actions.sanction_member(
        actor=cast.moderator,
        member=cast.author,
        community=cast.community,
        kind="suspend",
        reason=REASON,
        days=3,
    )

    with pytest.raises(ConflictError) as caught:
        actions.sanction_member(
            actor=cast.moderator,
            member=cast.author,
            community=cast.community,
            kind="suspend",
            reason=REASON,
            days=30,
        )

    assert caught.value.code == "already_sanctioned"
    assert Sanction.objects.count() == 1
    # A ban is stronger and may follow; then nothing more.
    actions.sanction_member(
        actor=cast.moderator,
        member=cast.author,
        community=cast.community,
        kind="ban",
        reason=REASON,
    )
    with pytest.raises(ConflictError):
        actions.sanction_member(
            actor=cast.moderator,
            member=cast.author,
            community=cast.community,
            kind="ban",
            reason=REASON,
        )
    assert Sanction.objects.count() == 2


def test_a_warning_email_gives_no_end_date(
    cast: Cast, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        actions.sanction_member(
            actor=cast.moderator,
            member=cast.author,
            community=cast.community,
            kind="warn",
            reason=REASON,
        )

    assert len(mailoutbox) == 1
    assert "lasts until" not in mailoutbox[0].body
    assert REASON in mailoutbox[0].body


def test_a_sanction_reversed_on_appeal_does_not_hold_back_trust(cast: Cast) -> None:
    suspension = actions.sanction_member(
        actor=cast.moderator,
        member=cast.author,
        community=cast.community,
        kind="suspend",
        reason=REASON,
        days=3,
    )
    assert trust._last_sanction_at(cast.author) is not None
    appeal = actions.appeal_action(actor=cast.author, action=suspension.action, text=APPEAL_TEXT)

    actions.decide_appeal(actor=cast.manager, appeal=appeal, uphold=True, decision="Our mistake.")

    assert trust._last_sanction_at(cast.author) is None


def test_a_context_note_must_name_an_item_about_its_post(cast: Cast) -> None:
    other_item = make_item(cast, post=cast.first_post)

    with pytest.raises(ValidationFailed) as caught:
        actions.add_context_note(
            actor=cast.professional, post=cast.reply, body="See the guideline.", item=other_item
        )

    assert caught.value.field == "item"
    assert ModerationAction.objects.count() == 0
    assert cast.reply.context_notes.count() == 0
