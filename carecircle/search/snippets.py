"""Snippets cut from the current text around the matched words, for both engines alike."""

from __future__ import annotations


def snippet_html(text: str, words: set[str], *, length: int = 240) -> str:
    """An escaped excerpt of `text` with <mark> around words whose stem matches `words`."""
    raise NotImplementedError
