"""The one validation every way into the journal uses: each cleaner and its edge cases."""

from __future__ import annotations

from typing import Any

import pytest

from carecircle.core.errors import ValidationFailed
from carecircle.journal import payloads, vocabulary


def refused(call: Any, *args: Any) -> tuple[str | None, str]:
    with pytest.raises(ValidationFailed) as raised:
        call(*args)
    return raised.value.field, raised.value.code


def test_symptom_is_trimmed_and_scaled():
    assert payloads.clean_symptom({"name": "  Brain fog ", "severity": "7", "note": " bad "}) == {
        "name": "Brain fog",
        "severity": 7,
        "note": "bad",
    }
    assert payloads.clean_symptom({"name": "Fatigue", "severity": 0}) == {
        "name": "Fatigue",
        "severity": 0,
        "note": "",
    }
    assert payloads.clean_symptom({"name": "Fatigue", "severity": 10.0})["severity"] == 10


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({"severity": 3}, ("name", "required")),
        ({"name": "   ", "severity": 3}, ("name", "required")),
        ({"name": "x" * 121, "severity": 3}, ("name", "too_long")),
        ({"name": "Pain", "severity": ""}, ("severity", "required")),
        ({"name": "Pain", "severity": 11}, ("severity", "out_of_range")),
        ({"name": "Pain", "severity": -1}, ("severity", "out_of_range")),
        ({"name": "Pain", "severity": "7,5"}, ("severity", "out_of_range")),
        ({"name": "Pain", "severity": "NaN"}, ("severity", "not_a_number")),
        ({"name": "Pain", "severity": float("inf")}, ("severity", "not_a_number")),
        ({"name": "Pain", "severity": True}, ("severity", "not_a_number")),
        ({"name": "Pain", "severity": "seven"}, ("severity", "not_a_number")),
        ({"name": "Pain", "severity": 5, "note": "n" * 2001}, ("note", "too_long")),
    ],
)
def test_symptom_refusals_name_the_field(raw, expected):
    assert refused(payloads.clean_symptom, raw) == expected


def test_measurements_normalise_commas_units_and_blood_pressure():
    assert payloads.clean_measurement({"type": "weight", "value": "72,5"}) == {
        "type": "weight",
        "name": "",
        "value": 72.5,
        "value_2": None,
        "unit": "kg",
        "note": "",
    }
    bp = payloads.clean_measurement(
        {"type": "blood_pressure", "value": "120", "value_2": "80", "unit": "mmHg"}
    )
    assert (bp["value"], bp["value_2"], bp["unit"]) == (120.0, 80.0, "mmHg")
    # A second value means nothing for a type without one: dropped, not stored.
    assert (
        payloads.clean_measurement({"type": "heart_rate", "value": 60, "value_2": 3})["value_2"]
        is None
    )
    assert (
        payloads.clean_measurement({"type": "weight", "value": 160, "unit": "lb"})["unit"] == "lb"
    )
    assert payloads.clean_measurement({"type": "temperature", "value": 98.6, "unit": "°F"})[
        "value"
    ] == pytest.approx(98.6)
    assert (
        payloads.clean_measurement({"type": "blood_glucose", "value": 99, "unit": "mg/dL"})["unit"]
        == "mg/dL"
    )
    custom = payloads.clean_measurement(
        {"type": "custom", "name": " Waist ", "value": "88", "unit": "cm", "value_2": ""}
    )
    assert custom == {
        "type": "custom",
        "name": "Waist",
        "value": 88.0,
        "value_2": None,
        "unit": "cm",
        "note": "",
    }


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({"value": 3}, ("type", "required")),
        ({"type": "cholesterol", "value": 3}, ("type", "bad_type")),
        ({"type": "weight"}, ("value", "required")),
        ({"type": "weight", "value": "nan"}, ("value", "not_a_number")),
        ({"type": "weight", "value": "70 kg"}, ("value", "not_a_number")),
        ({"type": "weight", "value": 70, "unit": "g"}, ("unit", "bad_unit")),
        ({"type": "weight", "value": 700}, ("value", "out_of_range")),
        ({"type": "weight", "value": 1500, "unit": "lb"}, ("value", "out_of_range")),
        ({"type": "temperature", "value": 37, "unit": "°F"}, ("value", "out_of_range")),
        ({"type": "temperature", "value": 98.6}, ("value", "out_of_range")),
        ({"type": "blood_glucose", "value": 100}, ("value", "out_of_range")),
        ({"type": "blood_pressure", "value": 120}, ("value_2", "required")),
        ({"type": "blood_pressure", "value": 80, "value_2": 120}, ("value_2", "out_of_range")),
        ({"type": "blood_pressure", "value": 120, "value_2": 10}, ("value_2", "out_of_range")),
        (
            {"type": "blood_pressure", "value": 120, "value_2": 80, "unit": "kPa"},
            ("unit", "bad_unit"),
        ),
        ({"type": "sleep", "value": 25}, ("value", "out_of_range")),
        ({"type": "steps", "value": -1}, ("value", "out_of_range")),
        ({"type": "custom", "value": 3}, ("name", "required")),
        ({"type": "custom", "name": "Waist", "value": 3, "unit": "u" * 21}, ("unit", "too_long")),
    ],
)
def test_measurement_refusals_name_the_field(raw, expected):
    assert refused(payloads.clean_measurement, raw) == expected


