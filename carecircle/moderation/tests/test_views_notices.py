"""A member's own moderation notices and appeals."""

# ruff: noqa: F811 - fixtures imported from the support module are redefined as arguments

from __future__ import annotations

import pytest

from carecircle.moderation import actions
from carecircle.moderation.models import Appeal, ModerationAction, ReviewItem
from carecircle.moderation.tests.test_views_support import (  # noqa: F401 - fixtures
    bad_topic,
    first_post,
    report,
    snapshot,
    text,
)
from conftest import client_for

pytestmark = pytest.mark.django_db

NOTICES = "/account/moderation/"


def _hide(moderator, item: ReviewItem, reason: str = "Dangerous advice") -> ModerationAction:
    return actions.resolve_item(
        actor=moderator, item=item, decision="hide", reason=reason, guideline="Be accurate"
    )


def test_the_member_sees_what_why_where_and_can_appeal(bad_topic, patient, moderator, caregiver):
    action = _hide(moderator, report(patient, first_post(bad_topic)))

    page = text(client_for(caregiver).get(NOTICES))

    assert "Your post was hidden" in page and "Dangerous advice" in page and "Be accurate" in page
    assert "Type 2 Diabetes" in page
    assert f'href="/account/moderation/{action.pk}/appeal/"' in page
    assert "Dangerous advice" not in text(client_for(patient).get(NOTICES))


def test_an_appeal_needs_words_and_is_sent_once(bad_topic, patient, moderator, caregiver):
    action = _hide(moderator, report(patient, first_post(bad_topic)))
    url = f"/account/moderation/{action.pk}/appeal/"
    client = client_for(caregiver)

    empty = client.post(url, {"text": "  "})
    assert empty.status_code == 400 and 'id="error_text"' in text(empty)
    assert Appeal.objects.count() == 0

    sent = client.post(url, {"text": "I quoted my doctor."})

    assert (sent.status_code, sent["Location"]) == (302, url)
    appeal = Appeal.objects.get()
    assert (appeal.action_id, appeal.member_id, appeal.text) == (
        action.pk,
        caregiver.pk,
        "I quoted my doctor.",
    )
    page = text(client.get(url))
    assert "Your appeal" in page and "Waiting for a decision" in page and 'name="text"' not in page
    assert "See your appeal" in text(client.get(NOTICES))
    before = snapshot()
    client.post(url, {"text": "Again"})
    assert snapshot() == before


def test_someone_else_cannot_see_or_appeal_a_notice(bad_topic, patient, moderator):
    action = _hide(moderator, report(patient, first_post(bad_topic)))
    before = snapshot()

    for member in (patient, moderator):
        url = f"/account/moderation/{action.pk}/appeal/"
        assert client_for(member).get(url).status_code == 404
        assert client_for(member).post(url, {"text": "Mine"}).status_code == 404
    assert snapshot() == before


@pytest.mark.parametrize("count", [1, 5])
def test_the_notices_query_count_does_not_grow(
    community, caregiver, patient, moderator, count, django_assert_num_queries
):
    from carecircle.core.factories import make_topic

    for number in range(count):
        topic = make_topic(community, caregiver, title=f"T{number}", body=f"Body {number}")
        _hide(moderator, report(patient, first_post(topic)))
    client = client_for(caregiver)
    client.get(NOTICES)

    # session, member, page count, notices with their community and appeal, visit check.
    with django_assert_num_queries(5):
        response = client.get(NOTICES)

    assert text(response).count('<li class="card notice-row">') == count
