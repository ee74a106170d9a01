"""Daily visits for trust levels: counted at sign-in and on a session's first page of a day."""

from __future__ import annotations

from django.test import Client

from carecircle.core.middleware import VISIT_SESSION_KEY
from carecircle.moderation.models import MemberTrust


def test_signing_in_counts_a_visit_once_a_day(patient):
    client = Client()
    client.force_login(patient)
    trust = MemberTrust.objects.get(user=patient)
    assert trust.days_visited == 1
    assert client.session[VISIT_SESSION_KEY] is not None
    client.get("/")
    client.get("/")
    assert MemberTrust.objects.get(user=patient).days_visited == 1


def test_a_session_from_another_day_counts_today_once(patient):
    client = Client()
    client.force_login(patient)
    MemberTrust.objects.filter(user=patient).update(days_visited=4, last_visited_on="2020-01-01")
    session = client.session
    session[VISIT_SESSION_KEY] = "2020-01-01"
    session.save()
    from django.core.cache import cache

    cache.clear()
    client.get("/")
    client.get("/")
    assert MemberTrust.objects.get(user=patient).days_visited == 5
    assert client.session[VISIT_SESSION_KEY] != "2020-01-01"


def test_visitors_are_not_counted(db):
    Client().get("/")
    assert MemberTrust.objects.count() == 0
