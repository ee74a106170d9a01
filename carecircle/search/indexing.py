"""Keeping the index in step with its sources: called by actions after commit, through tasks.

Every function recomputes the rows of one source from the database as it is now and replaces
them, so running one twice, late, or out of order leaves the right rows (tasks are idempotent).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Q, QuerySet

from carecircle.core.models import ModerationState
from carecircle.search.documents import (
    DocumentData,
    community_documents,
    community_documents_of,
    member_documents,
    member_documents_of,
    resource_documents,
    resource_documents_of,
    topic_documents,
    topic_documents_of,
)
from carecircle.search.models import SearchDocument

Kind = SearchDocument.Kind

# The columns a row is compared on: a row whose values all match is left alone, so the
# full-text structures (kept by triggers) are not rewritten for nothing.
_COMPARED = (
    "community_id",
    "topic_id",
    "author_id",
    "is_question",
    "is_solved",
    "created_at",
    "title",
    "body",
)


def index_topic_later(topic_id: int) -> None:
    """Reindex the topic and its posts after the current transaction commits."""
    from carecircle.search.tasks import reindex_topic_task

    transaction.on_commit(lambda: reindex_topic_task.enqueue(topic_id), robust=True)


def erase_from_index_later(member_id: int, topic_ids: Iterable[int]) -> None:
    """After an erasure commits: one task reindexes the member and the topics they wrote in,
    then merges the full-text files so the removed words leave them too."""
    from carecircle.search.tasks import erase_from_index_task

    ids = sorted(set(topic_ids))
    transaction.on_commit(lambda: erase_from_index_task.enqueue(member_id, ids), robust=True)


def index_topics_later(topic_ids: Iterable[int]) -> None:
    """Reindex several topics after the current transaction commits (one task each)."""
    from carecircle.search.tasks import reindex_topic_task

    ids = sorted(set(topic_ids))

    def enqueue() -> None:
        for topic_id in ids:
            reindex_topic_task.enqueue(topic_id)

    if ids:
        transaction.on_commit(enqueue, robust=True)


def index_member_later(user_id: int) -> None:
    """Reindex the member's profile rows after the current transaction commits."""
    from carecircle.search.tasks import reindex_member_task

    transaction.on_commit(lambda: reindex_member_task.enqueue(user_id), robust=True)


def index_community_later(community_id: int) -> None:
    """Reindex the community's row after the current transaction commits."""
    from carecircle.search.tasks import reindex_community_task

    transaction.on_commit(lambda: reindex_community_task.enqueue(community_id), robust=True)


def index_resource_later(resource_id: int) -> None:
    """Reindex a library resource's row after the current transaction commits."""
    from carecircle.search.tasks import reindex_resource_task

    transaction.on_commit(lambda: reindex_resource_task.enqueue(resource_id), robust=True)


def reindex_topic(topic_id: int) -> int:
    """Replace the topic's rows now; the number of rows written."""
    from carecircle.discussions.models import Topic

    with transaction.atomic():
        # Two runs for one topic take turns (PostgreSQL), so the later one reads what the
        # earlier one committed and neither inserts a row the other just inserted.
        list(Topic.objects.select_for_update().filter(pk=topic_id).values_list("pk"))
        written = replace_rows(
            Q(kind=Kind.TOPIC, object_id=topic_id) | Q(kind=Kind.POST, topic_id=topic_id),
            topic_documents(topic_id),
        )
    _embed_later(topic_id)
    return written


def reindex_member(user_id: int) -> int:
    """Replace the member's rows now; the number of rows written."""
    from carecircle.accounts.models import User

    with transaction.atomic():
        list(User.objects.select_for_update().filter(pk=user_id).values_list("pk"))
        return replace_rows(Q(kind=Kind.MEMBER, object_id=user_id), member_documents(user_id))


def reindex_community(community_id: int) -> int:
    """Replace the community's row now; the number of rows written."""
    from carecircle.communities.models import Community

    with transaction.atomic():
        list(Community.objects.select_for_update().filter(pk=community_id).values_list("pk"))
        return replace_rows(
            Q(kind=Kind.COMMUNITY, object_id=community_id), community_documents(community_id)
        )


def reindex_resource(resource_id: int) -> int:
    """Replace the library resource's row now (none unless published); the rows written."""
    from carecircle.resources.models import Resource

    with transaction.atomic():
        list(Resource.objects.select_for_update().filter(pk=resource_id).values_list("pk"))
        return replace_rows(
            Q(kind=Kind.RESOURCE, object_id=resource_id), resource_documents(resource_id)
        )


