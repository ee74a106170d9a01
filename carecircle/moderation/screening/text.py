"""Text helpers shared by the screens: normalising without moving offsets, and phrase files.

Every screen matches against a *normalised* copy of the text that has exactly the same length
as the original, so a match's start and end point at the member's own words and can be
highlighted or masked without a second search.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

try:  # Python 3.11+ keeps the regular-expression parser here.
    import re._parser as regex_parser
except ImportError:  # pragma: no cover - older Pythons
    import sre_parse as regex_parser  # type: ignore[no-redef]

DATA_DIR = Path(__file__).resolve().parent / "data"

# Curly quotes, backticks and the like become a plain apostrophe or quote, dashes a hyphen.
_CHARACTER_MAP = {
    "\u2018": "'",
    "\u2019": "'",
    "\u02bc": "'",
    "\u0060": "'",
    "\u00b4": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u2010": "-",
    "\u2011": "-",
    "\u2012": "-",
    "\u2013": "-",
    "\u2014": "-",
    "\u00a0": " ",
}


_TRANSLATION = str.maketrans(_CHARACTER_MAP)


def normalise(text: str) -> str:
    """Lower-case the text and unify quotes and dashes, keeping every offset where it was."""
    mapped_text = text.translate(_TRANSLATION)
    lowered_text = mapped_text.lower()
    # Lower-casing never shortens a text, so the same length means no character grew.
    if len(lowered_text) == len(mapped_text):
        return lowered_text
    out = []
    for character in text:
        mapped = _CHARACTER_MAP.get(character, character)
        lowered = mapped.lower()
        # A few characters lower-case into two ("İ"); keep those as they were so offsets hold.
        out.append(lowered if len(lowered) == 1 else mapped)
    return "".join(out)


_SENTENCE_END = re.compile(r"[.!?;\n]+|\s[-]\s|,\s+(?:but|though|although|however)\b")
_CLAUSE_BREAK = re.compile(r"[,:(]|\b(?:but|and|so|because|though|although|however)\b")


def sentence_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """The start and end of the sentence holding text[start:end] (punctuation ends sentences)."""
    left = 0
    for found in _SENTENCE_END.finditer(text, 0, start):
        left = found.end()
    right = len(text)
    found_right = _SENTENCE_END.search(text, end)
    if found_right:
        # Keep a closing question mark inside the sentence: questions are judged by it.
        right = found_right.end()
    return left, right


def clause_before(text: str, start: int, *, max_words: int = 6) -> str:
    """The words just before `start` in the same clause (at most `max_words`)."""
    sentence_start, _ = sentence_bounds(text, start, start)
    before = text[sentence_start:start]
    breaks = list(_CLAUSE_BREAK.finditer(before))
    if breaks:
        before = before[breaks[-1].end() :]
    words = before.split()
    return " ".join(words[-max_words:])


@dataclass(frozen=True)
class Phrase:
    """One compiled entry of a phrase file."""

    label: str
    source: str
    pattern: re.Pattern[str]
    # Pieces of text one of which every match contains; empty when none could be worked out.
    anchors: frozenset[str] = frozenset()


_MIN_ANCHOR = 3


def _literal_runs(items: Any) -> list[frozenset[str]]:
    """Candidate anchor sets of a sequence: each set holds strings one of which must occur."""
    candidates: list[frozenset[str]] = []
    run: list[str] = []
    for op, args in items:
        if op == regex_parser.LITERAL:
            run.append(chr(args))
            continue
        if _is_whitespace_run(op, args):
            # Anchors are looked for in a copy of the text with whitespace collapsed to one space.
            run.append(" ")
            continue
        if run:
            candidates.append(frozenset({"".join(run)}))
            run = []
        found = _anchors_of(op, args)
        if found:
            candidates.append(found)
    if run:
        candidates.append(frozenset({"".join(run)}))
    return candidates


def _is_whitespace_run(op: Any, args: Any) -> bool:
    return (
        op == regex_parser.MAX_REPEAT
        and args[0] == 1
        and list(args[2])
        == [(regex_parser.IN, [(regex_parser.CATEGORY, regex_parser.CATEGORY_SPACE)])]
    )


def _anchors_of(op: Any, args: Any) -> frozenset[str]:
    if op == regex_parser.SUBPATTERN:
        return _best(_literal_runs(args[3]))
    if op == regex_parser.BRANCH:
        alternatives = [_best(_literal_runs(branch)) for branch in args[1]]
        if all(alternatives):
            return frozenset().union(*alternatives)
        return frozenset()
    if op in (regex_parser.MAX_REPEAT, regex_parser.MIN_REPEAT) and args[0] >= 1:
        return _best(_literal_runs(args[2]))
    return frozenset()


def _best(candidates: list[frozenset[str]]) -> frozenset[str]:
    usable = [
        found for found in candidates if min(len(piece.strip()) for piece in found) >= _MIN_ANCHOR
    ]
    if not usable:
        return frozenset()
    # A few pieces first (cheap to check), then the longest shortest piece (more selective).
    return max(usable, key=lambda found: (len(found) <= 6, min(map(len, found)), -len(found)))


def _word_start_matches(pattern: re.Pattern[str], text: str) -> Iterator[re.Match[str]]:
    # Phrases match from the start of a word. Checking that here rather than with a
    # look-behind in the pattern lets the regular-expression engine skip ahead much faster.
    position = 0
    while (found := pattern.search(text, position)) is not None:
        start = found.start()
        if start and (text[start - 1].isalnum() or text[start - 1] in "_'"):
            position = start + 1
            continue
        yield found
        position = max(found.end(), start + 1)


def anchors_for(pattern: str) -> frozenset[str]:
    """Literal pieces one of which any match of `pattern` must contain (empty: unknown)."""
    return _best(_literal_runs(regex_parser.parse(pattern)))


_DEFINE = re.compile(r"^@define\s+([A-Z_]+)\s*=\s*(.+)$")
_SECTION = re.compile(r"^\[([a-z_]+)\]$")
_MACRO = re.compile(r"\{([A-Z_]+)\}")


def phrase_to_regex(phrase: str, macros: dict[str, str]) -> str:
    """Turn one readable phrase line into a regular expression.

    A space matches any run of whitespace, an apostrophe is optional ("cant" = "can't"),
    {NAME} inserts a macro, and everything else is Python regular-expression syntax. The
    match must end at the end of a word; that it starts at the start of one is checked when
    matching (see PhraseSet.matches).
    """
    return rf"{_macro_value(phrase, macros)}(?!\w)"


def _spaces(pattern: str) -> str:
    # " ?" is an optional space ("any ?more"); any other space is one or more whitespace.
    return re.sub(r" +", r"\\s+", pattern.replace(" ?", r"\s*"))


def _macro_value(value: str, macros: dict[str, str]) -> str:
    # Spaces and apostrophes first, so a macro (already converted) is not converted twice.
    converted = _spaces(value.strip().replace("'", "'?"))
    return _MACRO.sub(lambda found: f"(?:{macros[found.group(1)]})", converted)


@dataclass(frozen=True)
class PhraseSet:
    """A phrase file's entries, in order."""

    phrases: tuple[Phrase, ...]
    anchors: frozenset[str] = frozenset()

    def matches(self, text: str) -> Iterator[tuple[Phrase, re.Match[str]]]:
        """Every match of every phrase, in file order (nothing at all for most texts)."""
        # Regular expressions cost a few microseconds per phrase even when they fail; a
        # substring test is far cheaper, so a phrase runs only when one of its anchors is there.
        collapsed = " ".join(text.split())
        present = {anchor for anchor in self.anchors if anchor in collapsed}
        for phrase in self.phrases:
            if phrase.anchors and phrase.anchors.isdisjoint(present):
                continue
            for found in _word_start_matches(phrase.pattern, text):
                yield phrase, found


