"""What each source puts in the index: exact rows for topics, posts, members and communities."""

from __future__ import annotations

import pytest

from carecircle.accounts.models import Profile, User
from carecircle.communities.models import Community
from carecircle.core.factories import CommunityFactory, UserFactory, make_topic
from carecircle.core.markdown import render_markdown
from carecircle.core.models import ModerationState
from carecircle.discussions.models import Post, Topic, TopicAlias
from carecircle.search.documents import (
    DocumentData,
    community_documents,
    member_documents,
    member_documents_of,
    topic_documents,
    topic_documents_of,
)
from carecircle.search.sealed import seal_text

pytestmark = pytest.mark.django_db


def topic_row(topic: Topic, body: str, **changes: object) -> DocumentData:
    values: dict = {
        "kind": "topic",
        "object_id": topic.pk,
        "audience": 0,
        "community_id": topic.community_id,
        "topic_id": topic.pk,
        "author_id": topic.author_id,
        "is_question": topic.is_question,
        "is_solved": False,
        "created_at": topic.created_at,
        "title": topic.title,
        "body": body,
    }
    return DocumentData(**{**values, **changes})


def post_row(post: Post, body: str, **changes: object) -> DocumentData:
    topic = post.topic
    values: dict = {
        "kind": "post",
        "object_id": post.pk,
        "audience": 0,
        "community_id": topic.community_id,
        "topic_id": topic.pk,
        "author_id": post.author_id,
        "is_question": topic.is_question,
        "is_solved": False,
        "created_at": post.created_at,
        "title": "",
        "body": body,
    }
    return DocumentData(**{**values, **changes})


def posts_of(topic: Topic) -> list[Post]:
    return list(Post.objects.filter(topic=topic).select_related("topic").order_by("position"))


@pytest.fixture
def thread(community: Community, patient: User) -> Topic:
    """A topic whose first post has markup and entities, with two replies."""
    return make_topic(
        community,
        patient,
        title="Tired after metformin",
        body="I feel **very** tired & <dizzy>.\n\n- mornings\n- evenings",
        replies=2,
    )


# --- topics and posts ---------------------------------------------------------------------------


def test_a_visible_topic_has_its_row_and_one_per_reply_with_plain_text(thread: Topic) -> None:
    first, second, third = posts_of(thread)

    assert topic_documents(thread.pk) == [
        topic_row(thread, "I feel very tired & <dizzy>. mornings evenings"),
        post_row(second, "Reply 2"),
        post_row(third, "Reply 3"),
    ]


def test_a_pending_topic_has_no_rows(thread: Topic) -> None:
    Topic.objects.filter(pk=thread.pk).update(moderation_state=ModerationState.PENDING)
    Post.objects.filter(topic=thread).update(moderation_state=ModerationState.PENDING)

    assert topic_documents(thread.pk) == []


def test_a_hidden_topic_has_no_rows(thread: Topic) -> None:
    Topic.objects.filter(pk=thread.pk).update(moderation_state=ModerationState.HIDDEN)

    assert topic_documents(thread.pk) == []


def test_a_deleted_topic_has_no_rows(thread: Topic) -> None:
    Topic.objects.filter(pk=thread.pk).update(is_deleted=True)

    assert topic_documents(thread.pk) == []


def test_a_topic_that_no_longer_exists_has_no_rows(thread: Topic) -> None:
    topic_id = thread.pk
    thread.delete()

    assert topic_documents(topic_id) == []


def test_pending_hidden_and_deleted_replies_have_no_rows(
    community: Community, patient: User
) -> None:
    topic = make_topic(community, patient, title="Four replies", body="Opening", replies=4)
    _first, pending, hidden, deleted, shown = posts_of(topic)
    Post.objects.filter(pk=pending.pk).update(moderation_state=ModerationState.PENDING)
    Post.objects.filter(pk=hidden.pk).update(moderation_state=ModerationState.HIDDEN)
    Post.objects.filter(pk=deleted.pk).update(is_deleted=True)

    assert topic_documents(topic.pk) == [
        topic_row(topic, "Opening"),
        post_row(shown, "Reply 5"),
    ]


def test_an_unsolved_question_and_its_replies_say_so(community: Community, patient: User) -> None:
    topic = make_topic(community, patient, title="Which meter?", body="Big digits", replies=1)
    Topic.objects.filter(pk=topic.pk).update(is_question=True)
    topic.refresh_from_db()
    _first, reply = posts_of(topic)

    assert topic_documents(topic.pk) == [
        topic_row(topic, "Big digits", is_question=True, is_solved=False),
        post_row(reply, "Reply 2", is_question=True, is_solved=False),
    ]


def test_a_solved_question_and_its_replies_say_so(community: Community, patient: User) -> None:
    topic = make_topic(community, patient, title="Which meter?", body="Big digits", replies=1)
    _first, reply = posts_of(topic)
    Topic.objects.filter(pk=topic.pk).update(is_question=True, accepted_post=reply)
    topic.refresh_from_db()

    assert topic_documents(topic.pk) == [
        topic_row(topic, "Big digits", is_question=True, is_solved=True),
        post_row(reply, "Reply 2", is_question=True, is_solved=True),
    ]


