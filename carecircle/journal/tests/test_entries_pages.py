"""The journal's entry pages: overview, add, list, change, delete; only the owner gets in."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from django.test import Client

from carecircle.caregivers import actions as caregiver_actions
from carecircle.core.factories import UserFactory
from carecircle.journal.actions import entries as actions
from carecircle.journal.models import JournalEntry
from conftest import client_for

pytestmark = pytest.mark.django_db


def state() -> list[dict]:
    return list(JournalEntry.objects.order_by("pk").values())


def add(owner, kind: str, data: dict, when: datetime) -> JournalEntry:
    return actions.record_entry(actor=owner, kind=kind, data=data, recorded_at=when)


@pytest.fixture
def owner(patient):
    patient.time_zone = "America/New_York"
    patient.save(update_fields=["time_zone"])
    return patient


@pytest.fixture
def others(outsider, caregiver, moderator, owner) -> dict[str, Client]:
    """Everyone but the owner: a member, the owner's linked caregiver, a moderator, staff."""
    link = caregiver_actions.request_caregiver_link(
        actor=caregiver, other_handle="patient", actor_is="carer"
    )
    caregiver_actions.answer_caregiver_link(actor=owner, link_id=link.pk, accept=True)
    staff = UserFactory(handle="staff", is_staff=True, is_superuser=True, is_site_admin=True)
    return {
        "member": client_for(outsider),
        "caregiver": client_for(caregiver),
        "moderator": client_for(moderator),
        "staff": client_for(staff),
    }


def test_visitors_are_sent_to_sign_in(owner):
    entry = add(owner, "diary", {"text": "secret"}, datetime(2026, 1, 1, tzinfo=UTC))
    visitor = Client()
    for url in [
        "/journal/",
        "/journal/check-in/",
        "/journal/add/symptom/",
        "/journal/entries/",
        f"/journal/entries/{entry.pk}/edit/",
        f"/journal/entries/{entry.pk}/delete/",
    ]:
        response = visitor.get(url)
        assert (response.status_code, response["Location"]) == (302, f"/accounts/login/?next={url}")
    before = state()
    assert visitor.post(f"/journal/entries/{entry.pk}/delete/").status_code == 302
    assert (
        visitor.post(
            "/journal/add/diary/", {"text": "x", "recorded_at": "2026-01-01T10:00"}
        ).status_code
        == 302
    )
    assert state() == before


def test_home_shows_todays_check_in_latest_entries_in_the_members_zone(
    owner, django_assert_num_queries
):
    client = client_for(owner)
    page = client.get("/journal/").content.decode()
    assert "Only you can see your journal unless you share it." in page
    assert "Not done yet." in page
    assert "Nothing here yet." in page
    for n in range(12):
        add(
            owner,
            "symptom",
            {"name": f"Symptom {n}", "severity": n % 11},
            datetime(2026, 1, 1 + n, 15, 30, tzinfo=UTC),
        )
    actions.record_daily_check_in(actor=owner, mood=4, energy=2, symptoms=[], note="")
    client.get("/journal/")  # the session and visit are settled before counting
    with django_assert_num_queries(5):  # session, member, consent, check-in today, latest ten
        response = client.get("/journal/")
    page = response.content.decode()
    assert "You have checked in today." in page
    assert "Mood: Good · Energy: Tired" in page
    assert page.count('class="journal-entry ') == 10
    assert "Symptom 11" in page and "Symptom 1<" not in page
    # 15:30 UTC is 10:30 in New York.
    assert "12 Jan 2026, 10:30" in page
    for url in [
        "/journal/check-in/",
        "/journal/add/symptom/",
        "/journal/add/measurement/",
        "/journal/add/mood/",
        "/journal/add/diary/",
        "/journal/entries/",
    ]:
        assert f'href="{url}"' in page


@pytest.mark.parametrize(
    ("kind", "post", "stored"),
    [
        (
            "symptom",
            {"name": "Brain fog", "severity": "7", "note": "after lunch"},
            {"name": "Brain fog", "severity": 7, "note": "after lunch"},
        ),
        (
            "measurement",
            {
                "type": "blood_pressure",
                "value": "128",
                "value_2": "84",
                "unit": "",
                "name": "ignored",
                "custom_unit": "",
                "note": "",
            },
            {
                "type": "blood_pressure",
                "name": "",
                "value": 128.0,
                "value_2": 84.0,
                "unit": "mmHg",
                "note": "",
            },
        ),
        (
            "measurement",
            {"type": "custom", "name": "Waist", "value": "88,5", "unit": "", "custom_unit": "cm"},
            {
                "type": "custom",
                "name": "Waist",
                "value": 88.5,
                "value_2": None,
                "unit": "cm",
                "note": "",
            },
        ),
        ("mood", {"mood": "2", "energy": "3", "note": ""}, {"mood": 2, "energy": 3, "note": ""}),
        (
            "diary",
            {"title": "Tuesday", "text": "Long day"},
            {"title": "Tuesday", "text": "Long day"},
        ),
    ],
)
def test_adding_each_kind(owner, kind, post, stored):
    client = client_for(owner)
    assert client.get(f"/journal/add/{kind}/").status_code == 200
    response = client.post(f"/journal/add/{kind}/", {**post, "recorded_at": "2026-03-08T09:15"})
    assert (response.status_code, response["Location"]) == (302, "/journal/")
    entry = JournalEntry.objects.get()
    # 09:15 in New York on 8 March 2026 (daylight saving starts at 02:00 that day) is 13:15 UTC.
    assert (entry.owner, entry.kind, entry.data, entry.recorded_at, entry.source) == (
        owner,
        kind,
        stored,
        datetime(2026, 3, 8, 13, 15, tzinfo=UTC),
        "web",
    )
    assert "Saved in your journal." in client.get("/journal/").content.decode()