def test_mood_needs_one_of_the_two_scales():
    assert payloads.clean_mood({"mood": "4", "energy": ""}) == {
        "mood": 4,
        "energy": None,
        "note": "",
    }
    assert payloads.clean_mood({"energy": 1, "note": "slept badly"}) == {
        "mood": None,
        "energy": 1,
        "note": "slept badly",
    }
    assert refused(payloads.clean_mood, {}) == ("mood", "required")
    assert refused(payloads.clean_mood, {"mood": 0}) == ("mood", "out_of_range")
    assert refused(payloads.clean_mood, {"mood": 3, "energy": 6}) == ("energy", "out_of_range")
    assert refused(payloads.clean_mood, {"mood": "3,5"}) == ("mood", "out_of_range")


def test_diary_and_goal_check_in():
    assert payloads.clean_diary({"title": " Day ", "text": " Better "}) == {
        "title": "Day",
        "text": "Better",
    }
    assert refused(payloads.clean_diary, {"title": "Day"}) == ("text", "required")
    assert refused(payloads.clean_diary, {"text": "x" * 20001}) == ("text", "too_long")
    assert payloads.clean_goal_check_in({"value": "2,5"}) == {"value": 2.5, "note": ""}
    assert payloads.clean_goal_check_in({"note": "walked"}) == {"value": None, "note": "walked"}
    assert refused(payloads.clean_goal_check_in, {"value": " "}) == ("value", "required")
    assert refused(payloads.clean_goal_check_in, {"value": "inf"}) == ("value", "not_a_number")


def test_medication_dates_effectiveness_and_side_effects():
    cleaned = payloads.clean_medication(
        {
            "name": " Metformin ",
            "dose": "500",
            "unit": "mg",
            "started_on": "2026-01-02",
            "stopped_on": "2026-02-01",
            "effectiveness": "3",
            "side_effects": "Nausea: 4; headache:2 ;",
        }
    )
    assert cleaned == {
        "name": "Metformin",
        "dose": "500",
        "unit": "mg",
        "frequency": "",
        "reason": "",
        "started_on": "2026-01-02",
        "stopped_on": "2026-02-01",
        "stop_reason": "",
        "effectiveness": 3,
        "side_effects": [{"name": "Nausea", "severity": 4}, {"name": "headache", "severity": 2}],
        "note": "",
    }
    assert payloads.clean_side_effects([{"name": "Rash"}]) == [{"name": "Rash", "severity": 0}]
    assert payloads.clean_side_effects(None) == []
    assert refused(payloads.clean_medication, {"name": ""}) == ("name", "required")
    assert refused(
        payloads.clean_medication,
        {"name": "X", "started_on": "2026-02-01", "stopped_on": "2026-01-01"},
    ) == ("stopped_on", "bad_date")
    assert refused(payloads.clean_medication, {"name": "X", "started_on": "01/02/2026"}) == (
        "started_on",
        "bad_date",
    )
    assert refused(payloads.clean_medication, {"name": "X", "effectiveness": 5}) == (
        "effectiveness",
        "out_of_range",
    )
    assert refused(payloads.clean_side_effects, "Nausea: 11") == ("side_effects", "out_of_range")
    assert refused(payloads.clean_side_effects, ": 3") == ("side_effects", "required")
    assert refused(payloads.clean_side_effects, ["Nausea"]) == ("side_effects", "bad_list")
    assert refused(payloads.clean_side_effects, 3) == ("side_effects", "bad_list")


def test_goal_and_unknown_kind():
    assert payloads.clean_goal({"title": "Walk", "target": "5,5", "due_on": "2026-12-31"}) == {
        "title": "Walk",
        "target": 5.5,
        "unit": "",
        "due_on": "2026-12-31",
        "note": "",
    }
    assert refused(payloads.clean_goal, {"title": ""}) == ("title", "required")
    assert refused(payloads.clean_entry, "medication", {}) == ("kind", "bad_kind")
    assert payloads.clean_entry("diary", {"text": "t"}) == {"title": "", "text": "t"}


