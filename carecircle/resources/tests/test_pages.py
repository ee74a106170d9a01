"""The library pages: list with filters, detail, forms, review queue, categories."""

from __future__ import annotations

from django.urls import reverse

from carecircle.communities.models import Community
from carecircle.resources.models import Resource
from carecircle.resources.tests.conftest import make_resource
from conftest import client_for


def test_site_library_lists_published_resources_for_visitors(site_resource: Resource) -> None:
    make_resource(None, title="Waiting idea", status=Resource.Status.SUGGESTED)
    response = client_for(None).get(reverse("site_library"))
    assert response.status_code == 200
    assert "Understanding your medicines" in response.text
    assert "Waiting idea" not in response.text


def test_cite_help_component_links_to_both_libraries(community: Community) -> None:
    from django.template.loader import render_to_string

    html = render_to_string("resources/components/cite_help.html", {"community": community})
    assert "/library/12/" in html
    assert f'href="/c/{community.slug}/library/"' in html
    assert 'href="/library/"' in html