@pytest.mark.parametrize(
    ("kind", "post", "field", "kept"),
    [
        (
            "symptom",
            {"name": "Aching ankles", "severity": "12"},
            "severity",
            'value="Aching ankles"',
        ),
        (
            "measurement",
            {"type": "weight", "value": "700", "unit": "kg", "note": "new scale"},
            "value",
            'value="700"',
        ),
        (
            "measurement",
            {"type": "custom", "value": "3", "custom_unit": "u" * 21, "name": "Grip"},
            "custom_unit",
            'value="Grip"',
        ),
        ("diary", {"title": "Only a title", "text": " "}, "text", 'value="Only a title"'),
        ("diary", {"text": "Kept words", "recorded_at": "yesterday"}, "recorded_at", "Kept words"),
        (
            "diary",
            {"text": "Kept words", "recorded_at": "2999-01-01T10:00"},
            "recorded_at",
            "Kept words",
        ),
    ],
)
def test_errors_sit_next_to_their_field_and_keep_the_text(owner, kind, post, field, kept):
    post = {"recorded_at": "2026-03-08T09:15", **post}
    response = client_for(owner).post(f"/journal/add/{kind}/", post)
    page = response.content.decode()
    assert response.status_code == 400
    assert f'id="error_{field}"' in page
    assert re.search(rf'name="{field}"[^>]*aria-invalid="true"[^>]*error_{field}', page) or (
        f'aria-describedby="error_{field}"' in page
    )
    assert kept in page
    assert JournalEntry.objects.count() == 0


def test_unknown_kinds_and_goal_check_ins_are_not_added_here(owner):
    client = client_for(owner)
    assert client.get("/journal/add/goal_check_in/").status_code == 404
    assert client.post("/journal/add/medication/", {"name": "x"}).status_code == 404
    assert JournalEntry.objects.count() == 0


def test_the_measurement_page_remembers_the_last_type_and_unit(owner):
    client = client_for(owner)
    page = client.get("/journal/add/measurement/").content.decode()
    assert '<option value="weight" selected>' in page
    add(
        owner,
        "measurement",
        {"type": "weight", "value": 150, "unit": "lb"},
        datetime(2026, 1, 1, tzinfo=UTC),
    )
    add(
        owner,
        "measurement",
        {"type": "blood_glucose", "value": 100, "unit": "mg/dL"},
        datetime(2026, 1, 2, tzinfo=UTC),
    )
    page = client.get("/journal/add/measurement/").content.decode()
    assert '<option value="blood_glucose" selected>' in page
    assert '<option value="mg/dL" selected>' in page
    page = client.get("/journal/add/measurement/?type=weight").content.decode()
    assert '<option value="weight" selected>' in page
    assert '<option value="lb" selected>' in page
    assert '<option value="kg" selected>' not in page

    # A member who changes the type but leaves the pre-selected unit gets the type's usual
    # unit; a unit of another type chosen on purpose is refused, the choice shown again.
    left = {"recorded_at": "2026-01-03T08:00", "type": "sleep", "value": "7", "unit": "mg/dL",
            "unit_default": "mg/dL"}  # fmt: skip
    assert client.post("/journal/add/measurement/", left).status_code == 302
    stored = JournalEntry.objects.order_by("-pk").values_list("data", flat=True).first()
    assert stored == {"type": "sleep", "name": "", "value": 7.0, "value_2": None,
                      "unit": "hours", "note": ""}  # fmt: skip
    chosen = client.post("/journal/add/measurement/", {**left, "unit_default": ""})
    page = chosen.content.decode()
    assert chosen.status_code == 400
    assert "Use one of these units: hours." in page
    assert '<option value="mg/dL" selected>' in page
    assert "<title>Error: Add: Measurement" in page
    assert JournalEntry.objects.count() == 3


def test_a_refused_entry_shows_every_problem_next_to_its_field(owner):
    response = client_for(owner).post(
        "/journal/add/measurement/",
        {"recorded_at": "2026-01-03T08:00", "type": "blood_pressure", "value": "abc",
         "value_2": "", "note": "n" * 2001},
    )  # fmt: skip
    page = response.content.decode()
    assert response.status_code == 400
    assert re.findall(r'<p class="field-error" id="error_(\w+)">', page) == [
        "value",
        "value_2",
        "note",
    ]
    assert 'id="form-errors" autofocus' in page
    assert "3 things to fix are marked below." in page
    assert state() == []


