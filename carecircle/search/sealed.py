"""Health words in the index as keyed tokens, so the index keeps encryption at rest.

A profile's conditions, treatments and story are encrypted in their own table. Putting their
words in the index as plain text would undo that for every member who shows them to someone,
so member rows hold each of those words as a keyed hash of its English stem ("h" + 20 hex
digits) instead. A search adds the same tokens for its own words, so a member who shows
"lupus" to the searcher is still found by "lupus", while the index alone (a backup, a copy
of the database) names no condition. The key derives from SECRET_KEY: rotating that secret
means rebuilding the index (`manage.py rebuild_search_index`).
"""

from __future__ import annotations

import re

import snowballstemmer
from django.utils.crypto import salted_hmac

from carecircle.search.parsing import Clause, ParsedQuery, Term

_WORD = re.compile(r"[^\W_]+")
_stemmer = snowballstemmer.stemmer("english")
_SALT = "carecircle.search.sealed"


def seal_word(word: str) -> str:
    """The keyed token for one word (its stem, so "diabetic" and "diabetes" meet)."""
    stem = _stemmer.stemWord(word.lower())
    return "h" + salted_hmac(_SALT, stem, algorithm="sha256").hexdigest()[:20]


def seal_text(text: str) -> str:
    """Every word of `text` as its token, in order (phrases still match)."""
    return " ".join(seal_word(word) for word in _WORD.findall(text))


def with_sealed_alternatives(query: ParsedQuery) -> ParsedQuery:
    """`query` with each alternative also offered as tokens, to find sealed profile words."""
    clauses = tuple(
        Clause(
            alternatives=clause.alternatives
            + tuple(
                Term(tuple(seal_word(word) for word in term.words), term.is_phrase)
                for term in clause.alternatives
            ),
            typed=clause.typed,
        )
        for clause in query.clauses
    )
    excluded = query.excluded + tuple(
        Term(tuple(seal_word(word) for word in term.words), term.is_phrase)
        for term in query.excluded
    )
    return ParsedQuery(clauses=clauses, excluded=excluded, notes=query.notes)
