"""The moderator's home, the community and site queues, and the header badge."""

# ruff: noqa: F811 - fixtures imported from the support module are redefined as arguments

from __future__ import annotations

import pytest

from carecircle.core.factories import UserFactory, make_member, make_topic
from carecircle.moderation.models import ReviewItem
from carecircle.moderation.tests.test_views_support import (  # noqa: F401 - fixtures
    bad_topic,
    first_post,
    pro_member,
    report,
    reported_item,
    site_moderator,
    snapshot,
    text,
)
from conftest import client_for

pytestmark = pytest.mark.django_db

QUEUE = "/c/type-2-diabetes/moderation/"


def test_the_queue_lists_the_item_with_reasons_and_counts(reported_item, moderator, caregiver):
    response = client_for(moderator).get(QUEUE)

    page = text(response)
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    assert f'href="/moderation/items/{reported_item.pk}/"' in page
    assert "Cinnamon cures diabetes, stop insulin." in page
    assert "Spam or advertising" in page
    assert (
        '<a href="?queue=general" aria-current="page">Reports <span class="queue-count">1' in page
    )
    assert 'Safeguarding <span class="queue-count">0</span>' in page


def test_an_urgent_safeguarding_item_opens_first_and_is_marked(bad_topic, patient, moderator):
    report(patient, first_post(bad_topic), "spam")
    report(patient, first_post(make_topic(bad_topic.community, bad_topic.author)), "crisis")

    page = text(client_for(moderator).get(QUEUE))

    assert '<a href="?queue=safeguarding" aria-current="page">' in page
    assert "queue-count-urgent" in page and ">Urgent<" in page


def test_members_and_outsiders_are_refused(reported_item, patient, outsider):
    before = snapshot()
    for member in (patient, outsider):
        assert client_for(member).get(QUEUE).status_code == 403
        assert client_for(member).get("/moderation/").status_code == 403
        assert client_for(member).get("/moderation/site/").status_code == 403
    assert snapshot() == before


def test_a_professional_member_sees_only_the_medical_accuracy_queue(
    bad_topic, patient, caregiver, pro_member
):
    report(patient, first_post(bad_topic), "spam")
    other = make_topic(bad_topic.community, caregiver, body="Garlic beats antibiotics")
    medical = report(patient, first_post(other), "medically_inaccurate")

    page = text(client_for(pro_member).get(QUEUE))

    assert "Medical accuracy" in page and "?queue=general" not in page
    assert f"/moderation/items/{medical.pk}/" in page
    assert "Cinnamon cures" not in page


def test_a_moderator_of_another_community_is_refused(reported_item):
    from carecircle.communities.models import Membership
    from carecircle.core.factories import CommunityFactory

    elsewhere = UserFactory(handle="elsewhere")
    make_member(CommunityFactory(slug="heart"), elsewhere, Membership.Role.MODERATOR)

    assert client_for(elsewhere).get(QUEUE).status_code == 403
    assert client_for(elsewhere).get(f"/moderation/items/{reported_item.pk}/").status_code == 404


def test_home_lists_communities_with_counts_and_the_site_queue_for_staff(
    reported_item, moderator, site_moderator
):
    mine = text(client_for(moderator).get("/moderation/"))
    staff = text(client_for(site_moderator).get("/moderation/"))

    assert "Type 2 Diabetes" in mine and "1 item waiting" in mine
    assert "Site queue" not in mine
    assert "Site queue" in staff and 'href="/moderation/site/"' in staff


def test_the_site_queue_shows_escalated_items(reported_item, site_moderator):
    ReviewItem.objects.filter(pk=reported_item.pk).update(is_escalated=True)

    page = text(client_for(site_moderator).get("/moderation/site/"))

    assert f"/moderation/items/{reported_item.pk}/" in page and "Escalated" in page


def test_the_header_shows_the_moderation_link_with_the_open_count(
    reported_item, moderator, patient
):
    assert 'href="/moderation/">Moderation<span class="nav-badge"> 1' in text(
        client_for(moderator).get("/account/moderation/")
    )
    assert 'href="/moderation/"' not in text(client_for(patient).get("/account/moderation/"))


@pytest.mark.parametrize("count", [1, 6])
def test_the_queue_query_count_does_not_grow(
    community, caregiver, patient, moderator, count, django_assert_num_queries
):
    for number in range(count):
        topic = make_topic(community, caregiver, title=f"Topic {number}", body=f"Body {number}")
        report(patient, first_post(topic), "spam", "note")
    client = client_for(moderator)
    client.get(QUEUE)  # the day's first visit is counted once

    # session, member, community, membership, the moderator's own sanctions (a suspended
    # moderator does not moderate), tab counts, page count, items, their reports, the header's
    # open count refreshed, the daily visit check: the same for 1 item or a page.
    with django_assert_num_queries(11):
        response = client.get(QUEUE)

    assert text(response).count('<li class="queue-row') == count


def test_the_header_costs_no_query_on_other_pages(
    reported_item, moderator, patient, django_assert_num_queries
):
    for member in (moderator, patient):
        client = client_for(member)
        client.get("/account/moderation/")
        # session, member, page count, notices, visit check: nothing for the header.
        with django_assert_num_queries(5):
            response = client.get("/account/moderation/")
        assert ('href="/moderation/"' in text(response)) is (member == moderator)


def test_opening_a_queue_refreshes_the_header_count(reported_item, moderator, patient, bad_topic):
    from carecircle.core.factories import make_topic

    client = client_for(moderator)
    report(patient, first_post(make_topic(bad_topic.community, bad_topic.author)), "abusive")
    assert '<span class="nav-badge"> 1' in text(client.get("/account/moderation/"))

    assert '<span class="nav-badge"> 2' in text(client.get(QUEUE))
