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

Measured at 1,000,000 rows, the cost of a common word is the heap visits that check the scope
(community, kind, audience) of each match, above all for the per-kind counts; keeping those
columns inside the full-text index (a btree_gin multicolumn GIN) is a schema change for later.
"""

from __future__ import annotations

from typing import Any

from carecircle.search.engines import base
from carecircle.search.engines.base import Sort
from carecircle.search.engines.common import SqlEngine
from carecircle.search.engines.scope_sql import ORDER_BY
from carecircle.search.parsing import ParsedQuery, Term

TSQUERY_SQL = "to_tsquery('english', %s)"
# Kinds with a small partial GIN index of their own (migration 0004).
PEOPLE_KINDS = ("member", "community")


def _term(term: Term) -> str:
    # Words hold only letters and digits (parse_query), so a quote cannot occur.
    quoted = [f"'{word}'" for word in term.words]
    if len(quoted) == 1:
        return quoted[0]
    return "(" + " <-> ".join(quoted) + ")"


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

    def kind_match_sql(self, query: ParsedQuery, kind: str) -> tuple[str, str, list[Any]]:
        """Member and community rows are counted through their partial GIN index.

        The kind list is written out literally (not a parameter) so the planner can prove the
        query implies the index's WHERE clause (migration 0004).
        """
        from_sql, match, params = self.match_sql(query)
        if kind in PEOPLE_KINDS:
            match = f"{match} AND d.kind IN ('member', 'community')"
        return from_sql, match, params

    def word_match_sql(self, word: str) -> tuple[str, str, list[Any]]:
        """Rows holding `word` (stemmed by the 'english' configuration)."""
        return "search_searchdocument d", f"d.search_vector @@ {TSQUERY_SQL}", [f"'{word}'"]

    def page_sql(
        self, query: ParsedQuery, where: str, params: list[Any], sort: Sort, limit: int, offset: int
    ) -> tuple[str, list[Any]]:
        """One page: newest/oldest by date, relevance by ts_rank over the candidates."""
        tsquery = compile_tsquery(query)
        if sort == "relevance":
            sql = (
                "SELECT id, kind, object_id, audience,"
                f" ts_rank(search_vector, {TSQUERY_SQL}) AS score FROM ("
                "SELECT d.id, d.kind, d.object_id, d.audience, d.created_at, d.search_vector"
                f" FROM search_searchdocument d WHERE d.search_vector @@ {TSQUERY_SQL}"
                f" AND {where} ORDER BY d.id DESC LIMIT %s) candidates"
                f" ORDER BY {ORDER_BY['relevance']} LIMIT %s OFFSET %s"
            )
            return sql, [tsquery, *params, base.RANK_CANDIDATES, limit, offset]
        sql = (
            "SELECT id, kind, object_id, audience,"
            f" ts_rank(search_vector, {TSQUERY_SQL}) AS score FROM ("
            "SELECT d.id, d.kind, d.object_id, d.audience, d.created_at, d.search_vector"
            f" FROM search_searchdocument d WHERE d.search_vector @@ {TSQUERY_SQL}"
            f" AND {where} ORDER BY {ORDER_BY[sort]} LIMIT %s OFFSET %s) page"
            f" ORDER BY {ORDER_BY[sort]}"
        )
        return sql, [tsquery, *params, limit, offset]
