"""Keeping the index in step with its sources: called by actions after commit, through tasks.

Every function recomputes the rows of one source from the database as it is now and replaces
them, so running one twice, late, or out of order leaves the right rows (tasks are idempotent).
"""

from __future__ import annotations


def index_topic_later(topic_id: int) -> None:
    """Reindex the topic and its posts after the current transaction commits."""
    raise NotImplementedError


def index_member_later(user_id: int) -> None:
    raise NotImplementedError


def index_community_later(community_id: int) -> None:
    raise NotImplementedError


def reindex_topic(topic_id: int) -> int:
    """Replace the topic's rows now; the number of rows written."""
    raise NotImplementedError


def reindex_member(user_id: int) -> int:
    raise NotImplementedError


def reindex_community(community_id: int) -> int:
    raise NotImplementedError
