"""Lay and clinical words that find each other, applied to a parsed query at search time.

Groups live in `SynonymGroup` rows (seeded from data/synonyms.txt, edited by site admins) and
are held in process. Each process checks at most once a minute whether the rows changed (their
count and latest `updated_at`), so an admin's edit reaches every process within a minute, and
the process that saved it at once.

A typed run of words matches a term when the words are equal, or equal in the singular
("heart attacks" finds "heart attack", "allergies" finds "allergy"). Abbreviations written with
capitals in a group ("MS", "AIDS", "POTS") match themselves and their plural only, so "aid" or
"pot" do not turn into a disease. Small glue words ("of", "the") are ignored inside a run.
"""

from __future__ import annotations

import functools
import itertools
import re
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import snowballstemmer
from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from carecircle.core.audit import record_event
from carecircle.core.errors import PermissionDeniedError, ValidationFailed
from carecircle.search.models import SynonymGroup
from carecircle.search.parsing import MAX_WORD_LENGTH, Clause, ParsedQuery, Term

SYNONYM_FILE = Path(__file__).resolve().parent / "data" / "synonyms.txt"
# Longest run of typed words (not counting GLUE_WORDS) that may form one term.
MAX_TERM_WORDS = 4
MAX_TERMS_PER_GROUP = 30
# Seconds between checks whether the rows changed.
CHECK_EVERY = 60.0
# Small words inside a term that people leave out or the parser drops ("shortness of breath"):
# ignored when comparing, kept in the phrases searched. "s" is what "Crohn's" leaves behind.
GLUE_WORDS = frozenset(
    {"of", "the", "in", "and", "with", "s", "for", "to", "on", "an", "by", "at", "from"}
)
WORD_PATTERN = re.compile(r"[^\W_]+")
ALLOWED_PUNCTUATION = frozenset(" '-")

_stemmer = snowballstemmer.stemmer("english")


@functools.lru_cache(maxsize=50_000)
def stem(word: str) -> str:
    """The Snowball (English) stem of a lower-case word (cached: the pure-Python stemmer takes
    about a quarter of a millisecond a word)."""
    return str(_stemmer.stemWord(word))


def _is_abbreviation(raw_word: str) -> bool:
    # "MS", "HbA1c", "PrEP", the "D" of "vitamin D": matched as written, never stemmed.
    if raw_word.islower():
        return False
    capitals = sum(map(str.isupper, raw_word))
    return capitals >= 2 or (len(raw_word) == 1 and raw_word.isupper())


def term_words(term: str) -> tuple[str, ...]:
    """The lower-case words of a term, as the query parser would split them."""
    return tuple(word.lower() for word in WORD_PATTERN.findall(term))


def _content(raw_words: Iterable[str]) -> list[str]:
    return [word for word in raw_words if _is_abbreviation(word) or word.lower() not in GLUE_WORDS]


def exact_key(term: str) -> tuple[str, ...]:
    """A term's words without glue words: what a typed run must equal."""
    return tuple(word.lower() for word in _content(WORD_PATTERN.findall(term)))


