# ruff: noqa: S608 - only placeholders and fixed SQL are formatted in; every value is a parameter
"""PostgreSQL engine: the weighted `search_vector` (title A, body B) and its GIN index.

The tsquery text is built from parsed words only, each in single quotes, and given to
to_tsquery('english', %s) as a parameter: nothing a member typed reaches tsquery syntax.
Score is ts_rank with its default weights (A 1.0 > B 0.4), so a title match outranks a body
match.

Relevance ranks the most recently indexed RANK_CANDIDATES matches in scope (see engines.base):
ts_rank reads each row's whole vector, which for a word in a tenth of a million rows costs far
more than finding the rows through the GIN index. newest/oldest need no ranking; their score is
computed for the page's rows only.

Two ways to find the matches, chosen per query from the share of rows expected to match (from
the statistics ANALYZE keeps on the most common words of search_vector):
- a word in many rows (WALK_SHARE of the index or more): walk the newest rows backwards (by id,
  or created_at for the date sorts), check each, stop when the page or the capped count is full.
  A GIN bitmap of a word in a quarter of a million rows costs ~100 ms before one row is read;
  the walk finds 1,000 matches in a few thousand rows. The walk reads at most WALK_ROWS rows;
  when they do not hold enough matches, the GIN index answers instead (same result).
- anything rarer: the GIN index alone (in a MATERIALIZED common table expression, so no btree
  index is AND-ed with it), then the scope checked on the matched rows.
Per-kind counts of topics, members and communities use partial GIN indexes over those kinds
(migration 0004): a common word's replies are never walked to count its topics.
"""

from __future__ import annotations

from typing import Any

from django.db import connection

from carecircle.search.engines import base
from carecircle.search.engines.base import EngineResult, Hit, KindScope, Scope, Sort
from carecircle.search.engines.common import SqlEngine, hit_of
from carecircle.search.engines.scope_sql import ORDER_BY, kinds_by_name, scope_sql
from carecircle.search.parsing import ParsedQuery, Term

TSQUERY_SQL = "to_tsquery('english', %s)"
# Kinds with a partial GIN index of their own (migration 0004): the condition repeats the
# index's WHERE clause literally so the planner can use it.
PARTIAL_INDEX_KINDS = {
    "topic": "kind = 'topic'",
    "member": "kind IN ('member', 'community')",
    "community": "kind IN ('member', 'community')",
}
# Walk the newest rows when the planner expects at least this share of the index to match...
WALK_SHARE = 0.01
# ...reading at most this many rows before the GIN index answers instead.
WALK_ROWS = 100_000
# The columns a scope condition or a page reads (not the title and body).
COLUMNS = (
    "id, kind, object_id, audience, community_id, topic_id, author_id, is_question, is_solved,"
    " created_at, search_vector"
)
WALK_ORDER: dict[Sort, str] = {
    "relevance": "created_at DESC, id DESC",
    "newest": "created_at DESC, id DESC",
    "oldest": "created_at ASC, id ASC",
}


def _term(term: Term) -> str:
    # Words hold only letters and digits (parse_query), so a quote cannot occur.
    quoted = [f"'{word}'" for word in term.words]
    if len(quoted) == 1:
        return quoted[0]
    # A phrase keeps its words in order and side by side; several words typed without quotes
    # (a synonym run such as heart attack) need only all be there.
    return "(" + (" <-> " if term.is_phrase else " & ").join(quoted) + ")"


def _alternatives(terms: tuple[Term, ...]) -> str:
    if len(terms) == 1:
        return _term(terms[0])
    return "(" + " | ".join(_term(term) for term in terms) + ")"


def compile_tsquery(query: ParsedQuery) -> str:
    """The to_tsquery text for `query` (which must have at least one clause)."""
    parts = [_alternatives(clause.alternatives) for clause in query.clauses]
    if query.excluded:
        parts.append(f"!{_alternatives(query.excluded)}")
    return " & ".join(parts)


