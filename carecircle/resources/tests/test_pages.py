"""The library pages: list with filters, detail, forms, review queue, categories."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from carecircle.accounts.models import User
from carecircle.communities.models import Community
from carecircle.core.factories import make_topic
from carecircle.core.models import AuditEvent, ModerationState
from carecircle.resources.models import Resource, ResourceCategory, ResourceCitation
from carecircle.resources.tests.conftest import make_resource
from conftest import client_for


def page_queries(context: CaptureQueriesContext) -> list[str]:
    """The queries of the page's own content (library, discussions, files).

    Session, visit and badge queries around them depend on what the shared cache holds (another
    test process may clear it), so the pins count these only.
    """
    own = ('"resources_', '"discussions_', '"uploads_')
    return [q["sql"] for q in context.captured_queries if any(t in q["sql"] for t in own)]


def titles(html: str, *candidates: str) -> list[str]:
    return [title for title in candidates if title in html]


def test_site_library_lists_published_resources_for_visitors(site_resource: Resource) -> None:
    make_resource(None, title="Waiting idea", status=Resource.Status.SUGGESTED)
    make_resource(None, title="Old archived", status=Resource.Status.ARCHIVED)
    response = client_for(None).get(reverse("site_library"))
    assert response.status_code == 200
    assert titles(
        response.text, "Understanding your medicines", "Waiting idea", "Old archived"
    ) == ["Understanding your medicines"]
    assert "Suggest a resource" not in response.text


def test_library_filters_by_category_tag_kind_level_and_words(
    community: Community, category: ResourceCategory
) -> None:
    make_resource(community, title="Carb counting", categories=[category], tags=["diet"])
    make_resource(community, title="Foot checks", tags=["feet", "diet-free"], kind="video")
    make_resource(
        community, title="Insulin study", kind="paper", reading_level="professional", url=""
    )
    make_resource(community, title="Sleep", summary="Rest helps your sugars.", tags=["rest"])
    url = reverse("community_library", args=[community.slug])
    client = client_for(None)
    everything = ("Carb counting", "Foot checks", "Insulin study", "Sleep")
    assert titles(client.get(url).text, *everything) == list(everything)
    for query, expected in (
        ({"category": "food"}, ["Carb counting"]),
        ({"tag": "diet"}, ["Carb counting"]),
        ({"kind": "video"}, ["Foot checks"]),
        ({"reading_level": "professional"}, ["Insulin study"]),
        ({"q": "SUGARS"}, ["Sleep"]),
        ({"q": "foot", "kind": "paper"}, []),
        ({"category": "nothing"}, []),
    ):
        response = client.get(url, query)
        assert titles(response.text, *everything) == expected, query


def test_library_list_query_count_is_pinned(
    community: Community, category: ResourceCategory, patient: User
) -> None:
    for n in range(12):
        make_resource(community, title=f"Resource {n}", categories=[category], tags=["t"])
    client = client_for(patient)
    url = reverse("community_library", args=[community.slug])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for n in range(12, 30):
        make_resource(community, title=f"Resource {n}", categories=[category])
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    # Count, resources, their categories, the library's categories and tags, the member's
    # own suggestions.
    assert len(page_queries(many)) == len(page_queries(few)) == 6


def test_members_only_and_hidden_libraries_stay_closed(
    private_community: Community, hidden_community: Community, patient: User, outsider: User
) -> None:
    make_resource(private_community, title="Chemo diary tips")
    private_url = reverse("community_library", args=[private_community.slug])
    hidden_url = reverse("community_library", args=[hidden_community.slug])
    assert client_for(patient).get(private_url).status_code == 200
    for user in (None, outsider):
        closed = client_for(user).get(private_url)
        assert closed.status_code == 403
        assert "Chemo diary tips" not in closed.text
        assert client_for(user).get(hidden_url).status_code == 404


def test_detail_shows_every_fact_and_only_readable_citing_discussions(
    community: Community,
    private_community: Community,
    patient: User,
    outsider: User,
    moderator: User,
    category: ResourceCategory,
) -> None:
    resource = make_resource(
        None,
        title="Understanding your medicines",
        author="Dr A. Writer",
        publisher="Health Agency",
        source="Leaflet 12",
        tags=["medicines"],
        last_reviewed_by=moderator,
        last_reviewed_on="2026-11-02",
        preview_state=Resource.PreviewState.FETCHED,
        preview_title="Medicines guide",
        preview_description="Everything about tablets.",
    )
    public_topic = make_topic(community, patient, title="Open citing topic")
    private_topic = make_topic(private_community, patient, title="Private citing topic")
    hidden_topic = make_topic(
        community, patient, title="Hidden citing topic", moderation_state=ModerationState.HIDDEN
    )
    for topic in (public_topic, private_topic, hidden_topic):
        ResourceCitation.objects.create(post=topic.posts.get(), resource=resource)

    url = resource.get_absolute_url()
    assert url == f"/library/{resource.pk}/understanding-your-medicines/"
    page = client_for(outsider).get(url).text
    for fact in (
        "Dr A. Writer",
        "Health Agency",
        "Leaflet 12",
        "#medicines",
        "by Mo the moderator",
        "Medicines guide",
        "Everything about tablets.",
        f"http://127.0.0.1:8000/library/{resource.pk}/",
    ):
        assert fact in page, fact
    cited = ("Open citing topic", "Private citing topic", "Hidden citing topic")
    assert titles(page, *cited) == ["Open citing topic"]
    # The site's date format; the citation box gives a Markdown link (posts do not linkify).
    assert "on 2 Nov 2026 by Mo the moderator" in page
    assert f'id="cite-link" value="[Understanding your medicines](/library/{resource.pk}/)"' in page
    cited_at = ResourceCitation.objects.get(post__topic=public_topic).created_at
    assert f'cited on <time datetime="{cited_at:%Y-%m-%d}' in page
    assert f">{cited_at:%-d %b %Y, %H:%M}</time>" in page
    assert titles(client_for(patient).get(url).text, *cited) == [
        "Open citing topic",
        "Private citing topic",
    ]
    assert client_for(None).get(f"/library/{resource.pk}/").status_code == 200


def test_suggestions_are_seen_by_their_member_and_curators_only(
    suggestion: Resource, patient: User, caregiver: User, moderator: User
) -> None:
    url = reverse("resource_detail", args=[suggestion.pk])
    assert client_for(patient).get(url).status_code == 200
    assert client_for(moderator).get(url).status_code == 200
    assert client_for(caregiver).get(url).status_code == 404
    assert client_for(None).get(url).status_code == 404


def form(**fields: Any) -> dict[str, Any]:
    values = {
        "kind": "website",
        "title": "Walking for health",
        "url": "https://www.example.org/walking",
        "summary": "",
        "author": "",
        "publisher": "",
        "source": "",
        "published_on": "",
        "reading_level": "easy",
        "tags": "walking",
    }
    values.update(fields)
    return values


def test_a_member_suggests_through_the_form(community: Community, patient: User) -> None:
    client = client_for(patient)
    url = reverse("resource_create", args=[community.slug])
    page = client.get(url)
    assert page.status_code == 200
    assert "Send my suggestion" in page.text
    response = client.post(url, form())
    resource = Resource.objects.get()
    assert response.status_code == 302
    assert response["Location"] == resource.get_absolute_url()
    assert (resource.status, resource.suggested_by) == (Resource.Status.SUGGESTED, patient)


def test_form_errors_sit_next_to_their_fields_and_keep_the_typed_text(
    community: Community, moderator: User, category: ResourceCategory
) -> None:
    response = client_for(moderator).post(
        reverse("resource_create", args=[community.slug]),
        form(
            title="Kept title",
            url="ftp://example.org/x",
            published_on="soon",
            categories=[str(category.pk)],
            summary="Kept summary",
        ),
    )
    assert response.status_code == 400
    html = response.text
    assert 'id="error_url"' in html and 'aria-describedby="help_url error_url"' in html
    assert 'id="error_published_on"' in html
    assert 'value="Kept title"' in html and "Kept summary" in html
    assert f'value="{category.pk}" checked' in html
    assert Resource.objects.count() == 0


def test_outsiders_get_no_form_and_nothing_is_saved(community: Community, outsider: User) -> None:
    url = reverse("resource_create", args=[community.slug])
    assert client_for(outsider).get(url).status_code == 403
    assert client_for(outsider).post(url, form()).status_code == 403
    assert client_for(None).post(url, form()).status_code == 302
    assert Resource.objects.count() == 0


def test_a_curator_edits_and_reviews_from_the_pages(
    published: Resource, suggestion: Resource, moderator: User, patient: User
) -> None:
    client = client_for(moderator)
    edit_url = reverse("resource_edit", args=[published.pk])
    assert 'value="Diabetes basics"' in client.get(edit_url).text
    response = client.post(edit_url, form(title="Diabetes basics (2026)"))
    assert response.status_code == 302
    assert Resource.objects.get(pk=published.pk).title == "Diabetes basics (2026)"
    assert client_for(patient).get(edit_url).status_code == 403

    review_url = reverse("resource_review", args=[suggestion.pk])
    missing_note = client.post(review_url, {"decision": "reject", "note": ""})
    assert missing_note.status_code == 400
    assert 'id="error_note"' in missing_note.text
    assert Resource.objects.get(pk=suggestion.pk).status == Resource.Status.SUGGESTED
    done = client.post(review_url, {"decision": "approve", "next": "queue"})
    assert (done.status_code, done["Location"]) == (302, reverse("resource_review_queue"))
    assert Resource.objects.get(pk=suggestion.pk).status == Resource.Status.PUBLISHED
    events = AuditEvent.objects.filter(verb="resource.review").count()
    denied = client_for(patient).post(
        reverse("resource_review", args=[published.pk]), {"decision": "archive"}
    )
    assert denied.status_code == 403
    assert AuditEvent.objects.filter(verb="resource.review").count() == events


def test_the_review_queue_lists_suggestions_of_the_curated_libraries_only(
    community: Community,
    private_community: Community,
    suggestion: Resource,
    moderator: User,
    patient: User,
) -> None:
    make_resource(private_community, title="Not mine to review", status="suggested")
    make_resource(None, title="Site suggestion", status="suggested")
    page = client_for(moderator).get(reverse("resource_review_queue")).text
    assert titles(page, "A blog I like", "Not mine to review", "Site suggestion") == [
        "A blog I like"
    ]
    # Right under the h1: each suggestion's title is an h2.
    assert f'<h2 class="library-item-title"><a href="{suggestion.get_absolute_url()}">' in page
    assert f">{suggestion.created_at:%-d %b %Y, %H:%M}</time>" in page
    member_page = client_for(patient).get(reverse("resource_review_queue")).text
    assert "You do not review any library." in member_page
    assert "A blog I like" not in member_page


@pytest.mark.parametrize("operation", ["add", "edit", "delete"])
def test_categories_page(
    community: Community, moderator: User, patient: User, category: ResourceCategory, operation: str
) -> None:
    url = reverse("resource_categories", args=[community.slug])
    post = {
        "add": {"operation": "add", "name": "Sleep", "position": ""},
        "edit": {"operation": "edit", "category": category.pk, "name": "Meals", "position": "3"},
        "delete": {"operation": "delete", "category": category.pk},
    }[operation]
    assert client_for(patient).post(url, post).status_code == 403
    assert list(ResourceCategory.objects.values_list("name", flat=True)) == ["Food"]
    response = client_for(moderator).post(url, post)
    assert response.status_code == 302
    assert (
        sorted(ResourceCategory.objects.values_list("name", flat=True))
        == {
            "add": ["Food", "Sleep"],
            "edit": ["Meals"],
            "delete": [],
        }[operation]
    )


def test_a_duplicate_category_name_is_shown_next_to_its_field(
    community: Community, moderator: User, category: ResourceCategory
) -> None:
    response = client_for(moderator).post(
        reverse("resource_categories", args=[community.slug]),
        {"operation": "add", "name": "food"},
    )
    assert response.status_code == 400
    assert 'id="error_name"' in response.text and 'value="food"' in response.text
    assert ResourceCategory.objects.count() == 1


def test_each_category_row_names_its_category_in_its_labels(
    community: Community, moderator: User, category: ResourceCategory
) -> None:
    page = client_for(moderator).get(reverse("resource_categories", args=[community.slug])).text
    for label in ("Name", "Order"):
        assert f'{label}<span class="visually-hidden"> of “Food”</span></label>' in page


def test_the_author_field_has_its_own_hint(community: Community, patient: User) -> None:
    page = client_for(patient).get(reverse("resource_create", args=[community.slug])).text
    assert '<p class="help" id="help_author">The person or organisation who wrote it.</p>' in page
    assert page.count("In plain words: what it covers and who it helps.") == 1


def test_the_markdown_citation_escapes_the_title_and_is_still_a_citation(
    community: Community,
) -> None:
    from carecircle.core.markdown import render_markdown
    from carecircle.resources.citations import cited_ids
    from carecircle.resources.views import cite_markdown

    resource = make_resource(community, title="Diet [part 1]: *carbs*")
    link = cite_markdown(resource)
    assert link == rf"[Diet \[part 1\]: \*carbs\*](/library/{resource.pk}/)"
    assert render_markdown(f"See {link} too.") == (
        f'<p>See <a href="/library/{resource.pk}/" rel="nofollow ugc noopener">'
        "Diet [part 1]: *carbs*</a> too.</p>\n"
    )
    assert cited_ids(f"See {link} too.") == [resource.pk]


def test_cite_help_component_links_to_both_libraries(community: Community) -> None:
    from django.template.loader import render_to_string

    html = render_to_string("resources/components/cite_help.html", {"community": community})
    assert "<code>[Living well with fatigue](/library/12/)</code>" in html
    assert "paste this into your post" in html
    assert f'href="/c/{community.slug}/library/"' in html
    assert 'href="/library/"' in html


def test_detail_query_count_does_not_grow_with_citing_discussions(
    community: Community, patient: User, category: ResourceCategory
) -> None:
    resource = make_resource(community, categories=[category], tags=["a", "b"])
    client = client_for(patient)

    def cite(count: int) -> None:
        for n in range(count):
            topic = make_topic(community, patient, title=f"Citing {n}")
            ResourceCitation.objects.create(post=topic.posts.get(), resource=resource)

    cite(2)
    client.get(resource.get_absolute_url())
    with CaptureQueriesContext(connection) as few:
        assert client.get(resource.get_absolute_url()).status_code == 200
    cite(15)
    with CaptureQueriesContext(connection) as many:
        page = client.get(resource.get_absolute_url())
    assert page.text.count('class="topic-title"') == 17
    # The resource, its categories and files, the citing topics' count and page.
    assert len(page_queries(many)) == len(page_queries(few)) == 5


@pytest.mark.parametrize("raw", ["²", "٣", "99999999999999999999999", "-1", "0"])
def test_a_category_id_that_names_no_row_is_a_field_error_not_a_crash(
    community: Community, moderator: User, category: ResourceCategory, raw: str
) -> None:
    response = client_for(moderator).post(
        reverse("resource_create", args=[community.slug]),
        form(categories=[raw], title="Kept title"),
    )
    assert response.status_code == 400
    assert 'id="error_categories"' in response.text and 'value="Kept title"' in response.text
    assert Resource.objects.count() == 0


@pytest.mark.parametrize("raw", ["²", "99999999999999999999999"])
def test_an_upload_or_category_id_that_names_no_row_changes_nothing(
    community: Community, moderator: User, category: ResourceCategory, raw: str
) -> None:
    response = client_for(moderator).post(
        reverse("resource_create", args=[community.slug]), form(kind="file", upload_id=raw)
    )
    assert response.status_code == 400
    assert 'id="error_file"' in response.text
    url = reverse("resource_categories", args=[community.slug])
    response = client_for(moderator).post(url, {"operation": "edit", "category": raw, "name": "X"})
    assert response.status_code == 404
    assert Resource.objects.count() == 0
    assert list(ResourceCategory.objects.values_list("name", flat=True)) == ["Food"]


def test_a_huge_resource_id_is_404(published: Resource, moderator: User) -> None:
    huge = "99999999999999999999999"
    for path in (f"/library/{huge}/", f"/library/{huge}/x/", f"/library/{huge}/edit/"):
        assert client_for(moderator).get(path).status_code == 404, path
    response = client_for(moderator).post(f"/library/{huge}/review", {"decision": "archive"})
    assert response.status_code == 404
    assert Resource.objects.get().status == Resource.Status.PUBLISHED


def test_page_and_api_count_only_the_discussions_the_reader_may_read(
    community: Community, private_community: Community, patient: User, outsider: User
) -> None:
    resource = make_resource(None, title="Understanding your medicines")
    public_topic = make_topic(community, patient, title="Open citing topic")
    private_topic = make_topic(private_community, patient, title="Private citing topic")
    hidden_topic = make_topic(
        community, patient, title="Hidden citing topic", moderation_state=ModerationState.HIDDEN
    )
    for topic in (public_topic, private_topic, hidden_topic):
        ResourceCitation.objects.create(post=topic.posts.get(), resource=resource)
    for user, expected in ((None, 1), (outsider, 1), (patient, 2)):
        client = client_for(user)
        page = client.get(resource.get_absolute_url()).text
        assert f"Discussions citing this resource ({expected})" in page
        one = client.get(f"/api/v1/resources/{resource.pk}").json()
        listed = client.get("/api/v1/resources?community=site").json()["items"][0]
        cited = client.get(f"/api/v1/resources/{resource.pk}/citations").json()["total"]
        assert (one["citation_count"], listed["citation_count"], cited) == (expected,) * 3