def replace_rows(current: Q, documents: list[DocumentData]) -> int:
    """Make the rows matching `current` exactly `documents`: rows that differ or are gone are
    deleted, new and changed ones inserted, equal ones kept. The number of rows written."""
    wanted = {(doc.kind, doc.object_id, doc.audience): doc for doc in documents}
    stale: list[int] = []
    for row in SearchDocument.objects.filter(current).values(
        "id", "kind", "object_id", "audience", *_COMPARED
    ):
        key = (row["kind"], row["object_id"], row["audience"])
        doc = wanted.get(key)
        if doc is not None and all(getattr(doc, name) == row[name] for name in _COMPARED):
            del wanted[key]
        else:
            stale.append(row["id"])
    with transaction.atomic():
        for start in range(0, len(stale), 500):
            SearchDocument.objects.filter(pk__in=stale[start : start + 500]).delete()
        SearchDocument.objects.bulk_create(
            [SearchDocument(**asdict(doc)) for doc in wanted.values()], batch_size=500
        )
    return len(wanted)


def _embed_later(topic_id: int) -> None:
    """Keep the topic's vector in step too, when the optional embeddings module is there."""
    try:
        from carecircle.search.embeddings import embed_topic_later
    except ImportError:
        return
    embed_topic_later(topic_id)


# --- rebuilding everything ---------------------------------------------------------------------

REBUILD_KINDS = ("topic", "member", "community", "resource")


@dataclass
class RebuildCount:
    """What a rebuild of one kind did: sources read, rows they hold, rows written, removed."""

    kind: str
    sources: int = 0
    rows: int = 0
    written: int = 0
    removed: int = 0


Progress = Callable[[str, int, int], None]


def _sources(kind: str) -> QuerySet[Any]:
    """The sources of `kind` that may hold rows (documents.py still has the last word)."""
    from carecircle.accounts.models import User
    from carecircle.communities.models import Community
    from carecircle.discussions.models import Topic

    if kind == "topic":
        return Topic.objects.filter(moderation_state=ModerationState.VISIBLE, is_deleted=False)
    if kind == "member":
        return User.objects.filter(is_active=True)
    if kind == "community":
        return Community.objects.all()
    if kind == "resource":
        from carecircle.resources.models import Resource

        return Resource.objects.filter(status=Resource.Status.PUBLISHED)
    raise ValueError(kind)


def _rows_of(kind: str, ids: list[int]) -> tuple[Q, list[DocumentData]]:
    """The rows now held for these sources, and the rows they should hold."""
    if kind == "topic":
        current = Q(kind=Kind.TOPIC, object_id__in=ids) | Q(kind=Kind.POST, topic_id__in=ids)
        return current, topic_documents_of(ids)
    if kind == "member":
        return Q(kind=Kind.MEMBER, object_id__in=ids), member_documents_of(ids)
    if kind == "resource":
        return Q(kind=Kind.RESOURCE, object_id__in=ids), resource_documents_of(ids)
    return Q(kind=Kind.COMMUNITY, object_id__in=ids), community_documents_of(ids)


def _orphans(kind: str) -> QuerySet[SearchDocument]:
    """Rows of `kind` whose source is gone or may no longer hold rows."""
    sources = _sources(kind).values("pk")
    if kind == "topic":
        return SearchDocument.objects.filter(kind__in=[Kind.TOPIC, Kind.POST]).exclude(
            topic_id__in=sources
        )
    return SearchDocument.objects.filter(kind=kind).exclude(object_id__in=sources)


def rebuild_kind(
    kind: str, *, batch_size: int = 500, progress: Progress | None = None
) -> RebuildCount:
    """Bring every row of `kind` up to date, `batch_size` sources at a time (each batch in one
    transaction, so search keeps working meanwhile), then remove rows whose source is gone."""
    count = RebuildCount(kind=kind)
    total = _sources(kind).count()
    if progress is not None:
        progress(kind, 0, total)
    last = 0
    while True:
        ids = list(
            _sources(kind)
            .filter(pk__gt=last)
            .order_by("pk")
            .values_list("pk", flat=True)[:batch_size]
        )
        if not ids:
            break
        last = ids[-1]
        with transaction.atomic():
            current, documents = _rows_of(kind, ids)
            count.written += replace_rows(current, documents)
        count.sources += len(ids)
        count.rows += len(documents)
        if progress is not None:
            progress(kind, count.sources, max(total, count.sources))
    count.removed, _detail = _orphans(kind).delete()
    return count


def rebuild_index(
    kinds: Iterable[str] = REBUILD_KINDS,
    *,
    batch_size: int = 500,
    progress: Progress | None = None,
) -> list[RebuildCount]:
    """Rebuild the rows of every kind asked for (all by default); what each rebuild did."""
    return [rebuild_kind(kind, batch_size=batch_size, progress=progress) for kind in kinds]


def purge_deleted_words() -> None:
    """Make the words of removed rows leave the full-text files, not just the results.

    FTS5 records a deletion as a marker in a new segment; the deleted row's words stay in the
    older segments until they are merged. After an erasure that must not be left to chance, so
    the segments are merged now ('optimize'). PostgreSQL keeps dead rows until VACUUM, as for
    every table; nothing to do here.
    """
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        for table in ("search_fts", "search_fts_people"):
            cursor.execute(f"INSERT INTO {table}({table}) VALUES ('optimize')")  # noqa: S608
