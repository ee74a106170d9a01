"""JSON shapes for search results."""

from __future__ import annotations

from datetime import datetime

from ninja import Schema


class SearchCommunityOut(Schema):
    name: str
    slug: str


class SearchResultOut(Schema):
    kind: str  # "topic", "post", "member", "community" or "resource"
    id: int  # the topic, post, member, community or library resource id
    url: str  # site-relative
    title: str
    # Escaped text with <mark> around the matched words: safe to insert as HTML.
    snippet_html: str
    # Topics, posts and resources of a community's library (null: the site library).
    community: SearchCommunityOut | None
    author_name: str  # the public name: an anonymous writer's alias, never who they are
    created_at: datetime | None
    is_question: bool
    is_solved: bool


class SearchOut(Schema):
    query: str
    page: int
    # Counted up to 1,001. `total_is_capped`: there are more than `total` (past 1,000, or
    # counting stopped sooner on a search of very common words).
    total: int
    total_is_capped: bool
    has_next: bool
    kind_totals: dict[str, int]
    kind_totals_at_least: list[str]  # kinds whose count in kind_totals is "at least"
    suggestion: str  # "Did you mean": the whole corrected query, or ""
    expanded: list[str]  # synonyms also searched
    notes: list[str]
    results: list[SearchResultOut]