def singular(word: str) -> str:
    """A lower-case word without a plain English plural ending ("attacks" -> "attack")."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("ches", "shes", "sses", "xes", "zes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def singular_key(term: str) -> tuple[str, ...]:
    """A term's words in the singular, abbreviations as written ("=mri"): two terms with the
    same key are the same term, and a typed run with this key finds it."""
    return tuple(
        "=" + word.lower() if _is_abbreviation(word) else singular(word.lower())
        for word in _content(WORD_PATTERN.findall(term))
    )


def term_problem(term: str) -> str:
    """Why `term` cannot be a synonym term, or "" when it can."""
    if not term:
        return _("A term is empty: remove the extra comma.")
    if any(not (character.isalnum() or character in ALLOWED_PUNCTUATION) for character in term):
        return _("“%(term)s” may only hold letters, digits, spaces, apostrophes and hyphens.") % {
            "term": term
        }
    words = WORD_PATTERN.findall(term)
    key = exact_key(term)
    if not words or not key:
        return _("“%(term)s” needs at least one word.") % {"term": term}
    if len(key) > MAX_TERM_WORDS:
        return _("“%(term)s” is longer than %(count)d words.") % {
            "term": term,
            "count": MAX_TERM_WORDS,
        }
    if any(len(word) > MAX_WORD_LENGTH for word in words):
        return _("“%(term)s” holds a word that is too long.") % {"term": term}
    return ""


def split_terms(text: str) -> list[str]:
    """The comma-separated terms of `text`, spaces tidied, repeats (same words) dropped."""
    terms: list[str] = []
    seen: set[tuple[str, ...]] = set()
    for part in text.split(","):
        term = " ".join(part.split())
        words = term_words(term)
        if words in seen and words:
            continue
        seen.add(words)
        terms.append(term)
    while terms and not terms[-1]:
        terms.pop()  # a trailing comma is not an empty term
    return terms


def parse_terms(text: str) -> list[str]:
    """The terms of a group as an admin typed them; raises ValidationFailed explaining why not."""
    terms = split_terms(text)
    problems = [problem for problem in (term_problem(term) for term in terms) if problem]
    if problems:
        raise ValidationFailed(" ".join(problems), code="synonym_terms", field="terms")
    if len(terms) < 2:
        raise ValidationFailed(
            _("Give at least two words or phrases, separated by commas."),
            code="synonym_terms",
            field="terms",
        )
    if len(terms) > MAX_TERMS_PER_GROUP:
        raise ValidationFailed(
            _("A group holds at most %(count)d terms: split it.") % {"count": MAX_TERMS_PER_GROUP},
            code="synonym_terms",
            field="terms",
        )
    return terms


def read_synonym_file(path: Path = SYNONYM_FILE) -> list[tuple[str, list[str]]]:
    """(category, terms) for each group line of the file; raises ValueError naming a bad line."""
    groups: list[tuple[str, list[str]]] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        category, separator, rest = line.partition(":")
        if not separator or not category.strip().isalpha():
            raise ValueError(f"{path.name} line {number}: expected 'category: term, term'")
        try:
            terms = parse_terms(rest)
        except ValidationFailed as error:
            raise ValueError(f"{path.name} line {number}: {error.message}") from error
        groups.append((category.strip().lower(), terms))
    return groups


# The in-process index.


@dataclass
class SynonymIndex:
    groups: list[tuple[Term, ...]] = field(default_factory=list)
    exact: dict[tuple[str, ...], list[int]] = field(default_factory=dict)
    # Singular key -> groups. Plural and singular are told by `singular`, not by Snowball
    # stems: those join words that are not the same ("pancreatic" and "pancreatitis" share
    # "pancreat"), and the pure-Python stemmer would make the first search of a process slow.
    folded: dict[tuple[str, ...], list[int]] = field(default_factory=dict)
    # How each term was written ("MI", "Crohn's disease"), for "Also searched".
    display: dict[tuple[str, ...], str] = field(default_factory=dict)
    words: frozenset[str] = frozenset()

    def lookup(self, words: tuple[str, ...]) -> list[int]:
        """The groups a typed run of lower-case words is a term of (usually none or one)."""
        content = [word for word in words if word not in GLUE_WORDS]
        if not content or len(content) > MAX_TERM_WORDS:
            return []
        found = self.exact.get(tuple(content))
        if found:
            return found
        options = []
        for word in content:
            choices = [singular(word), "=" + word]
            if word.endswith("s") and len(word) > 2:
                choices.append("=" + word[:-1])  # "MRIs", "UTIs"
            options.append(choices)
        for key in itertools.product(*options):
            found = self.folded.get(key)
            if found:
                return found
        return []


def build_index(texts: Iterable[str]) -> SynonymIndex:
    """An index over groups given as comma-separated terms; terms that are not valid are skipped."""
    index = SynonymIndex()
    words: set[str] = set()
    for text in texts:
        terms = [term for term in split_terms(text) if not term_problem(term)]
        if len(terms) < 2:
            continue
        number = len(index.groups)
        alternatives = []
        for term in terms:
            term_text = term_words(term)
            alternatives.append(Term(term_text, is_phrase=len(term_text) > 1))
            index.display.setdefault(term_text, term)
            words.update(term_text)
            numbers = index.exact.setdefault(exact_key(term), [])
            if number not in numbers:
                numbers.append(number)
            numbers = index.folded.setdefault(singular_key(term), [])
            if number not in numbers:
                numbers.append(number)
        index.groups.append(tuple(alternatives))
    index.words = frozenset(words)
    return index


@dataclass
class _Cache:
    index: SynonymIndex | None = None
    version: tuple[Any, ...] | None = None
    checked_at: float = 0.0


_cache = _Cache()
_lock = threading.Lock()


def reset_cache() -> None:
    """Forget the groups held in this process: the next search reads them again."""
    with _lock:
        _cache.index = None
        _cache.version = None
        _cache.checked_at = 0.0


def _version() -> tuple[Any, ...]:
    row = SynonymGroup.objects.aggregate(count=Count("id"), latest=Max("updated_at"))
    return (row["count"], row["latest"])


def current_index(*, now: float | None = None) -> SynonymIndex:
    """The active groups, re-read when the rows changed (checked at most every CHECK_EVERY s)."""
    now = time.monotonic() if now is None else now
    with _lock:
        index = _cache.index
        if index is not None and now - _cache.checked_at < CHECK_EVERY:
            return index
        version = _version()
        if index is None or version != _cache.version:
            texts = SynonymGroup.objects.filter(is_active=True).order_by("id")
            index = build_index(texts.values_list("terms", flat=True))
            _cache.index = index
            _cache.version = version
        _cache.checked_at = now
        return index


def known_words() -> frozenset[str]:
    """Every lower-case word of the active groups (the suggestions' vocabulary includes them)."""
    return current_index().words


# Expansion.


def _single_word(clause: Clause) -> str | None:
    if len(clause.alternatives) != 1:
        return None
    term = clause.alternatives[0]
    if term.is_phrase or len(term.words) != 1:
        return None
    return term.words[0]


def _singulars(words: Iterable[str]) -> tuple[str, ...]:
    return tuple(singular(word) for word in words if word not in GLUE_WORDS)


def _widen(index: SynonymIndex, kept: list[Term], matched: Term, numbers: list[int]) -> list[Term]:
    """`kept` plus every term of the groups except what was typed.

    Typed unquoted, a plural or singular of the term is left out too: the engines stem
    words, so it would find nothing more. A quoted phrase keeps every other spelling
    ("crohns disease" for "crohn's disease").
    """
    typed = _singulars(matched.words)
    alternatives = list(kept)
    for number in numbers:
        for term in index.groups[number]:
            if term.words == matched.words or term in alternatives:
                continue
            if not matched.is_phrase and _singulars(term.words) == typed:
                continue
            alternatives.append(term)
    return alternatives


def _longest_run(
    clauses: tuple[Clause, ...], start: int, index: SynonymIndex
) -> tuple[int, list[int]] | None:
    run: list[str] = []
    content = 0
    for position in range(start, len(clauses)):
        word = _single_word(clauses[position])
        if word is None:
            break
        if word not in GLUE_WORDS:
            if content == MAX_TERM_WORDS:
                break
            content += 1
        run.append(word)
    # Longest first; a run starts and ends with a word that counts (never "the heart attack").
    for length in range(len(run), 0, -1):
        if run[length - 1] in GLUE_WORDS:
            continue
        numbers = index.lookup(tuple(run[:length]))
        if numbers:
            return start + length, numbers
    return None


def expand(query: ParsedQuery) -> ParsedQuery:
    """`query` with each clause (or run of clauses forming a known phrase) widened to its group."""
    if not query.clauses:
        return query
    index = current_index()
    if not index.groups:
        return query
    clauses: list[Clause] = []
    position = 0
    original = query.clauses
    while position < len(original):
        clause = original[position]
        word = _single_word(clause)
        if word is not None:
            match = None if word in GLUE_WORDS else _longest_run(original, position, index)
            if match is None:
                clauses.append(clause)
                position += 1
                continue
            end, numbers = match
            run = original[position:end]
            words = tuple(word for part in run for word in part.alternatives[0].words)
            typed = " ".join(part.typed or " ".join(part.alternatives[0].words) for part in run)
            alternatives = _widen(index, [Term(words)], Term(words), numbers)
            clauses.append(Clause(alternatives=tuple(alternatives), typed=typed))
            position = end
            continue
        # A "phrase" or an OR: each alternative that is a whole term brings its group.
        alternatives = list(clause.alternatives)
        for term in clause.alternatives:
            numbers = index.lookup(term.words)
            if numbers:
                alternatives = _widen(index, alternatives, term, numbers)
        clauses.append(Clause(alternatives=tuple(alternatives), typed=clause.typed))
        position += 1
    return ParsedQuery(clauses=tuple(clauses), excluded=query.excluded, notes=query.notes)


def also_searched(original: ParsedQuery, expanded: ParsedQuery) -> list[str]:
    """The words and phrases expansion added, as the groups write them ("MI"), for the page."""
    index = current_index()
    typed = {term.words for clause in original.clauses for term in clause.alternatives}
    typed_words = {word for words in typed for word in words}
    added: list[str] = []
    for clause in expanded.clauses:
        for position, term in enumerate(clause.alternatives):
            # Expansion puts the run as typed first ("heart attack" from "heart", "attack").
            is_typed_run = position == 0 and not term.is_phrase and set(term.words) <= typed_words
            if term.words in typed or is_typed_run:
                continue
            text = index.display.get(term.words, " ".join(term.words))
            if text not in added:
                added.append(text)
    return added


# Writes, from the admin and the management command.


def can_edit_synonyms(actor: Any) -> bool:
    """Only site admins change what searches find."""
    return bool(
        getattr(actor, "is_authenticated", False)
        and actor.is_active
        and getattr(actor, "is_site_admin", False)
    )


def check_can_edit_synonyms(actor: Any) -> None:
    if not can_edit_synonyms(actor):
        raise PermissionDeniedError(_("Only site administrators can change synonyms."))


def _changed() -> None:
    # This process sees the change at once; the others within CHECK_EVERY seconds.
    reset_cache()
    transaction.on_commit(reset_cache)


def save_synonym_group(*, actor: Any, group: SynonymGroup) -> SynonymGroup:
    """Save a group an admin added or edited, its terms tidied and checked."""
    check_can_edit_synonyms(actor)
    group.terms = ", ".join(parse_terms(group.terms))
    group.category = group.category.strip().lower()
    is_new = group.pk is None
    with transaction.atomic():
        group.save()
        record_event(
            actor=actor,
            verb="search.synonym_group.add" if is_new else "search.synonym_group.change",
            target=group,
            is_active=group.is_active,
        )
        _changed()
    return group


def set_synonym_groups_active(*, actor: Any, group_ids: Iterable[int], is_active: bool) -> int:
    """Switch groups on or off (kept, so `load_synonyms` does not bring them back)."""
    check_can_edit_synonyms(actor)
    with transaction.atomic():
        groups = list(
            SynonymGroup.objects.filter(pk__in=list(group_ids)).exclude(is_active=is_active)
        )
        SynonymGroup.objects.filter(pk__in=[group.pk for group in groups]).update(
            is_active=is_active, updated_at=timezone.now()
        )
        for group in groups:
            record_event(
                actor=actor, verb="search.synonym_group.change", target=group, is_active=is_active
            )
        _changed()
    return len(groups)


def delete_synonym_groups(*, actor: Any, group_ids: Iterable[int]) -> int:
    """Delete groups (a group from the file comes back with `load_synonyms`: switch it off)."""
    check_can_edit_synonyms(actor)
    with transaction.atomic():
        groups = list(SynonymGroup.objects.filter(pk__in=list(group_ids)))
        for group in groups:
            record_event(actor=actor, verb="search.synonym_group.delete", target=group)
        SynonymGroup.objects.filter(pk__in=[group.pk for group in groups]).delete()
        _changed()
    return len(groups)


def load_synonym_file(path: Path = SYNONYM_FILE) -> int:
    """Add the file's groups that share no term with any group present (active or not).

    Groups already present are left as admins made them; returns how many were added.
    """
    present: set[tuple[str, ...]] = set()
    for text in SynonymGroup.objects.values_list("terms", flat=True):
        present.update(singular_key(term) for term in split_terms(text) if not term_problem(term))
    new_groups = []
    for category, terms in read_synonym_file(path):
        keys = {singular_key(term) for term in terms}
        if keys & present:
            continue
        present.update(keys)
        new_groups.append(SynonymGroup(category=category, terms=", ".join(terms)))
    with transaction.atomic():
        SynonymGroup.objects.bulk_create(new_groups)
        if new_groups:
            _changed()
    return len(new_groups)