def test_canonical_units():
    assert payloads.to_canonical("weight", 10, "st") == pytest.approx(63.5029318)
    assert payloads.to_canonical("blood_glucose", 90, "mg/dL") == 5.0
    assert payloads.to_canonical("temperature", 212, "°F") == 100.0
    assert payloads.to_canonical("heart_rate", 60, "bpm") == 60


def test_the_shared_lists_are_long_plain_and_unique():
    symptoms = vocabulary.symptom_names()
    medications = vocabulary.medication_names()
    assert len(symptoms) >= 150
    assert len(medications) >= 300
    for names in (symptoms, medications):
        assert len({name.casefold() for name in names}) == len(names)
        assert all(name == name.strip() and 0 < len(name) <= payloads.NAME_MAX for name in names)
        assert not any(name.startswith("#") for name in names)
    assert {"Fatigue", "Brain fog", "Joint pain", "Nausea", "Shortness of breath"} <= set(symptoms)
    assert {
        "Paracetamol",
        "Acetaminophen",
        "Tylenol",
        "Metformin",
        "Glucophage",
        "Adalimumab",
        "Humira",
        "Ventolin",
        "Lantus",
        "Sertraline",
        "Tamoxifen",
    } <= set(medications)


@pytest.mark.parametrize(
    ("call", "raw", "fields"),
    [
        (payloads.clean_symptom, {"severity": 12, "note": "n" * 2001},
         ["name", "severity", "note"]),
        (payloads.clean_measurement, {"type": "custom", "value": "", "value_2": "x"},
         ["value", "name", "value_2"]),
        (payloads.clean_measurement, {"type": "weight", "value": 5000, "unit": "kg"}, ["value"]),
        (payloads.clean_mood, {"mood": 0, "energy": 6}, ["mood", "energy"]),
        (payloads.clean_diary, {"title": "t" * 121}, ["title", "text"]),
        (payloads.clean_goal_check_in, {"value": "x", "note": "n" * 2001}, ["value", "note"]),
        (payloads.clean_medication,
         {"started_on": "2026-02-01", "stopped_on": "2026-01-01", "effectiveness": 7,
          "side_effects": "rash:11"},
         ["name", "stopped_on", "effectiveness", "side_effects"]),
        (payloads.clean_goal, {"target": "lots", "due_on": "soon"}, ["title", "target", "due_on"]),
    ],
)  # fmt: skip
def test_every_problem_of_a_record_is_listed_the_first_leads(call, raw, fields):
    with pytest.raises(ValidationFailed) as raised:
        call(raw)
    error = raised.value
    assert [detail["field"] for detail in error.details] == fields
    assert all(set(detail) == {"field", "code", "message"} for detail in error.details)
    first = error.details[0]
    assert (error.field, error.code, str(error.message)) == (
        first["field"],
        first["code"],
        first["message"],
    )


@pytest.mark.parametrize(
    ("call", "raw", "message"),
    [
        (payloads.clean_symptom, {"severity": 1}, "Enter the symptom's name."),
        (payloads.clean_measurement, {"type": "custom", "value": 1},
         "Enter the measurement's name."),
        (payloads.clean_diary, {}, "Write something in your diary entry."),
        (payloads.clean_medication, {}, "Enter the medicine's or treatment's name."),
        (payloads.clean_goal, {}, "Enter your goal."),
        (payloads.clean_symptom, {"name": "Cough"}, "Choose how bad it is, from 0 to 10."),
        (payloads.clean_measurement, {"type": "blood_pressure", "value": 120},
         "Enter the second (lower) number too."),
        (payloads.clean_medication, {"name": "X", "side_effects": ":3"},
         "Give each side effect a name."),
    ],
)  # fmt: skip
def test_required_messages_name_the_field(call, raw, message):
    with pytest.raises(ValidationFailed) as raised:
        call(raw)
    assert str(raised.value.message) == message


def test_effectiveness_words_read_as_how_well_it_works():
    assert [str(label) for label in payloads.EFFECTIVENESS.values()] == [
        "Not at all",
        "A little",
        "Moderately well",
        "Very well",
        "Completely",
    ]


