"""The demo libraries load through the actions and show every state the pages know."""

from __future__ import annotations

import pytest

from carecircle.communities.models import Community
from carecircle.core.factories import CommunityFactory, UserFactory, make_member
from carecircle.resources.demo import load_demo_resources
from carecircle.resources.models import Resource, ResourceCategory

# The demo's people and communities as core.demo makes them (the full demo load takes seconds;
# these are all the library's loader reads).
SLUGS = ("type-2-diabetes", "breast-cancer", "long-covid", "caregivers", "general")


@pytest.mark.django_db
def test_demo_resources_fill_every_library_once() -> None:
    UserFactory(handle="maya", is_site_manager=True)
    amira = UserFactory(handle="amira", display_name="Nurse Amira", is_professional=True)
    sunnydays = UserFactory(handle="sunnydays")
    for slug in SLUGS:
        community = CommunityFactory(
            slug=slug,
            visibility=Community.Visibility.MEMBERS
            if slug == "breast-cancer"
            else Community.Visibility.PUBLIC,
        )
        make_member(community, amira)
        make_member(community, sunnydays)

    created = load_demo_resources()

    assert len(created) == 13
    by_library = sorted(
        (r.community.slug if r.community else "site", r.status) for r in Resource.objects.all()
    )
    assert by_library.count(("site", "published")) == 3
    assert by_library.count(("type-2-diabetes", "suggested")) == 1
    assert {slug for slug, _status in by_library} == {
        "site",
        "type-2-diabetes",
        "breast-cancer",
        "long-covid",
        "caregivers",
    }
    assert ResourceCategory.objects.count() == 10
    assert Resource.objects.filter(last_reviewed_by=amira).count() == 9
    assert Resource.objects.filter(categories__isnull=True).count() == 2
    assert load_demo_resources() == []
    assert Resource.objects.count() == 13
