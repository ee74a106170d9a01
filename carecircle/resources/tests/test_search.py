"""Library resources in search: their rows, who finds them, the tab, the API and the rebuild.

Each resource holds one word nobody else uses; each cell searches that word as one searcher
and asserts the exact results.
"""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.urls import reverse

from carecircle.accounts.models import User
from carecircle.communities.models import Community
from carecircle.core.factories import UserFactory
from carecircle.resources.models import Resource, ResourceCategory
from carecircle.resources.tests.conftest import make_resource
from carecircle.search.documents import DocumentData, resource_documents
from carecircle.search.indexing import index_resource_later, reindex_resource
from carecircle.search.models import SearchDocument
from carecircle.search.queries import SearchFilters, search

pytestmark = pytest.mark.django_db


def _found(actor: Any, text: str, **filters: Any) -> list[tuple[str, int]]:
    results = search(actor, text, SearchFilters(**filters), use_embeddings=False)
    return [(result.kind, result.object_id) for result in results.results]


def _indexed(resource: Resource) -> Resource:
    reindex_resource(resource.pk)
    return resource


def test_the_row_holds_title_and_every_descriptive_field(community: Community) -> None:
    category = ResourceCategory.objects.create(community=community, name="Food", slug="food")
    resource = make_resource(
        community,
        title="Eating well with diabetes",
        summary="Meals, snacks and portions.",
        source="Diabetes UK",
        author="Jane Doe",
        publisher="Diabetes UK Press",
        tags=["diet", "easy-read"],
        categories=[category],
    )
    assert resource_documents(resource.pk) == [
        DocumentData(
            kind="resource",
            object_id=resource.pk,
            audience=0,
            community_id=community.pk,
            topic_id=None,
            author_id=None,
            is_question=False,
            is_solved=False,
            created_at=resource.created_at,
            title="Eating well with diabetes",
            body="Meals, snacks and portions.\nDiabetes UK\nJane Doe\nDiabetes UK Press\n"
            "diet easy-read\nFood",
        )
    ]
    assert reindex_resource(resource.pk) == 1
    # Nothing changed: nothing rewritten.
    assert reindex_resource(resource.pk) == 0


@pytest.mark.parametrize(
    "status", [Resource.Status.SUGGESTED, Resource.Status.REJECTED, Resource.Status.ARCHIVED]
)
def test_only_published_resources_have_a_row(community: Community, status: str) -> None:
    resource = _indexed(make_resource(community, title="Zqpublished"))
    assert SearchDocument.objects.filter(kind="resource", object_id=resource.pk).count() == 1
    Resource.objects.filter(pk=resource.pk).update(status=status)
    assert resource_documents(resource.pk) == []
    reindex_resource(resource.pk)
    assert SearchDocument.objects.filter(kind="resource").count() == 0


def test_indexing_runs_after_commit(
    community: Community, django_capture_on_commit_callbacks: Any
) -> None:
    resource = make_resource(community, title="Zqaftercommit")
    with django_capture_on_commit_callbacks(execute=True):
        index_resource_later(resource.pk)
        assert SearchDocument.objects.filter(kind="resource").count() == 0
    assert list(
        SearchDocument.objects.filter(kind="resource").values_list("object_id", "title")
    ) == [(resource.pk, "Zqaftercommit")]


@pytest.fixture
def library(
    community: Community,
    private_community: Community,
    hidden_community: Community,
    patient: User,
) -> dict[str, Resource]:
    """One resource per library and state, each with its own word, all indexed."""
    resources = {
        "site": make_resource(None, title="Zqsite medicines guide"),
        "public": make_resource(community, title="Zqpublic diabetes basics"),
        "members": make_resource(private_community, title="Zqmembers chemo diary"),
        "hidden": make_resource(hidden_community, title="Zqhidden circle notes"),
        "suggested": make_resource(
            community,
            title="Zqsuggested blog",
            status=Resource.Status.SUGGESTED,
            suggested_by=patient,
        ),
        "rejected": make_resource(
            community, title="Zqrejected blog", status=Resource.Status.REJECTED
        ),
        "archived": make_resource(
            community, title="Zqarchived leaflet", status=Resource.Status.ARCHIVED
        ),
    }
    for resource in resources.values():
        reindex_resource(resource.pk)
    return resources


def test_visibility_matrix(
    library: dict[str, Resource],
    patient: User,
    caregiver: User,
    moderator: User,
    outsider: User,
) -> None:
    staff = UserFactory(display_name="Stan", handle="stan", is_site_admin=True, is_staff=True)
    everyone = {"visitor", "outsider", "caregiver", "moderator", "patient", "staff"}
    expected = {
        "site": everyone,
        "public": everyone,
        # The patient is the only member of the members-only and hidden communities; site staff
        # read every community's content, as on the pages.
        "members": {"patient", "staff"},
        "hidden": {"patient", "staff"},
        # Not in the library: not even the member who suggested it, nor a moderator, finds it.
        "suggested": set(),
        "rejected": set(),
        "archived": set(),
    }
    searchers = {
        "visitor": AnonymousUser(),
        "outsider": outsider,
        "caregiver": caregiver,
        "moderator": moderator,
        "patient": patient,
        "staff": staff,
    }
    for name, readers in expected.items():
        resource = library[name]
        word = resource.title.split()[0].lower()
        for searcher_name, searcher in searchers.items():
            wanted = [("resource", resource.pk)] if searcher_name in readers else []
            assert _found(searcher, word) == wanted, (name, searcher_name)
            assert _found(searcher, word, kind="resources") == wanted, (name, searcher_name)


