"""Dates and times as members type them, read in their own time zone."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from carecircle.core.errors import ValidationFailed
from carecircle.core.localtime import local_input_value, parse_local_datetime

LONDON = ZoneInfo("Europe/London")
AUCKLAND = ZoneInfo("Pacific/Auckland")


@pytest.mark.parametrize("text", ["2027-03-01T09:30", "2027-03-01T09:30:00", "2027-03-01 09:30"])
def test_what_browsers_and_text_boxes_send_is_read_in_the_zone_given(text: str) -> None:
    moment = parse_local_datetime(text, field_name="when", zone=AUCKLAND)
    assert moment == datetime(2027, 3, 1, 9, 30, tzinfo=AUCKLAND)
    assert moment.astimezone(UTC) == datetime(2027, 2, 28, 20, 30, tzinfo=UTC)


def test_without_a_zone_the_members_active_zone_is_used() -> None:
    with timezone.override(LONDON):
        moment = parse_local_datetime("2027-07-01T09:30", field_name="when")
        assert moment.astimezone(UTC) == datetime(2027, 7, 1, 8, 30, tzinfo=UTC)
        assert local_input_value(moment) == "2027-07-01T09:30"
    assert local_input_value(moment, AUCKLAND) == "2027-07-01T20:30"


def test_a_bare_date_means_the_default_time_only_when_one_is_given() -> None:
    assert parse_local_datetime(
        "2027-03-01", field_name="when", zone=LONDON, default_time=time(9)
    ) == datetime(2027, 3, 1, 9, 0, tzinfo=LONDON)
    with pytest.raises(ValidationFailed) as raised:
        parse_local_datetime("2027-03-01", field_name="when", zone=LONDON)
    assert (raised.value.field, raised.value.code) == ("when", "bad_datetime")


@pytest.mark.parametrize(
    "text", ["0001-01-01T00:30", "9999-12-31T23:30", "1899-12-31", "tomorrow", "", "2027-02-30"]
)
def test_what_cannot_be_a_moment_is_explained_on_its_field(text: str) -> None:
    with pytest.raises(ValidationFailed) as raised:
        parse_local_datetime(
            text,
            field_name="remind_at",
            zone=AUCKLAND,
            default_time=time(9),
            message="Write a date.",
            code="invalid_date",
        )
    assert (raised.value.field, raised.value.code, str(raised.value.message)) == (
        "remind_at",
        "invalid_date",
        "Write a date.",
    )
