"""The WHERE clause both engines share: a Scope as SQL on search_searchdocument `d`.

Every value travels as a query parameter; only placeholders and fixed column names are
formatted into the text.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import connection

from carecircle.search.engines.base import KindScope, Scope, Sort

# Members who share a community with the searcher (the searcher included).
SHARED_MEMBERS_SQL = (
    "SELECT b.user_id FROM communities_membership a "
    "JOIN communities_membership b ON a.community_id = b.community_id WHERE a.user_id = %s"
)

ORDER_BY: dict[Sort, str] = {
    "relevance": "score DESC, created_at DESC, id DESC",
    "newest": "created_at DESC, id DESC",
    "oldest": "created_at ASC, id ASC",
}


def placeholders(values: tuple[Any, ...]) -> str:
    """`%s, %s, …` for an IN list (never empty: callers handle that case)."""
    return ", ".join(["%s"] * len(values))


def _datetime(value: datetime) -> Any:
    # SQLite stores naive UTC text; the backend's own adapter keeps comparisons exact.
    return connection.ops.adapt_datetimefield_value(value)


def kind_sql(kind_scope: KindScope) -> tuple[str, list[Any]]:
    """Rows of one kind the searcher may match: community and audience rules."""
    parts = ["d.kind = %s"]
    params: list[Any] = [kind_scope.kind]
    if kind_scope.community_ids is not None:
        if kind_scope.community_ids:
            in_communities = f"d.community_id IN ({placeholders(kind_scope.community_ids)})"
            if kind_scope.include_no_community:
                in_communities = f"({in_communities} OR d.community_id IS NULL)"
            parts.append(in_communities)
            params.extend(kind_scope.community_ids)
        elif kind_scope.include_no_community:
            parts.append("d.community_id IS NULL")
        else:
            return "1 = 0", []
    if kind_scope.shared_with_user_id is not None:
        parts.append(
            f"((d.audience = 1 AND d.object_id NOT IN ({SHARED_MEMBERS_SQL}))"
            f" OR (d.audience = 2 AND d.object_id IN ({SHARED_MEMBERS_SQL})))"
        )
        params.extend([kind_scope.shared_with_user_id, kind_scope.shared_with_user_id])
    elif kind_scope.audiences:
        parts.append(f"d.audience IN ({placeholders(kind_scope.audiences)})")
        params.extend(kind_scope.audiences)
    else:
        return "1 = 0", []
    return "(" + " AND ".join(parts) + ")", params


def scope_sql(scope: Scope, kinds: tuple[KindScope, ...] | None = None) -> tuple[str, list[Any]]:
    """The scope as one SQL condition and its parameters (`kinds` overrides scope.kinds)."""
    kinds = scope.kinds if kinds is None else kinds
    if not kinds:
        return "1 = 0", []
    params: list[Any] = []
    kind_parts = []
    for kind_scope in kinds:
        sql, kind_params = kind_sql(kind_scope)
        kind_parts.append(sql)
        params.extend(kind_params)
    parts = ["(" + " OR ".join(kind_parts) + ")"]
    if scope.exclude_author_ids:
        # Anonymous rows have no author: blocking someone never hides them.
        parts.append(
            f"(d.author_id IS NULL OR d.author_id NOT IN "
            f"({placeholders(scope.exclude_author_ids)}))"
        )
        params.extend(scope.exclude_author_ids)
    if scope.exclude_object_ids:
        parts.append(
            "NOT ("
            + " OR ".join(["(d.kind = %s AND d.object_id = %s)"] * len(scope.exclude_object_ids))
            + ")"
        )
        for kind, object_id in scope.exclude_object_ids:
            params.extend([kind, object_id])
    if scope.author_id is not None:
        parts.append("d.author_id = %s")
        params.append(scope.author_id)
    if scope.created_after is not None:
        parts.append("d.created_at >= %s")
        params.append(_datetime(scope.created_after))
    if scope.created_before is not None:
        parts.append("d.created_at < %s")
        params.append(_datetime(scope.created_before))
    if scope.is_question is not None:
        parts.append("d.is_question = %s")
        params.append(scope.is_question)
    if scope.is_solved is not None:
        parts.append("d.is_solved = %s")
        params.append(scope.is_solved)
    if scope.topic_id is not None:
        parts.append("d.topic_id = %s")
        params.append(scope.topic_id)
    return " AND ".join(parts), params


def kinds_by_name(scope: Scope) -> dict[str, tuple[KindScope, ...]]:
    """The scope's kind rules grouped by kind, in scope order (for per-tab counts)."""
    grouped: dict[str, list[KindScope]] = {}
    for kind_scope in scope.kinds:
        grouped.setdefault(kind_scope.kind, []).append(kind_scope)
    return {kind: tuple(rules) for kind, rules in grouped.items()}
