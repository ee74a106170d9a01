"""What a member typed, as a structure both engines compile: words, "phrases", -exclusions, OR.

`parse_query("tired \"brain fog\" -covid OR long")` gives required clauses (each an OR of
alternatives) and excluded alternatives. Engines never see raw text, so nothing a member types
can reach FTS5's or PostgreSQL's own query syntax.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

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


# PostgreSQL's 'english' stop list (tsearch_data/english.stop), so both engines drop the same
# words: PostgreSQL's index holds none of them, and a clause of only these could never match.
_STOPWORD_TEXT = """
    i me my myself we our ours ourselves you your yours yourself yourselves he him his himself
    she her hers herself it its itself they them their theirs themselves what which who whom this
    that these those am is are was were be been being have has had having do does did doing a an
    the and but if or because as until while of at by for with about against between into through
    during before after above below to from up down in out on off over under again further then
    once here there when where why how all any both each few more most other some such no nor not
    only own same so than too very s t can will just don should now
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())
# Longer input is cut before parsing: nothing useful is lost and parsing stays cheap.
MAX_QUERY_LENGTH = 1000


@dataclass
class _Item:
    """One parsed piece before clauses are built: a word or phrase, possibly negated, or OR."""

    words: tuple[str, ...]
    typed: str
    is_phrase: bool = False
    is_negated: bool = False
    is_or: bool = False


def _words_of(raw: str) -> list[str]:
    """Lower-case words (runs of letters and digits) in `raw`, in order."""
    words: list[str] = []
    current: list[str] = []
    # Lower-casing may add marks ("İ" -> "i" + combining dot); NFC folds what it can and a
    # mark left over is dropped, so every word stays letters and digits only.
    for char in unicodedata.normalize("NFC", raw.lower()):
        if char.isalnum():
            current.append(char)
        elif unicodedata.category(char).startswith("M"):
            continue
        elif current:
            words.append("".join(current))
            current = []
    if current:
        words.append("".join(current))
    return words


def _is_word_char(char: str) -> bool:
    """Letters, digits, and marks that belong to the letter before them."""
    return char.isalnum() or unicodedata.category(char).startswith("M")


def _scan(text: str) -> list[_Item]:
    """Split `text` into words, "phrases", -negations and OR markers."""
    items: list[_Item] = []
    index, length = 0, len(text)
    while index < length:
        char = text[index]
        negated = False
        if (
            char == "-"
            and index + 1 < length
            and (index == 0 or not _is_word_char(text[index - 1]))
        ):
            following = text[index + 1]
            if following == '"' or _is_word_char(following):
                negated = True
                index += 1
                char = following
        if char == '"':
            end = text.find('"', index + 1)
            if end == -1:
                end = length  # an unbalanced quote closes at the end
            inner = text[index + 1 : end]
            words = tuple(_words_of(inner))
            if words:
                items.append(
                    _Item(words, f'"{" ".join(inner.split())}"', is_phrase=True, is_negated=negated)
                )
            index = end + 1
            continue
        if _is_word_char(char):
            end = index
            while end < length and _is_word_char(text[end]):
                end += 1
            raw = text[index:end]
            if raw == "OR" and not negated:
                items.append(_Item((), raw, is_or=True))
            else:
                # One typed run may lower-case into several words; each is its own term.
                for word in _words_of(raw):
                    items.append(_Item((word,), raw, is_negated=negated))
            index = end
            continue
        index += 1
    return items


def _term(item: _Item) -> Term:
    return Term(item.words, is_phrase=item.is_phrase and len(item.words) > 1)


def parse_query(text: str) -> ParsedQuery:
    """Parse a member's query; never raises (unbalanced quotes close at the end)."""
    text = text if isinstance(text, str) else ""
    notes: list[str] = []
    if len(text) > MAX_QUERY_LENGTH:
        text = text[:MAX_QUERY_LENGTH]
        notes.append(_("Your search was too long: only its beginning was used."))
    items = _scan(unicodedata.normalize("NFC", text))

    dropped_long = False
    kept: list[_Item] = []
    for item in items:
        if item.is_or:
            kept.append(item)
            continue
        words = tuple(word for word in item.words if len(word) <= MAX_WORD_LENGTH)
        if len(words) < len(item.words):
            dropped_long = True
        if len(words) > MAX_CLAUSES:
            words = words[:MAX_CLAUSES]
            notes.append(
                _("Only the first %(count)d words of a phrase were used.") % {"count": MAX_CLAUSES}
            )
        if words:
            item.words = words
            kept.append(item)
    if dropped_long:
        notes.append(
            _("Words longer than %(count)d letters were ignored.") % {"count": MAX_WORD_LENGTH}
        )

    # Group positive items into clauses: OR between two positive items joins them.
    groups: list[list[_Item]] = []
    excluded_items: list[_Item] = []
    pending_or = False
    for item in kept:
        if item.is_or:
            pending_or = bool(groups)
            continue
        if item.is_negated:
            excluded_items.append(item)
            pending_or = False
            continue
        if pending_or:
            groups[-1].append(item)
        else:
            groups.append([item])
        pending_or = False

    def droppable(item: _Item) -> bool:
        return not item.is_phrase and item.words[0] in STOPWORDS

    filtered = [[item for item in group if not droppable(item)] for group in groups]
    filtered = [group for group in filtered if group]
    if filtered:
        groups = filtered
    excluded_items = [item for item in excluded_items if not droppable(item)]

    clauses: list[Clause] = []
    for group in groups:
        alternatives: list[Term] = []
        for item in group:
            term = _term(item)
            if term not in alternatives:
                alternatives.append(term)
        if len(alternatives) > MAX_CLAUSES:
            alternatives = alternatives[:MAX_CLAUSES]
            notes.append(
                _("Only the first %(count)d alternatives joined by OR were used.")
                % {"count": MAX_CLAUSES}
            )
        clause = Clause(tuple(alternatives), typed=" OR ".join(item.typed for item in group))
        if all(clause.alternatives != other.alternatives for other in clauses):
            clauses.append(clause)
    if len(clauses) > MAX_CLAUSES:
        clauses = clauses[:MAX_CLAUSES]
        notes.append(
            _("Only the first %(count)d words were searched; the rest was ignored.")
            % {"count": MAX_CLAUSES}
        )
    excluded: list[Term] = []
    for item in excluded_items:
        term = _term(item)
        if term not in excluded:
            excluded.append(term)
    if len(excluded) > MAX_CLAUSES:
        excluded = excluded[:MAX_CLAUSES]
        notes.append(_("Only the first %(count)d exclusions were used.") % {"count": MAX_CLAUSES})
    return ParsedQuery(tuple(clauses), tuple(excluded), tuple(dict.fromkeys(notes)))
