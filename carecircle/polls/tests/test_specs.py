"""specs.clean_spec: every rule of a new poll, every problem reported at once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from carecircle.core.errors import ValidationFailed
from carecircle.polls.specs import PollSpec, clean_spec


def refused(spec: PollSpec) -> list[dict[str, str]]:
    with pytest.raises(ValidationFailed) as caught:
        clean_spec(spec)
    assert caught.value.field == caught.value.details[0]["field"]
    return [{k: d[k] for k in ("field", "code")} for d in caught.value.details]


def test_a_valid_spec_is_tidied():
    closes = timezone.now() + timedelta(days=3)
    spec = clean_spec(
        PollSpec(
            question="  Which   meter\nis easiest? ",
            options=[" Big  digits ", "Talking meter"],
            is_multiple_choice=False,
            max_choices=5,
            results_visibility="always",
            closes_at=closes,
        )
    )
    assert spec == PollSpec(
        question="Which meter is easiest?",
        options=["Big digits", "Talking meter"],
        is_multiple_choice=False,
        max_choices=None,
        is_anonymous=True,
        results_visibility="always",
        closes_at=closes,
    )


def test_every_problem_is_listed_with_its_field():
    details = refused(
        PollSpec(
            question=" ",
            options=["Yes", "", "yes ", "x" * 201],
            is_multiple_choice=True,
            max_choices=9,
            results_visibility="never",
            closes_at=timezone.now() - timedelta(minutes=1),
        )
    )
    assert details == [
        {"field": "poll_question", "code": "required"},
        {"field": "poll_option_2", "code": "required"},
        {"field": "poll_option_3", "code": "duplicate"},
        {"field": "poll_option_4", "code": "too_long"},
        {"field": "poll_max_choices", "code": "out_of_range"},
        {"field": "poll_results_visibility", "code": "invalid_choice"},
        {"field": "poll_closes_at", "code": "in_past"},
    ]


def test_limits_at_their_edges():
    edge = PollSpec(question="q" * 300, options=["a" * 200] + [f"option {n}" for n in range(19)])
    assert len(clean_spec(edge).options) == 20
    assert refused(PollSpec(question="q" * 301, options=["a", "b"])) == [
        {"field": "poll_question", "code": "too_long"}
    ]
    assert refused(PollSpec(question="Q?", options=["only one"])) == [
        {"field": "poll_options", "code": "too_few"}
    ]
    assert refused(PollSpec(question="Q?", options=[f"o{n}" for n in range(21)])) == [
        {"field": "poll_options", "code": "too_many"}
    ]


def test_max_choices_runs_from_two_to_the_number_of_options():
    base = {"question": "Q?", "options": ["a", "b", "c"], "is_multiple_choice": True}
    assert clean_spec(PollSpec(**base, max_choices=None)).max_choices is None
    assert clean_spec(PollSpec(**base, max_choices=3)).max_choices == 3
    for wrong in (1, 4, 0):
        assert refused(PollSpec(**base, max_choices=wrong)) == [
            {"field": "poll_max_choices", "code": "out_of_range"}
        ]


def test_closing_time_within_a_year_and_naive_times_read_as_utc():
    now = timezone.now()
    assert refused(
        PollSpec(question="Q?", options=["a", "b"], closes_at=now + timedelta(days=366))
    ) == [{"field": "poll_closes_at", "code": "too_far"}]
    naive = (now + timedelta(days=1)).astimezone(UTC).replace(tzinfo=None, microsecond=0)
    cleaned = clean_spec(PollSpec(question="Q?", options=["a", "b"], closes_at=naive))
    assert cleaned.closes_at == datetime(
        naive.year, naive.month, naive.day, naive.hour, naive.minute, naive.second, tzinfo=UTC
    )
