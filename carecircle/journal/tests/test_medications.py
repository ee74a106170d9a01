"""Medicines and treatments: actions, pages, API, and that only the owner ever reaches them."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import override_settings
from django.utils import timezone

from carecircle.caregivers.models import CaregiverLink
from carecircle.core.errors import (
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    ValidationFailed,
)
from carecircle.core.factories import UserFactory
from carecircle.journal import vocabulary
from carecircle.journal.actions import medications as actions
from carecircle.journal.models import Medication
from conftest import client_for

pytestmark = pytest.mark.django_db

API = "/api/v1/journal/medications"

METFORMIN = {
    "name": " Metformin ",
    "dose": "500",
    "unit": "mg",
    "frequency": "twice a day",
    "reason": "Type 2 diabetes",
    "started_on": "2026-01-10",
    "side_effects": [{"name": "Nausea", "severity": "4"}],
    "note": "With food",
}
STORED = {
    "name": "Metformin",
    "dose": "500",
    "unit": "mg",
    "frequency": "twice a day",
    "reason": "Type 2 diabetes",
    "started_on": "2026-01-10",
    "stopped_on": None,
    "stop_reason": "",
    "effectiveness": None,
    "side_effects": [{"name": "Nausea", "severity": 4}],
    "note": "With food",
}


def state() -> list[dict[str, Any]]:
    return list(Medication.objects.order_by("pk").values("pk", "owner_id", "data", "updated_at"))


@pytest.fixture
def medication(patient) -> Medication:
    return actions.add_medication(actor=patient, data=METFORMIN)


@pytest.fixture
def staff(db: None):
    return UserFactory(handle="staff", is_staff=True, is_superuser=True, is_site_admin=True)


@pytest.fixture
def linked_caregiver(patient, caregiver):
    CaregiverLink.objects.create(
        patient=patient, carer=caregiver, status="active", requested_by="patient"
    )
    return caregiver


@pytest.fixture(params=["outsider", "linked_caregiver", "moderator", "staff"])
def stranger(request, community):
    """Everyone but the owner: another member, their caregiver, a moderator, site staff."""
    return request.getfixturevalue(request.param)


# --- actions ---------------------------------------------------------------------------------


def test_add_change_stop_and_delete(patient, medication):
    assert (medication.owner, medication.data) == (patient, STORED)

    actions.update_medication(
        actor=patient, medication=medication, data={"dose": "1000", "side_effects": "Nausea:2"}
    )
    medication.refresh_from_db()
    assert medication.data == {
        **STORED,
        "dose": "1000",
        "side_effects": [{"name": "Nausea", "severity": 2}],
    }

    actions.stop_medication(
        actor=patient,
        medication=medication,
        stopped_on=date(2026, 3, 1),
        stop_reason="Stomach upset",
        effectiveness="3",
    )
    medication.refresh_from_db()
    assert (medication.data["stopped_on"], medication.data["stop_reason"]) == (
        "2026-03-01",
        "Stomach upset",
    )
    assert medication.data["effectiveness"] == 3
    # Stopping again corrects the day; no effectiveness given keeps the one said before.
    actions.stop_medication(
        actor=patient, medication=medication, stopped_on="2026-03-02", stop_reason=""
    )
    medication.refresh_from_db()
    assert (medication.data["stopped_on"], medication.data["effectiveness"]) == ("2026-03-02", 3)

    actions.delete_medication(actor=patient, medication=medication)
    assert Medication.objects.count() == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": "  "}, "name"),
        ({"stopped_on": "2026-01-01"}, "stopped_on"),
        ({"started_on": "10/01/2026"}, "started_on"),
        ({"effectiveness": "5"}, "effectiveness"),
        ({"side_effects": [{"name": "Rash", "severity": 11}]}, "side_effects"),
        ({"dose": "9" * 41}, "dose"),
    ],
)
def test_invalid_input_is_refused_and_changes_nothing(patient, medication, change, field):
    before = state()
    with pytest.raises(ValidationFailed) as add_error:
        actions.add_medication(actor=patient, data={**METFORMIN, **change})
    with pytest.raises(ValidationFailed) as update_error:
        actions.update_medication(actor=patient, medication=medication, data=change)
    assert (add_error.value.field, update_error.value.field) == (field, field)
    assert state() == before


def test_stopping_needs_a_day_after_the_start(patient, medication):
    before = state()
    for stopped_on, field in (
        (None, "stopped_on"),
        ("", "stopped_on"),
        ("2025-12-31", "stopped_on"),
    ):
        with pytest.raises(ValidationFailed) as error:
            actions.stop_medication(
                actor=patient, medication=medication, stopped_on=stopped_on, stop_reason="x"
            )
        assert error.value.field == field
    assert state() == before


def test_strangers_are_told_it_does_not_exist_and_nothing_changes(stranger, medication):
    before = state()
    for call in (
        lambda: actions.update_medication(actor=stranger, medication=medication, data={}),
        lambda: actions.stop_medication(
            actor=stranger, medication=medication, stopped_on="2026-02-01", stop_reason=""
        ),
        lambda: actions.delete_medication(actor=stranger, medication=medication),
    ):
        with pytest.raises(NotFoundError):
            call()
    assert state() == before


def test_visitors_and_memorial_accounts_cannot_write(patient, medication):
    before = state()
    patient.memorialised_at = timezone.now()
    patient.save(update_fields=["memorialised_at"])
    for actor in (AnonymousUser(), patient):
        with pytest.raises(PermissionDeniedError):
            actions.add_medication(actor=actor, data=METFORMIN)
        with pytest.raises(PermissionDeniedError):
            actions.delete_medication(actor=actor, medication=medication)
    assert state() == before


@override_settings(CARECIRCLE_JOURNAL_WRITE_RATE="2/m")
def test_writes_are_rate_limited(patient):
    actions.add_medication(actor=patient, data=METFORMIN)
    medication = actions.add_medication(actor=patient, data=METFORMIN)
    before = state()
    with pytest.raises(RateLimitedError):
        actions.delete_medication(actor=patient, medication=medication)
    assert state() == before


# --- pages -----------------------------------------------------------------------------------


def text_of(response) -> str:
    return response.content.decode()


def test_the_list_shows_current_and_past_in_words(patient, medication, django_assert_num_queries):
    ibuprofen = actions.add_medication(
        actor=patient,
        data={"name": "Ibuprofen", "started_on": "2025-05-01", "stopped_on": "2025-06-01",
              "stop_reason": "Heartburn", "effectiveness": 1},
    )  # fmt: skip
    client = client_for(patient)
    client.get("/journal/medications/")
    # session, member, medicines, the site's consent check.
    with django_assert_num_queries(4):
        response = client.get("/journal/medications/")
    page = text_of(response)
    taking, stopped = page.split('id="past-heading"')
    assert "Metformin" in taking and "Ibuprofen" not in taking
    assert "500 mg, twice a day" in taking
    assert "Nausea (4 out of 10)" in taking
    assert '<time datetime="2026-01-10">10 Jan 2026</time>' in taking
    assert f'href="/journal/medications/{medication.pk}/stop/"' in taking
    assert "Ibuprofen" in stopped and "A little" in stopped
    assert '<time datetime="2025-06-01">1 Jun 2025</time>: Heartburn' in stopped
    assert f'href="/journal/medications/{ibuprofen.pk}/stop/"' not in stopped


def test_the_list_query_count_does_not_grow(patient, django_assert_num_queries):
    for number in range(6):
        actions.add_medication(actor=patient, data={"name": f"Medicine {number}"})
    client = client_for(patient)
    client.get("/journal/medications/")
    with django_assert_num_queries(4):
        response = client.get("/journal/medications/")
    assert text_of(response).count('<article class="card plan-card"') == 6


def test_the_add_form_offers_the_shared_list_and_empty_side_effect_rows(patient):
    page = text_of(client_for(patient).get("/journal/medications/add/"))
    assert '<datalist id="medication-names">' in page
    for name in vocabulary.medication_names()[:3]:
        assert f'<option value="{name}"></option>' in page
    assert page.count('name="side_effect_name" value=""') == 3
    assert '<label for="side-effect-severity-3">' in page
    # Each field shows only its own help.
    assert 'id="help_reason"' not in page and page.count('id="help_frequency"') == 1


def test_adding_keeps_the_typed_text_next_to_the_error(patient):
    client = client_for(patient)
    response = client.post(
        "/journal/medications/add/",
        {"name": "Sertraline", "dose": "50", "started_on": "2026-02-01",
         "stopped_on": "2026-01-01", "side_effect_name": ["Dry mouth", ""],
         "side_effect_severity": ["3", ""]},
    )  # fmt: skip
    page = text_of(response)
    assert response.status_code == 400
    assert 'value="Sertraline"' in page and 'value="50"' in page
    assert 'value="Dry mouth"' in page
    assert 'aria-invalid="true" aria-describedby="help_stopped_on error_stopped_on"' in page
    assert (
        '<p class="field-error" id="error_stopped_on"><span class="visually-hidden">Error: </span>'
        "The stop date is before the start date." in page
    )
    assert "<title>Error: Add a medicine" in page
    assert 'id="form-errors" autofocus' in page
    assert Medication.objects.count() == 0

    # Every problem is shown at once, each next to its own field.
    several = client.post(
        "/journal/medications/add/",
        {"name": "", "started_on": "soon", "effectiveness": "9", "note": "n" * 2001},
    )
    errors = re.findall(
        r'<p class="field-error" id="error_(\w+)"><span class="visually-hidden">Error: </span>'
        r"([^<]*)</p>",
        text_of(several),
    )
    assert errors == [
        ("name", "Enter the medicine&#x27;s or treatment&#x27;s name."),
        ("started_on", "Enter a date as YYYY-MM-DD."),
        ("effectiveness", "Choose a whole number from 0 to 4."),
        ("note", "Keep this under 2000 characters."),
    ]
    assert "4 things to fix are marked below." in text_of(several)
    assert Medication.objects.count() == 0

    half_row = client.post(
        "/journal/medications/add/",
        {"name": "Sertraline", "side_effect_name": ["Dry mouth"], "side_effect_severity": [""]},
    )
    assert half_row.status_code == 400
    assert 'id="error_side_effects"' in text_of(half_row)
    assert Medication.objects.count() == 0

    saved = client.post(
        "/journal/medications/add/",
        {"name": "Sertraline", "dose": "50", "unit": "mg", "effectiveness": "2",
         "side_effect_name": ["", "Dry mouth", ""], "side_effect_severity": ["", "3", ""]},
    )  # fmt: skip
    assert saved.status_code == 302 and saved["Location"] == "/journal/medications/"
    data = Medication.objects.get().data
    assert (data["name"], data["effectiveness"], data["side_effects"]) == (
        "Sertraline",
        2,
        [{"name": "Dry mouth", "severity": 3}],
    )


def test_edit_stop_and_delete_pages(patient, medication):
    client = client_for(patient)
    base = f"/journal/medications/{medication.pk}"
    edit = text_of(client.get(f"{base}/edit/"))
    assert 'value="Nausea"' in edit and edit.count('name="side_effect_name"') == 4
    response = client.post(
        f"{base}/edit/",
        {**{k: v for k, v in METFORMIN.items() if k != "side_effects"}, "dose": "850",
         "side_effect_name": ["", ""], "side_effect_severity": ["", ""]},
    )  # fmt: skip
    assert response.status_code == 302
    medication.refresh_from_db()
    assert (medication.data["dose"], medication.data["side_effects"]) == ("850", [])

    stop = text_of(client.get(f"{base}/stop/"))
    assert f'value="{timezone.localdate().isoformat()}"' in stop
    refused = client.post(f"{base}/stop/", {"stopped_on": "", "stop_reason": "Too tired"})
    assert refused.status_code == 400 and "Too tired" in text_of(refused)
    assert 'id="error_stopped_on"' in text_of(refused)
    client.post(
        f"{base}/stop/", {"stopped_on": "2026-04-01", "stop_reason": "", "effectiveness": "4"}
    )
    medication.refresh_from_db()
    assert (medication.data["stopped_on"], medication.data["effectiveness"]) == ("2026-04-01", 4)

    confirm = client.get(f"{base}/delete/")
    assert confirm.status_code == 200 and "Delete Metformin?" in text_of(confirm)
    assert Medication.objects.count() == 1
    assert client.post(f"{base}/delete/").status_code == 302
    assert Medication.objects.count() == 0


def test_pages_answer_404_to_strangers_and_send_visitors_to_sign_in(stranger, medication):
    before = state()
    client = client_for(stranger)
    visitor = client_for(None)
    for action in ("edit", "stop", "delete"):
        url = f"/journal/medications/{medication.pk}/{action}/"
        assert client.get(url).status_code == 404
        assert client.post(url, {"name": "Hacked", "stopped_on": "2026-02-01"}).status_code == 404
        assert visitor.post(url, {"name": "Hacked"}).status_code == 302
    assert "Metformin" not in text_of(client.get("/journal/medications/"))
    assert visitor.get("/journal/medications/").status_code == 302
    assert state() == before


# --- API -------------------------------------------------------------------------------------


def test_the_api_round_trip(patient):
    client = client_for(patient)
    created = client.post(API, {**METFORMIN, "effectiveness": 2}, content_type="application/json")
    assert created.status_code == 201
    body = created.json()
    medication_id = body.pop("id")
    assert body.pop("created_at") and body.pop("updated_at")
    assert body == {**STORED, "effectiveness": 2, "effectiveness_label": "Moderately well",
                    "is_current": True}  # fmt: skip

    patched = client.patch(
        f"{API}/{medication_id}", {"dose": "850"}, content_type="application/json"
    ).json()
    assert (patched["dose"], patched["unit"], patched["side_effects"]) == (
        "850",
        "mg",
        [{"name": "Nausea", "severity": 4}],
    )
    stopped = client.post(
        f"{API}/{medication_id}/stop",
        {"stopped_on": "2026-02-01", "stop_reason": "Done"},
        content_type="application/json",
    ).json()
    assert (stopped["stopped_on"], stopped["is_current"], stopped["effectiveness"]) == (
        "2026-02-01",
        False,
        2,
    )
    assert [m["id"] for m in client.get(API).json()] == [medication_id]
    assert client.get(f"{API}/{medication_id}").json()["stop_reason"] == "Done"

    refused = client.post(API, {"dose": "5"}, content_type="application/json")
    assert (refused.status_code, refused.json()["field"], refused.json()["code"]) == (
        400,
        "name",
        "required",
    )
    assert client.delete(f"{API}/{medication_id}").status_code == 204
    assert Medication.objects.count() == 0


def test_the_api_answers_404_to_strangers_and_401_to_visitors(stranger, medication):
    before = state()
    client = client_for(stranger)
    visitor = client_for(None)
    url = f"{API}/{medication.pk}"
    calls = [
        ("get", url, None),
        ("patch", url, {"name": "Hacked"}),
        ("delete", url, None),
        ("post", f"{url}/stop", {"stopped_on": "2026-02-01"}),
    ]
    for method, path, body in calls:
        kwargs: dict[str, Any] = {"content_type": "application/json"}
        if body is not None:
            kwargs["data"] = body
        assert getattr(client, method)(path, **kwargs).status_code == 404
        assert getattr(visitor, method)(path, **kwargs).status_code == 401
    assert client.get(API).json() == []
    assert state() == before
