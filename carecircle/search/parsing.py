"""What a member typed, as a structure both engines compile: words, "phrases", -exclusions, OR.

`parse_query("tired \"brain fog\" -covid OR long")` gives required clauses (each an OR of
alternatives) and excluded alternatives. Engines never see raw text, so nothing a member types
can reach FTS5's or PostgreSQL's own query syntax.
"""

from __future__ import annotations

from dataclasses import dataclass, field

MAX_CLAUSES = 12
MAX_WORD_LENGTH = 60


@dataclass(frozen=True)
class Term:
    """One alternative: words that must all match; in this order and next to each other when
    `is_phrase`. Words are lower-case and hold only letters and digits."""

    words: tuple[str, ...]
    is_phrase: bool = False


@dataclass(frozen=True)
class Clause:
    """Something the document must match: any one of `alternatives` (OR, synonyms)."""

    alternatives: tuple[Term, ...]
    # What the member typed for this clause (shown in "Did you mean", kept through expansion).
    typed: str = ""


@dataclass(frozen=True)
class ParsedQuery:
    clauses: tuple[Clause, ...] = ()
    excluded: tuple[Term, ...] = ()
    # Parts dropped because the query was too long or held nothing searchable.
    notes: tuple[str, ...] = field(default=())

    @property
    def is_empty(self) -> bool:
        return not self.clauses

    def words(self) -> set[str]:
        """Every word the results may be highlighted on (all alternatives, not exclusions)."""
        return {
            word for clause in self.clauses for term in clause.alternatives for word in term.words
        }


def parse_query(text: str) -> ParsedQuery:
    """Parse a member's query; never raises (unbalanced quotes close at the end)."""
    raise NotImplementedError