def test_anonymous_writing_has_no_author_and_never_the_alias_user(
    community: Community, patient: User, caregiver: User
) -> None:
    topic = make_topic(community, patient, title="Keeping it private", body="My secret")
    alias = TopicAlias.objects.create(topic=topic, user=patient, number=1)
    Topic.objects.filter(pk=topic.pk).update(author=None, author_alias=alias, last_poster=None)
    Post.objects.filter(topic=topic).update(author=None, alias=alias)
    replier_alias = TopicAlias.objects.create(topic=topic, user=caregiver, number=2)
    reply = Post.objects.create(
        topic=topic,
        alias=replier_alias,
        position=2,
        body="Me too",
        body_html=render_markdown("Me too"),
    )
    topic.refresh_from_db()

    rows = topic_documents(topic.pk)

    assert rows == [
        topic_row(topic, "My secret", author_id=None),
        post_row(Post.objects.select_related("topic").get(pk=reply.pk), "Me too", author_id=None),
    ]
    # Nor their names: the only person column is author_id, and it is empty.
    for row in rows:
        assert patient.display_name not in row.title + row.body
        assert caregiver.display_name not in row.title + row.body


def test_an_erased_author_leaves_no_author(community: Community, patient: User) -> None:
    topic = make_topic(community, patient, title="Kept after erasure", body="Still useful")
    Topic.objects.filter(pk=topic.pk).update(author=None)
    Post.objects.filter(topic=topic).update(author=None)
    topic.refresh_from_db()

    assert topic_documents(topic.pk) == [topic_row(topic, "Still useful", author_id=None)]


def test_a_batch_gives_the_same_rows_as_each_topic_alone(
    thread: Topic, community: Community, caregiver: User
) -> None:
    other = make_topic(community, caregiver, title="Another topic", body="Other words", replies=1)
    hidden = make_topic(community, caregiver, title="Hidden one", body="Hidden words")
    Topic.objects.filter(pk=hidden.pk).update(moderation_state=ModerationState.HIDDEN)

    assert topic_documents_of([other.pk, hidden.pk, thread.pk]) == (
        topic_documents(thread.pk) + topic_documents(other.pk)
    )


# --- members ------------------------------------------------------------------------------------


def member_rows(member: User, bodies: tuple[str, str, str]) -> list[DocumentData]:
    return [
        DocumentData(
            kind="member",
            object_id=member.pk,
            audience=audience,
            community_id=None,
            topic_id=None,
            author_id=member.pk,
            is_question=False,
            is_solved=False,
            created_at=member.date_joined,
            title=f"{member.display_name} @{member.handle}",
            body=body,
        )
        for audience, body in enumerate(bodies)
    ]


def test_a_member_without_a_profile_is_found_by_name_only_with_defaults(patient: User) -> None:
    # Roles default to "signed-in members": visitors see nothing but the name.
    assert member_documents(patient.pk) == member_rows(
        patient, ("", "Lives with a health condition", "Lives with a health condition")
    )


def test_each_audience_row_holds_only_the_fields_it_may_see(caregiver: User) -> None:
    Profile.objects.create(
        user=caregiver,
        bio="Caring for my mother",
        pronouns="she/her",
        interests=["gardening"],
        conditions=["Asthma"],
        treatments=["Inhaler"],
        story="My private story",
        country="FR",
        region="Brittany",
        visibility={
            "bio": "everyone",
            "pronouns": "members",
            "interests": "shared",
            "role": "shared",
            "location": "members",
            "conditions": "shared",
            "treatments": "private",
            "story": "private",
        },
    )

    visitor, member, shared = (row.body for row in member_documents(caregiver.pk))

    assert visitor == "Caring for my mother"
    assert member == "Caring for my mother\nshe/her\nFrance\nBrittany"
    # Health words go in as keyed tokens of their stems, never as words (see sealed.py).
    assert shared == (
        "Caring for my mother\nshe/her\ngardening\nCares for someone\nFrance\nBrittany\n"
        + seal_text("Asthma")
    )
    assert seal_text("Asthma") == seal_text("asthmas") != seal_text("Inhaler")
    # A private field is in no row; a field for shared communities only in their row.
    for body in (visitor, member, shared):
        assert "Inhaler" not in body
        assert "private story" not in body
    assert "Asthma" not in visitor + member + shared
    assert seal_text("Asthma") not in visitor + member
    assert seal_text("Inhaler") not in visitor + member + shared


def test_a_hidden_profile_has_no_rows(patient: User) -> None:
    Profile.objects.create(
        user=patient,
        bio="About me",
        conditions=["Asthma"],
        is_hidden=True,
        visibility={"bio": "everyone", "conditions": "everyone"},
    )

    assert member_documents(patient.pk) == []


def test_an_inactive_member_has_no_rows(patient: User) -> None:
    User.objects.filter(pk=patient.pk).update(is_active=False)

    assert member_documents(patient.pk) == []


def test_a_member_who_no_longer_exists_has_no_rows() -> None:
    assert member_documents(999_999) == []


def test_a_batch_of_members_gives_the_same_rows_as_each_alone(
    patient: User, caregiver: User
) -> None:
    inactive = UserFactory(is_active=False)
    Profile.objects.create(user=caregiver, bio="Hello", visibility={"bio": "everyone"})

    assert member_documents_of([caregiver.pk, inactive.pk, patient.pk]) == (
        member_documents(patient.pk) + member_documents(caregiver.pk)
    )


# --- communities --------------------------------------------------------------------------------


def test_a_community_row_holds_its_name_and_description() -> None:
    place = CommunityFactory(name="Long COVID", description="Fatigue, brain fog and more.")

    assert community_documents(place.pk) == [
        DocumentData(
            kind="community",
            object_id=place.pk,
            audience=0,
            community_id=place.pk,
            topic_id=None,
            author_id=None,
            is_question=False,
            is_solved=False,
            created_at=place.created_at,
            title="Long COVID",
            body="Fatigue, brain fog and more.",
        )
    ]


def test_a_community_that_no_longer_exists_has_no_rows() -> None:
    assert community_documents(999_999) == []
