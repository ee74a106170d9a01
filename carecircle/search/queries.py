"""Search, scoped to the searcher: the one entry point for the page, the API and the hints.

The engine only proposes candidates inside the searcher's scope (readable communities, kinds,
filters, no blocked authors). Each candidate is then loaded from its own table and checked
again with the read rules pages use; its snippet is cut from the current text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from carecircle.search.engines.base import Sort

KindFilter = Literal["all", "discussions", "topics", "members", "communities"]
PAGE_SIZE = 20
MAX_PAGE = 50


@dataclass(frozen=True)
class SearchFilters:
    kind: KindFilter = "all"
    community: str = ""  # slug
    author: str = ""  # handle, without @
    after: date | None = None
    before: date | None = None
    solved: Literal["", "solved", "unsolved"] = ""  # question topics only when set
    mine_only: bool = False  # only communities the searcher belongs to
    sort: Sort = "relevance"


@dataclass
class Result:
    kind: str  # "topic", "post", "member", "community"
    url: str
    title: str  # topic title, member display name, community name
    snippet_html: str  # escaped text with <mark> around matched words; safe to render
    # topic/post: the community name and slug, the public author name, when, solved
    community_name: str = ""
    community_slug: str = ""
    author_name: str = ""
    created_at: Any = None
    is_question: bool = False
    is_solved: bool = False
    object_id: int = 0


@dataclass
class SearchResults:
    query: str
    filters: SearchFilters
    results: list[Result]
    page: int
    total: int  # capped at COUNT_CAP + 1; `total_is_capped` says so
    total_is_capped: bool
    kind_totals: dict[str, int] = field(default_factory=dict)
    suggestion: str = ""  # "Did you mean …": the whole corrected query, or ""
    expanded: list[str] = field(default_factory=list)  # synonyms also searched, for the page
    notes: list[str] = field(default_factory=list)
    has_next: bool = False


def search(actor: Any, text: str, filters: SearchFilters, *, page: int = 1) -> SearchResults:
    """One page of results for `text`, only what `actor` may read; empty text gives none."""
    raise NotImplementedError
