"""Audit events record who did what to which object."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from carecircle.core.audit import record_event
from carecircle.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_an_event_names_actor_verb_target_and_data(community, manager):
    event = record_event(actor=manager, verb="community.update", target=community, changes={"a": 1})

    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.actor == manager
    assert stored.verb == "community.update"
    assert (stored.target_type, stored.target_id) == ("communities.community", str(community.pk))
    assert stored.data == {"changes": {"a": 1}}
    assert str(stored) == f"community.update communities.community:{community.pk}"


def test_a_visitor_is_recorded_as_no_one(community):
    event = record_event(actor=AnonymousUser(), verb="community.view", target=community)
    assert AuditEvent.objects.get(pk=event.pk).actor is None


def test_events_outlive_their_actor(community, outsider):
    event = record_event(actor=outsider, verb="community.join", target=community)
    outsider.delete()
    event.refresh_from_db()
    assert (event.actor, event.verb) == (None, "community.join")