@pytest.mark.parametrize(
    ("call", "raw", "expected"),
    [
        # Huge finite numbers would overflow sums and scales in charts: refused where they enter.
        (payloads.clean_measurement, {"type": "custom", "name": "x", "value": "1e308"}, "value"),
        (payloads.clean_measurement, {"type": "custom", "name": "x", "value": -1e10}, "value"),
        (
            payloads.clean_measurement,
            {"type": "custom", "name": "x", "value": 1, "value_2": "1e308"},
            "value_2",
        ),
        (payloads.clean_goal, {"title": "Walk", "target": "1e308"}, "target"),
        (payloads.clean_goal, {"title": "Walk", "target": "-1000000001"}, "target"),
        (payloads.clean_goal_check_in, {"value": "-1e308"}, "value"),
        (payloads.clean_entry, "goal_check_in", "value"),
    ],
)
def test_numbers_are_bounded(call, raw, expected):
    if isinstance(raw, str):  # clean_entry: the kind, then the data
        assert refused(call, raw, {"value": 2e9}) == (expected, "out_of_range")
        return
    with pytest.raises(ValidationFailed) as raised:
        call(raw)
    assert (raised.value.field, raised.value.code) == (expected, "out_of_range")
    assert str(raised.value.message) == ("Enter a number from -1,000,000,000 to 1,000,000,000.")


def test_numbers_at_the_bound_are_kept_and_built_in_types_keep_their_own_message():
    assert payloads.clean_goal({"title": "Walk", "target": "1e9"})["target"] == 1e9
    assert payloads.clean_goal_check_in({"value": -1e9})["value"] == -1e9
    custom = payloads.clean_measurement(
        {"type": "custom", "name": "x", "value": "-1e9", "value_2": 1e9}
    )
    assert (custom["value"], custom["value_2"]) == (-1e9, 1e9)
    with pytest.raises(ValidationFailed) as raised:
        payloads.clean_measurement({"type": "weight", "value": "1e308"})
    assert (raised.value.field, raised.value.code) == ("value", "out_of_range")
    assert "too high or too low for Weight" in str(raised.value.message)


@pytest.mark.parametrize(
    ("call", "raw", "field"),
    [
        (payloads.clean_medication, {"name": "X", "started_on": "0001-01-01"}, "started_on"),
        (payloads.clean_medication, {"name": "X", "stopped_on": "9999-12-31"}, "stopped_on"),
        (payloads.clean_medication, {"name": "X", "started_on": "1899-12-31"}, "started_on"),
        (payloads.clean_goal, {"title": "Walk", "due_on": "2201-01-01"}, "due_on"),
        (payloads.clean_goal, {"title": "Walk", "due_on": "0001-01-01"}, "due_on"),
    ],
)
def test_dates_are_from_1900_to_2200(call, raw, field):
    with pytest.raises(ValidationFailed) as raised:
        call(raw)
    assert (raised.value.field, raised.value.code) == (field, "out_of_range")
    assert str(raised.value.message) == "Enter a date from 1900 to 2200."


def test_dates_at_the_ends_of_the_range_are_kept():
    cleaned = payloads.clean_medication(
        {"name": "X", "started_on": "1900-01-01", "stopped_on": "2200-12-31"}
    )
    assert (cleaned["started_on"], cleaned["stopped_on"]) == ("1900-01-01", "2200-12-31")


@pytest.mark.parametrize(
    ("call", "raw", "field"),
    [
        (payloads.clean_symptom, {"name": {"a": 1}, "severity": 1}, "name"),
        (payloads.clean_symptom, {"name": "Pain", "severity": 1, "note": ["a"]}, "note"),
        (payloads.clean_medication, {"name": "X", "dose": {"mg": 5}}, "dose"),
        (payloads.clean_goal, {"title": True}, "title"),
        (payloads.clean_diary, {"text": ["a", "b"]}, "text"),
        (payloads.clean_side_effects, [{"name": {"a": 1}, "severity": 1}], "side_effects"),
    ],
)
def test_text_fields_refuse_lists_dicts_and_booleans(call, raw, field):
    with pytest.raises(ValidationFailed) as raised:
        call(raw)
    assert (raised.value.field, raised.value.code) == (field, "not_text")
    assert str(raised.value.message) == "Enter text here."


def test_text_fields_take_numbers_as_text():
    assert payloads.clean_medication({"name": "X", "dose": 500, "unit": 2.5})["dose"] == "500"
    assert payloads.clean_symptom({"name": 42, "severity": 1})["name"] == "42"


def test_more_than_thirty_side_effects_are_refused_not_cut():
    thirty = "; ".join(f"e{i}:1" for i in range(30))
    assert len(payloads.clean_side_effects(thirty)) == 30
    for raw in (thirty + "; e30:1", [{"name": f"e{i}"} for i in range(31)]):
        with pytest.raises(ValidationFailed) as raised:
            payloads.clean_medication({"name": "X", "side_effects": raw})
        assert (raised.value.field, raised.value.code) == ("side_effects", "too_many")
        assert str(raised.value.message) == "List at most 30 side effects."
