"""forms: reading the new-topic form's poll inputs, and drawing them again after an error."""

from __future__ import annotations

import zoneinfo
from datetime import datetime, timedelta

import pytest
from django.http import QueryDict
from django.utils import timezone

from carecircle.core.errors import ValidationFailed
from carecircle.polls.forms import poll_field_errors, poll_form_context, poll_spec_from_form
from carecircle.polls.specs import PollSpec, clean_spec


def form(**values: str | list[str]) -> QueryDict:
    data = QueryDict(mutable=True)
    for name, value in values.items():
        data.setlist(name, value if isinstance(value, list) else [value])
    return data


def test_no_poll_unless_asked_for_and_a_typed_poll_asks_for_itself():
    # Without JavaScript nothing ticks "Add this poll": a typed question or option is enough.
    assert poll_spec_from_form(form(poll_option=["", " "], poll_question=" ")) is None
    assert poll_spec_from_form(form(poll_question="Q?", poll_option=["a", "b"])) == PollSpec(
        question="Q?", options=["a", "b"]
    )
    assert poll_spec_from_form(form(poll_option=["a"])) == PollSpec(question="", options=["a"])
    # Only a closing time typed: drawn open so it is seen, but not a poll by itself.
    data = form(poll_closes_at="2027-01-05T18:30")
    assert (poll_spec_from_form(data), poll_form_context(data)["is_open"]) == (None, True)


def test_every_input_is_read_and_the_time_is_the_members_own():
    with timezone.override(zoneinfo.ZoneInfo("Pacific/Auckland")):
        spec = poll_spec_from_form(
            form(
                add_poll="on",
                poll_question="Best time to walk?",
                poll_option=["Morning", "", "Evening", "  "],
                poll_choice="multiple",
                poll_max_choices="2",
                poll_voters="open",
                poll_results="after_close",
                poll_closes_at="2027-01-05T18:30",
            )
        )
    assert spec == PollSpec(
        question="Best time to walk?",
        options=["Morning", "Evening"],
        is_multiple_choice=True,
        max_choices=2,
        is_anonymous=False,
        results_visibility="after_close",
        closes_at=datetime(2027, 1, 5, 18, 30, tzinfo=zoneinfo.ZoneInfo("Pacific/Auckland")),
    )


def test_defaults_are_single_choice_anonymous_results_after_voting():
    spec = poll_spec_from_form(form(add_poll="on", poll_question="Q?", poll_option=["a", "b"]))
    assert spec == PollSpec(question="Q?", options=["a", "b"])


@pytest.mark.parametrize(
    ("name", "value", "code"),
    [("poll_closes_at", "next tuesday", "bad_datetime"), ("poll_max_choices", "two", "bad_number")],
)
def test_unreadable_date_or_number(name, value, code):
    data = form(add_poll="on", poll_question="Q?", poll_option=["a", "b"], poll_choice="multiple")
    data[name] = value
    with pytest.raises(ValidationFailed) as caught:
        poll_spec_from_form(data)
    assert (caught.value.field, caught.value.code) == (name, code)


def test_a_refused_form_is_drawn_again_with_its_text_and_each_error():
    data = form(
        add_poll="on",
        poll_question="",
        poll_option=["Yes", "", "yes"],
        poll_choice="multiple",
        poll_voters="open",
        poll_results="always",
        poll_closes_at="2027-01-05T18:30",
    )
    spec = poll_spec_from_form(data)
    assert spec is not None
    with pytest.raises(ValidationFailed) as caught:
        clean_spec(spec)
    errors = poll_field_errors(caught.value)
    assert errors == {
        "poll_question": "Please write the poll's question.",
        "poll_option_2": "This option is the same as option 1.",
    }
    context = poll_form_context(data, errors)
    assert context["options"] == [
        {"number": 1, "value": "Yes", "error": ""},
        {"number": 2, "value": "yes", "error": "This option is the same as option 1."},
        {"number": 3, "value": "", "error": ""},
        {"number": 4, "value": "", "error": ""},
    ]
    assert {
        k: context[k] for k in ("is_requested", "choice", "voters", "results", "closes_at")
    } == {
        "is_requested": True,
        "choice": "multiple",
        "voters": "open",
        "results": "always",
        "closes_at": "2027-01-05T18:30",
    }
    assert context["has_errors"] is True


def test_a_new_form_has_four_empty_options_and_the_error_of_a_single_field():
    context = poll_form_context()
    assert [o["value"] for o in context["options"]] == ["", "", "", ""]
    assert (context["is_requested"], context["is_open"]) == (False, False)
    error = ValidationFailed("Too far", field="poll_closes_at", code="too_far")
    assert poll_field_errors(error) == {"poll_closes_at": "Too far"}
    assert poll_field_errors(ValidationFailed("Title", field="title")) == {}
    tomorrow = timezone.localtime() + timedelta(days=1)
    assert context["closes_at_min"] < tomorrow.strftime("%Y-%m-%dT%H:%M")
