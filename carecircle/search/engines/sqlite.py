# ruff: noqa: S608 - only placeholders and fixed SQL are formatted in; every value is a parameter
"""SQLite FTS5 engine: the embedded default.

The query is compiled from parsed words only, each in double quotes, so FTS5's own syntax
(NEAR, column filters, `*`, `^`) can never come from what a member typed. Score is
-bm25(search_fts, 10.0, 1.0): a title match counts ten times a body match.

Relevance ranks the most recently indexed RANK_CANDIDATES matches in scope (see
engines.base): FTS5 walks its matches in descending rowid (= document id) order, the join stops
once enough are in scope, and only those are scored and sorted. newest/oldest need no ranking;
for a word in many rows they walk the created_at index instead (SCOPE_DRIVEN_MATCHES).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from django.db import connection

from carecircle.search.engines import base
from carecircle.search.engines.base import Hit, Sort
from carecircle.search.engines.common import SqlEngine, hit_of
from carecircle.search.engines.scope_sql import ORDER_BY, placeholders
from carecircle.search.parsing import ParsedQuery, Term

FROM_SQL = "search_fts JOIN search_searchdocument d ON d.id = search_fts.rowid"
# Member, community and library resource rows also live in a small FTS5 table of their own
# (migrations 0004 and 0006): a common word's matches of those kinds are counted there,
# without walking its discussion matches.
PEOPLE_KINDS = ("member", "community", "resource")
PEOPLE_FROM_SQL = "search_fts_people JOIN search_searchdocument d ON d.id = search_fts_people.rowid"
SCORE_SQL = "-bm25(search_fts, 10.0, 1.0)"
# Above this many matches (anywhere in the index), newest/oldest walk the rows in scope by date
# and check each against the set of matching ids, instead of sorting every match by date.
SCOPE_DRIVEN_MATCHES = 20_000


def _term(term: Term) -> str:
    # Words hold only letters and digits (parse_query), so a double quote cannot occur.
    if term.is_phrase or len(term.words) == 1:
        return '"' + " ".join(term.words) + '"'
    # Several words typed without quotes (a synonym run such as heart attack): all of them,
    # anywhere, as when they were typed as separate words.
    return "(" + " AND ".join(f'"{word}"' for word in term.words) + ")"


def _alternatives(terms: tuple[Term, ...]) -> str:
    if len(terms) == 1:
        return _term(terms[0])
    return "(" + " OR ".join(_term(term) for term in terms) + ")"


def compile_match(query: ParsedQuery) -> str:
    """The FTS5 MATCH expression for `query` (which must have at least one clause)."""
    expression = " AND ".join(_alternatives(clause.alternatives) for clause in query.clauses)
    if query.excluded:
        expression = f"({expression}) NOT {_alternatives(query.excluded)}"
    return expression


class SqliteEngine(SqlEngine):
    name = "sqlite"

    def match_sql(self, query: ParsedQuery) -> tuple[str, str, list[Any]]:
        """FTS5 table joined to the documents, matched by the compiled expression."""
        return FROM_SQL, "search_fts MATCH %s", [compile_match(query)]

    def kind_match_sql(self, query: ParsedQuery, kind: str) -> tuple[str, str, list[Any]]:
        """Member and community rows are counted through their own small FTS5 table."""
        if kind in PEOPLE_KINDS:
            return PEOPLE_FROM_SQL, "search_fts_people MATCH %s", [compile_match(query)]
        return self.match_sql(query)

    def word_match_sql(self, word: str) -> tuple[str, str, list[Any]]:
        """Rows holding `word` (stemmed by the FTS5 tokenizer)."""
        return "search_fts", "search_fts MATCH %s", [f'"{word}"']

    def page_sql(
        self, query: ParsedQuery, where: str, params: list[Any], sort: Sort, limit: int, offset: int
    ) -> tuple[str, list[Any]]:
        """One page: newest/oldest straight from the join, relevance over the candidates."""
        if sort == "relevance":
            sql = (
                "SELECT id, kind, object_id, audience, score FROM ("
                f"SELECT d.id, d.kind, d.object_id, d.audience, d.created_at, {SCORE_SQL} AS score"
                f" FROM {FROM_SQL} WHERE search_fts MATCH %s AND {where}"
                " ORDER BY search_fts.rowid DESC LIMIT %s) candidates"
                f" ORDER BY {ORDER_BY['relevance']} LIMIT %s OFFSET %s"
            )
            return sql, [*params, base.RANK_CANDIDATES, limit, offset]
        sql = (
            "SELECT id, kind, object_id, audience, score FROM ("
            f"SELECT d.id, d.kind, d.object_id, d.audience, d.created_at, {SCORE_SQL} AS score"
            f" FROM {FROM_SQL} WHERE search_fts MATCH %s AND {where}) matches"
            f" ORDER BY {ORDER_BY[sort]} LIMIT %s OFFSET %s"
        )
        return sql, [*params, limit, offset]

    def page(
        self, query: ParsedQuery, where: str, params: list[Any], sort: Sort, limit: int, offset: int
    ) -> list[Hit]:
        """Newest/oldest of a word in many rows walk the documents in scope instead."""
        if sort == "relevance":
            return super().page(query, where, params, sort, limit, offset)
        match = params[0]
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM (SELECT 1 FROM search_fts WHERE search_fts MATCH %s"
                " LIMIT %s) capped",
                [match, SCOPE_DRIVEN_MATCHES + 1],
            )
            if int(cursor.fetchone()[0]) <= SCOPE_DRIVEN_MATCHES:
                return super().page(query, where, params, sort, limit, offset)
            # The matching ids become one in-memory set; rows are walked in date order (the
            # created_at index) and stop at the page, instead of sorting every match by date.
            cursor.execute(
                "SELECT d.id, d.kind, d.object_id, d.audience, 0.0 FROM search_searchdocument d"
                " INDEXED BY search_document_created"
                " WHERE +d.id IN (SELECT rowid FROM search_fts WHERE search_fts MATCH %s)"
                f" AND {where} ORDER BY {ORDER_BY[sort]}"
                " LIMIT %s OFFSET %s",
                [*params, limit, offset],
            )
            hits = [hit_of(row) for row in cursor.fetchall()]
            if not hits:
                return hits
            ids = tuple(hit.document_id for hit in hits)
            cursor.execute(
                f"SELECT rowid, {SCORE_SQL} FROM search_fts WHERE search_fts MATCH %s"
                f" AND rowid IN ({placeholders(ids)})",
                [match, *ids],
            )
            scores = {int(row[0]): float(row[1]) for row in cursor.fetchall()}
        return [replace(hit, score=scores.get(hit.document_id, 0.0)) for hit in hits]
