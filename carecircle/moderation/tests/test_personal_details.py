"""Oversharing: personal details are found, masked and explained; health numbers are not."""

from __future__ import annotations

import pytest

from carecircle.moderation.screening import find_personal_details
from carecircle.moderation.screening.personal_details import default_region, mask


def labels(text: str, **kwargs) -> list[tuple[str, str, str]]:
    return [
        (finding.label, finding.matched, finding.explanation)
        for finding in find_personal_details(text, **kwargs)
    ]


def test_uk_mobile_number_is_found_masked():
    assert labels("Text me on 07911 123456 after six") == [
        ("phone_number", "07••• •••456", "a phone number")
    ]


def test_international_number_is_found_whatever_the_region():
    assert labels("ring +1 415-555-2671", region="GB") == [
        ("phone_number", "+1 •••••••••671", "a phone number")
    ]


def test_region_reads_national_numbers_of_that_country():
    assert labels("call (415) 555-2671 anytime", region="US") == [
        ("phone_number", "(4••• •••••671", "a phone number")
    ]


@pytest.mark.parametrize(
    "text",
    [
        "BP 120/80 this morning, pulse 72",
        "Took 500mg metformin and 1000mg paracetamol",
        "Appointment on 12/03/2025 at 10:30",
        "Glucose 7.8 mmol/L, HbA1c 48, weight 82.5kg",
        "Diagnosed in 1998, relapsed in 2004 and 2019",
        "I walked 5 miles down the road and did 3 laps around the park",
        "Vitamin b12 1mg daily and 20 minutes walk",
        "Born in 1985 and proud of it",
    ],
)
def test_readings_doses_dates_and_years_are_not_personal_details(text):
    assert find_personal_details(text) == []


def test_email_is_masked():
    assert labels("email jo.bloggs@example.co.uk please") == [
        ("email", "j•••@•••.uk", "an email address")
    ]


def test_street_address_and_postcode():
    assert labels("We live at 14 Acacia Avenue, Leeds LS6 2AB") == [
        ("street_address", "14 •••••• ••••ue", "what looks like a home address"),
        ("street_address", "LS• •AB", "a postcode"),
    ]


def test_us_city_state_and_zip():
    assert labels("Springfield, IL 62704") == [
        ("street_address", "Sp•••••••••• •• •••04", "what looks like a home address")
    ]


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("DOB: 12/04/1985", "12••••••85"),
        ("I was born on 3rd March 1990", "3r• ••••• ••90"),
        ("my birthday is March 3", "Ma••h 3"),
    ],
)
def test_date_of_birth_only_when_introduced_as_one(text, masked):
    assert labels(text) == [("date_of_birth", masked, "a date of birth")]


def test_valid_nhs_number_is_found_without_the_word_nhs():
    assert labels("reference 943 476 5919 for the referral") == [
        ("health_number", "••• ••• •919", "an NHS number")
    ]


def test_ten_digits_failing_the_nhs_check_are_not_an_nhs_number_unless_introduced_as_one():
    assert find_personal_details("order 943 476 5918 shipped") == []
    assert labels("NHS no 943 476 5918") == [("health_number", "••• ••• •918", "an NHS number")]


def test_social_security_number_is_checked():
    assert labels("ssn 123-45-6789") == [("national_id", "•••••••6789", "a social security number")]
    # 666 is never issued, so without the word "SSN" it is just a number.
    assert find_personal_details("ticket 666-12-3456") == []


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("MRN 1234567", "•••••67"),
        ("my hospital number is K123456", "•••••56"),
        ("Patient ID: 88812345", "••••••45"),
    ],
)
def test_medical_record_numbers(text, masked):
    assert labels(text) == [("medical_record_number", masked, "a medical record number")]


def test_matched_never_contains_the_whole_detail():
    text = "Call 07911 123456, email jo@example.com, NHS 943 476 5919, MRN 1234567"
    for finding in find_personal_details(text):
        assert text[finding.start : finding.end] != finding.matched
        assert "•" in finding.matched


def test_default_region_comes_from_settings(settings):
    settings.CARECIRCLE_DEFAULT_REGION = "us"
    assert default_region() == "US"
    del settings.CARECIRCLE_DEFAULT_REGION
    assert default_region() == "GB"


def test_mask_keeps_spaces_and_both_ends():
    assert mask("07911 123456", keep_start=2, keep_end=3) == "07••• •••456"
    assert mask("abc") == "a••"
