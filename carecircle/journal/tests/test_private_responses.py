"""No journal page or API answer may be kept by a browser or a proxy, whatever the view does."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from carecircle.accounts.models import User
from carecircle.journal.models import Goal, JournalEntry, JournalShare, Medication
from conftest import client_for

pytestmark = pytest.mark.django_db


def journal_page_routes() -> list[str]:
    """Every page route under /journal/, with 1 for each id (the owner's own records)."""
    routes: list[str] = []
    for entry in get_resolver().url_patterns:
        if isinstance(entry, URLResolver) and str(entry.pattern) == "journal/":
            for pattern in entry.url_patterns:
                assert isinstance(pattern, URLPattern)
                route = str(pattern.pattern)
                for converter in (
                    "<int:entry_id>",
                    "<int:medication_id>",
                    "<int:goal_id>",
                    "<int:share_id>",
                ):
                    route = route.replace(converter, "1")
                routes.append("/journal/" + route)
    return routes


def test_the_route_list_covers_the_journal() -> None:
    routes = journal_page_routes()
    assert "/journal/" in routes and "/journal/check-in/" in routes
    assert len(routes) >= 30


def test_every_journal_page_and_api_answer_is_private_and_not_stored(patient: User) -> None:
    JournalEntry.objects.create(
        pk=1, owner=patient, kind="mood", recorded_at="2026-01-01T10:00Z", data={"mood": 3}
    )
    Medication.objects.create(pk=1, owner=patient, data={"name": "Metformin"})
    Goal.objects.create(pk=1, owner=patient, data={"title": "Walk"})
    JournalShare.objects.create(
        pk=1, owner=patient, audience="member", member=patient, parts=["mood"]
    )
    client = client_for(patient)
    paths = [r for r in journal_page_routes() if "<" not in r] + [
        "/api/v1/journal/entries",
        "/api/v1/journal/medications",
        "/api/v1/journal/goals",
        "/api/v1/journal/shares",
        "/api/v1/journal/preferences",
        "/api/v1/journal/export?format=json",
    ]
    checked = 0
    for path in paths:
        response = client.get(path)
        if response.status_code == 405:
            response = client.post(path, {})
        cache_control = response.headers.get("Cache-Control", "")
        assert "no-store" in cache_control and "private" in cache_control, (path, cache_control)
        checked += 1
    assert checked >= 30
