"""The moderation log: scoped to the community, filtered by verb and member, pinned queries."""

# ruff: noqa: F811 - fixtures imported from the support module are redefined as arguments

from __future__ import annotations

import pytest

from carecircle.core.factories import make_topic
from carecircle.moderation import actions
from carecircle.moderation.tests.test_views_support import (  # noqa: F401 - fixtures
    first_post,
    report,
    site_moderator,
    text,
)
from conftest import client_for

pytestmark = pytest.mark.django_db

LOG = "/c/type-2-diabetes/moderation/log/"


def _decide(community, caregiver, patient, moderator, count: int) -> None:
    for number in range(count):
        topic = make_topic(community, caregiver, title=f"T{number}", body=f"Body {number}")
        decision = "hide" if number % 2 else "dismiss"
        actions.resolve_item(
            actor=moderator,
            item=report(patient, first_post(topic)),
            decision=decision,
            reason=f"Reason {number}",
        )


def test_the_log_filters_by_verb_and_member(community, caregiver, patient, moderator):
    _decide(community, caregiver, patient, moderator, 2)
    client = client_for(moderator)

    everything = text(client.get(LOG))
    hidden = text(client.get(LOG + "?verb=hide"))
    nobody = text(client.get(LOG + "?member=patient"))
    unknown = client.get(LOG + "?member=nobody-here")

    assert "Reason 0" in everything and "Reason 1" in everything
    assert "Reason 1" in hidden and "Reason 0" not in hidden
    assert "Nothing in the log matches." in nobody
    assert 'id="error_member"' in text(unknown)


def test_only_moderators_read_the_log(community, patient, moderator, site_moderator):
    assert client_for(patient).get(LOG).status_code == 403
    assert client_for(moderator).get("/moderation/log/").status_code == 403
    assert client_for(site_moderator).get("/moderation/log/").status_code == 200


@pytest.mark.parametrize("count", [1, 6])
def test_the_log_query_count_does_not_grow(
    community, caregiver, patient, moderator, count, django_assert_num_queries
):
    _decide(community, caregiver, patient, moderator, count)
    client = client_for(moderator)
    client.get(LOG)

    # session, member, community, membership, the moderator's own sanctions (a suspended
    # moderator does not moderate), page count, entries with their people, visit check.
    with django_assert_num_queries(8):
        response = client.get(LOG)

    assert text(response).count('<li class="card log-entry">') == count
