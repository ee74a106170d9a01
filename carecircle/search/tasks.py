"""Background work for search. Tasks take ids and are idempotent: each recomputes the rows of
one source from the database as it is when it runs."""

from __future__ import annotations

from django.tasks import task


@task()
def reindex_topic_task(topic_id: int) -> int:
    """Bring the rows of a topic and its posts up to date; the number of rows written."""
    from carecircle.search.indexing import reindex_topic

    return reindex_topic(topic_id)


@task()
def reindex_member_task(user_id: int) -> int:
    """Bring a member's profile rows up to date; the number of rows written."""
    from carecircle.search.indexing import reindex_member

    return reindex_member(user_id)


@task()
def reindex_community_task(community_id: int) -> int:
    """Bring a community's row up to date; the number of rows written."""
    from carecircle.search.indexing import reindex_community

    return reindex_community(community_id)


@task()
def erase_from_index_task(member_id: int, topic_ids: list[int]) -> int:
    """After an erasure: bring the member's and the topics' rows up to date, then purge the
    removed words from the full-text files; the number of rows written."""
    from carecircle.search.indexing import purge_deleted_words, reindex_member, reindex_topic

    written = reindex_member(member_id) + sum(reindex_topic(topic_id) for topic_id in topic_ids)
    purge_deleted_words()
    return written


@task()
def reindex_resource_task(resource_id: int) -> int:
    """Bring a library resource's row up to date; the number of rows written."""
    from carecircle.search.indexing import reindex_resource

    return reindex_resource(resource_id)
