"""The gate every piece of writing passes: restrictions, new-member limits, watched words,
pre-moderation, screening; and what it queues once the content is saved."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from carecircle.accounts.models import User
from carecircle.core.errors import (
    ConfirmationNeeded,
    PermissionDeniedError,
    RateLimitedError,
    ValidationFailed,
)
from carecircle.core.factories import make_topic
from carecircle.core.models import ModerationState
from carecircle.discussions.models import Post
from carecircle.moderation.gate import after_content_saved, screen_content
from carecircle.moderation.models import (
    MemberTrust,
    ModerationSettings,
    ReviewItem,
    SafetyNotice,
    TrustLevel,
    WatchedWord,
)
from carecircle.moderation.tests.factories import (
    Cast,
    cast_fixture,  # noqa: F401  (the `cast` fixture)
    make_sanction,
    make_trust,
)


def _screen(cast: Cast, user: User, text: str, **kwargs) -> object:
    kwargs.setdefault("kind", "post")
    return screen_content(
        actor=User.objects.get(pk=user.pk), community=cast.community, text=text, **kwargs
    )


def test_plain_text_passes_visible(cast: Cast) -> None:
    result = _screen(cast, cast.trusted, "Thank you all, that helps.")

    assert result.text == "Thank you all, that helps."
    assert result.moderation_state == ModerationState.VISIBLE
    assert (result.flags, result.is_crisis, result.misinformation) == ([], False, [])


def test_a_suspended_member_is_stopped_first(cast: Cast) -> None:
    make_sanction(cast.trusted, "suspension", cast.community, ends_at=timezone.now() + timedelta(1))

    with pytest.raises(PermissionDeniedError) as caught:
        _screen(cast, cast.trusted, "Hello")
    assert caught.value.code == "suspended"


def test_new_members_cannot_post_links(cast: Cast) -> None:
    with pytest.raises(ValidationFailed) as caught:
        _screen(cast, cast.member, "See https://example.org/cure")
    assert (caught.value.code, caught.value.field) == ("links_not_allowed", "body")
    # A trusted member may, and so may a new member's profile.
    assert _screen(cast, cast.trusted, "See https://example.org/info").moderation_state
    assert _screen(cast, cast.member, "www.example.org", kind="profile").text


def test_new_members_have_a_daily_post_limit(cast: Cast) -> None:
    ModerationSettings.objects.create(community=cast.community, new_member_posts_per_day=2)
    make_topic(cast.community, cast.member, replies=1)  # two posts in the last day

    with pytest.raises(RateLimitedError) as caught:
        _screen(cast, cast.member, "A third post today")
    assert caught.value.code == "daily_limit"
    # Editing is not posting.
    assert _screen(cast, cast.member, "An edit", is_edit=True).moderation_state == "visible"


def test_a_blocked_watched_word_refuses_with_its_message(cast: Cast) -> None:
    WatchedWord.objects.create(
        community=cast.community, pattern="snake oil", action="block", message="Not here."
    )

    with pytest.raises(ValidationFailed) as caught:
        _screen(cast, cast.trusted, "Try this snake oil")
    assert (caught.value.code, str(caught.value.message)) == ("watched_word", "Not here.")


def test_watched_words_replace_hold_and_flag(cast: Cast) -> None:
    WatchedWord.objects.create(
        community=cast.community, pattern="darn", action="replace", replacement="d**n"
    )
    WatchedWord.objects.create(community=cast.community, pattern="supplement", action="flag")
    WatchedWord.objects.create(community=None, pattern="detox tea", action="require_approval")

    result = _screen(cast, cast.trusted, "darn, this supplement and detox tea")

    assert result.text.startswith("d**n, this supplement")
    assert result.moderation_state == ModerationState.PENDING
    assert {flag["label"] for flag in result.flags} == {"supplement", "detox tea"}


def test_watched_words_of_another_community_do_not_apply(cast: Cast) -> None:
    WatchedWord.objects.create(community=cast.other, pattern="sugar", action="block")

    assert _screen(cast, cast.trusted, "sugar levels").text == "sugar levels"


def test_first_posts_wait_for_approval_when_the_community_asks(cast: Cast) -> None:
    ModerationSettings.objects.create(community=cast.community, premoderate_first_posts=1)

    assert _screen(cast, cast.trusted, "My first post").moderation_state == "pending"
    assert _screen(cast, cast.author, "Not my first").moderation_state == "visible"
    assert _screen(cast, cast.moderator, "Moderators never wait").moderation_state == "visible"


def test_a_premoderated_member_waits(cast: Cast) -> None:
    make_sanction(cast.author, "pre_moderation", cast.community)

    assert _screen(cast, cast.author, "Hello again").moderation_state == "pending"
    assert _screen(cast, cast.author, "Hello", kind="message").moderation_state == "visible"


def test_personal_details_ask_for_confirmation_and_say_it_is_public(cast: Cast) -> None:
    with pytest.raises(ConfirmationNeeded) as caught:
        _screen(cast, cast.trusted, "Text me on 07912 345678", is_public=True)

    details = caught.value.details
    assert caught.value.field == "body"
    assert [detail["label"] for detail in details] == ["phone_number", "public_community"]
    assert details[0]["matched"] == "07••• •••678"
    confirmed = _screen(cast, cast.trusted, "Text me on 07912 345678", confirmed=True)
    assert confirmed.moderation_state == "visible"


def test_risky_claims_ask_for_confirmation_and_are_kept_for_professionals(cast: Cast) -> None:
    text = "Stop taking your insulin, cinnamon cures diabetes"
    with pytest.raises(ConfirmationNeeded):
        _screen(cast, cast.trusted, text)

    result = _screen(cast, cast.trusted, text, confirmed=True)
    assert [finding["label"] for finding in result.misinformation] == [
        "stop_medication",
        "miracle_cure",
    ]


def test_crisis_words_never_block_and_bring_helplines(cast: Cast) -> None:
    result = _screen(cast, cast.trusted, "I want to kill myself tonight")

    assert result.is_crisis is True
    assert result.moderation_state == "visible"
    assert [resource.phone for resource in result.crisis_resources][:2] == ["999", "116 123"]


def test_after_saving_a_crisis_post_safeguarding_is_told_urgently(cast: Cast) -> None:
    result = _screen(cast, cast.trusted, "I want to kill myself tonight")
    post = Post.objects.create(
        topic=cast.topic, author=cast.trusted, position=3, body=result.text, body_html=""
    )

    after_content_saved(
        actor=cast.trusted, community=cast.community, result=result, kind="post", post=post
    )

    item = ReviewItem.objects.get()
    assert (item.queue, item.is_urgent, item.source, item.member) == (
        "safeguarding",
        True,
        "crisis_screen",
        cast.trusted,
    )
    assert item.target_key == f"post:{post.pk}"
    assert SafetyNotice.objects.get().member == cast.trusted
    assert MemberTrust.objects.get(user=cast.trusted).posts_created == 1


def test_after_saving_a_pending_anonymous_post_the_author_stays_hidden(cast: Cast) -> None:
    from carecircle.discussions.models import TopicAlias

    alias = TopicAlias.objects.create(topic=cast.topic, user=cast.trusted, number=1)
    post = Post.objects.create(
        topic=cast.topic,
        alias=alias,
        position=3,
        body="Anonymous words",
        body_html="",
        moderation_state="pending",
    )
    result = _screen(cast, cast.trusted, "Anonymous words")
    result.moderation_state = ModerationState.PENDING
    result.flags = [{"source": "watched_word", "label": "x", "rule": 1}]

    after_content_saved(
        actor=cast.trusted, community=cast.community, result=result, kind="post", post=post
    )

    item = ReviewItem.objects.get()
    assert (item.queue, item.member) == ("approval", None)


def test_after_saving_a_new_topic_with_risky_claims_professionals_review_it(cast: Cast) -> None:
    make_trust(cast.author, TrustLevel.MEMBER)
    text = "Stop taking your insulin, cinnamon cures diabetes"
    result = _screen(cast, cast.author, text, kind="topic", confirmed=True)
    topic = make_topic(cast.community, cast.author, body=text)
    post = Post.objects.get(topic=topic)

    after_content_saved(
        actor=cast.author,
        community=cast.community,
        result=result,
        kind="topic",
        topic=topic,
        post=post,
    )

    item = ReviewItem.objects.get()
    assert (item.queue, item.kind, item.target_key, item.post) == (
        "professional",
        "topic",
        f"topic:{topic.pk}",
        post,
    )
