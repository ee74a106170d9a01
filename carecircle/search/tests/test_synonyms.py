"""Synonym groups: the seeded file, expansion of parsed queries, the cache and the loader."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from carecircle.core.errors import PermissionDeniedError, ValidationFailed
from carecircle.core.factories import UserFactory
from carecircle.core.models import AuditEvent
from carecircle.search import synonyms
from carecircle.search.models import SynonymGroup
from carecircle.search.parsing import Clause, ParsedQuery, Term
from carecircle.search.synonyms import (
    SYNONYM_FILE,
    also_searched,
    exact_key,
    expand,
    parse_terms,
    read_synonym_file,
    singular_key,
    term_words,
)


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    synonyms.reset_cache()
    yield
    synonyms.reset_cache()


def word(text: str) -> Clause:
    return Clause((Term((text,)),), typed=text)


def phrase(text: str) -> Clause:
    return Clause((Term(tuple(text.split()), is_phrase=True),), typed=f'"{text}"')


def query(*clauses: Clause, excluded: tuple[Term, ...] = ()) -> ParsedQuery:
    return ParsedQuery(clauses=clauses, excluded=excluded)


def only_groups(*texts: str) -> None:
    SynonymGroup.objects.all().delete()
    SynonymGroup.objects.bulk_create(SynonymGroup(terms=text) for text in texts)
    synonyms.reset_cache()


# The file.


def test_the_file_holds_at_least_330_valid_groups() -> None:
    groups = read_synonym_file()
    assert len(groups) >= 330
    categories = {category for category, _terms in groups}
    assert categories == {"condition", "symptom", "treatment", "drug", "test", "body", "lay"}
    assert all(len(terms) >= 2 for _category, terms in groups)


def test_the_file_has_no_repeated_group_or_term() -> None:
    groups = read_synonym_file()
    lines = [line for line in SYNONYM_FILE.read_text().splitlines() if line and line[0] != "#"]
    assert len(lines) == len(groups)
    as_written = [
        tuple(part.strip() for part in line.split(":", 1)[1].split(",")) for line in lines
    ]
    for terms in as_written:
        assert len({term_words(term) for term in terms}) == len(terms), terms
    assert len({frozenset(terms) for terms in as_written}) == len(as_written)


def test_no_term_is_in_two_groups() -> None:
    # Decided: never intended. A word in two groups would join two meanings ("ED": eating
    # disorder, erectile dysfunction, emergency department), so ambiguous ones are left out.
    owners: dict[tuple[str, ...], set[int]] = defaultdict(set)
    for number, (_category, terms) in enumerate(read_synonym_file()):
        for term in terms:
            owners[("exact", *exact_key(term))].add(number)
            owners[("singular", *singular_key(term))].add(number)
    shared = {key: numbers for key, numbers in owners.items() if len(numbers) > 1}
    assert shared == {}


def test_the_file_keeps_lay_and_clinical_words_together() -> None:
    groups = {terms[0]: set(terms) for _category, terms in read_synonym_file()}
    assert {"myocardial infarction", "MI"} <= groups["heart attack"]
    assert {"sugar", "glucose"} <= groups["blood sugar"]
    assert "diabetes" not in groups["blood sugar"]
    assert {"Tylenol", "Panadol", "acetaminophen"} <= groups["paracetamol"]
    assert {"albuterol", "Ventolin"} <= groups["salbutamol"]
    assert {"Ozempic", "Wegovy"} <= groups["semaglutide"]


def test_the_migration_seeded_every_group_of_the_file(db: None) -> None:
    seeded = set(SynonymGroup.objects.values_list("category", "terms"))
    in_file = {(category, ", ".join(terms)) for category, terms in read_synonym_file()}
    assert seeded == in_file


def test_a_bad_line_names_its_number(tmp_path: Path) -> None:
    path = tmp_path / "synonyms.txt"
    path.write_text("# comment\ncondition: flu, influenza\ncondition: flu <b>, grippe\n")
    with pytest.raises(ValueError, match="synonyms.txt line 3: “flu <b>” may only hold"):
        read_synonym_file(path)


# Terms.


def test_parse_terms_tidies_and_drops_repeats() -> None:
    assert parse_terms("  Heart   attack, MI ,heart attack,") == ["Heart attack", "MI"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("flu", "Give at least two words or phrases, separated by commas."),
        ("flu, flu", "Give at least two words or phrases, separated by commas."),
        ("flu,, grippe", "A term is empty: remove the extra comma."),
        (
            "flu; grippe, influenza",
            "“flu; grippe” may only hold letters, digits, spaces, apostrophes and hyphens.",
        ),
        ("a b c d e, x", "“a b c d e” is longer than 4 words."),
        ("flu, - '", "“- '” needs at least one word."),
    ],
)
def test_parse_terms_explains_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(ValidationFailed) as raised:
        parse_terms(text)
    assert (raised.value.code, str(raised.value.message)) == ("synonym_terms", message)


# Expansion.


@pytest.mark.django_db
def test_a_word_becomes_its_group() -> None:
    only_groups("tired, fatigue, lack of energy")
    assert expand(query(word("tired"))) == query(
        Clause(
            (
                Term(("tired",)),
                Term(("fatigue",)),
                Term(("lack", "of", "energy"), is_phrase=True),
            ),
            typed="tired",
        )
    )


@pytest.mark.django_db
def test_the_longest_run_of_words_wins() -> None:
    only_groups("heart attack, myocardial infarction, MI", "heart, cardiac", "attack, episode")
    expanded = expand(query(word("my"), word("heart"), word("attack"), word("pain")))
    assert expanded == query(
        word("my"),
        Clause(
            (
                Term(("heart", "attack")),
                Term(("myocardial", "infarction"), is_phrase=True),
                Term(("mi",)),
            ),
            typed="heart attack",
        ),
        word("pain"),
    )


@pytest.mark.django_db
def test_plural_and_singular_match() -> None:
    only_groups("heart attack, myocardial infarction", "allergy, allergic reaction")
    expanded = expand(query(word("heart"), word("attacks"), word("allergies")))
    assert expanded == query(
        Clause(
            (Term(("heart", "attacks")), Term(("myocardial", "infarction"), is_phrase=True)),
            typed="heart attacks",
        ),
        Clause(
            (Term(("allergies",)), Term(("allergic", "reaction"), is_phrase=True)),
            typed="allergies",
        ),
    )


@pytest.mark.django_db
def test_same_stem_is_not_enough() -> None:
    # Snowball gives "pancreat" for both; only plural and singular count as the same word.
    only_groups("pancreatitis, inflamed pancreas")
    assert expand(query(word("pancreatic"))) == query(word("pancreatic"))


@pytest.mark.django_db
def test_abbreviations_match_only_themselves_and_their_plural() -> None:
    only_groups("AIDS, acquired immunodeficiency syndrome", "MRI, magnetic resonance imaging")
    assert expand(query(word("aid"))) == query(word("aid"))
    assert expand(query(word("aids"))).clauses[0].alternatives == (
        Term(("aids",)),
        Term(("acquired", "immunodeficiency", "syndrome"), is_phrase=True),
    )
    assert expand(query(word("mris"))).clauses[0].alternatives == (
        Term(("mris",)),
        Term(("mri",)),  # "mris" ends like "iris": not taken for a plural, so searched too
        Term(("magnetic", "resonance", "imaging"), is_phrase=True),
    )


@pytest.mark.django_db
def test_glue_words_inside_a_run_but_not_at_its_ends() -> None:
    only_groups("shortness of breath, breathlessness, dyspnoea")
    # The parser may drop "of" (a stopword) or keep it: both find the group.
    for clauses in (
        [word("shortness"), word("breath")],
        [word("shortness"), word("of"), word("breath")],
    ):
        expanded = expand(query(*clauses))
        assert [clause.typed for clause in expanded.clauses] == [
            " ".join(clause.typed for clause in clauses)
        ]
        assert expanded.clauses[0].alternatives[1:] == (
            Term(("breathlessness",)),
            Term(("dyspnoea",)),
        )
    only_groups("breath, breathing")
    assert expand(query(word("of"), word("breath"))) == query(
        word("of"), Clause((Term(("breath",)), Term(("breathing",))), typed="breath")
    )


@pytest.mark.django_db
def test_a_quoted_phrase_keeps_its_quotes_and_gains_its_group() -> None:
    only_groups("Crohn's disease, Crohns disease, regional enteritis")
    expanded = expand(query(phrase("crohn s disease")))
    assert expanded == query(
        Clause(
            (
                Term(("crohn", "s", "disease"), is_phrase=True),
                Term(("crohns", "disease"), is_phrase=True),
                Term(("regional", "enteritis"), is_phrase=True),
            ),
            typed='"crohn s disease"',
        )
    )
    # Part of a phrase is not a term: the phrase stays as typed.
    assert expand(query(phrase("crohn s disease flare"))) == query(phrase("crohn s disease flare"))


@pytest.mark.django_db
def test_or_alternatives_gain_their_groups_and_exclusions_stay() -> None:
    only_groups("flu, influenza", "cold sores, herpes labialis")
    typed = Clause((Term(("flu",)), Term(("cold",))), typed="flu OR cold")
    expanded = expand(query(typed, excluded=(Term(("flu",)),)))
    assert expanded == query(
        Clause((Term(("flu",)), Term(("cold",)), Term(("influenza",))), typed="flu OR cold"),
        excluded=(Term(("flu",)),),
    )


@pytest.mark.django_db
def test_at_most_four_words_form_a_term() -> None:
    only_groups("a b c d, four", "b c d e, other")
    expanded = expand(query(word("a"), word("b"), word("c"), word("d"), word("e")))
    assert [clause.typed for clause in expanded.clauses] == ["a b c d", "e"]


@pytest.mark.django_db
def test_inactive_groups_and_no_groups_leave_the_query_alone() -> None:
    only_groups("flu, influenza")
    SynonymGroup.objects.update(is_active=False)
    synonyms.reset_cache()
    assert expand(query(word("flu"))) == query(word("flu"))
    assert expand(ParsedQuery()) == ParsedQuery()


@pytest.mark.django_db
def test_the_seeded_groups_expand_lay_words() -> None:
    expanded = expand(query(word("tylenol")))
    assert [term.words for term in expanded.clauses[0].alternatives] == [
        ("tylenol",),
        ("paracetamol",),
        ("acetaminophen",),
        ("panadol",),
        ("calpol",),
        ("apap",),
    ]


@pytest.mark.django_db
def test_also_searched_lists_added_terms_as_written() -> None:
    only_groups("heart attack, myocardial infarction, MI")
    original = query(word("heart"), word("attack"), word("pain"))
    assert also_searched(original, expand(original)) == ["myocardial infarction", "MI"]
    assert also_searched(original, original) == []


# The cache.


@pytest.mark.django_db
def test_changes_are_seen_after_the_check_interval_or_a_reset() -> None:
    only_groups("flu, influenza")
    assert synonyms.current_index(now=1000.0).lookup(("flu",)) == [0]
    SynonymGroup.objects.create(terms="grippe, la grippe")
    # Within the interval the process keeps what it has (one check a minute, not a query each).
    assert synonyms.current_index(now=1059.0).lookup(("grippe",)) == []
    assert synonyms.current_index(now=1060.0).lookup(("grippe",)) == [1]
    SynonymGroup.objects.filter(terms__startswith="grippe").update(is_active=False)
    synonyms.reset_cache()
    assert synonyms.current_index(now=1061.0).lookup(("grippe",)) == []


@pytest.mark.django_db
def test_an_unchanged_table_is_checked_with_one_query(django_assert_num_queries) -> None:
    only_groups("flu, influenza")
    synonyms.current_index(now=1000.0)
    with django_assert_num_queries(0):
        synonyms.current_index(now=1030.0)
    with django_assert_num_queries(1):
        synonyms.current_index(now=1090.0)


# Writes.


@pytest.mark.django_db
def test_save_synonym_group_tidies_audits_and_resets_the_cache() -> None:
    admin = UserFactory(is_site_admin=True)
    only_groups("flu, influenza")
    assert synonyms.current_index().lookup(("grippe",)) == []
    group = synonyms.save_synonym_group(
        actor=admin, group=SynonymGroup(terms=" grippe ,  la   grippe", category=" Lay ")
    )
    group.refresh_from_db()
    assert (group.terms, group.category) == ("grippe, la grippe", "lay")
    assert synonyms.current_index().lookup(("grippe",)) == [1]
    event = AuditEvent.objects.get(verb="search.synonym_group.add")
    assert (event.actor_id, event.target_id) == (admin.pk, str(group.pk))


@pytest.mark.django_db
def test_only_site_admins_change_synonyms() -> None:
    only_groups("flu, influenza")
    group = SynonymGroup.objects.get()
    for actor in (UserFactory(is_site_manager=True, is_staff=True), UserFactory()):
        with pytest.raises(PermissionDeniedError):
            synonyms.save_synonym_group(actor=actor, group=SynonymGroup(terms="a, b"))
        with pytest.raises(PermissionDeniedError):
            synonyms.set_synonym_groups_active(actor=actor, group_ids=[group.pk], is_active=False)
        with pytest.raises(PermissionDeniedError):
            synonyms.delete_synonym_groups(actor=actor, group_ids=[group.pk])
    assert list(SynonymGroup.objects.values_list("terms", "is_active")) == [
        ("flu, influenza", True)
    ]
    assert AuditEvent.objects.filter(verb__startswith="search.").count() == 0


@pytest.mark.django_db
def test_switching_off_and_deleting() -> None:
    admin = UserFactory(is_site_admin=True)
    only_groups("flu, influenza", "cold sores, herpes labialis")
    flu, sores = SynonymGroup.objects.order_by("id")
    assert synonyms.current_index().lookup(("flu",)) == [0]
    changed = synonyms.set_synonym_groups_active(
        actor=admin, group_ids=[flu.pk, sores.pk], is_active=True
    )
    assert changed == 0
    assert synonyms.set_synonym_groups_active(actor=admin, group_ids=[flu.pk], is_active=False) == 1
    assert synonyms.current_index().lookup(("flu",)) == []
    assert synonyms.delete_synonym_groups(actor=admin, group_ids=[sores.pk]) == 1
    assert list(SynonymGroup.objects.values_list("terms", "is_active")) == [
        ("flu, influenza", False)
    ]
    assert synonyms.current_index().groups == []


@pytest.mark.django_db
def test_load_synonyms_adds_only_new_groups(tmp_path: Path) -> None:
    only_groups("Flu, influenza, the flu bug")  # an admin's edit of a file group
    SynonymGroup.objects.create(terms="cold sores, fever blisters", is_active=False)
    path = tmp_path / "synonyms.txt"
    path.write_text(
        "condition: flu, influenza, grippe\n"
        "condition: cold sores, herpes labialis\n"
        "symptom: tired, fatigue\n"
    )
    out = StringIO()
    call_command("load_synonyms", "--file", str(path), stdout=out)
    assert out.getvalue() == "Added 1 synonym group(s).\n"
    assert list(SynonymGroup.objects.order_by("id").values_list("category", "terms")) == [
        ("", "Flu, influenza, the flu bug"),
        ("", "cold sores, fever blisters"),
        ("symptom", "tired, fatigue"),
    ]
    call_command("load_synonyms", "--file", str(path), stdout=out)
    assert SynonymGroup.objects.count() == 3


@pytest.mark.django_db
def test_load_synonyms_with_the_seeded_file_adds_nothing() -> None:
    before = SynonymGroup.objects.count()
    out = StringIO()
    call_command("load_synonyms", stdout=out)
    assert out.getvalue() == "Added 0 synonym group(s).\n"
    assert SynonymGroup.objects.count() == before


# With the parser and the seeded groups.


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "added"),
    [
        ("heart attacks", ["myocardial infarction", "MI"]),
        (
            "shortness of breath at night",
            ["breathlessness", "dyspnoea", "dyspnea", "short of breath"],
        ),
        # Unquoted "crohn disease" (the parser drops the "s") already finds "Crohns disease".
        ("Crohn's disease", ["Crohn's", "regional enteritis"]),
        ("aid", []),
        (
            "ME/CFS",
            # "me" is a stopword the parser drops: "cfs" alone finds the group.
            [
                "ME",
                "ME CFS",
                "myalgic encephalomyelitis",
                "chronic fatigue syndrome",
                "myalgic encephalopathy",
            ],
        ),
        (
            "sugar -diabetes",
            ["blood sugar", "blood glucose", "glucose", "sugar level", "glucose level"],
        ),
    ],
)
def test_parsed_queries_expand_with_the_seeded_groups(text: str, added: list[str]) -> None:
    from carecircle.search.parsing import parse_query

    parsed = parse_query(text)
    assert also_searched(parsed, expand(parsed)) == added


@pytest.mark.django_db
def test_the_migration_goes_back_by_deleting_the_seeded_groups() -> None:
    import importlib

    from django.apps import apps

    migration = importlib.import_module("carecircle.search.migrations.0003_seed_synonyms")
    own = SynonymGroup.objects.create(terms="grippe, la grippe")
    seeded = SynonymGroup.objects.count() - 1
    migration.unseed(apps, None)
    assert list(SynonymGroup.objects.values_list("pk", flat=True)) == [own.pk]
    migration.seed(apps, None)
    assert SynonymGroup.objects.count() == seeded + 1
