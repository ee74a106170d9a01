"""Reindexing replaces a source's rows idempotently; the rebuild command brings everything up
to date in batches and removes rows whose source is gone."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from carecircle.accounts.models import Profile, User
from carecircle.communities.models import Community
from carecircle.core.factories import CommunityFactory, make_topic
from carecircle.core.models import ModerationState
from carecircle.discussions.models import Post, Topic
from carecircle.search import indexing
from carecircle.search.documents import (
    community_documents,
    member_documents,
    topic_documents,
)
from carecircle.search.models import SearchDocument
from carecircle.search.tests.rows import expected, stored

pytestmark = pytest.mark.django_db


def row_ids() -> list[int]:
    return list(SearchDocument.objects.order_by("pk").values_list("pk", flat=True))


@pytest.fixture
def thread(community: Community, patient: User) -> Topic:
    return make_topic(community, patient, title="Tired after metformin", body="Opening", replies=2)


def test_reindex_topic_writes_its_rows(thread: Topic) -> None:
    assert indexing.reindex_topic(thread.pk) == 3

    assert stored() == expected(topic_documents(thread.pk))


def test_reindexing_again_writes_nothing_and_keeps_the_same_rows(thread: Topic) -> None:
    indexing.reindex_topic(thread.pk)
    before = row_ids()

    assert indexing.reindex_topic(thread.pk) == 0
    assert row_ids() == before


def test_an_edited_reply_rewrites_only_its_own_row(thread: Topic) -> None:
    indexing.reindex_topic(thread.pk)
    reply = Post.objects.get(topic=thread, position=2)
    untouched = SearchDocument.objects.exclude(kind="post", object_id=reply.pk)
    kept = sorted(untouched.values_list("pk", flat=True))
    Post.objects.filter(pk=reply.pk).update(body_html="<p>Changed words</p>")

    assert indexing.reindex_topic(thread.pk) == 1
    assert SearchDocument.objects.get(kind="post", object_id=reply.pk).body == "Changed words"
    assert sorted(untouched.values_list("pk", flat=True)) == kept


def test_a_hidden_topic_loses_every_row(thread: Topic) -> None:
    indexing.reindex_topic(thread.pk)
    Topic.objects.filter(pk=thread.pk).update(moderation_state=ModerationState.HIDDEN)

    assert indexing.reindex_topic(thread.pk) == 0
    assert stored() == []


def test_a_topic_that_is_gone_loses_every_row(thread: Topic) -> None:
    indexing.reindex_topic(thread.pk)
    topic_id = thread.pk
    thread.delete()

    indexing.reindex_topic(topic_id)

    assert stored() == []


def test_reindexing_one_topic_leaves_other_topics_alone(
    thread: Topic, community: Community, caregiver: User
) -> None:
    other = make_topic(community, caregiver, title="Another topic", body="Other", replies=1)
    indexing.reindex_topic(other.pk)
    indexing.reindex_topic(thread.pk)
    Topic.objects.filter(pk=thread.pk).update(is_deleted=True)

    indexing.reindex_topic(thread.pk)

    assert stored() == expected(topic_documents(other.pk))


def test_reindex_member_follows_the_profile_and_is_idempotent(patient: User) -> None:
    indexing.reindex_member(patient.pk)
    Profile.objects.create(user=patient, bio="Hello there", visibility={"bio": "everyone"})

    assert indexing.reindex_member(patient.pk) == 3
    assert indexing.reindex_member(patient.pk) == 0
    assert stored() == expected(member_documents(patient.pk))
    assert [row["body"] for row in stored()] == [
        "Hello there",
        "Hello there\nLives with a health condition",
        "Hello there\nLives with a health condition",
    ]


def test_an_inactive_member_loses_their_rows(patient: User) -> None:
    indexing.reindex_member(patient.pk)
    User.objects.filter(pk=patient.pk).update(is_active=False)

    indexing.reindex_member(patient.pk)

    assert stored() == []


def test_reindex_community_follows_its_name(community: Community) -> None:
    indexing.reindex_community(community.pk)
    Community.objects.filter(pk=community.pk).update(name="Diabetes type 2")

    assert indexing.reindex_community(community.pk) == 1
    assert stored() == expected(community_documents(community.pk))
    assert stored()[0]["title"] == "Diabetes type 2"


# --- the rebuild command ------------------------------------------------------------------------


def everything_expected() -> list[dict]:
    documents = []
    for topic_id in Topic.objects.values_list("pk", flat=True):
        documents += topic_documents(topic_id)
    for user_id in User.objects.values_list("pk", flat=True):
        documents += member_documents(user_id)
    for community_id in Community.objects.values_list("pk", flat=True):
        documents += community_documents(community_id)
    return expected(documents)


def rebuild(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("rebuild_search_index", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def site(thread: Topic, community: Community, caregiver: User) -> None:
    """Three topics (one hidden), three members, one community, and a stale row."""
    make_topic(community, caregiver, title="Second topic", body="Words", replies=1)
    hidden = make_topic(community, caregiver, title="Hidden topic", body="Hidden")
    Topic.objects.filter(pk=hidden.pk).update(moderation_state=ModerationState.HIDDEN)
    SearchDocument.objects.create(
        kind="post", object_id=123_456, topic_id=987_654, created_at=thread.created_at
    )


def test_the_rebuild_writes_every_row_removes_stale_ones_and_reports(site: None) -> None:
    out, err = rebuild("--batch-size", "1")

    assert stored() == everything_expected()
    # Topics: 3 + 2 rows; members: 3 x 3 rows; one community.
    assert out.startswith(
        "Indexed 15 rows (topics: 2, members: 3, communities: 1, library resources: 0) in "
    )
    assert out.endswith(" rows/s); 15 written, 1 stale removed.\n")
    # Written to a pipe, the bar shows each kind once, when it is done.
    assert err.splitlines() == [
        "topic      [##############################] 2/2 100%",
        "member     [##############################] 3/3 100%",
        "community  [##############################] 1/1 100%",
        "resource   [##############################] 0/0 100%",
    ]


def test_a_second_rebuild_writes_nothing(site: None) -> None:
    rebuild()
    before = row_ids()

    out, _err = rebuild()

    assert out.endswith(" rows/s); 0 written, 0 stale removed.\n")
    assert row_ids() == before


def test_a_rebuild_of_one_kind_touches_only_that_kind(site: None, community: Community) -> None:
    rebuild("--kind", "community")

    assert stored() == [
        *expected(community_documents(community.pk)),
        {
            "kind": "post",
            "object_id": 123_456,
            "audience": 0,
            "community_id": None,
            "topic_id": 987_654,
            "author_id": None,
            "is_question": False,
            "is_solved": False,
            "created_at": Topic.objects.order_by("pk").first().created_at,  # type: ignore[union-attr]
            "title": "",
            "body": "",
        },
    ]


def test_a_rebuild_removes_rows_of_members_and_communities_that_are_gone(
    patient: User,
) -> None:
    place = CommunityFactory()
    indexing.reindex_community(place.pk)
    indexing.reindex_member(patient.pk)
    place.delete()
    User.objects.filter(pk=patient.pk).update(is_active=False)

    out, _err = rebuild()

    assert stored() == []
    assert out.endswith(" rows/s); 0 written, 4 stale removed.\n")