@cache
def load_phrases(filename: str) -> PhraseSet:
    """Read and compile a phrase file from data/ (cached: the files only change on deploy)."""
    macros: dict[str, str] = {}
    label = ""
    phrases: list[Phrase] = []
    for number, raw_line in enumerate((DATA_DIR / filename).read_text("utf-8").splitlines(), 1):
        line = raw_line.strip()
        if not line or line.startswith("#"):
            continue
        if defined := _DEFINE.match(line):
            macros[defined.group(1)] = _macro_value(defined.group(2), macros)
            continue
        if section := _SECTION.match(line):
            label = section.group(1)
            continue
        if not label:
            raise ValueError(f"{filename}:{number}: phrase before any [label] section")
        try:
            compiled = re.compile(phrase_to_regex(line, macros))
        except (re.error, KeyError) as error:
            raise ValueError(f"{filename}:{number}: {line!r}: {error}") from error
        phrases.append(
            Phrase(
                label=label,
                source=line,
                pattern=compiled,
                anchors=anchors_for(compiled.pattern),
            )
        )
    every_anchor = frozenset().union(*(phrase.anchors for phrase in phrases))
    return PhraseSet(phrases=tuple(phrases), anchors=every_anchor)


@cache
def load_word_list(filename: str) -> tuple[str, ...]:
    """Read a list of cue words/phrases (one a line, # comments) from data/."""
    lines = (DATA_DIR / filename).read_text("utf-8").splitlines()
    return tuple(line.strip() for line in lines if line.strip() and not line.startswith("#"))


@cache
def cue_regex(filename: str) -> re.Pattern[str]:
    """One regular expression matching any cue of a word list, as whole words."""
    alternatives = sorted(load_word_list(filename), key=len, reverse=True)
    body = "|".join(_macro_value(cue, {}) for cue in alternatives)
    return re.compile(rf"(?<![\w'])(?:{body})(?!\w)")
