"""Reading the "Add a poll" part of the new-topic form, and drawing it again after an error.

The inputs (drawn by `polls/components/poll_fields.html`):
`add_poll` (checkbox; a typed question or option asks for the poll too), `poll_question`,
`poll_option` (repeated; empty ones are ignored),
`poll_choice` ("single" | "multiple"), `poll_max_choices` (empty: no limit),
`poll_voters` ("anonymous" | "open"), `poll_results` (a `Poll.Results` value) and
`poll_closes_at` (a `datetime-local` value in the member's own time zone; empty: no closing time).
No rule lives here: `specs.clean_spec` (called by the action) checks the spec for every door.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from carecircle.core.errors import DomainError, ValidationFailed
from carecircle.core.localtime import DATETIME_INPUT, parse_local_datetime
from carecircle.polls.models import Poll
from carecircle.polls.specs import OPTIONS_MAX, PollSpec

# Empty option inputs drawn when the form first shows; more can be added (JS adds inputs, and
# after an error the page draws two more than were filled in).
OPTION_ROWS = 4


def _options(data: QueryDict) -> list[str]:
    # Empty inputs are the ones left unused; their positions are not kept, so the error
    # field `poll_option_<n>` and the redrawn form number the same list.
    return [text for text in data.getlist("poll_option") if text.strip()]


def _parse_local(text: str) -> datetime | None:
    value = (text or "").strip()
    return parse_local_datetime(value, field_name="poll_closes_at") if value else None


def _parse_max_choices(text: str) -> int | None:
    value = (text or "").strip()
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        raise ValidationFailed(
            _("Enter a number, or leave it empty for no limit."),
            code="bad_number",
            field="poll_max_choices",
        ) from None


def is_poll_requested(data: QueryDict) -> bool:
    """Whether the member asked for a poll: ticked "Add this poll", or typed a question or an
    option. Without JavaScript nothing ticks the box for them, and a poll typed in full must
    never vanish silently: an unfinished one is refused by `clean_spec` with its fields."""
    return (
        data.get("add_poll") in ("on", "1", "yes", "true")
        or bool(data.get("poll_question", "").strip())
        or bool(_options(data))
    )


def poll_spec_from_form(data: QueryDict) -> PollSpec | None:
    """The poll asked for in the form, or None when "Add a poll" was not chosen.

    Call it inside the view's `try` with the action: a closing time or limit that is not a date
    or number raises ValidationFailed (field `poll_closes_at` / `poll_max_choices`) here; every
    other rule is checked by `specs.clean_spec` inside `create_topic`.
    """
    if not is_poll_requested(data):
        return None
    is_multiple = data.get("poll_choice") == "multiple"
    return PollSpec(
        question=data.get("poll_question", ""),
        options=_options(data),
        is_multiple_choice=is_multiple,
        max_choices=_parse_max_choices(data.get("poll_max_choices", "")) if is_multiple else None,
        is_anonymous=data.get("poll_voters", "anonymous") != "open",
        results_visibility=data.get("poll_results", Poll.Results.AFTER_VOTE),
        closes_at=_parse_local(data.get("poll_closes_at", "")),
    )


def poll_field_errors(error: DomainError) -> dict[str, str]:
    """{"poll_…": message} for every poll problem in `error` (its `details`, else itself).

    `core.interfaces.field_errors` keeps only the first problem; merge this in to show each
    poll problem next to its own field.
    """
    errors: dict[str, str] = {}
    for detail in error.details or []:
        name = detail.get("field", "") if isinstance(detail, dict) else ""
        if name.startswith("poll_") and name not in errors:
            errors[name] = str(detail.get("message", ""))
    if not errors and (error.field or "").startswith("poll_"):
        errors[str(error.field)] = str(error.message)
    return errors


def poll_form_context(
    data: QueryDict | None = None, errors: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """What `polls/components/poll_fields.html` draws: the member's typed values and errors.

    Pass `request.POST` after a refused post (everything typed is kept), None for a new form.
    """
    errors = errors or {}
    data = data if data is not None else QueryDict()
    typed = _options(data)
    rows = min(OPTIONS_MAX, max(OPTION_ROWS, len(typed) + (2 if typed else 0)))
    options = [
        {
            "number": number,
            "value": typed[number - 1] if number <= len(typed) else "",
            "error": errors.get(f"poll_option_{number}", ""),
        }
        for number in range(1, rows + 1)
    ]
    now = timezone.localtime()
    return {
        "is_requested": is_poll_requested(data),
        "question": data.get("poll_question", ""),
        "options": options,
        "options_max": OPTIONS_MAX,
        "choice": "multiple" if data.get("poll_choice") == "multiple" else "single",
        "max_choices": data.get("poll_max_choices", ""),
        "voters": "open" if data.get("poll_voters") == "open" else "anonymous",
        "results": data.get("poll_results", Poll.Results.AFTER_VOTE),
        "results_choices": Poll.Results.choices,
        "closes_at": data.get("poll_closes_at", ""),
        "closes_at_min": now.strftime(DATETIME_INPUT),
        "has_errors": any(name.startswith("poll_") for name in errors),
        # Drawn open whenever something of the poll was typed, so nothing typed is hidden.
        "is_open": is_poll_requested(data)
        or bool(data.get("poll_closes_at", "").strip())
        or bool(data.get("poll_max_choices", "").strip())
        or any(name.startswith("poll_") for name in errors),
    }
