"""The synonym admin: site admins list, search, filter, add, edit, switch and delete groups."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.test import Client

from carecircle.core.factories import UserFactory
from carecircle.core.models import AuditEvent
from carecircle.search import synonyms
from carecircle.search.models import SynonymGroup
from carecircle.search.parsing import Clause, ParsedQuery, Term

pytestmark = pytest.mark.django_db

LIST = "/admin/search/synonymgroup/"


@pytest.fixture(autouse=True)
def _two_groups() -> Iterator[None]:
    SynonymGroup.objects.all().delete()
    SynonymGroup.objects.create(terms="flu, influenza", category="condition")
    SynonymGroup.objects.create(
        terms="heart attack, myocardial infarction", category="condition", is_active=False
    )
    SynonymGroup.objects.create(terms="tired, fatigue", category="symptom")
    synonyms.reset_cache()
    yield
    synonyms.reset_cache()


@pytest.fixture
def site_admin_client() -> Client:
    # Not a superuser: access comes from being a site administrator, not Django permissions.
    user = UserFactory(is_staff=True, is_site_admin=True)
    client = Client()
    client.force_login(user)
    return client


def groups() -> list[tuple[str, str, bool]]:
    return list(SynonymGroup.objects.order_by("id").values_list("terms", "category", "is_active"))


def expands(word: str) -> tuple[str, ...]:
    query = ParsedQuery(clauses=(Clause((Term((word,)),), typed=word),))
    return tuple(" ".join(term.words) for term in synonyms.expand(query).clauses[0].alternatives)


BEFORE = [
    ("flu, influenza", "condition", True),
    ("heart attack, myocardial infarction", "condition", False),
    ("tired, fatigue", "symptom", True),
]


def test_list_search_and_filters(site_admin_client: Client) -> None:
    page = site_admin_client.get(LIST).content.decode()
    assert all(terms in page for terms, _category, _active in BEFORE)
    page = site_admin_client.get(LIST, {"q": "infarction"}).content.decode()
    assert "myocardial infarction" in page and "influenza" not in page
    page = site_admin_client.get(LIST, {"category": "symptom"}).content.decode()
    assert "fatigue" in page and "influenza" not in page
    page = site_admin_client.get(LIST, {"is_active__exact": "0"}).content.decode()
    assert "myocardial infarction" in page and "influenza" not in page


def test_adding_a_group_is_tidied_audited_and_searched_at_once(site_admin_client: Client) -> None:
    assert expands("grippe") == ("grippe",)
    response = site_admin_client.post(
        f"{LIST}add/",
        {"terms": "grippe ,  la   grippe", "category": "lay", "is_active": "on", "_save": "1"},
    )
    assert response.status_code == 302
    assert groups() == [*BEFORE, ("grippe, la grippe", "lay", True)]
    assert AuditEvent.objects.filter(verb="search.synonym_group.add").count() == 1
    assert expands("grippe") == ("grippe", "la grippe")


@pytest.mark.parametrize(
    ("terms", "message"),
    [
        ("grippe", "Give at least two words or phrases, separated by commas."),
        ("grippe, <b>flu</b>", "may only hold letters, digits, spaces"),
        ("grippe,, flu", "A term is empty: remove the extra comma."),
    ],
)
def test_invalid_terms_are_explained_and_nothing_is_saved(
    site_admin_client: Client, terms: str, message: str
) -> None:
    response = site_admin_client.post(
        f"{LIST}add/", {"terms": terms, "category": "lay", "is_active": "on", "_save": "1"}
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert groups() == BEFORE
    assert not AuditEvent.objects.filter(verb__startswith="search.").exists()


def test_editing_a_group(site_admin_client: Client) -> None:
    flu = SynonymGroup.objects.get(terms="flu, influenza")
    assert expands("flu") == ("flu", "influenza")
    response = site_admin_client.post(
        f"{LIST}{flu.pk}/change/",
        {"terms": "flu, influenza, grippe", "category": "condition", "is_active": "on"},
    )
    assert response.status_code == 302
    assert groups()[0] == ("flu, influenza, grippe", "condition", True)
    assert expands("flu") == ("flu", "influenza", "grippe")


def test_switching_groups_on_and_off(site_admin_client: Client) -> None:
    ids = list(SynonymGroup.objects.order_by("id").values_list("pk", flat=True))
    assert expands("flu") == ("flu", "influenza")
    response = site_admin_client.post(
        LIST, {"action": "stop_using_groups", "_selected_action": [ids[0], ids[1]]}
    )
    assert response.status_code == 302
    assert [active for _terms, _category, active in groups()] == [False, False, True]
    assert expands("flu") == ("flu",)
    site_admin_client.post(LIST, {"action": "use_groups", "_selected_action": [ids[1]]})
    assert [active for _terms, _category, active in groups()] == [False, True, True]
    assert expands("heart") == ("heart",)  # one word of a two-word term finds nothing


def test_deleting_a_group(site_admin_client: Client) -> None:
    tired = SynonymGroup.objects.get(terms="tired, fatigue")
    assert expands("tired") == ("tired", "fatigue")
    response = site_admin_client.post(f"{LIST}{tired.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert groups() == BEFORE[:2]
    assert expands("tired") == ("tired",)
    assert AuditEvent.objects.filter(verb="search.synonym_group.delete").count() == 1


@pytest.mark.parametrize(
    "fields",
    [
        {"is_staff": True, "is_site_manager": True},
        {"is_staff": True, "is_site_moderator": True},
        {"is_staff": True},
    ],
)
def test_other_staff_cannot_see_or_change_synonyms(fields: dict[str, bool]) -> None:
    client = Client()
    client.force_login(UserFactory(**fields))
    flu = SynonymGroup.objects.get(terms="flu, influenza")
    assert client.get(LIST).status_code == 403
    assert client.get(f"{LIST}{flu.pk}/change/").status_code == 403
    response = client.post(f"{LIST}add/", {"terms": "a, b", "category": "", "is_active": "on"})
    assert response.status_code == 403
    response = client.post(
        f"{LIST}{flu.pk}/change/", {"terms": "flu, grippe", "category": "", "is_active": "on"}
    )
    assert response.status_code == 403
    assert client.post(f"{LIST}{flu.pk}/delete/", {"post": "yes"}).status_code == 403
    assert "synonym" not in client.get("/admin/").content.decode().lower()
    assert groups() == BEFORE
    assert not AuditEvent.objects.filter(verb__startswith="search.").exists()
