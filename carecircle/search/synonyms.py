"""Lay and clinical words that find each other, applied to a parsed query at search time."""

from __future__ import annotations

from carecircle.search.parsing import ParsedQuery


def expand(query: ParsedQuery) -> ParsedQuery:
    """`query` with each clause (or run of clauses forming a known phrase) widened to its group."""
    raise NotImplementedError
