"""Reads of topics and posts: scoped to the actor, ordered, paginated and prefetched."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from carecircle.core.errors import NotFoundError
from carecircle.core.factories import make_topic
from carecircle.core.pagination import PageRequest
from carecircle.discussions import actions, queries
from carecircle.discussions.models import Draft, Post, PostRevision, Reaction, Topic

VISITOR = AnonymousUser()


def aged(topic: Topic, minutes: int) -> Topic:
    """Set the topic's last activity `minutes` ago, for a known ordering."""
    Topic.objects.filter(pk=topic.pk).update(
        last_posted_at=timezone.now() - timedelta(minutes=minutes)
    )
    return topic


@pytest.fixture
def listed(community, patient):
    """Four topics: one pinned but old, two ordinary, one deleted (newest)."""
    return {
        "pinned": aged(make_topic(community, patient, title="Read me first", is_pinned=True), 90),
        "older": aged(make_topic(community, patient, title="Older talk"), 30),
        "newer": aged(make_topic(community, patient, title="Newer talk"), 10),
        "deleted": aged(make_topic(community, patient, title="Gone", is_deleted=True), 1),
    }


def titles(topics) -> list[str]:
    return [topic.title for topic in topics]


def test_community_topics_list_pinned_first_then_latest_activity(listed, community, caregiver):
    page = queries.community_topics(caregiver, community, PageRequest.from_params(1))
    assert titles(page.items) == ["Read me first", "Newer talk", "Older talk"]
    assert (page.number, page.total, page.page_count) == (1, 3, 1)


def test_moderators_also_see_deleted_topics_in_the_list(listed, community, moderator):
    page = queries.community_topics(moderator, community, PageRequest.from_params(1))
    assert titles(page.items) == ["Read me first", "Gone", "Newer talk", "Older talk"]


def test_community_topics_are_paginated(listed, community, caregiver):
    page = queries.community_topics(caregiver, community, PageRequest.from_params(2, 2))
    assert titles(page.items) == ["Older talk"]
    assert (page.number, page.size, page.total, page.page_count) == (2, 2, 3, 2)
    past_the_end = queries.community_topics(caregiver, community, PageRequest.from_params(99, 2))
    assert past_the_end.number == 2
    assert titles(past_the_end.items) == ["Older talk"]


def test_recent_topics_cover_only_readable_communities(
    listed, private_topic, community, patient, caregiver, outsider
):
    aged(private_topic, 5)
    expected_public = ["Newer talk", "Older talk", "Read me first"]
    assert titles(queries.recent_topics(VISITOR)) == expected_public
    assert titles(queries.recent_topics(outsider)) == expected_public
    assert titles(queries.recent_topics(caregiver)) == expected_public
    assert titles(queries.recent_topics(patient)) == [
        "Secret chemo diary",
        "Newer talk",
        "Older talk",
        "Read me first",
    ]
    assert titles(queries.recent_topics(patient, limit=2)) == ["Secret chemo diary", "Newer talk"]


def test_topics_for_api_are_scoped_and_ordered(
    listed, private_topic, community, patient, caregiver
):
    assert titles(queries.topics_for_api(caregiver)) == [
        "Read me first",
        "Newer talk",
        "Older talk",
    ]
    assert "Secret chemo diary" in titles(queries.topics_for_api(patient))
    assert titles(queries.topics_for_api(patient, community)) == [
        "Read me first",
        "Newer talk",
        "Older talk",
    ]


def test_get_topic_returns_a_readable_topic(topic, caregiver):
    found = queries.get_topic(caregiver, topic.pk)
    assert (found.pk, found.title, found.community.slug) == (
        topic.pk,
        "Tired after metformin",
        "type-2-diabetes",
    )


@pytest.mark.parametrize("persona", ["visitor", "caregiver", "outsider"])
def test_get_topic_hides_a_private_topic(request, private_topic, persona):
    actor = VISITOR if persona == "visitor" else request.getfixturevalue(persona)
    with pytest.raises(NotFoundError) as caught:
        queries.get_topic(actor, private_topic.pk)
    assert str(caught.value.message) == "Topic not found."


def test_a_missing_topic_and_a_private_one_fail_alike(private_topic, caregiver):
    messages = []
    for topic_id in (private_topic.pk, private_topic.pk + 1000):
        with pytest.raises(NotFoundError) as caught:
            queries.get_topic(caregiver, topic_id)
        messages.append((caught.value.code, str(caught.value.message)))
    assert messages[0] == messages[1]


def test_get_topic_hides_a_deleted_topic_from_members_only(topic, caregiver, moderator):
    Topic.objects.filter(pk=topic.pk).update(is_deleted=True)
    with pytest.raises(NotFoundError):
        queries.get_topic(caregiver, topic.pk)
    assert queries.get_topic(moderator, topic.pk).pk == topic.pk