def test_the_list_filters_by_kind_and_local_dates_and_clamps_pages(
    owner, django_assert_num_queries
):
    # 03:00 UTC on 2 Jan is still 1 Jan in New York.
    add(owner, "diary", {"text": "new year"}, datetime(2026, 1, 2, 3, 0, tzinfo=UTC))
    add(owner, "symptom", {"name": "Cough", "severity": 2}, datetime(2026, 1, 2, 12, tzinfo=UTC))
    for n in range(25):
        add(owner, "mood", {"mood": 3}, datetime(2026, 2, 1 + n, 12, tzinfo=UTC))
    client = client_for(owner)
    client.get("/journal/entries/")
    with django_assert_num_queries(5):  # session, member, consent, count, page
        page = client.get("/journal/entries/").content.decode()
    assert "27 entries" in page
    assert page.count('class="journal-entry ') == 20
    assert "Page 1 of 2" in page
    last = client.get("/journal/entries/?page=99999999999999999999").content.decode()
    assert "Page 2 of 2" in last and last.count('class="journal-entry ') == 7
    day = client.get("/journal/entries/?since=2026-01-01&until=2026-01-01").content.decode()
    assert "1 entry" in day and "new year" in day and "Cough" not in day
    kind = client.get("/journal/entries/?kind=symptom&since=2026-01-02").content.decode()
    assert "1 entry" in kind and "Cough" in kind
    kept = client.get("/journal/entries/?kind=mood&page=1").content.decode()
    assert 'href="?kind=mood&amp;page=2"' in kept
    bad = client.get("/journal/entries/?kind=nope&since=01/02/2026").content.decode()
    assert 'id="error_kind"' in bad and 'id="error_since"' in bad and "27 entries" in bad


def test_the_owner_changes_and_deletes_an_entry(owner):
    entry = add(
        owner,
        "measurement",
        {"type": "weight", "value": 80, "unit": "kg"},
        datetime(2026, 1, 10, 17, 0, tzinfo=UTC),
    )
    client = client_for(owner)
    form = client.get(f"/journal/entries/{entry.pk}/edit/").content.decode()
    assert 'value="2026-01-10T12:00"' in form and 'name="value" value="80"' in form
    response = client.post(
        f"/journal/entries/{entry.pk}/edit/",
        {"recorded_at": "2026-01-10T12:00", "type": "weight", "value": "79,4", "unit": "kg"},
    )
    assert (response.status_code, response["Location"]) == (302, "/journal/entries/")
    entry.refresh_from_db()
    assert (entry.data["value"], entry.recorded_at) == (79.4, datetime(2026, 1, 10, 17, tzinfo=UTC))
    confirm = client.get(f"/journal/entries/{entry.pk}/delete/").content.decode()
    assert "Delete this entry?" in confirm and "79.4 kg" in confirm
    assert JournalEntry.objects.count() == 1
    response = client.post(f"/journal/entries/{entry.pk}/delete/")
    assert (response.status_code, response["Location"]) == (302, "/journal/entries/")
    assert JournalEntry.objects.count() == 0


def test_nobody_else_reads_changes_or_deletes_an_entry(owner, others):
    entry = add(
        owner,
        "diary",
        {"title": "Private", "text": "my secret words"},
        datetime(2026, 1, 1, tzinfo=UTC),
    )
    before = state()
    for who, client in others.items():
        for url in (f"/journal/entries/{entry.pk}/edit/", f"/journal/entries/{entry.pk}/delete/"):
            assert client.get(url).status_code == 404, who
        assert (
            client.post(
                f"/journal/entries/{entry.pk}/edit/",
                {"recorded_at": "2026-01-01T10:00", "text": "hacked"},
            ).status_code
            == 404
        )
        assert client.post(f"/journal/entries/{entry.pk}/delete/").status_code == 404
        for url in ("/journal/", "/journal/entries/"):
            page = client.get(url).content.decode()
            assert "my secret words" not in page and "Private" not in page, (who, url)
    assert state() == before


NAV_CURRENT = '<a href="/journal/" aria-current="page">My journal</a>'


@pytest.mark.parametrize(
    ("path", "current"),
    [
        ("/journal/", True),
        ("/journal/check-in/", True),
        ("/journal/entries/", True),
        ("/journal/add/measurement/", True),
        ("/journal/medications/", True),
        ("/journal/goals/add/", True),
        ("/journal/sharing/", True),
        ("/journal/shared/", True),
        ("/journal/import/", True),
        ("/communities/", False),
    ],
)
def test_the_header_marks_my_journal_current_on_every_journal_page(owner, path, current):
    page = client_for(owner).get(path).content.decode()
    assert (NAV_CURRENT in page) is current
    assert page.count("My journal</a>") >= 1


def test_home_links_to_shared_with_me_and_the_export_page(owner):
    page = client_for(owner).get("/journal/").content.decode()
    assert '<a href="/journal/shared/">Shared with me</a>' in page
    assert '<a href="/journal/import/">Download or import my journal</a>' in page
    assert "/journal/export.csv" not in page
