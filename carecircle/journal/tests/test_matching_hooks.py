"""Matching tokens follow profile changes of members who opted in, and only theirs."""

from __future__ import annotations

import pytest

from carecircle.accounts.actions import update_profile_details
from carecircle.accounts.models import Profile
from carecircle.core.factories import UserFactory
from carecircle.journal import matching
from carecircle.journal.models import JournalPreferences, MatchToken

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("is_matchable", [True, False])
def test_a_profile_condition_change_refreshes_tokens_only_for_those_who_opted_in(
    is_matchable, django_capture_on_commit_callbacks
):
    member = UserFactory()
    Profile.objects.create(user=member, conditions=["Asthma"])
    JournalPreferences.objects.create(
        member=member, is_matchable=is_matchable, match_fields=["conditions"]
    )
    with django_capture_on_commit_callbacks(execute=True):
        update_profile_details(actor=member, conditions=["Lupus"])
    tokens = set(MatchToken.objects.filter(member=member).values_list("token", flat=True))
    assert tokens == ({matching.seal("conditions", "lupus")} if is_matchable else set())


def test_a_medicine_added_reaches_the_tokens_of_a_member_who_opted_in(
    django_capture_on_commit_callbacks,
):
    from carecircle.journal.actions.medications import add_medication

    member = UserFactory()
    Profile.objects.create(user=member)
    JournalPreferences.objects.create(member=member, is_matchable=True, match_fields=["treatments"])
    with django_capture_on_commit_callbacks(execute=True):
        add_medication(actor=member, data={"name": "Metformin"})
    tokens = set(MatchToken.objects.filter(member=member).values_list("token", flat=True))
    assert tokens == {matching.seal("treatments", "metformin")}