def test_a_stale_row_shows_nothing(library: dict[str, Resource], patient: User) -> None:
    public = library["public"]
    Resource.objects.filter(pk=public.pk).update(status=Resource.Status.ARCHIVED)
    assert _found(patient, "zqpublic") == []
    site = library["site"]
    Resource.objects.filter(pk=site.pk).update(title="Medicines guide")
    assert _found(patient, "zqsite") == []
    # Moved from the site library into a members-only one the searcher is not in.
    members = library["members"]
    Resource.objects.filter(pk=library["site"].pk).update(
        title="Zqsite medicines guide", community=members.community
    )
    assert _found(AnonymousUser(), "zqsite") == []


def test_tags_categories_and_synonyms_find_resources(community: Community, patient: User) -> None:
    category = ResourceCategory.objects.create(community=community, name="Zqshelf", slug="zqshelf")
    resource = _indexed(
        make_resource(
            community,
            title="After a myocardial infarction",
            summary="Recovery and rehabilitation.",
            tags=["zqtag"],
            categories=[category],
        )
    )
    for text in ("zqtag", "zqshelf", "heart attack", "rehabilitation"):
        assert _found(patient, text) == [("resource", resource.pk)], text
    results = search(patient, "heart attack", SearchFilters(kind="resources"), use_embeddings=False)
    assert "myocardial infarction" in results.expanded


def test_filters(library: dict[str, Resource], patient: User, community: Community) -> None:
    both = "zqsite OR zqpublic OR zqmembers"
    everything = [("resource", library[name].pk) for name in ("site", "public", "members")]
    assert sorted(_found(patient, both)) == sorted(everything)
    # A community filter keeps that community's library only.
    assert _found(patient, both, community=community.slug) == [("resource", library["public"].pk)]
    # Only my communities: their libraries, not the site's.
    assert sorted(_found(patient, both, mine_only=True)) == sorted(everything[1:])
    # Filters only posts answer leave resources out.
    assert _found(patient, both, author="patient") == []
    assert _found(patient, both, solved="solved") == []


def test_search_page_tab(client: Any, library: dict[str, Resource], community: Community) -> None:
    response = client.get(reverse("search"), {"q": "zqsite OR zqpublic", "kind": "resources"})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'aria-current="page">Resources <span class="search-tab-count">2' in page
    assert f'href="{library["public"].get_absolute_url()}"' in page
    assert f'href="{library["site"].get_absolute_url()}"' in page
    assert f'href="{reverse("site_library")}">site library</a>' in page
    library_url = reverse("community_library", args=[community.slug])
    assert f'href="{library_url}">{community.name} library</a>' in page
    assert page.count("Library resource</span>") == 2
    # The All tab counts them too.
    response = client.get(reverse("search"), {"q": "zqsite OR zqpublic"})
    assert "?q=zqsite+OR+zqpublic&amp;kind=resources" in response.content.decode()
    assert response.context["results"].kind_totals["resource"] == 2


def test_api_kind(client: Any, library: dict[str, Resource], community: Community) -> None:
    response = client.get("/api/v1/search", {"q": "zqsite OR zqpublic", "kind": "resources"})
    assert response.status_code == 200
    body = response.json()
    assert body["kind_totals"] == {"resource": 2}
    by_id = {result["id"]: result for result in body["results"]}
    site, public = library["site"], library["public"]
    assert by_id[site.pk]["kind"] == "resource"
    assert by_id[site.pk]["community"] is None
    assert by_id[site.pk]["url"] == site.get_absolute_url()
    assert by_id[public.pk]["community"] == {"name": community.name, "slug": community.slug}
    members = client.get("/api/v1/search", {"q": "zqmembers", "kind": "resources"}).json()
    assert (members["total"], members["results"]) == (0, [])


def test_rebuild_command_kind_resource(library: dict[str, Resource]) -> None:
    SearchDocument.objects.filter(kind="resource").delete()
    stray = SearchDocument.objects.create(
        kind="resource",
        object_id=library["archived"].pk,
        created_at=library["archived"].created_at,
        title="Zqarchived leaflet",
    )
    out = StringIO()
    call_command("rebuild_search_index", "--kind", "resource", stdout=out, stderr=StringIO())
    assert "library resources: 4" in out.getvalue()
    assert not SearchDocument.objects.filter(pk=stray.pk).exists()
    assert sorted(
        SearchDocument.objects.filter(kind="resource").values_list("object_id", flat=True)
    ) == sorted(library[name].pk for name in ("site", "public", "members", "hidden"))
