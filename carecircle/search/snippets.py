"""Snippets cut from the current text around the matched words, for both engines alike.

Safety: the text is never put into HTML as it is. It is cut into pieces, every piece goes
through `escape`, and the only markup added is our own <mark> and </mark>, so nothing a
member wrote can become a tag or an attribute.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from carecircle.search.synonyms import stem

WORD_PATTERN = re.compile(r"[^\W_]+")
ELLIPSIS = "…"


def _plain(word: str) -> str:
    """Lower case without accents: "Cafés" and "cafes" meet, as in the engines."""
    if word.isascii():
        return word.lower()  # nothing to decompose: most words, and most of a snippet's time
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(character for character in decomposed if not unicodedata.combining(character))


def _fold(word: str) -> str:
    return stem(_plain(word))


@dataclass(frozen=True)
class _Match:
    start: int
    end: int
    key: str


def _matches(text: str, keys: set[str]) -> list[_Match]:
    # A stem keeps its word's first letter: only words starting like a query stem are stemmed,
    # so a long text costs a few stems, not one per word.
    initials = {key[0] for key in keys if key}
    found = []
    for match in WORD_PATTERN.finditer(text):
        plain = _plain(match.group())
        if plain[0] not in initials:
            continue
        key = stem(plain)
        if key in keys:
            found.append(_Match(match.start(), match.end(), key))
    return found


def _best_window(matches: list[_Match], length: int) -> list[_Match]:
    """The matches of the window of `length` characters holding the most different words
    (then the most matches), the earliest such window on a tie."""
    best = (0, 0, 0, 0)  # different words, matches, first, past the last
    counts: Counter[str] = Counter()
    last = 0
    for first, match in enumerate(matches):
        if last <= first:
            last = first
            counts.clear()
        while last < len(matches) and matches[last].end - match.start <= length:
            counts[matches[last].key] += 1
            last += 1
        if last == first:
            continue  # one word longer than the window: it cannot be shown whole
        score = (len(counts), last - first)
        if score > best[:2]:
            best = (*score, first, last)
        counts[match.key] -= 1
        if not counts[match.key]:
            del counts[match.key]
    return matches[best[2] : best[3]]


def _bounds(text: str, inside: list[_Match], length: int) -> tuple[int, int]:
    if not inside:
        start = 0
    else:
        # Centre the matched stretch, so each side has some words for context.
        span_start, span_end = inside[0].start, inside[-1].end
        start = max(0, span_start - (length - (span_end - span_start)) // 2)
    end = min(len(text), start + length)
    start = max(0, end - length)
    # Never cut a word in two: move each cut to the nearest space inside the window.
    if start > 0 and not text[start - 1].isspace():
        space = text.find(" ", start, inside[0].start if inside else end)
        if space != -1:
            start = space + 1
    if end < len(text) and not text[end].isspace():
        space = text.rfind(" ", inside[-1].end if inside else start, end)
        if space != -1:
            end = space
    return start, end


def snippet_html(text: str, words: set[str], *, length: int = 240) -> str:
    """An escaped excerpt of `text` with <mark> around words whose stem matches `words`."""
    text = " ".join(text.split())
    keys = {_fold(word) for word in words if word}
    matches = _matches(text, keys) if keys else []
    if len(text) <= length:
        start, end = 0, len(text)
    else:
        start, end = _bounds(text, _best_window(matches, length), length)
    parts: list[str] = []
    if start > 0:
        parts.append(ELLIPSIS)
    position = start
    for match in matches:
        if match.start < start or match.end > end:
            continue
        parts.append(escape(text[position : match.start]))
        parts.append("<mark>" + escape(text[match.start : match.end]) + "</mark>")
        position = match.end
    parts.append(escape(text[position:end]))
    if end < len(text):
        parts.append(ELLIPSIS)
    html: SafeString = mark_safe("".join(parts).strip())  # noqa: S308 - every piece escaped
    return html
