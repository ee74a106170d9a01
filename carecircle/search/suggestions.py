""" "Did you mean …": the closest known word for each word the index does not hold.

Known words are the vocabulary (`SearchTerm`, refreshed by a periodic task) and every word of
the synonym groups. Candidates come from indexed lookups, never a scan of the vocabulary: every
string one edit away, then (for longer words with no such neighbour) the words sharing the
first two letters. A word two edits away whose first two letters are both wrong is not found.
"""

from __future__ import annotations

import re
from string import ascii_lowercase as ASCII_LETTERS

from django.db.models import Q
from django.db.models.functions import Length

from carecircle.search.models import SearchTerm
from carecircle.search.synonyms import known_words, stem
from carecircle.search.vocabulary import MAX_WORD_LENGTH, MIN_WORD_LENGTH

WORD_PATTERN = re.compile(r"[^\W_]+")
# The query operator "OR" is not a word to correct.
OPERATORS = frozenset({"OR"})


def max_distance(word: str) -> int:
    """How many edits a suggestion may be away: 1 for words of up to 4 letters, else 2."""
    return 1 if len(word) <= 4 else 2


def distance(first: str, second: str, limit: int) -> int:
    """Damerau–Levenshtein distance (adjacent transpositions, each letter edited once), or
    `limit + 1` as soon as it must be more than `limit`."""
    if abs(len(first) - len(second)) > limit:
        return limit + 1
    before: list[int] = []
    previous = list(range(len(second) + 1))
    for i in range(1, len(first) + 1):
        current = [i] + [0] * len(second)
        lowest = i
        for j in range(1, len(second) + 1):
            cost = 0 if first[i - 1] == second[j - 1] else 1
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and first[i - 1] == second[j - 2] and first[i - 2] == second[j - 1]:
                value = min(value, before[j - 2] + 1)
            current[j] = value
            lowest = min(lowest, value)
        if lowest > limit:
            return limit + 1
        before, previous = previous, current
    return previous[-1]


def _starting_with(prefix: str) -> Q:
    # A range, not LIKE: it uses the unique index on `word` on both databases.
    return Q(word__gte=prefix, word__lt=prefix[:-1] + chr(ord(prefix[-1]) + 1))


def one_edit_away(word: str) -> set[str]:
    """Every string one deletion, transposition, replacement or insertion away from `word`."""
    letters = set(ASCII_LETTERS) | set(word)
    splits = [(word[:cut], word[cut:]) for cut in range(len(word) + 1)]
    edits = {left + right[1:] for left, right in splits if right}
    edits |= {left + right[1] + right[0] + right[2:] for left, right in splits if len(right) > 1}
    edits |= {left + letter + right[1:] for left, right in splits if right for letter in letters}
    edits |= {left + letter + right for left, right in splits for letter in letters}
    edits.discard(word)
    return edits


def _candidates(word: str) -> dict[str, int]:
    """Known words that may be close to `word`, with their document counts.

    One edit: every such string is looked up by the unique index (a few hundred keys). Two
    edits (longer words, when one found nothing): words of about the same length sharing the
    first two letters (or those two swapped), one indexed range each.
    """
    near = one_edit_away(word)
    found = dict(SearchTerm.objects.filter(word__in=near).values_list("word", "document_count"))
    synonym_words = known_words()
    for other in near & synonym_words:
        found.setdefault(other, 0)
    if found or max_distance(word) == 1:
        return found
    prefixes = {word[:2], word[1] + word[0]}
    letters = Q()
    for prefix in prefixes:
        letters |= _starting_with(prefix)
    shortest, longest = len(word) - 2, len(word) + 2
    rows = (
        SearchTerm.objects.filter(letters)
        .annotate(length=Length("word"))
        .filter(length__gte=shortest, length__lte=longest)
        .values_list("word", "document_count")
    )
    found = dict(rows)
    for other in synonym_words:
        if other[:2] in prefixes and shortest <= len(other) <= longest:
            found.setdefault(other, 0)
    return found


def closest_word(word: str) -> str | None:
    """The known word nearest to an unknown `word` (fewest edits, then most documents, then
    alphabetical), or None: also when a near word is the same word inflected ("attacks")."""
    limit = max_distance(word)
    typed_stem = stem(word)
    best: tuple[int, int, str] | None = None
    for other, count in _candidates(word).items():
        edits = distance(word, other, limit)
        if edits > limit:
            continue
        if stem(other) == typed_stem:
            return None  # the engines stem: this word finds what `other` finds
        key = (edits, -count, other)
        if best is None or key < best:
            best = key
    return best[2] if best else None


def _checkable(token: str) -> bool:
    return (
        token not in OPERATORS
        and token.isalpha()
        and MIN_WORD_LENGTH <= len(token) <= MAX_WORD_LENGTH
    )


def _like(typed: str, word: str) -> str:
    if typed.isupper():
        return word.upper()
    if typed[0].isupper():
        return word[0].upper() + word[1:]
    return word


def suggest(text: str) -> str:
    """The query with misspelt words replaced, or "" when nothing better is known."""
    tokens = [match for match in WORD_PATTERN.finditer(text) if _checkable(match.group())]
    words = {match.group().lower() for match in tokens}
    if not words:
        return ""
    known = set(SearchTerm.objects.filter(word__in=words).values_list("word", flat=True))
    known |= words & known_words()
    replacements: dict[str, str] = {}
    for word in sorted(words - known):
        better = closest_word(word)
        if better is not None:
            replacements[word] = better
    if not replacements:
        return ""
    parts: list[str] = []
    position = 0
    for match in tokens:
        replacement = replacements.get(match.group().lower())
        if replacement is None:
            continue
        parts.append(text[position : match.start()])
        parts.append(_like(match.group(), replacement))
        position = match.end()
    parts.append(text[position:])
    return "".join(parts)
