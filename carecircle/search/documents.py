"""What each source puts in the index: which rows, with which text and scope columns.

Only what everyone who may read the source may see goes in: visible, undeleted posts in
visible, undeleted topics; per profile audience only the fields that audience may see (the
accounts privacy policy decides); no anonymous writer's id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class DocumentData:
    kind: str
    object_id: int
    audience: int
    community_id: int | None
    topic_id: int | None
    author_id: int | None
    is_question: bool
    is_solved: bool
    created_at: datetime
    title: str
    body: str


def topic_documents(topic_id: int) -> list[DocumentData]:
    """The rows for a topic and all its posts as they should be now ([] if none belong)."""
    raise NotImplementedError


def member_documents(user_id: int) -> list[DocumentData]:
    """One row per audience whose view of the member's profile differs ([] if not findable)."""
    raise NotImplementedError


def community_documents(community_id: int) -> list[DocumentData]:
    raise NotImplementedError
