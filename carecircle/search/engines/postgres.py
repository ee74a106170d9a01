# ruff: noqa: S608 - only placeholders and fixed SQL are formatted in; every value is a parameter
"""PostgreSQL engine: the weighted `search_vector` (title A, body B) and its GIN index.

The tsquery text is built from parsed words only, each in single quotes, and given to
to_tsquery('english', %s) as a parameter: nothing a member typed reaches tsquery syntax.
Score is ts_rank with its default weights (A 1.0 > B 0.4), so a title match outranks a body
match.

A search is two statements in one transaction (one more for each extra round of 2.):
1. the plan's inputs: the share of rows holding each word (the statistics ANALYZE keeps on
   search_vector's most common words, which each process reads again every
   STATISTICS_SECONDS) and the rows of each kind; the same statement sets
   PLANNER_SETTINGS for this transaction only: JIT off (compiling a plan costs tens of ms, more
   than the search), a work_mem that keeps the lists in memory, and no explicit sorts where an
   index gives the order (else a scope the planner thinks small, one community's topics, is
   sorted in full instead of walked). When the search runs inside a caller's transaction, a
   third statement puts them back;
2. the page and the per-kind counts together. For each kind in scope it takes the first
   `depth` matches in the sort's order (depth: the capped count, RANK_CANDIDATES or the page,
   whichever is larger), found one of two ways:
   - walk: for a word in many rows of that kind (or matches too many to fetch cheaply), the
     rows in scope are read newest (or oldest) first through a date index and each is
     checked; the walk stops as soon as `depth` match, or after a budget of rows read
     (walk_budgets). A walk the budget stopped short either counts what it found as "at
     least" (the kind is reported as stopped), or, when the kind's matches are few enough to
     fetch (GIN_AFFORDABLE_ROWS), is completed by the GIN index in the same statement (a
     one-time filter: that branch runs only then). Where a walk stopped is an edge in the
     sort's order: the page and the ranking take only matches before the first edge, of
     every kind, so no page passes over rows a walk did not read;
   - index: anything rarer: every match through the GIN index (in a MATERIALIZED common table
     expression, so no btree index of the scope is AND-ed with it), then the scope and the
     order on the matched rows only.
   When the matches before the edge cannot fill the page asked for (or, for a count alone,
   there is none), the statement runs again with the next, larger budget; in the last round
   every short walk is completed.
   The lists' sizes are the per-kind counts (capped); the union holds every kind's first
   `depth`, so its first RANK_CANDIDATES in date order are the candidates relevance ranks with
   ts_rank (only they are scored), and the date sorts take their page from it directly.
Relevance ranks the newest RANK_CANDIDATES matches in scope (see engines.base).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction

from carecircle.search.engines import base
from carecircle.search.engines.base import EngineResult, KindScope, Scope, Sort
from carecircle.search.engines.common import SqlEngine, hit_of
from carecircle.search.engines.scope_sql import ORDER_BY, kinds_by_name, scope_sql
from carecircle.search.parsing import ParsedQuery, Term

TSQUERY_SQL = "to_tsquery('english', %s)"
# Kinds with a partial GIN index of their own (migrations 0004 and 0006) and a partial date
# index (migration 0005): the condition repeats the indexes' WHERE clause literally so the
# planner can use them.
SMALL_KINDS_CONDITION = "kind IN ('member', 'community', 'resource')"
KIND_INDEX_CONDITIONS = {
    "topic": "kind = 'topic'",
    "member": SMALL_KINDS_CONDITION,
    "community": SMALL_KINDS_CONDITION,
    "resource": SMALL_KINDS_CONDITION,
}
# A kind is walked when walking to its `depth` matches is expected to read fewer than
# WALK_FACTOR times the rows the index would fetch (every match):
# depth / share < WALK_FACTOR * share * rows of the kind. A walked row is cheaper than a
# fetched match: the walk reads neighbouring rows from the same pages and no GIN posting lists
# (measured at 1,000,000 rows: 4 beat 1 for three common words and for phrases, 0.3-0.5 s less).
# A kind whose matches are too many to fetch cheaply (GIN_AFFORDABLE_ROWS) is walked too: its
# walk's budget bounds the work.
WALK_FACTOR = 4.0
# Only discussions are walked: the words of members and communities (profiles, sealed health
# words, descriptions) share little with the words of posts, so the share of the whole index
# says nothing about them; their few matches come from their partial GIN index.
WALKED_KINDS = ("topic", "post")
# How many rows of its kind in scope a walk may read. A combination of common words in 2 % of
# rows needs ~50,000 read to reach RANK_CANDIDATES matches (over 100 ms at 1,000,000 rows): the
# walk stops at the budget instead (6,000 rows: 10-15 ms), its count becomes "at least the
# matches found", and the page comes from matches newer than where it stopped. The first round
# reads enough rows to expect FIRST_WALK_MATCHES matches (six pages), from WALK_BUDGETS[0] up
# to FIRST_WALK_MOST rows. When what was found cannot fill the page asked for (a later page, or
# a sparse combination), the search runs again with the next budget; after the last, a walk
# that stopped short is completed by the GIN index.
WALK_BUDGETS = (6_000, 60_000)
FIRST_WALK_MATCHES = 120
FIRST_WALK_MOST = 24_000
# A walk that stopped short is completed by the GIN index at once (an exact count) when the
# kind is expected to have at most this many matches: fetching that many rows through the index
# costs about what the walk did (measured at 1,000,000 rows: ~4,500 rows in 15-20 ms).
GIN_AFFORDABLE_ROWS = 5_000
# ANALYZE's figures change only when it runs again: a process reads them again after this long.
STATISTICS_SECONDS = 300.0
# Per database: when they were read, the common elements' shares, the rows of each kind.
_cached_statistics: dict[str, tuple[float, dict[str, float], dict[str, float]]] = {}
# For the search's transaction only (see the module docstring).
PLANNER_SETTINGS = {"jit": "off", "work_mem": "64MB", "enable_sort": "off"}
# The columns a list carries (the scope was checked before). Not the vector: copying ~700
# bytes a row into every list cost more (23 ms for a word in 4,400 rows) than reading the
# vectors of the RANK_CANDIDATES rows ranked again through the primary key (2-3 ms).
LIST_COLUMNS = "id, kind, object_id, audience, created_at"
# The columns a scope condition reads, and the list's.
COLUMNS = (
    "id, kind, object_id, audience, community_id, topic_id, author_id, is_question, is_solved,"
    " created_at"
)
LIST_ORDER: dict[Sort, str] = {
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


@dataclass(frozen=True)
class Statistics:
    """What ANALYZE knows: the share of rows holding each word, and the rows of each kind."""

    shares: dict[str, float]
    kind_rows: dict[str, float]

    def expected_share(self, query: ParsedQuery) -> float:
        """The share of rows expected to match `query`.

        Alternatives add up, clauses multiply, several words of one term count as the rarest
        (an upper bound: they need not be side by side, or even together); a word ANALYZE did
        not keep among the most common counts as rare (0). The planner's own estimate adds a
        default for every word it does not know, which made an OR of rare synonyms look common.
        """
        expected = 1.0
        for clause in query.clauses:
            clause_share = sum(
                min(self.shares.get(word, 0.0) for word in term.words)
                for term in clause.alternatives
            )
            expected *= min(1.0, clause_share)
        return expected

    def walks(self, kind: str, share: float, depth: int) -> bool:
        """Whether to walk `kind`'s rows in date order rather than fetch every match.

        Walked: when reaching `depth` matches reads fewer rows than WALK_FACTOR times the GIN
        index would fetch, or when the index would fetch more than GIN_AFFORDABLE_ROWS (the
        walk's budget then bounds the work).
        """
        if kind not in WALKED_KINDS or share <= 0:
            return False
        rows = self.kind_rows.get(kind, 0.0)
        return depth / share < WALK_FACTOR * share * rows or not self.gin_affordable(kind, share)

    def gin_affordable(self, kind: str, share: float) -> bool:
        """Whether fetching every expected match of `kind` through the GIN index is cheap."""
        return share * self.kind_rows.get(kind, 0.0) <= GIN_AFFORDABLE_ROWS


def walk_budgets(share: float) -> tuple[int, ...]:
    """The rows a walk may read in each round, for matches expected in `share` of the rows."""
    first = WALK_BUDGETS[0]
    if share > 0:
        first = int(min(max(first, FIRST_WALK_MATCHES / share), FIRST_WALK_MOST))
    return (first, *(budget for budget in WALK_BUDGETS[1:] if budget > first))


def _statistics(words: list[str]) -> Statistics:
    """Word shares and kind rows; also sets PLANNER_SETTINGS for the transaction (one query).

    ANALYZE's figures (the ~1,000 most common elements of search_vector, the rows of each kind)
    are read with it when this process has none younger than STATISTICS_SECONDS; otherwise the
    statement only stems the words.
    """
    database = str(connection.settings_dict.get("NAME"))
    cached = _cached_statistics.get(database)
    refresh = cached is None or time.monotonic() - cached[0] > STATISTICS_SECONDS
    sql = (
        "WITH settings AS MATERIALIZED (SELECT count(set_config(name, value, true)) AS done"
        " FROM unnest(%s::text[], %s::text[]) AS setting(name, value))"
        " SELECT 'lexeme', word, lexeme, NULL::float8 FROM settings, unnest(%s::text[]) AS word"
        " LEFT JOIN LATERAL unnest(tsvector_to_array(to_tsvector('english', word))) AS lexeme"
        " ON true"
    )
    if refresh:
        sql += (
            " UNION ALL SELECT 'common', element, NULL, share FROM settings, pg_stats,"
            " unnest(most_common_elems::text::text[], most_common_elem_freqs)"
            " AS common(element, share)"
            " WHERE schemaname = current_schema() AND tablename = 'search_searchdocument'"
            " AND attname = 'search_vector'"
            " UNION ALL SELECT 'kind', kind, NULL, (share * greatest(c.reltuples, 0))::float8"
            " FROM settings, pg_class c, pg_stats s,"
            " unnest(s.most_common_vals::text::text[], s.most_common_freqs) AS k(kind, share)"
            " WHERE c.oid = 'search_searchdocument'::regclass AND s.schemaname = current_schema()"
            " AND s.tablename = 'search_searchdocument' AND s.attname = 'kind'"
        )
    with connection.cursor() as cursor:
        cursor.execute(sql, [list(PLANNER_SETTINGS), list(PLANNER_SETTINGS.values()), words])
        rows = cursor.fetchall()
    if refresh:
        common = {name: float(value) for what, name, _, value in rows if what == "common"}
        kind_rows = {name: float(value) for what, name, _, value in rows if what == "kind"}
        _cached_statistics[database] = (time.monotonic(), common, kind_rows)
    else:
        assert cached is not None
        _read_at, common, kind_rows = cached
    shares: dict[str, float] = dict.fromkeys(words, 0.0)
    for what, word, lexeme, _value in rows:
        if what == "lexeme" and lexeme is not None:
            shares[word] = max(shares[word], common.get(lexeme, 0.0))
    return Statistics(shares, kind_rows)


def _query_words(query: ParsedQuery) -> list[str]:
    return sorted(
        {word for clause in query.clauses for term in clause.alternatives for word in term.words}
    )


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
        depth = max(base.COUNT_CAP + 1, offset + limit)
        if sort == "relevance":
            depth = max(depth, base.RANK_CANDIDATES)
        nested = connection.in_atomic_block
        with transaction.atomic(savepoint=False):
            walked, completed, budgets = self._walked(query, tuple(kinds), depth)
            for round_number, budget in enumerate(budgets):
                if round_number == len(budgets) - 1:
                    completed = walked  # the last round: a short walk is always completed
                sql, params = self._search_sql(
                    tsquery,
                    scope,
                    kinds,
                    walked,
                    completed,
                    sort=sort,
                    depth=depth,
                    budget=budget,
                    limit=limit,
                    offset=offset,
                )
                with connection.cursor() as cursor:
                    cursor.execute(sql, params)
                    rows = cursor.fetchall()
                counts = {
                    row[2]: min(int(row[3]), base.COUNT_CAP + 1)
                    for row in rows
                    if row[0] == "count"
                }
                stopped = frozenset(row[2] for row in rows if row[0] == "stopped")
                # Pages come only from matches newer than where a stopped walk stopped: when
                # those fill the page asked for (at least one row for a count), this is it.
                usable = sum(int(row[3]) for row in rows if row[0] == "usable")
                if not stopped or usable >= offset + max(limit, 1):
                    break
            if nested:
                with connection.cursor() as cursor:
                    # The caller's transaction goes on: its next statements plan as before.
                    cursor.execute(
                        "SELECT count(set_config(name, reset_val, true)) FROM pg_settings"
                        " WHERE name = ANY(%s)",
                        [list(PLANNER_SETTINGS)],
                    )
        hits = [
            hit_of(row[1:6])
            for row in sorted((row for row in rows if row[0] == "hit"), key=lambda row: row[6])
        ]
        kind_totals = {kind: counts.get(kind, 0) for kind in kinds}
        total = min(sum(kind_totals.values()), base.COUNT_CAP + 1)
        return EngineResult(
            hits,
            total,
            kind_totals if count_kinds else None,
            stopped_kinds=stopped,
        )

    @staticmethod
    def _walked(
        query: ParsedQuery, kinds: tuple[str, ...], depth: int
    ) -> tuple[set[str], set[str], tuple[int, ...]]:
        """The kinds to walk in date order (the others come from the GIN index), those of them
        a walk the budget stopped short leaves to the GIN index at once, and the budgets of the
        rounds (walk_budgets).

        Runs the first statement of the search's transaction (see the module docstring).
        """
        statistics = _statistics(_query_words(query))
        share = statistics.expected_share(query)
        walked = {kind for kind in kinds if statistics.walks(kind, share, depth)}
        completed = {kind for kind in walked if statistics.gin_affordable(kind, share)}
        return walked, completed, walk_budgets(share)

    def _search_sql(
        self,
        tsquery: str,
        scope: Scope,
        kinds: dict[str, tuple[KindScope, ...]],
        walked: set[str],
        completed: set[str],
        *,
        sort: Sort,
        depth: int,
        budget: int,
        limit: int,
        offset: int,
    ) -> tuple[str, list[Any]]:
        """One statement for the page and the counts.

        Rows: ("hit", id, kind, object_id, audience, score, position) for the page, then
        ("count", NULL, kind, n, NULL, NULL, NULL) per kind, n its matches up to `depth`,
        ("stopped", NULL, kind, n, ...) for each walk that read `budget` rows and found fewer
        than `depth` (and was not completed by the index), and, when a walk can stop,
        ("usable", NULL, NULL, n, ...): the matches the page and the ranking come from, those
        before the first stopped walk's edge in the sort's order.
        """
        order = LIST_ORDER[sort]
        # Kinds the index answers share one scan of it: the whole index when one of them has
        # no partial index of its own (replies), else their partial index. A walk that falls
        # short asks the same scan, or its kind's partial index.
        indexed_conditions = {
            KIND_INDEX_CONDITIONS.get(kind) for kind in kinds if kind not in walked
        }
        shared = "" if None in indexed_conditions else None
        scans: dict[str, str] = {}  # index condition ("" for none) -> common table name
        ctes: list[str] = []
        params: list[Any] = []  # the common tables' parameters, in their order
        list_params: list[Any] = []
        stopped_parts: list[str] = []
        stopped_params: list[Any] = []
        # The first row past each walk's budget: only matches before it in the sort's order
        # can be paged and ranked, or a later page would skip that walk's unread rows.
        edges: list[str] = []
        edge_params: list[Any] = []

        def scan_of(kind: str) -> str:
            condition = KIND_INDEX_CONDITIONS.get(kind, "")
            if kind not in walked and shared is not None:
                condition = shared
            if condition not in scans:
                name = f"matches{len(scans)}"
                scans[condition] = name
                ctes.append(
                    f"{name} AS MATERIALIZED (SELECT {COLUMNS} FROM search_searchdocument"
                    f" WHERE search_vector @@ {TSQUERY_SQL}"
                    + (f" AND {condition}" if condition else "")
                    + ")"
                )
                params.append(tsquery)
            return scans[condition]

        lists: list[str] = []
        for number, (kind, rules) in enumerate(kinds.items()):
            where, where_params = scope_sql(scope, rules)
            if kind not in walked:
                lists.append(
                    f"SELECT {LIST_COLUMNS} FROM {scan_of(kind)} d WHERE {where}"
                    f" ORDER BY {order} LIMIT %s"
                )
                list_params.extend([*where_params, depth])
                continue
            # The walk: a subquery with its own LIMIT is not flattened, so the planner reads a
            # date index in order and the outer LIMIT stops it at `depth` matches, having read
            # at most `budget` rows. The row after those, when the scope has one, comes out
            # unchecked (walked > budget): it says the budget stopped the walk, not the end of
            # the scope. (Counting the scope's rows instead, only when a walk falls short, cost
            # 5-10 ms a walk at 1,000,000 rows; numbering the rows walked costs about 1 ms.)
            walk = f"walk{number}"
            state = f"walked{number}"
            ctes.append(
                f"{walk} AS (SELECT {LIST_COLUMNS}, walked FROM (SELECT {COLUMNS},"
                f" search_vector, row_number() OVER (ORDER BY {order}) AS walked"
                f" FROM search_searchdocument d WHERE {where} ORDER BY {order} LIMIT %s) d"
                f" WHERE (d.walked <= %s AND d.search_vector @@ {TSQUERY_SQL})"
                " OR d.walked > %s LIMIT %s)"
            )
            params.extend([*where_params, budget + 1, budget, tsquery, budget, depth])
            ctes.append(
                f"{state} AS MATERIALIZED (SELECT count(*) FILTER (WHERE walked <= %s) AS found,"
                f" count(*) FILTER (WHERE walked <= %s) < %s AND count(*) FILTER"
                f" (WHERE walked > %s) > 0 AS stopped FROM {walk})"
            )
            params.extend([budget, budget, depth, budget])
            if kind not in completed:
                lists.append(f"SELECT {LIST_COLUMNS} FROM {walk} WHERE walked <= %s")
                list_params.append(budget)
                stopped_parts.append(
                    f"SELECT 'stopped', NULL, %s, found, NULL, NULL, NULL FROM {state}"
                    " WHERE stopped"
                )
                stopped_params.append(kind)
                edges.append(f"SELECT created_at, id FROM {walk} WHERE walked > %s")
                edge_params.append(budget)
                continue
            # A walk that stopped short is completed by the index, in the same statement (a
            # one-time filter: that branch runs only then).
            from_index = (
                f"SELECT {LIST_COLUMNS} FROM {scan_of(kind)} d WHERE {where}"
                f" ORDER BY {order} LIMIT %s"
            )
            lists.append(
                f"SELECT {LIST_COLUMNS} FROM {walk} WHERE walked <= %s"
                f" AND NOT (SELECT stopped FROM {state})"
                f" UNION ALL SELECT * FROM ({from_index}) indexed"
                f" WHERE (SELECT stopped FROM {state})"
            )
            list_params.extend([budget, *where_params, depth])
        ctes.append("lists AS (" + " UNION ALL ".join(f"({part})" for part in lists) + ")")
        params.extend(list_params)
        paged = "lists"
        if edges:
            # The earliest edge in the sort's order bounds every kind's usable matches.
            before = "<" if sort == "oldest" else ">"
            ctes.append(
                "edge AS (SELECT created_at, id FROM ("
                + " UNION ALL ".join(edges)
                + f") e ORDER BY {order} LIMIT 1), usable AS (SELECT * FROM lists"
                " WHERE NOT EXISTS (SELECT 1 FROM edge)"
                f" OR (created_at, id) {before} (SELECT created_at, id FROM edge))"
            )
            params.extend(edge_params)
            paged = "usable"
        if sort == "relevance":
            page = (
                "SELECT 'hit' AS tag, id, kind, object_id, audience, score,"
                f" row_number() OVER (ORDER BY {ORDER_BY['relevance']}) AS position FROM ("
                f"SELECT c.*, ts_rank(v.search_vector, {TSQUERY_SQL}) AS score FROM ("
                f"SELECT * FROM {paged} ORDER BY {order} LIMIT %s) c"
                " JOIN search_searchdocument v ON v.id = c.id) candidates"
                f" ORDER BY {ORDER_BY['relevance']} LIMIT %s OFFSET %s"
            )
            params.extend([tsquery, base.RANK_CANDIDATES, limit, offset])
        else:
            page = (
                "SELECT 'hit' AS tag, c.id, c.kind, c.object_id, c.audience,"
                f" ts_rank(v.search_vector, {TSQUERY_SQL}) AS score,"
                f" row_number() OVER (ORDER BY c.{order.replace(', ', ', c.')}) AS position FROM ("
                f"SELECT * FROM {paged} ORDER BY {order} LIMIT %s OFFSET %s) c"
                " JOIN search_searchdocument v ON v.id = c.id"
            )
            params.extend([tsquery, limit, offset])
        sql = (
            "WITH " + ", ".join(ctes) + " SELECT * FROM (" + page + ") page"
            " UNION ALL SELECT 'count', NULL, kind, count(*), NULL, NULL, NULL FROM lists"
            " GROUP BY kind" + "".join(f" UNION ALL {part}" for part in stopped_parts)
        )
        if edges:
            sql += " UNION ALL SELECT 'usable', NULL, NULL, count(*), NULL, NULL, NULL FROM usable"
        return sql, params + stopped_params
