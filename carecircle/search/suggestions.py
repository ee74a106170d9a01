""" "Did you mean …": the closest known word for each word the index does not hold."""

from __future__ import annotations


def suggest(text: str) -> str:
    """The query with misspelt words replaced, or "" when nothing better is known."""
    raise NotImplementedError
