"""Journal opt-ins: off by default, owner-only, audited, and turning off takes effect at once."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from carecircle.accounts.models import Profile
from carecircle.core.errors import PermissionDeniedError, ValidationFailed
from carecircle.core.models import AuditEvent
from carecircle.journal import matching
from carecircle.journal.actions.preferences import (
    refresh_all_match_tokens,
    set_journal_preferences,
)
from carecircle.journal.models import JournalPreferences, MatchToken
from conftest import client_for

pytestmark = pytest.mark.django_db

ALL_ON = {
    "contributes_to_insights": True,
    "is_matchable": True,
    "match_fields": ["conditions", "stage"],
    "stage": "living_with",
}


def state() -> tuple[list, list, int]:
    return (
        list(JournalPreferences.objects.order_by("pk").values()),
        list(MatchToken.objects.order_by("pk").values()),
        AuditEvent.objects.count(),
    )


def put(client, body: dict):
    return client.put(
        "/api/v1/journal/preferences", json.dumps(body), content_type="application/json"
    )


def test_off_by_default(patient):
    assert client_for(patient).get("/api/v1/journal/preferences").json() == {
        "contributes_to_insights": False,
        "contributes_since": None,
        "is_matchable": False,
        "match_fields": [],
        "stage": "",
    }
    assert not JournalPreferences.objects.exists()


def test_turning_on_then_off(patient, django_capture_on_commit_callbacks):
    Profile.objects.create(user=patient, conditions=["Lupus"])
    with django_capture_on_commit_callbacks(execute=True):
        preferences = set_journal_preferences(actor=patient, **ALL_ON)
    assert preferences.contributes_since is not None
    assert sorted(MatchToken.objects.values_list("field", "token")) == [
        ("conditions", matching.seal("conditions", "Lupus")),
        ("stage", matching.seal("stage", "living_with")),
    ]
    event = AuditEvent.objects.get(verb="journal.preferences.update")
    assert (event.actor_id, event.subject_id, event.data) == (
        patient.pk,
        patient.pk,
        {"fields": ["contributes_to_insights", "is_matchable", "match_fields", "stage"]},
    )
    # Narrowing the fields drops that field's tokens at once, before any task runs.
    set_journal_preferences(actor=patient, **{**ALL_ON, "match_fields": ["conditions"]})
    assert list(MatchToken.objects.values_list("field", flat=True)) == ["conditions"]
    # Turning both off: no token left, no contribution date.
    preferences = set_journal_preferences(
        actor=patient, contributes_to_insights=False, is_matchable=False, match_fields=[], stage=""
    )
    assert (preferences.contributes_since, preferences.match_fields) == (None, [])
    assert not MatchToken.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"match_fields": ["conditions", "diary"]}, "match_fields"),
        ({"match_fields": []}, "match_fields"),
        ({"stage": ""}, "stage"),
        ({"stage": "cured"}, "stage"),
    ],
)
def test_invalid_choices_change_nothing(patient, change, field):
    before = state()
    with pytest.raises(ValidationFailed) as error:
        set_journal_preferences(actor=patient, **{**ALL_ON, **change})
    assert error.value.field == field
    assert state() == before


def test_memorialised_and_signed_out_members_cannot_change_anything(patient, caregiver):
    set_journal_preferences(actor=caregiver, **ALL_ON)
    patient.memorialised_at = timezone.now()
    patient.save()
    before = state()
    with pytest.raises(PermissionDeniedError):
        set_journal_preferences(actor=patient, **ALL_ON)
    assert put(client_for(None), ALL_ON).status_code == 401
    assert client_for(None).get("/api/v1/journal/preferences").status_code == 401
    page = client_for(None).post("/journal/insights/", {"contributes_to_insights": "on"})
    assert page.status_code == 302
    assert state() == before


def test_each_member_sets_only_their_own(patient, caregiver):
    set_journal_preferences(actor=caregiver, **ALL_ON)
    caregiver_row = JournalPreferences.objects.filter(member=caregiver).values().get()
    response = put(client_for(patient), {"contributes_to_insights": True})
    assert response.status_code == 200
    assert response.json()["contributes_to_insights"] is True
    assert JournalPreferences.objects.filter(member=caregiver).values().get() == caregiver_row
    # A field naming another member is not part of the input: it is ignored.
    put(client_for(patient), {"member": caregiver.pk, "contributes_to_insights": False})
    assert JournalPreferences.objects.filter(member=caregiver).values().get() == caregiver_row
    assert JournalPreferences.objects.get(member=patient).contributes_to_insights is False


def test_settings_page_saves_and_keeps_choices_on_error(patient, community):
    client = client_for(patient)
    page = client.get("/journal/insights/").content.decode()
    assert "What is shared, and what is not" in page
    assert 'href="/journal/insights/type-2-diabetes/"' in page
    before = state()
    failed = client.post(
        "/journal/insights/",
        {"contributes_to_insights": "on", "is_matchable": "on", "match_fields": ["stage"]},
    )
    html = failed.content.decode()
    assert failed.status_code == 400
    assert 'id="error_stage"' in html and 'aria-invalid="true"' in html
    assert 'name="contributes_to_insights" id="id_contributes_to_insights" checked' in html
    assert state() == before
    saved = client.post(
        "/journal/insights/", {"contributes_to_insights": "on", "stage": "remission"}
    )
    assert saved.status_code == 302
    row = JournalPreferences.objects.get(member=patient)
    assert (row.contributes_to_insights, row.is_matchable, row.stage) == (True, False, "remission")
    api = put(client, {**ALL_ON, "match_fields": ["nope"]})
    assert (api.status_code, api.json()["field"]) == (400, "match_fields")


def test_changes_are_rate_limited_on_the_page_and_the_api(patient, settings):
    settings.CARECIRCLE_JOURNAL_WRITE_RATE = "2/m"
    client = client_for(patient)
    assert put(client, {"contributes_to_insights": True}).status_code == 200
    assert client.post("/journal/insights/", {"stage": "remission"}).status_code == 302
    before = state()
    api = put(client, {"contributes_to_insights": False})
    assert (api.status_code, api.json()["code"]) == (429, "rate_limited")
    page = client.post("/journal/insights/", {"stage": "in_treatment"})
    html = page.content.decode()
    assert page.status_code == 429
    assert "You are doing that too often. Please wait a minute and try again." in html
    # The member's choice is kept on the form.
    assert '<option value="in_treatment" selected>' in html
    assert state() == before


def test_the_page_and_the_api_refuse_a_change_without_the_csrf_token(patient):
    client = Client(enforce_csrf_checks=True)
    client.force_login(patient)
    before = state()
    page = client.post("/journal/insights/", {"contributes_to_insights": "on"})
    api = put(client, ALL_ON)
    assert (page.status_code, api.status_code) == (403, 403)
    assert state() == before
    # With the token from the form, the same change goes through.
    token = client.get("/journal/insights/").cookies["csrftoken"].value
    saved = client.post(
        "/journal/insights/", {"contributes_to_insights": "on", "csrfmiddlewaretoken": token}
    )
    assert saved.status_code == 302
    assert JournalPreferences.objects.get(member=patient).contributes_to_insights is True


def test_tokens_grow_at_most_once_a_day_but_shrink_at_once(
    patient, django_capture_on_commit_callbacks
):
    Profile.objects.create(user=patient, conditions=["Lupus"])
    with django_capture_on_commit_callbacks(execute=True):
        set_journal_preferences(actor=patient, **ALL_ON)
    refreshed_at = JournalPreferences.objects.get(member=patient).tokens_refreshed_at
    assert refreshed_at is not None
    # A new stage within the day: the old stage's token goes now, the new one waits.
    with django_capture_on_commit_callbacks(execute=True):
        set_journal_preferences(actor=patient, **{**ALL_ON, "stage": "remission"})
    assert list(MatchToken.objects.values_list("field", "token")) == [
        ("conditions", matching.seal("conditions", "Lupus"))
    ]
    assert JournalPreferences.objects.get(member=patient).tokens_refreshed_at == refreshed_at
    JournalPreferences.objects.filter(member=patient).update(
        tokens_refreshed_at=refreshed_at - timedelta(hours=24)
    )
    refresh_all_match_tokens()
    assert sorted(MatchToken.objects.values_list("field", "token")) == [
        ("conditions", matching.seal("conditions", "Lupus")),
        ("stage", matching.seal("stage", "remission")),
    ]
