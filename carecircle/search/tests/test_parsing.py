"""parse_query: words, phrases, exclusions, OR, stopwords, limits; never raises."""

from __future__ import annotations

import pytest

from carecircle.search.parsing import (
    MAX_CLAUSES,
    MAX_WORD_LENGTH,
    Clause,
    ParsedQuery,
    Term,
    parse_query,
)

hypothesis = pytest.importorskip("hypothesis")
strategies = hypothesis.strategies


def word(text: str) -> Clause:
    return Clause((Term((text,)),), typed=text)


def test_words_are_lower_case_clauses_in_order() -> None:
    assert parse_query("tired  Fatigue") == ParsedQuery(
        (word("tired"), Clause((Term(("fatigue",)),), typed="Fatigue"))
    )


def test_punctuation_separates_words() -> None:
    assert parse_query("covid-19, brain.fog").words() == {"covid", "19", "brain", "fog"}
    assert [c.typed for c in parse_query("covid-19").clauses] == ["covid", "19"]


def test_phrase_keeps_order_and_stopwords() -> None:
    parsed = parse_query('"out of   breath" now')
    assert parsed.clauses == (
        Clause((Term(("out", "of", "breath"), is_phrase=True),), typed='"out of breath"'),
    )


def test_unbalanced_quote_closes_at_the_end() -> None:
    assert parse_query('"brain fog').clauses == (
        Clause((Term(("brain", "fog"), is_phrase=True),), typed='"brain fog"'),
    )


def test_one_word_phrase_is_a_plain_term() -> None:
    assert parse_query('"fog"').clauses[0].alternatives == (Term(("fog",)),)


def test_exclusions_of_words_and_phrases() -> None:
    parsed = parse_query('fatigue -covid -"long haul" self-care')
    assert parsed.clauses == (word("fatigue"), word("self"), word("care"))
    assert parsed.excluded == (Term(("covid",)), Term(("long", "haul"), is_phrase=True))


def test_only_exclusions_is_empty() -> None:
    parsed = parse_query("-covid")
    assert parsed.is_empty is True
    assert parsed.excluded == (Term(("covid",)),)


def test_upper_case_or_joins_neighbours() -> None:
    parsed = parse_query('tired OR "worn out" OR exhausted sleep')
    assert parsed.clauses == (
        Clause(
            (Term(("tired",)), Term(("worn", "out"), is_phrase=True), Term(("exhausted",))),
            typed='tired OR "worn out" OR exhausted',
        ),
        word("sleep"),
    )


def test_lower_case_or_is_a_stopword_and_stray_or_is_ignored() -> None:
    assert parse_query("tired or sleepy").clauses == (word("tired"), word("sleepy"))
    assert parse_query("OR tired OR").clauses == (word("tired"),)
    assert parse_query("tired OR -sleepy").clauses == (word("tired"),)


def test_stopwords_dropped_unless_nothing_would_remain() -> None:
    assert parse_query("what is the fatigue").clauses == (word("fatigue"),)
    assert parse_query("the who").clauses == (word("the"), word("who"))
    assert parse_query("fatigue -the").excluded == ()


def test_stopword_alternative_dropped_from_or_clause() -> None:
    assert parse_query("the OR fatigue").clauses[0].alternatives == (Term(("fatigue",)),)


def test_long_words_dropped_with_a_note() -> None:
    long_word = "a" * (MAX_WORD_LENGTH + 1)
    parsed = parse_query(f"fatigue {long_word}")
    assert parsed.clauses == (word("fatigue"),)
    assert parsed.notes == (f"Words longer than {MAX_WORD_LENGTH} letters were ignored.",)
    assert parse_query("a" * MAX_WORD_LENGTH).words() == {"a" * MAX_WORD_LENGTH}


def test_clauses_capped_with_a_note() -> None:
    parsed = parse_query(" ".join(f"word{n}" for n in range(MAX_CLAUSES + 5)))
    assert [c.typed for c in parsed.clauses] == [f"word{n}" for n in range(MAX_CLAUSES)]
    assert parsed.notes == (
        f"Only the first {MAX_CLAUSES} words were searched; the rest was ignored.",
    )


def test_repeated_word_is_one_clause() -> None:
    assert parse_query("fog fog FOG").clauses == (word("fog"),)


def test_unicode_letters_and_digits() -> None:
    assert parse_query("Ménière Straße 頭痛 ٣").words() == {"ménière", "straße", "頭痛", "٣"}
    # Decomposed accents compose; a mark left over by lower-casing does not split the word.
    assert parse_query("Me\u0301nie\u0300re İstanbul").words() == {"ménière", "istanbul"}


@pytest.mark.parametrize(
    "text",
    ['"', "-", '-"', "OR", "- -", "***", "NEAR(a b)", "a:b", "&|!", "'); DROP TABLE x;--", ""],
)
def test_hostile_or_empty_input_yields_only_words(text: str) -> None:
    parsed = parse_query(text)
    assert all(w.isalnum() for w in parsed.words())


def test_hostile_input_words() -> None:
    assert parse_query("'); DROP TABLE x;--").words() == {"drop", "table", "x"}
    assert parse_query("NEAR(fatigue sleep) title:fog").words() == {
        "near",
        "fatigue",
        "sleep",
        "title",
        "fog",
    }


@hypothesis.settings(max_examples=500, deadline=None)
@hypothesis.given(strategies.text(max_size=300))
def test_any_text_parses_into_alphanumeric_words(text: str) -> None:
    parsed = parse_query(text)
    assert len(parsed.clauses) <= MAX_CLAUSES
    for term in [t for c in parsed.clauses for t in c.alternatives] + list(parsed.excluded):
        assert term.words
        assert all(w.isalnum() for w in term.words)
        assert all(len(w) <= MAX_WORD_LENGTH for w in term.words)
