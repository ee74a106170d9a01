"""Related discussions and similar topics: both paths, never an unreadable topic."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from carecircle.accounts.models import User
from carecircle.communities.models import Community
from carecircle.core.factories import CommunityFactory, UserFactory, make_member, make_topic
from carecircle.core.models import ModerationState
from carecircle.discussions.models import Post, Topic
from carecircle.messaging.models import MemberBlock
from carecircle.search import embeddings, indexing, related

needs_model = pytest.mark.skipif(
    not embeddings.is_available(), reason="the optional 'embeddings' extra is not installed"
)
BOTH_PATHS = [
    pytest.param(False, id="full-text"),
    pytest.param(True, id="embeddings", marks=needs_model),
]


@pytest.fixture(autouse=True)
def _fresh_vectors():
    related.forget_vectors()
    yield
    related.forget_vectors()


@dataclass
class Forum:
    main: Topic
    close: Topic
    other_close: Topic
    unrelated: Topic
    private: Topic
    hidden: Topic
    pending: Topic
    deleted: Topic
    by_blocked: Topic
    anonymous: Topic
    elsewhere: Topic


def _index(topics: list[Topic]) -> None:
    for topic in topics:
        indexing.reindex_topic(topic.pk)
        embeddings.embed_topic(topic.pk) if embeddings.is_available() else None


@pytest.fixture
def forum(
    community: Community, private_community: Community, patient: User, caregiver: User
) -> Forum:
    """Metformin topics the caregiver may and may not read, indexed while visible, then made
    unreadable without reindexing: the rows are stale on purpose, so loading must refuse."""
    blocked = UserFactory(display_name="Blocked Bea", handle="bea")
    make_member(community, blocked)
    MemberBlock.objects.create(blocker=caregiver, blocked=blocked, level=MemberBlock.Level.BLOCK)
    other = CommunityFactory(name="Heart health", slug="heart-health")
    fatigue = "I feel tired and exhausted every afternoon since starting metformin for diabetes."
    forum = Forum(
        main=make_topic(
            community, patient, title="Tired all the time after starting metformin", body=fatigue
        ),
        close=make_topic(
            community,
            caregiver,
            title="Metformin makes my dad exhausted and tired",
            body="Since his metformin dose went up he sleeps all afternoon. Is that normal?",
        ),
        other_close=make_topic(
            community,
            patient,
            title="Fatigue and feeling tired on metformin",
            body="Does metformin cause tiredness? I am exhausted.",
        ),
        unrelated=make_topic(
            community,
            caregiver,
            title="Best gardening tips for spring",
            body="Which vegetables should I plant in my garden in April?",
        ),
        private=make_topic(
            private_community, patient, title="Tired on metformin during chemo", body=fatigue
        ),
        hidden=make_topic(community, patient, title="Metformin tiredness (hidden)", body=fatigue),
        pending=make_topic(community, patient, title="Metformin tiredness (pending)", body=fatigue),
        deleted=make_topic(community, patient, title="Metformin tiredness (deleted)", body=fatigue),
        by_blocked=make_topic(community, blocked, title="Metformin tired all day", body=fatigue),
        anonymous=make_topic(community, blocked, title="Exhausted since metformin", body=fatigue),
        elsewhere=make_topic(
            other, caregiver, title="Tired after starting metformin", body=fatigue
        ),
    )
    # Anonymous topics keep no open author, so a block cannot single them out.
    Topic.objects.filter(pk=forum.anonymous.pk).update(author=None)
    Post.objects.filter(topic=forum.anonymous).update(author=None)
    _index(list(vars(forum).values()))
    Topic.objects.filter(pk=forum.hidden.pk).update(moderation_state=ModerationState.HIDDEN)
    Topic.objects.filter(pk=forum.pending.pk).update(moderation_state=ModerationState.PENDING)
    Topic.objects.filter(pk=forum.deleted.pk).update(is_deleted=True)
    return forum


NEVER_FOR_CAREGIVER = ("main", "private", "hidden", "pending", "deleted", "by_blocked")


def _names(forum: Forum, topics: list) -> list[str]:
    by_pk = {topic.pk: name for name, topic in vars(forum).items()}
    return [by_pk[topic.pk] for topic in topics]


@pytest.mark.parametrize("use_embeddings", BOTH_PATHS)
def test_related_topics_are_readable_and_never_the_topic_itself(
    forum: Forum, caregiver: User, use_embeddings: bool
) -> None:
    found = _names(
        forum,
        related.related_topics(caregiver, forum.main, limit=10, use_embeddings=use_embeddings),
    )

    assert set(found) == {"close", "other_close", "anonymous", "elsewhere"}
    assert not set(found) & set(NEVER_FOR_CAREGIVER)


@pytest.mark.parametrize("use_embeddings", BOTH_PATHS)
def test_a_member_of_the_private_community_sees_its_topic(
    forum: Forum, patient: User, use_embeddings: bool
) -> None:
    found = _names(
        forum, related.related_topics(patient, forum.main, limit=10, use_embeddings=use_embeddings)
    )

    assert set(found) == {"close", "other_close", "anonymous", "elsewhere", "private", "by_blocked"}


@pytest.mark.parametrize("use_embeddings", BOTH_PATHS)
def test_a_visitor_sees_only_public_visible_topics(
    forum: Forum, use_embeddings: bool, django_user_model
) -> None:
    from django.contrib.auth.models import AnonymousUser

    found = _names(
        forum,
        related.related_topics(
            AnonymousUser(), forum.close, limit=10, use_embeddings=use_embeddings
        ),
    )

    assert set(found) == {"main", "other_close", "anonymous", "elsewhere", "by_blocked"}


@pytest.mark.parametrize("use_embeddings", BOTH_PATHS)
def test_limit_keeps_the_best(forum: Forum, caregiver: User, use_embeddings: bool) -> None:
    found = related.related_topics(caregiver, forum.main, limit=2, use_embeddings=use_embeddings)

    assert len(found) == 2


@pytest.mark.parametrize("use_embeddings", BOTH_PATHS)
def test_similar_topics_for_a_title_being_typed(
    forum: Forum, caregiver: User, use_embeddings: bool
) -> None:
    found = _names(
        forum,
        related.similar_topics(
            caregiver, "So tired since I started metformin", limit=10, use_embeddings=use_embeddings
        ),
    )

    assert set(found) == {"main", "close", "other_close", "anonymous", "elsewhere"}


@pytest.mark.parametrize("use_embeddings", BOTH_PATHS)
def test_similar_topics_in_one_community(
    forum: Forum, caregiver: User, community: Community, use_embeddings: bool
) -> None:
    found = _names(
        forum,
        related.similar_topics(
            caregiver,
            "So tired since I started metformin",
            community=Community.objects.get(slug="heart-health"),
            use_embeddings=use_embeddings,
        ),
    )

    assert found == ["elsewhere"]


@pytest.mark.parametrize("use_embeddings", BOTH_PATHS)
def test_similar_topics_in_an_unreadable_community_find_nothing(
    forum: Forum, caregiver: User, private_community: Community, use_embeddings: bool
) -> None:
    found = related.similar_topics(
        caregiver,
        "Tired on metformin during chemo",
        community=private_community,
        use_embeddings=use_embeddings,
    )

    assert found == []


@pytest.mark.parametrize("use_embeddings", BOTH_PATHS)
@pytest.mark.parametrize("title", ["", "   ", "the", "a b", "and of"])
def test_titles_that_say_nothing_find_nothing(
    forum: Forum, caregiver: User, title: str, use_embeddings: bool
) -> None:
    assert related.similar_topics(caregiver, title, use_embeddings=use_embeddings) == []


@pytest.mark.parametrize("use_embeddings", BOTH_PATHS)
def test_an_unrelated_title_finds_nothing(
    forum: Forum, caregiver: User, use_embeddings: bool
) -> None:
    found = related.similar_topics(
        caregiver, "Wheelchair ramps for the front door", use_embeddings=use_embeddings
    )

    assert found == []


@needs_model
def test_similar_topics_find_meaning_without_shared_words(forum: Forum, caregiver: User) -> None:
    found = _names(forum, related.similar_topics(caregiver, "Growing vegetables outdoors"))

    assert found == ["unrelated"]
    assert (
        related.similar_topics(caregiver, "Growing vegetables outdoors", use_embeddings=False) == []
    )


@needs_model
def test_a_topic_without_a_vector_yet_falls_back_to_full_text(
    forum: Forum, caregiver: User
) -> None:
    from carecircle.search.models import TopicEmbedding

    TopicEmbedding.objects.filter(topic=forum.main).delete()
    related.forget_vectors()

    found = _names(forum, related.related_topics(caregiver, forum.main, limit=10))

    assert set(found) == {"close", "other_close", "anonymous", "elsewhere"}


@needs_model
def test_semantic_topic_ids_are_readable_candidates(forum: Forum, caregiver: User) -> None:
    ids = related.semantic_topic_ids(caregiver, "exhausted on metformin", limit=50)

    assert forum.private.pk not in ids
    assert forum.unrelated.pk not in ids
    assert {forum.main.pk, forum.close.pk, forum.other_close.pk} <= set(ids)


def test_semantic_topic_ids_without_the_model_are_empty(
    forum: Forum, caregiver: User, monkeypatch
) -> None:
    monkeypatch.setattr(embeddings, "_available", False)

    assert related.semantic_topic_ids(caregiver, "exhausted on metformin") == []
    assert set(_names(forum, related.related_topics(caregiver, forum.main, limit=10))) == {
        "close",
        "other_close",
        "anonymous",
        "elsewhere",
    }


@needs_model
def test_new_vectors_are_seen_by_this_process_at_once(
    community: Community, caregiver: User
) -> None:
    first = make_topic(community, caregiver, title="Insulin pump night alarms")
    embeddings.embed_topic(first.pk)
    assert related.semantic_topic_ids(caregiver, "insulin pump alarm at night") == [first.pk]

    second = make_topic(community, caregiver, title="Pump alarms keep waking me up at night")
    embeddings.embed_topic(second.pk)

    assert set(related.semantic_topic_ids(caregiver, "insulin pump alarm at night")) == {
        first.pk,
        second.pk,
    }


def test_significant_words() -> None:
    assert related.significant_words("Tired ALL the time, 2 years: tired! Ça va") == [
        "tired",
        "time",
        "years",
    ]


def test_load_topics_keeps_order_and_readability(forum: Forum, caregiver: User) -> None:
    ids = [forum.unrelated.pk, forum.private.pk, forum.close.pk, forum.hidden.pk, 10**9]

    assert related.load_topics(caregiver, ids, limit=5) == [forum.unrelated, forum.close]
