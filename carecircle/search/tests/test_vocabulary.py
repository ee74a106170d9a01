"""refresh_vocabulary: words of the newest public documents and the synonym words, replaced."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.utils import timezone

from carecircle.communities.models import Community
from carecircle.core.factories import CommunityFactory
from carecircle.search import synonyms
from carecircle.search.models import SearchDocument, SearchTerm, SynonymGroup
from carecircle.search.vocabulary import (
    refresh_vocabulary,
    refresh_vocabulary_task,
    vocabulary_words,
)

pytestmark = pytest.mark.django_db

Kind = SearchDocument.Kind


@pytest.fixture(autouse=True)
def _few_synonyms() -> Iterator[None]:
    SynonymGroup.objects.all().delete()
    SynonymGroup.objects.create(terms="tired, fatigue")
    synonyms.reset_cache()
    yield
    synonyms.reset_cache()


def document(
    kind: str, object_id: int, title: str, body: str, *, minutes_ago: int = 0, **fields: object
) -> SearchDocument:
    return SearchDocument.objects.create(
        kind=kind,
        object_id=object_id,
        title=title,
        body=body,
        created_at=timezone.now() - timedelta(minutes=minutes_ago),
        **fields,
    )


def vocabulary() -> dict[str, int]:
    return dict(SearchTerm.objects.values_list("word", "document_count"))


def test_vocabulary_words_are_letters_only_and_three_to_sixty_long() -> None:
    text = "Fatigue, fatigue! ok 42 covid19 Café naïve " + "x" * 61
    assert vocabulary_words(text) == {"fatigue", "café", "naïve"}


def test_only_what_anyone_may_read_is_counted() -> None:
    public = CommunityFactory(name="Open", description="Open door")
    listed = CommunityFactory(name="Listed", visibility=Community.Visibility.MEMBERS)
    hidden = CommunityFactory(name="Hushed", visibility=Community.Visibility.HIDDEN)
    document(Kind.TOPIC, 1, "Fatigue tips", "Fatigue and pacing", community_id=public.pk)
    document(Kind.POST, 2, "", "pacing helps", community_id=public.pk)
    document(Kind.TOPIC, 3, "Secretword", "private", community_id=listed.pk)
    document(Kind.MEMBER, 7, "Pat @patient", "gardening", audience=0)
    document(Kind.MEMBER, 7, "Pat @patient", "gardening memberonly", audience=1)
    document(Kind.MEMBER, 7, "Pat @patient", "gardening sharedonly", audience=2)
    document(Kind.COMMUNITY, public.pk, "Open", "Open door", community_id=public.pk)
    document(Kind.COMMUNITY, listed.pk, "Listed", "listed place", community_id=listed.pk)
    document(Kind.COMMUNITY, hidden.pk, "Hushed", "hushword", community_id=hidden.pk)

    assert refresh_vocabulary() == 13
    assert vocabulary() == {
        "fatigue": 1,
        "tips": 1,
        "and": 1,
        "pacing": 2,
        "helps": 1,
        "pat": 1,
        "patient": 1,
        "gardening": 1,
        "open": 1,
        "door": 1,
        "listed": 1,
        "place": 1,
        "tired": 0,  # a synonym word no document holds yet
    }


def test_only_the_newest_documents_are_counted_and_old_words_go() -> None:
    SearchTerm.objects.create(word="stale", document_count=9)
    public = CommunityFactory()
    document(Kind.POST, 1, "", "oldest words", minutes_ago=30, community_id=public.pk)
    document(Kind.POST, 2, "", "middle words", minutes_ago=20, community_id=public.pk)
    document(Kind.POST, 3, "", "newest words", minutes_ago=10, community_id=public.pk)

    assert refresh_vocabulary(limit_documents=2) == 5
    assert vocabulary() == {"middle": 1, "newest": 1, "words": 2, "tired": 0, "fatigue": 0}


def test_the_task_refreshes_the_vocabulary() -> None:
    public = CommunityFactory()
    document(Kind.POST, 1, "", "walking", community_id=public.pk)
    result = refresh_vocabulary_task.enqueue()
    assert result.return_value == 3
    assert vocabulary() == {"walking": 1, "tired": 0, "fatigue": 0}
