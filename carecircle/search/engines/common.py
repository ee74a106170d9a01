# ruff: noqa: S608 - only placeholders and fixed SQL are formatted in; every value is a parameter
"""What the SQLite and PostgreSQL engines share: counting, per-kind totals, result rows.

Each engine supplies how rows match (its FROM and match condition) and the ranked page query;
the scope, caps and counts are the same SQL on both.
"""

from __future__ import annotations

from typing import Any

from django.db import connection

from carecircle.search.engines import base
from carecircle.search.engines.base import EngineResult, Hit, KindScope, Scope, Sort
from carecircle.search.engines.scope_sql import kinds_by_name, scope_sql
from carecircle.search.parsing import ParsedQuery


def hit_of(row: tuple[Any, ...]) -> Hit:
    """A Hit from (id, kind, object_id, audience, score)."""
    return Hit(int(row[0]), row[1], int(row[2]), int(row[3]), float(row[4] or 0.0))


class SqlEngine:
    """Shared search flow; subclasses say how rows match and how a page is ranked."""

    name = "sql"

    def match_sql(self, query: ParsedQuery) -> tuple[str, str, list[Any]]:
        """FROM clause (with `d` = search_searchdocument), match condition, its parameters."""
        raise NotImplementedError

    def page_sql(
        self, query: ParsedQuery, where: str, params: list[Any], sort: Sort, limit: int, offset: int
    ) -> tuple[str, list[Any]]:
        """SELECT id, kind, object_id, audience, score for one page of matches."""
        raise NotImplementedError

    def page(
        self, query: ParsedQuery, where: str, params: list[Any], sort: Sort, limit: int, offset: int
    ) -> list[Hit]:
        """The hits of one page (`params`: the match's, then the scope's)."""
        sql, sql_params = self.page_sql(query, where, params, sort, limit, offset)
        with connection.cursor() as cursor:
            cursor.execute(sql, sql_params)
            return [hit_of(row) for row in cursor.fetchall()]

    def kind_match_sql(self, query: ParsedQuery, kind: str) -> tuple[str, str, list[Any]]:
        """FROM clause and match condition for counting the rows of one kind."""
        return self.match_sql(query)

    def word_match_sql(self, word: str) -> tuple[str, str, list[Any]]:
        """FROM clause and condition for rows holding one (stemmed) word."""
        raise NotImplementedError

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
        from_sql, match, match_params = self.match_sql(query)
        where, where_params = scope_sql(scope)
        hits = (
            self.page(query, where, match_params + where_params, sort, limit, offset)
            if limit
            else []
        )
        kind_totals: dict[str, int] | None = None
        if count_kinds:
            kind_totals = {
                kind: self._capped_count(*self.kind_match_sql(query, kind), scope, rules)
                for kind, rules in kinds.items()
            }
            # Each kind is capped at COUNT_CAP + 1, so the capped sum is the capped total.
            total = min(sum(kind_totals.values()), base.COUNT_CAP + 1)
        else:
            total = self._capped_count(from_sql, match, match_params, scope, None)
        return EngineResult(hits, total, kind_totals)

    def _capped_count(
        self,
        from_sql: str,
        match: str,
        match_params: list[Any],
        scope: Scope,
        kinds: tuple[KindScope, ...] | None,
    ) -> int:
        where, where_params = scope_sql(scope, kinds)
        sql = (
            f"SELECT count(*) FROM (SELECT 1 FROM {from_sql} "
            f"WHERE {match} AND {where} LIMIT %s) capped"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [*match_params, *where_params, base.COUNT_CAP + 1])
            return int(cursor.fetchone()[0])

    def document_frequency(self, words: list[str]) -> dict[str, int]:
        """How many rows hold each (stemmed) word, counted up to DOCUMENT_FREQUENCY_CAP."""
        frequencies: dict[str, int] = {}
        for word in words:
            if not word.isalnum():
                # Only what parse_query would produce reaches the engine's syntax.
                frequencies[word] = 0
                continue
            from_sql, match, params = self.word_match_sql(word.lower())
            sql = f"SELECT count(*) FROM (SELECT 1 FROM {from_sql} WHERE {match} LIMIT %s) capped"
            with connection.cursor() as cursor:
                cursor.execute(sql, [*params, base.DOCUMENT_FREQUENCY_CAP])
                frequencies[word] = int(cursor.fetchone()[0])
        return frequencies
