"""The interface both engines implement, and the scope every query is confined to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from carecircle.search.parsing import ParsedQuery

Sort = Literal["relevance", "newest", "oldest"]
# Counting stops here: "more than 1,000 results" is all a person needs to know.
COUNT_CAP = 1000
# Relevance ranks at most this many matches in scope: the most recently indexed ones (index
# rows are written when something is posted or edited, so close to the newest). A common word
# can match most of the index, and scoring every match (bm25, ts_rank reading each row's whole
# vector) costs far more than finding the matches: the candidates are taken in index-row order,
# which stops early, and only they are scored. Pages stop at queries.MAX_PAGE x PAGE_SIZE =
# 1,000 rows, so every page a member can reach is ranked. An old topic whose title matches a
# common word exactly may therefore rank below newer replies, or not appear, by design.
# PostgreSQL takes the newest by created_at instead (its walk follows the date indexes); rows
# are indexed as they are posted, so both orders pick nearly the same rows.
RANK_CANDIDATES = 1000
# document_frequency stops counting here: enough to tell a rare word from a common one.
DOCUMENT_FREQUENCY_CAP = 10_000


@dataclass(frozen=True)
class KindScope:
    """Rows of one kind the searcher may match.

    `community_ids`: the row's community_id must be one of these (None: no restriction, as for
    member rows). `audiences`: the profile audiences the searcher may match (member rows).
    See /docs/search.md for how member rows are split by audience.
    """

    kind: str
    community_ids: tuple[int, ...] | None = None
    audiences: tuple[int, ...] = (0,)
    # Member rows for a signed-in searcher: audience 2 rows of members who share a community
    # with this user, audience 1 rows of everyone else (then `audiences` is not used).
    shared_with_user_id: int | None = None
    # Rows without a community match too (library resources of the site's own library).
    include_no_community: bool = False


@dataclass(frozen=True)
class Scope:
    """Everything a query is confined to, decided by `queries` from the searcher and filters.

    An empty `kinds` matches nothing. `exclude_author_ids`: rows by these open authors never
    match (members the searcher blocked). The filters narrow further.
    """

    kinds: tuple[KindScope, ...]
    exclude_author_ids: tuple[int, ...] = ()
    exclude_object_ids: tuple[tuple[str, int], ...] = ()  # (kind, object_id): e.g. the searcher
    author_id: int | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None
    is_question: bool | None = None
    is_solved: bool | None = None
    topic_id: int | None = None


@dataclass(frozen=True)
class Hit:
    document_id: int
    kind: str
    object_id: int
    audience: int
    score: float  # larger is better, comparable only within one result


@dataclass(frozen=True)
class EngineResult:
    hits: list[Hit]
    total: int  # matches in scope, counted up to COUNT_CAP + 1
    # Counts per kind (same cap) when asked for, so the page can show one number per tab.
    kind_totals: dict[str, int] | None = None
    # Kinds whose counting stopped before COUNT_CAP because the engine's reading budget ran
    # out (PostgreSQL's walks): their count is "at least", and so is the total.
    stopped_kinds: frozenset[str] = frozenset()


class Engine(Protocol):
    name: str

    def search(
        self,
        query: ParsedQuery,
        scope: Scope,
        *,
        sort: Sort = "relevance",
        limit: int = 20,
        offset: int = 0,
        count_kinds: bool = False,
    ) -> EngineResult:
        """Rows in `scope` matching `query`, best (or newest/oldest) first; title outranks body."""
        ...

    def document_frequency(self, words: list[str]) -> dict[str, int]:
        """How many rows hold each (stemmed) word; for "Did you mean" and synonym weighting."""
        ...
