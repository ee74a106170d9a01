"""JSON shapes of the bookmarks API."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from ninja import Field, Schema

from carecircle.api.schemas import PageMeta


class BookmarkIn(Schema):
    """Exactly one of `topic_id` and `post_id`; `remind_at` with its UTC offset."""

    topic_id: int | None = None
    post_id: int | None = None
    note: str = Field("", max_length=20000)
    remind_at: datetime | None = None


class BookmarkPatch(Schema):
    """Fields left out stay as they are; `remind_at: null` removes the reminder."""

    note: str | None = Field(None, max_length=20000)
    remind_at: datetime | None = None


class BookmarkCommunityOut(Schema):
    slug: str
    name: str


class BookmarkOut(Schema):
    id: int
    kind: Literal["topic", "post"]
    topic_id: int | None
    post_id: int | None
    #: False when the member may no longer read what they bookmarked: then title, community,
    #: url and excerpt are null (nothing of it is shown), and no reminder is sent.
    is_available: bool
    title: str | None
    community: BookmarkCommunityOut | None
    url: str | None
    excerpt: str | None
    note: str
    remind_at: datetime | None
    reminded_at: datetime | None
    created_at: datetime
    updated_at: datetime


class BookmarkPage(PageMeta):
    items: list[BookmarkOut]
