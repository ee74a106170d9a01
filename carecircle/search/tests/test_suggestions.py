""" "Did you mean": nearest known word (Damerau–Levenshtein), ties by documents, indexed lookups."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from carecircle.search import synonyms
from carecircle.search.models import SearchTerm, SynonymGroup
from carecircle.search.suggestions import _candidates, distance, one_edit_away, suggest

pytestmark = pytest.mark.django_db

WORDS = {
    "fatigue": 50,
    "brain": 40,
    "fog": 30,
    "sleep": 25,
    "pain": 10,
    "rain": 3,
    "exhaustion": 8,
    "attack": 12,
    "and": 99,
}


@pytest.fixture(autouse=True)
def _vocabulary() -> Iterator[None]:
    SynonymGroup.objects.all().delete()
    SynonymGroup.objects.create(terms="myocardial infarction, MI")
    SearchTerm.objects.bulk_create(
        SearchTerm(word=word, document_count=count) for word, count in WORDS.items()
    )
    synonyms.reset_cache()
    yield
    synonyms.reset_cache()


@pytest.mark.parametrize(
    ("first", "second", "limit", "expected"),
    [
        ("fatigeu", "fatigue", 2, 1),
        ("kitten", "sitting", 3, 3),
        ("exaustoin", "exhaustion", 2, 2),
        ("abc", "xyz", 1, 2),  # more than the limit: limit + 1
        ("", "abc", 3, 3),
        ("ca", "abc", 3, 3),  # each letter edited once (no edit after a swap)
    ],
)
def test_distance(first: str, second: str, limit: int, expected: int) -> None:
    assert distance(first, second, limit) == expected


def test_one_edit_away() -> None:
    edits = one_edit_away("ab")
    assert {"a", "b", "ba", "xb", "abx", "xab", "axb"} <= edits
    assert "ab" not in edits


@pytest.mark.parametrize(
    ("typed", "suggestion"),
    [
        ("fatigeu", "fatigue"),  # swapped letters
        ("vatigue", "fatigue"),  # first letter wrong
        ("exaustoin", "exhaustion"),  # two edits for a longer word
        ("gain", "pain"),  # "pain" and "rain" are one edit away: more documents wins
        ("slep", "sleep"),
        ("Fatigeu", "Fatigue"),
        ("FATIGEU", "FATIGUE"),
        ("myocardail", "myocardial"),  # synonym words are known too
    ],
)
def test_misspelt_words_are_replaced(typed: str, suggestion: str) -> None:
    assert suggest(typed) == suggestion


def test_the_rest_of_the_query_is_kept() -> None:
    assert suggest('"brain fgo" OR fatigeu -slep xy covid19') == (
        '"brain fog" OR fatigue -sleep xy covid19'
    )


@pytest.mark.parametrize(
    "typed",
    [
        "fatigue brain",  # all known
        "infarction",  # a synonym word
        "attacks",  # the known "attack" inflected: the engines find it already
        "shep",  # four letters, two edits from "sleep": too far
        "zzzzzz",  # nothing close
        "xy OR 42",  # too short, digits, the operator
        "",
    ],
)
def test_nothing_to_suggest_gives_empty(typed: str) -> None:
    assert suggest(typed) == ""


def _synthetic(number: int) -> str:
    # Four letters, the fastest-changing first, so first letters spread like real words.
    letters = ""
    for _position in range(4):
        number, digit = divmod(number, 26)
        letters += chr(ord("a") + digit)
    return letters + "zz"


def test_lookups_use_the_index_not_a_scan(django_assert_num_queries) -> None:
    SearchTerm.objects.bulk_create(
        (SearchTerm(word=_synthetic(number), document_count=1) for number in range(50_000)),
        batch_size=5000,
    )
    synonyms.current_index()
    typed = _synthetic(12345)[:4] + "yy"  # two edits from its word, three from any other
    # Known check, the one-edit lookup, then the two-edit range (nothing one edit away).
    with django_assert_num_queries(3):
        assert suggest(typed) == _synthetic(12345)
    # Candidates: the words starting with the same two letters (or swapped), not all 50,000.
    prefixes = {typed[:2], typed[1] + typed[0]}
    expected = {_synthetic(number) for number in range(50_000)} | set(WORDS)
    expected = {word for word in expected if word[:2] in prefixes and 4 <= len(word) <= 8}
    assert set(_candidates(typed)) == expected
    assert len(expected) == 148
    assert set(_candidates("fatigeu")) == {"fatigue"}
