"""Citations: a post cites a library resource by linking to its page."""

from __future__ import annotations

import pytest
from django.test import override_settings

from carecircle.accounts.models import User
from carecircle.communities.models import Community
from carecircle.discussions import actions as discussion_actions
from carecircle.discussions.models import Topic
from carecircle.resources.citations import cited_ids
from carecircle.resources.models import Resource, ResourceCitation
from carecircle.resources.tests.conftest import make_resource


@override_settings(SITE_URL="https://care.example", ALLOWED_HOSTS=["care.example", ".wild.example"])
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Read /library/3/ first", [3]),
        ("Read /library/3/living-well/ first", [3]),
        ("(see /library/3)", [3]),
        ("[the leaflet](/library/4/leaflet/) and [again](/library/4/)", [4]),
        ("https://care.example/library/5/x/", [5]),
        ("<http://CARE.example:8443/library/6/>", [6]),
        ("//care.example/library/7/", [7]),
        ("https://elsewhere.example/library/8/", []),
        ("https://care.example.evil.example/library/8/", []),
        ("https://x.wild.example/library/8/", []),
        ("https://elsewhere.example/go?to=/library/8/", []),
        ("/c/diabetes/library/9/", []),
        ("/library/10abc/ /library/new/ /library/review/", []),
        ("a/library/11/", []),
        ("/library/12/ then /library/2/ then /library/12/", [12, 2]),
        ("", []),
    ],
)
def test_cited_ids_reads_only_this_sites_resource_links(text: str, expected: list[int]) -> None:
    assert cited_ids(text) == expected


def test_cited_ids_stops_at_fifty_links() -> None:
    text = " ".join(f"/library/{n}/" for n in range(1, 80))
    assert cited_ids(text) == list(range(1, 51))


def _counts(*resources: Resource) -> list[int]:
    return [Resource.objects.get(pk=r.pk).citation_count for r in resources]


def test_topic_reply_and_edit_keep_citations_and_counts_in_step(
    community: Community, private_community: Community, patient: User, caregiver: User
) -> None:
    here = make_resource(community, title="Here")
    site = make_resource(None, title="Site wide")
    elsewhere = make_resource(private_community, title="Elsewhere")
    waiting = make_resource(community, title="Waiting", status=Resource.Status.SUGGESTED)

    topic = discussion_actions.create_topic(
        actor=patient,
        community=community,
        title="Good reading on food",
        body=f"See /library/{here.pk}/ and /library/{site.pk}/site-wide/ and "
        f"/library/{elsewhere.pk}/ and /library/{waiting.pk}/ and /library/999999/",
    )
    first = topic.posts.get()
    assert set(ResourceCitation.objects.values_list("post_id", "resource_id")) == {
        (first.pk, here.pk),
        (first.pk, site.pk),
    }
    assert _counts(here, site, elsewhere, waiting) == [1, 1, 0, 0]

    reply = discussion_actions.reply_to_topic(
        actor=caregiver, topic=topic, body=f"Agreed, /library/{here.pk}/ helped us."
    )
    assert _counts(here, site) == [2, 1]

    discussion_actions.edit_post(actor=patient, post=first, body="Only my own words now.")
    assert set(ResourceCitation.objects.values_list("post_id", "resource_id")) == {
        (reply.pk, here.pk)
    }
    assert _counts(here, site) == [1, 0]

    discussion_actions.edit_post(actor=patient, post=first, body=f"Back again: /library/{site.pk}/")
    assert _counts(here, site) == [1, 1]
    assert Topic.objects.count() == 1
