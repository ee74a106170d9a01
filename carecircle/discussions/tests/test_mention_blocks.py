"""A member who blocked someone is not reached by that person's @mentions."""

from __future__ import annotations

import pytest

from carecircle.discussions import actions
from carecircle.discussions.models import Mention
from carecircle.messaging.actions.conversations import block_member
from carecircle.messaging.models import MemberBlock


def mentions() -> list[tuple[int, int]]:
    return list(Mention.objects.order_by("post_id", "user_id").values_list("post_id", "user_id"))


def test_a_member_who_blocked_the_author_is_not_mentioned(
    community, topic, patient, caregiver, professional
):
    block_member(actor=caregiver, member=patient)
    post = actions.reply_to_topic(
        actor=patient, topic=topic, body="Thanks @caregiver and @professional!"
    )
    assert mentions() == [(post.pk, professional.pk)]
    # The link in the text is drawn as for anyone: only the mention (and so any notice) is gone.
    assert '<a class="mention" href="/members/caregiver/"' in post.body_html


def test_a_new_topic_does_not_mention_a_member_who_blocked_the_author(
    community, patient, caregiver
):
    block_member(actor=caregiver, member=patient)
    actions.create_topic(
        actor=patient, community=community, title="Hello there", body="Hi @caregiver"
    )
    assert mentions() == []


def test_muting_is_not_blocking(topic, patient, caregiver):
    block_member(actor=caregiver, member=patient, level=MemberBlock.Level.MUTE)
    post = actions.reply_to_topic(actor=patient, topic=topic, body="Hi @caregiver")
    assert mentions() == [(post.pk, caregiver.pk)]


def test_the_author_blocking_someone_does_not_stop_them_mentioning_that_person(
    topic, patient, caregiver
):
    block_member(actor=patient, member=caregiver)
    post = actions.reply_to_topic(actor=patient, topic=topic, body="Hi @caregiver")
    assert mentions() == [(post.pk, caregiver.pk)]


def test_an_anonymous_author_is_still_blocked(community, topic, patient, caregiver):
    community.allow_anonymous_posts = True
    community.save(update_fields=["allow_anonymous_posts"])
    block_member(actor=caregiver, member=patient)
    post = actions.reply_to_topic(
        actor=patient, topic=topic, body="Hi @caregiver", is_anonymous=True
    )
    assert post.author_id is None
    assert mentions() == []


def test_an_edit_after_the_block_takes_the_mention_back(topic, patient, caregiver, professional):
    post = actions.reply_to_topic(actor=patient, topic=topic, body="Hi @caregiver")
    assert mentions() == [(post.pk, caregiver.pk)]
    block_member(actor=caregiver, member=patient)
    actions.edit_post(actor=patient, post=post, body="Hi @caregiver and @professional")
    assert mentions() == [(post.pk, professional.pk)]


@pytest.mark.parametrize("blocker", ["caregiver", "professional"])
def test_only_the_blocker_is_left_out(request, topic, patient, caregiver, professional, blocker):
    block_member(actor=request.getfixturevalue(blocker), member=patient)
    post = actions.reply_to_topic(
        actor=patient, topic=topic, body="Hi @caregiver and @professional"
    )
    others = {"caregiver": professional, "professional": caregiver}
    assert mentions() == [(post.pk, others[blocker].pk)]


def test_an_anonymous_author_mentioning_themself_records_no_mention(community, topic, patient):
    community.allow_anonymous_posts = True
    community.save(update_fields=["allow_anonymous_posts"])
    actions.reply_to_topic(actor=patient, topic=topic, body="Note to @patient", is_anonymous=True)
    assert mentions() == []