def test_get_post_hides_deleted_posts_except_from_author_and_moderators(
    topic, patient, caregiver, moderator
):
    reply = actions.reply_to_topic(actor=caregiver, topic=topic, body="Oops")
    actions.delete_post(actor=caregiver, post=reply)

    assert queries.get_post(caregiver, reply.pk).pk == reply.pk
    assert queries.get_post(moderator, reply.pk).pk == reply.pk
    for actor in (patient, VISITOR):
        with pytest.raises(NotFoundError) as caught:
            queries.get_post(actor, reply.pk)
        assert str(caught.value.message) == "Post not found."


def test_get_post_hides_posts_of_private_topics(private_topic, patient, caregiver):
    post = Post.objects.get(topic=private_topic)
    assert queries.get_post(patient, post.pk).body == "Only members see this"
    with pytest.raises(NotFoundError):
        queries.get_post(caregiver, post.pk)


def test_topic_posts_pages_through_posts_in_order(community, patient, caregiver):
    topic = make_topic(community, patient, title="Long one", replies=44)
    page = queries.topic_posts(caregiver, topic, PageRequest.from_params(3))
    assert [post.position for post in page.items] == [41, 42, 43, 44, 45]
    assert (page.number, page.total, page.page_count) == (3, 45, 3)


def test_topic_posts_keep_deleted_posts_in_their_place(topic, caregiver, moderator):
    reply = actions.reply_to_topic(actor=caregiver, topic=topic, body="Oops")
    actions.reply_to_topic(actor=moderator, topic=topic, body="After")
    actions.delete_post(actor=caregiver, post=reply)
    topic.refresh_from_db()
    page = queries.topic_posts(caregiver, topic, PageRequest.from_params(1))
    assert [(post.position, post.is_deleted) for post in page.items] == [
        (1, False),
        (2, True),
        (3, False),
    ]


def test_topic_posts_attach_the_actors_reactions(topic, patient, caregiver):
    reply = actions.reply_to_topic(actor=caregiver, topic=topic, body="Me too")
    actions.toggle_reaction(
        actor=caregiver, post=Post.objects.get(topic=topic, position=1), kind="hug"
    )
    actions.toggle_reaction(actor=caregiver, post=reply, kind="like")
    actions.toggle_reaction(actor=patient, post=reply, kind="helpful")
    topic.refresh_from_db()

    mine = queries.topic_posts(caregiver, topic, PageRequest.from_params(1)).items
    theirs = queries.topic_posts(patient, topic, PageRequest.from_params(1)).items
    nobody = queries.topic_posts(VISITOR, topic, PageRequest.from_params(1)).items

    assert [post.actor_reactions for post in mine] == [{"hug"}, {"like"}]
    assert [post.actor_reactions for post in theirs] == [set(), {"helpful"}]
    assert [post.actor_reactions for post in nobody] == [set(), set()]
    assert [post.reaction_counts for post in mine] == [{"hug": 1}, {"like": 1, "helpful": 1}]


def test_topic_posts_share_the_loaded_topic(
    community, patient, caregiver, django_assert_num_queries
):
    topic = queries.get_topic(caregiver, make_topic(community, patient, replies=5).pk)
    page = queries.topic_posts(caregiver, topic, PageRequest.from_params(1))
    with django_assert_num_queries(0):
        assert {post.topic.community.slug for post in page.items} == {"type-2-diabetes"}


def test_attach_actor_reactions_is_one_query(topic, caregiver, django_assert_num_queries):
    posts = list(Post.objects.filter(topic=topic))
    Reaction.objects.create(post=posts[0], user=caregiver, kind="same")
    with django_assert_num_queries(1):
        queries.attach_actor_reactions(caregiver, posts)
    assert posts[0].actor_reactions == {"same"}
    with django_assert_num_queries(0):
        queries.attach_actor_reactions(VISITOR, posts)
    assert posts[0].actor_reactions == set()


@pytest.mark.parametrize(
    ("position", "page_size", "expected"),
    [(1, 20, 1), (20, 20, 1), (21, 20, 2), (60, 20, 3), (61, 20, 4), (5, 2, 3)],
)
def test_post_page_number(position, page_size, expected):
    assert queries.post_page_number(Post(position=position), page_size) == expected


def test_post_revisions_newest_first(topic, patient):
    post = Post.objects.select_related("topic").get(topic=topic, position=1)
    actions.edit_post(actor=patient, post=post, body="Second")
    actions.edit_post(actor=patient, post=post, body="Third")
    assert [
        (revision.number, revision.body) for revision in queries.post_revisions(patient, post)
    ] == [(2, "Second"), (1, "Anyone else?")]
    assert PostRevision.objects.count() == 2


def test_get_draft_is_the_actors_own(patient, caregiver):
    Draft.objects.create(user=patient, key="reply:1", body="mine")
    assert queries.get_draft(patient, "reply:1").body == "mine"
    assert queries.get_draft(caregiver, "reply:1") is None
    assert queries.get_draft(VISITOR, "reply:1") is None
