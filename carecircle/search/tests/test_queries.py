"""queries.search beyond the visibility matrix: badges, honest counts, loosening, filters."""

from __future__ import annotations

import pytest
from django.utils import timezone

from carecircle.communities.models import Community
from carecircle.core.errors import ValidationFailed
from carecircle.core.factories import CommunityFactory, make_member, make_topic
from carecircle.core.markdown import render_markdown
from carecircle.core.models import ModerationState
from carecircle.discussions.models import Post, Topic
from carecircle.moderation.models import ContextNote
from carecircle.search.indexing import reindex_topic
from carecircle.search.queries import SearchFilters, search

pytestmark = pytest.mark.django_db


@pytest.fixture
def community() -> Community:
    return CommunityFactory(name="Type 2 Diabetes", slug="t2d")


def _reply(topic: Topic, author, position: int, body: str) -> Post:
    return Post.objects.create(
        topic=topic, author=author, position=position, body=body, body_html=render_markdown(body)
    )


def _found(actor, text: str, **filters) -> list[tuple[str, int, bool, bool, bool]]:
    results = search(actor, text, SearchFilters(**filters), use_embeddings=False)
    return [
        (r.kind, r.object_id, r.is_solved, r.is_accepted_answer, r.has_context_note)
        for r in results.results
    ]


def test_only_the_accepted_reply_is_marked_as_the_answer(community, patient, professional):
    make_member(community, patient)
    topic = make_topic(community, patient, title="Starting metformin", is_question=True)
    advice = _reply(topic, patient, 2, "Zqcinnamon capsules instead of metformin")
    answer = _reply(topic, professional, 3, "Zqcinnamon has no evidence; take metformin with food")
    Topic.objects.filter(pk=topic.pk).update(accepted_post=answer)
    ContextNote.objects.create(post=advice, author=professional, body="Please keep taking it.")
    reindex_topic(topic.pk)

    assert sorted(_found(patient, "zqcinnamon")) == [
        ("post", advice.pk, True, False, True),
        ("post", answer.pk, True, True, False),
    ]
    ContextNote.objects.filter(post=advice).update(removed_at=timezone.now())
    assert ("post", advice.pk, True, False, False) in _found(patient, "zqcinnamon")


def test_a_hit_dropped_on_reload_is_not_counted(community, patient):
    topic = make_topic(community, patient, title="Ordinary", replies=1)
    reply = topic.posts.get(position=2)
    Post.objects.filter(pk=reply.pk).update(body="zqsecretword", body_html="<p>zqsecretword</p>")
    reindex_topic(topic.pk)
    assert search(patient, "zqsecretword", SearchFilters(), use_embeddings=False).total == 1

    # Hidden by a moderator; the index has not caught up yet.
    Post.objects.filter(pk=reply.pk).update(moderation_state=ModerationState.HIDDEN)
    results = search(patient, "zqsecretword", SearchFilters(), use_embeddings=False)

    assert (results.results, results.total, results.kind_totals.get("post")) == ([], 0, 0)


def test_no_discussion_with_every_word_falls_back_to_some_of_them(community, patient):
    make_topic(community, patient, title="Zqalpha worries", body="Nothing else here")
    reindex_topic(Topic.objects.get().pk)

    results = search(patient, "zqalpha zqbeta", SearchFilters(), use_embeddings=False)

    assert [r.title for r in results.results] == ["Zqalpha worries"]
    assert results.notes == ["No result has all of your words, so these have some of them."]


def test_members_are_never_found_by_part_of_a_query(patient, caregiver):
    from carecircle.search.indexing import reindex_member

    reindex_member(caregiver.pk)
    name = caregiver.display_name.split()[0].lower()
    found = search(patient, name, SearchFilters(kind="members")).results
    assert [r.object_id for r in found] == [caregiver.pk]

    results = search(patient, f"{name} zqnothing", SearchFilters(kind="members"))

    assert results.results == [] and results.notes == []


@pytest.mark.parametrize(("field", "day"), [("after", "1066-10-14"), ("before", "9999-12-31")])
def test_dates_outside_the_years_searched_name_their_field(patient, field, day):
    from datetime import date

    with pytest.raises(ValidationFailed) as raised:
        search(patient, "tired", SearchFilters(**{field: date.fromisoformat(day)}))

    assert raised.value.field == field


def test_a_spelling_is_offered_only_when_it_finds_something(community, patient):
    from carecircle.search.models import SearchTerm

    make_topic(community, patient, title="Zqglucose diary", body="My readings")
    reindex_topic(Topic.objects.get().pk)
    SearchTerm.objects.create(word="zqglucose", document_count=1)
    SearchTerm.objects.create(word="zqrunny", document_count=5)  # in no document any more

    assert search(patient, "zqglucos", SearchFilters()).suggestion == "zqglucose"
    assert search(patient, "zqrunnx", SearchFilters()).suggestion == ""
