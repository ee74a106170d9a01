"""Every action that changes what a row should hold reindexes it after commit (tasks run at once
in tests), and nothing is indexed before the action's transaction commits."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.tasks.base import TaskResultStatus
from django.tasks.signals import task_finished

from carecircle.accounts import actions as account_actions
from carecircle.accounts.models import User
from carecircle.communities import actions as community_actions
from carecircle.communities.models import Community, Membership
from carecircle.core.factories import CommunityFactory, UserFactory, make_member
from carecircle.discussions import actions
from carecircle.discussions.models import Post, Topic
from carecircle.moderation import actions as moderation
from carecircle.moderation.actions.common import show_post
from carecircle.moderation.models import MemberTrust, ReviewItem, TrustLevel
from carecircle.privacy import actions as privacy_actions
from carecircle.search.documents import community_documents, member_documents, topic_documents
from carecircle.search.sealed import seal_text
from carecircle.search.tests.rows import expected, stored

pytestmark = pytest.mark.django_db


def topic_rows(topic_id: int) -> list[dict]:
    return stored(kind__in=["topic", "post"], topic_id=topic_id)


@pytest.fixture(autouse=True)
def _tasks_must_succeed() -> Iterator[None]:
    # The immediate backend records a failing task instead of raising: fail the test instead.
    failures: list[str] = []

    def check(sender: object, task_result: object, **kwargs: object) -> None:
        if task_result.status == TaskResultStatus.FAILED:  # type: ignore[attr-defined]
            failures.extend(error.traceback for error in task_result.errors)  # type: ignore[attr-defined]

    task_finished.connect(check)
    yield
    task_finished.disconnect(check)
    assert failures == []


@pytest.fixture(autouse=True)
def _established(patient: User, caregiver: User, moderator: User) -> None:
    # Established members: their posts are not held for approval as a new member's may be.
    for member in (patient, caregiver, moderator):
        MemberTrust.objects.update_or_create(user=member, defaults={"level": TrustLevel.MEMBER})


@pytest.fixture
def after_commit(django_capture_on_commit_callbacks):
    """Run an action and then what it scheduled after commit (the reindexing tasks)."""

    def run(action, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return action(**kwargs)

    return run


@pytest.fixture
def thread(after_commit, community: Community, patient: User) -> Topic:
    return after_commit(
        actions.create_topic,
        actor=patient,
        community=community,
        title="Tired after metformin",
        body="Does anyone else feel **exhausted**?",
        is_question=True,
    )


# --- topics and posts ---------------------------------------------------------------------------


def test_nothing_is_indexed_before_the_action_commits(community: Community, patient: User) -> None:
    actions.create_topic(actor=patient, community=community, title="Not yet", body="Waiting")

    assert stored() == []


def test_a_new_topic_is_indexed(thread: Topic) -> None:
    assert topic_rows(thread.pk) == expected(topic_documents(thread.pk))
    assert [(row["kind"], row["title"], row["body"]) for row in topic_rows(thread.pk)] == [
        ("topic", "Tired after metformin", "Does anyone else feel exhausted?")
    ]


def test_a_reply_and_an_edit_are_indexed(after_commit, thread: Topic, caregiver: User) -> None:
    reply = after_commit(actions.reply_to_topic, actor=caregiver, topic=thread, body="Yes, me")
    after_commit(actions.edit_post, actor=caregiver, post=reply, body="Yes, every morning")

    assert stored(kind="post") == [
        {
            "kind": "post",
            "object_id": reply.pk,
            "audience": 0,
            "community_id": thread.community_id,
            "topic_id": thread.pk,
            "author_id": caregiver.pk,
            "is_question": True,
            "is_solved": False,
            "created_at": reply.created_at,
            "title": "",
            "body": "Yes, every morning",
        }
    ]


def test_an_edited_title_is_indexed(after_commit, thread: Topic, patient: User) -> None:
    first = Post.objects.get(topic=thread, position=1)
    after_commit(
        actions.edit_post, actor=patient, post=first, body="Still tired", title="Tired all day"
    )

    assert [(row["title"], row["body"]) for row in topic_rows(thread.pk)] == [
        ("Tired all day", "Still tired")
    ]


def test_a_deleted_reply_leaves_and_a_restored_one_comes_back(
    after_commit, thread: Topic, caregiver: User, moderator: User
) -> None:
    reply = after_commit(actions.reply_to_topic, actor=caregiver, topic=thread, body="Yes, me")

    after_commit(actions.delete_post, actor=caregiver, post=reply)
    assert stored(kind="post") == []

    after_commit(actions.restore_post, actor=moderator, post=Post.objects.get(pk=reply.pk))
    assert topic_rows(thread.pk) == expected(topic_documents(thread.pk))
    assert len(stored(kind="post")) == 1


def test_a_deleted_topic_leaves_with_its_replies(
    after_commit, thread: Topic, patient: User, caregiver: User
) -> None:
    after_commit(actions.reply_to_topic, actor=caregiver, topic=thread, body="Yes, me")
    first = Post.objects.get(topic=thread, position=1)

    after_commit(actions.delete_post, actor=patient, post=first)

    assert topic_rows(thread.pk) == []


def test_a_hide_decision_removes_the_rows_and_showing_again_brings_them_back(
    after_commit, thread: Topic, caregiver: User, moderator: User
) -> None:
    report = moderation.report_content(
        actor=caregiver, kind="topic", target_id=thread.pk, reason="spam"
    )
    after_commit(
        moderation.resolve_item,
        actor=moderator,
        item=report.item,
        decision="hide",
        reason="Advertising",
    )
    assert topic_rows(thread.pk) == []

    # What an upheld appeal or a dismissed report does to hidden content.
    first = Post.objects.select_related("topic").get(topic=thread, position=1)
    after_commit(show_post, post=first)
    assert topic_rows(thread.pk) == expected(topic_documents(thread.pk))
    assert len(topic_rows(thread.pk)) == 1


def test_a_topic_held_for_approval_is_indexed_once_approved(
    after_commit, community: Community, caregiver: User, moderator: User
) -> None:
    moderation.set_premoderation(actor=moderator, member=caregiver, community=community, is_on=True)
    topic = after_commit(
        actions.create_topic,
        actor=caregiver,
        community=community,
        title="Held for approval",
        body="Please approve",
    )
    assert Topic.objects.get(pk=topic.pk).moderation_state == "pending"
    assert topic_rows(topic.pk) == []

    item = ReviewItem.objects.get(topic=topic, queue=ReviewItem.Queue.APPROVAL)
    after_commit(moderation.resolve_item, actor=moderator, item=item, decision="approve")

    assert [(row["kind"], row["title"]) for row in topic_rows(topic.pk)] == [
        ("topic", "Held for approval")
    ]


def test_a_moved_topic_carries_its_new_community(
    after_commit, thread: Topic, caregiver: User, moderator: User, patient: User
) -> None:
    after_commit(actions.reply_to_topic, actor=caregiver, topic=thread, body="Yes, me")
    destination = CommunityFactory(name="Heart Health", slug="heart-health")
    make_member(destination, moderator, Membership.Role.MODERATOR)

    after_commit(actions.move_topic, actor=moderator, topic=thread, destination=destination)

    assert [row["community_id"] for row in topic_rows(thread.pk)] == [
        destination.pk,
        destination.pk,
    ]


def test_an_accepted_answer_marks_the_question_solved(
    after_commit, thread: Topic, patient: User, caregiver: User
) -> None:
    reply = after_commit(actions.reply_to_topic, actor=caregiver, topic=thread, body="Try this")

    after_commit(actions.accept_answer, actor=patient, topic=thread, post=reply)
    assert [row["is_solved"] for row in topic_rows(thread.pk)] == [True, True]

    after_commit(actions.accept_answer, actor=patient, topic=thread, post=None)
    assert [row["is_solved"] for row in topic_rows(thread.pk)] == [False, False]


def test_anonymous_writing_is_indexed_without_its_author(
    after_commit, community: Community, patient: User, caregiver: User
) -> None:
    Community.objects.filter(pk=community.pk).update(allow_anonymous_posts=True)
    community.refresh_from_db()
    topic = after_commit(
        actions.create_topic,
        actor=patient,
        community=community,
        title="Keeping it private",
        body="My secret",
        is_anonymous=True,
    )
    after_commit(
        actions.reply_to_topic, actor=caregiver, topic=topic, body="Mine too", is_anonymous=True
    )

    assert [(row["kind"], row["author_id"]) for row in topic_rows(topic.pk)] == [
        ("post", None),
        ("topic", None),
    ]


# --- members ------------------------------------------------------------------------------------


def test_a_profile_visibility_change_moves_a_field_between_audiences(
    after_commit, patient: User
) -> None:
    details = {"actor": patient, "bio": "Walking every day", "conditions": ["Asthma"]}
    after_commit(
        account_actions.update_profile_details,
        **details,
        visibility={"bio": "everyone", "conditions": "shared"},
    )
    assert [row["body"] for row in stored(kind="member")] == [
        "Walking every day",
        "Walking every day\nLives with a health condition",
        "Walking every day\nLives with a health condition\n" + seal_text("Asthma"),
    ]

    after_commit(
        account_actions.update_profile_details,
        **details,
        visibility={"bio": "members", "conditions": "private"},
    )
    assert [row["body"] for row in stored(kind="member")] == [
        "",
        "Walking every day\nLives with a health condition",
        "Walking every day\nLives with a health condition",
    ]


def test_a_new_name_and_handle_are_indexed(after_commit, patient: User) -> None:
    after_commit(
        account_actions.update_profile,
        actor=patient,
        display_name="Patricia",
        handle="patricia",
        is_patient=True,
        is_caregiver=False,
    )

    assert stored(kind="member") == expected(member_documents(patient.pk))
    assert {row["title"] for row in stored(kind="member")} == {"Patricia @patricia"}


def test_a_memorialised_member_is_reindexed(after_commit, patient: User) -> None:
    admin = UserFactory(is_site_admin=True)

    after_commit(
        privacy_actions.memorialise_member,
        actor=admin,
        member=patient,
        note="Their daughter asked on 1 December.",
    )

    assert stored(kind="member") == expected(member_documents(patient.pk))
    assert len(stored(kind="member")) == 3


def test_an_erased_member_leaves_and_their_kept_posts_lose_their_author(
    after_commit, thread: Topic, patient: User, caregiver: User
) -> None:
    after_commit(actions.reply_to_topic, actor=caregiver, topic=thread, body="Yes, me")
    after_commit(account_actions.update_profile_details, actor=caregiver, bio="Hello")
    assert len(stored(kind="member", object_id=caregiver.pk)) == 3
    caregiver_id = caregiver.pk

    after_commit(privacy_actions.erase_member, actor=caregiver, member=caregiver, keep_posts=True)

    assert stored(kind="member", object_id=caregiver_id) == []
    assert [(row["kind"], row["author_id"]) for row in topic_rows(thread.pk)] == [
        ("post", None),
        ("topic", patient.pk),
    ]


def test_an_erased_member_s_removed_topic_leaves(
    after_commit, thread: Topic, patient: User
) -> None:
    after_commit(privacy_actions.erase_member, actor=patient, member=patient, keep_posts=False)

    assert topic_rows(thread.pk) == []


# --- communities --------------------------------------------------------------------------------


def test_a_created_and_updated_community_is_indexed(after_commit, manager: User) -> None:
    place = after_commit(
        community_actions.create_community,
        actor=manager,
        name="Long COVID",
        description="Fatigue and brain fog.",
        guidelines="Be kind.",
    )
    after_commit(
        community_actions.update_community,
        actor=manager,
        community=place,
        name="Long COVID support",
        description="Fatigue, brain fog and more.",
        guidelines="Be kind.",
        kind=place.kind,
        visibility=place.visibility,
    )

    assert stored(kind="community") == expected(community_documents(place.pk))
    assert [(row["title"], row["body"]) for row in stored(kind="community")] == [
        ("Long COVID support", "Fatigue, brain fog and more.")
    ]