class PostgresEngine(SqlEngine):
    name = "postgresql"

    def match_sql(self, query: ParsedQuery) -> tuple[str, str, list[Any]]:
        """The documents table, matched through the GIN index on search_vector."""
        return (
            "search_searchdocument d",
            f"d.search_vector @@ {TSQUERY_SQL}",
            [compile_tsquery(query)],
        )

    def word_match_sql(self, word: str) -> tuple[str, str, list[Any]]:
        """Rows holding `word` (stemmed by the 'english' configuration)."""
        return "search_searchdocument d", f"d.search_vector @@ {TSQUERY_SQL}", [f"'{word}'"]

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
        kinds = kinds_by_name(scope)
        if query.is_empty or not scope.kinds:
            return EngineResult([], 0, dict.fromkeys(kinds, 0) if count_kinds else None)
        limit = max(0, limit)
        offset = max(0, offset)
        tsquery = compile_tsquery(query)
        walk = self._matches_many(query)
        hits = self._page(tsquery, scope, sort, limit, offset, walk=walk) if limit else []
        kind_totals: dict[str, int] | None = None
        if count_kinds:
            kind_totals = {
                kind: self._count(tsquery, scope, rules, kind=kind, walk=walk)
                for kind, rules in kinds.items()
            }
            # Each kind is capped at COUNT_CAP + 1, so the capped sum is the capped total.
            total = min(sum(kind_totals.values()), base.COUNT_CAP + 1)
        else:
            total = self._count(tsquery, scope, scope.kinds, kind=None, walk=walk)
        return EngineResult(hits, total, kind_totals)

    def _matches_many(self, query: ParsedQuery) -> bool:
        """Whether the query is expected to match at least WALK_SHARE of the index.

        From the share of rows holding each word, as ANALYZE keeps it for search_vector's most
        common words (a word not among them counts as rare): alternatives add up, clauses
        multiply, a phrase counts as its rarest word. The planner's own estimate adds a default
        for every word it does not know, which made an OR of rare synonyms look common.
        """
        words = sorted(
            {
                word
                for clause in query.clauses
                for term in clause.alternatives
                for word in term.words
            }
        )
        with connection.cursor() as cursor:
            cursor.execute(
                "WITH stats AS (SELECT element, share FROM pg_stats,"
                " unnest(most_common_elems::text::text[], most_common_elem_freqs)"
                " AS common(element, share)"
                " WHERE tablename = 'search_searchdocument' AND attname = 'search_vector')"
                " SELECT word, coalesce((SELECT max(share) FROM stats WHERE element = ANY("
                "tsvector_to_array(to_tsvector('english', word)))), 0)"
                " FROM unnest(%s::text[]) AS word",
                [words],
            )
            shares = {word: float(share) for word, share in cursor.fetchall()}
        expected = 1.0
        for clause in query.clauses:
            clause_share = sum(
                min(shares.get(word, 0.0) for word in term.words) for term in clause.alternatives
            )
            expected *= min(1.0, clause_share)
        return expected >= WALK_SHARE

    @staticmethod
    def _walk_from(sort: Sort, where: str) -> str:
        """The newest WALK_ROWS rows in scope (by id, or by date for the date sorts).

        A subquery with its own LIMIT is not flattened: the planner walks an index in that
        order (the primary key, created_at, or community_id + created_at for one community),
        and the outer LIMIT stops the walk as soon as enough rows match.
        """
        return (
            f"(SELECT {COLUMNS} FROM search_searchdocument d WHERE {where}"
            f" ORDER BY {WALK_ORDER[sort]} LIMIT {WALK_ROWS}) d"
        )

    @staticmethod
    def _index_from(where: str, kind_condition: str = "") -> str:
        """Every match, found through the GIN index alone, then checked against the scope.

        MATERIALIZED keeps the planner from AND-ing the GIN bitmap with a btree bitmap of the
        scope (the community index): measured ~130 ms at 1,000,000 rows even for a word in one
        row, where checking the few matched rows is far cheaper.
        """
        kind_sql = f" AND {kind_condition}" if kind_condition else ""
        return (
            f"(WITH matches AS MATERIALIZED (SELECT {COLUMNS} FROM search_searchdocument"
            f" WHERE search_vector @@ {TSQUERY_SQL}{kind_sql})"
            f" SELECT * FROM matches d WHERE {where}) d"
        )

    def _page(
        self, tsquery: str, scope: Scope, sort: Sort, limit: int, offset: int, *, walk: bool
    ) -> list[Hit]:
        where, params = scope_sql(scope)
        needed = base.RANK_CANDIDATES if sort == "relevance" else offset + limit
        if walk:
            sql, sql_params = self._page_sql(
                self._walk_from(sort, where), [*params, tsquery], tsquery, sort, limit, offset
            )
            with connection.cursor() as cursor:
                cursor.execute(sql, sql_params)
                rows = cursor.fetchall()
            # Enough matches among the walked rows: the same page the index would give.
            if rows and int(rows[0][5]) >= needed:
                return [hit_of(row) for row in rows]
            if not rows and sort == "relevance" and offset >= base.RANK_CANDIDATES:
                return []
        sql, sql_params = self._page_sql(
            self._index_from(where), [tsquery, *params, tsquery], tsquery, sort, limit, offset
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, sql_params)
            return [hit_of(row) for row in cursor.fetchall()]

    @staticmethod
    def _page_sql(
        from_sql: str,
        from_params: list[Any],
        tsquery: str,
        sort: Sort,
        limit: int,
        offset: int,
    ) -> tuple[str, list[Any]]:
        """id, kind, object_id, audience, score and how many matches were taken, for a page.

        `from_sql` (with `from_params`, then the match's tsquery) yields the rows in scope.
        """
        if sort == "relevance":
            sql = (
                "SELECT id, kind, object_id, audience,"
                f" ts_rank(search_vector, {TSQUERY_SQL}) AS score, count(*) OVER () FROM ("
                "SELECT d.id, d.kind, d.object_id, d.audience, d.created_at, d.search_vector"
                f" FROM {from_sql} WHERE d.search_vector @@ {TSQUERY_SQL}"
                f" ORDER BY {ORDER_BY['newest']} LIMIT %s) candidates"
                f" ORDER BY {ORDER_BY['relevance']} LIMIT %s OFFSET %s"
            )
            return sql, [tsquery, *from_params, base.RANK_CANDIDATES, limit, offset]
        # The page's rows and those before it; the window counts them all (before OFFSET).
        sql = (
            "SELECT id, kind, object_id, audience, score, taken FROM ("
            "SELECT id, kind, object_id, audience, created_at,"
            f" ts_rank(search_vector, {TSQUERY_SQL}) AS score, count(*) OVER () AS taken FROM ("
            "SELECT d.id, d.kind, d.object_id, d.audience, d.created_at, d.search_vector"
            f" FROM {from_sql} WHERE d.search_vector @@ {TSQUERY_SQL}"
            f" ORDER BY {ORDER_BY[sort]} LIMIT %s) head) page"
            f" ORDER BY {ORDER_BY[sort]} LIMIT %s OFFSET %s"
        )
        return sql, [tsquery, *from_params, offset + limit, limit, offset]

    def _count(
        self,
        tsquery: str,
        scope: Scope,
        kinds: tuple[KindScope, ...],
        *,
        kind: str | None,
        walk: bool,
    ) -> int:
        """Matches of `kinds` in scope, up to COUNT_CAP + 1."""
        where, params = scope_sql(scope, kinds)
        if kind in PARTIAL_INDEX_KINDS:
            # Few rows of this kind: their own index, never a walk over every kind.
            return self._capped(
                self._index_from(where, PARTIAL_INDEX_KINDS[kind]), [tsquery, *params, tsquery]
            )
        if walk:
            walked = self._capped(self._walk_from("relevance", where), [*params, tsquery])
            if walked > base.COUNT_CAP:
                return walked
        return self._capped(self._index_from(where), [tsquery, *params, tsquery])

    @staticmethod
    def _capped(from_sql: str, params: list[Any]) -> int:
        """count(*) of the matching rows of `from_sql`, stopping at COUNT_CAP + 1."""
        sql = (
            f"SELECT count(*) FROM (SELECT 1 FROM {from_sql}"
            f" WHERE d.search_vector @@ {TSQUERY_SQL} LIMIT %s) capped"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, base.COUNT_CAP + 1])
            return int(cursor.fetchone()[0])
