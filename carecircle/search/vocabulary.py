"""The words "Did you mean …" may suggest: counted from the index by a periodic task.

Only what anyone may read is counted (topics and replies of public communities, the public
view of profiles, the names and descriptions of listed communities, the published resources of
the site library and of public communities' libraries), so a suggestion can never
reveal a word written in a members-only or hidden community or a profile field kept to members.
"""

from __future__ import annotations

import re
from collections import Counter

from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.db.models import Q
from django.tasks import task

from carecircle.communities.queries import readable_community_ids, visible_communities
from carecircle.search.models import SearchDocument, SearchTerm
from carecircle.search.synonyms import current_index

MIN_WORD_LENGTH = 3
MAX_WORD_LENGTH = 60  # SearchTerm.word
# Whole words of letters only ("covid19" is not one), matched in C: the task reads millions.
LETTER_WORD_PATTERN = re.compile(rf"\b[^\W\d_]{{{MIN_WORD_LENGTH},{MAX_WORD_LENGTH}}}\b")
BATCH_SIZE = 2000


def vocabulary_words(text: str) -> set[str]:
    """The distinct lower-case words of `text` worth suggesting: letters only, 3 to 60 long."""
    return set(LETTER_WORD_PATTERN.findall(text.lower()))


def _public_documents() -> Q:
    visitor = AnonymousUser()
    Kind = SearchDocument.Kind
    return (
        Q(kind__in=[Kind.TOPIC, Kind.POST], community_id__in=readable_community_ids(visitor))
        | Q(kind=Kind.MEMBER, audience=SearchDocument.Audience.VISITOR)
        | Q(kind=Kind.COMMUNITY, object_id__in=visible_communities(visitor).values("pk"))
        | Q(kind=Kind.RESOURCE, community_id__isnull=True)
        | Q(kind=Kind.RESOURCE, community_id__in=readable_community_ids(visitor))
    )


def refresh_vocabulary(limit_documents: int = 50_000) -> int:
    """Count the words of the newest public documents (and every synonym word) into SearchTerm,
    replacing what it held in one transaction; returns how many words it now holds."""
    counts: Counter[str] = Counter()
    newest = (
        SearchDocument.objects.filter(_public_documents())
        .order_by("-created_at", "-id")
        .values_list("title", "body")[:limit_documents]
    )
    for title, body in newest.iterator(chunk_size=BATCH_SIZE):
        counts.update(vocabulary_words(f"{title} {body}"))
    for word in current_index().words:
        if (
            word not in counts
            and MIN_WORD_LENGTH <= len(word) <= MAX_WORD_LENGTH
            and word.isalpha()
        ):
            counts[word] = 0
    with transaction.atomic():
        SearchTerm.objects.all().delete()
        SearchTerm.objects.bulk_create(
            (SearchTerm(word=word, document_count=count) for word, count in counts.items()),
            batch_size=BATCH_SIZE,
        )
    return len(counts)


@task()
def refresh_vocabulary_task() -> int:
    """Periodic: rebuild the suggestion vocabulary (see `refresh_vocabulary`)."""
    return refresh_vocabulary()
