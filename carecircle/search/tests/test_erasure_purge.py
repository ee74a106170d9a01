"""Erasure: the erased member's words leave the full-text files, not only the results."""

from __future__ import annotations

import pytest
from django.db import connection

from carecircle.core.factories import CommunityFactory, make_topic
from carecircle.discussions.models import Topic
from carecircle.search.indexing import purge_deleted_words, reindex_topic
from carecircle.search.tasks import erase_from_index_task

pytestmark = pytest.mark.django_db

WORD = b"zqerasedword"


def _in_fts_files() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT block FROM search_fts_data")
        return any(WORD in bytes(block or b"") for (block,) in cursor.fetchall())


@pytest.mark.skipif(connection.vendor != "sqlite", reason="FTS5 files are SQLite's")
def test_removed_rows_keep_their_words_in_fts5_until_purged(patient):
    community = CommunityFactory()
    topic = make_topic(community, patient, title="Ordinary title", body="zqerasedword here")
    reindex_topic(topic.pk)
    # Enough other rows that the deletion lands in a segment of its own.
    for number in range(3):
        reindex_topic(make_topic(community, patient, title=f"Other {number}").pk)
    Topic.objects.filter(pk=topic.pk).update(is_deleted=True)
    reindex_topic(topic.pk)
    assert _in_fts_files()  # FTS5 only marked the row deleted

    purge_deleted_words()

    assert not _in_fts_files()


def test_the_erasure_task_reindexes_and_purges(patient):
    community = CommunityFactory()
    topic = make_topic(community, patient, title="Ordinary title", body="zqerasedword here")
    reindex_topic(topic.pk)
    Topic.objects.filter(pk=topic.pk).update(is_deleted=True)

    erase_from_index_task.call(patient.pk, [topic.pk])

    from carecircle.search.models import SearchDocument

    assert not SearchDocument.objects.filter(topic_id=topic.pk).exists()
    if connection.vendor == "sqlite":
        assert not _in_fts_files()
