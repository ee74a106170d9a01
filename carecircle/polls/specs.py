"""What a member asks for when they add a poll to a topic, checked before anything is saved.

`clean_spec` checks every part of the spec before refusing it: the error's message and field
are the first problem's, and its `details` list every problem as {"field", "code", "message"}
(fields `poll_question`, `poll_options`, `poll_option_<n>` counted from 1, `poll_max_choices`,
`poll_results_visibility`, `poll_closes_at`), so the new-topic form shows each one next to its
field and the API returns them all at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from carecircle.core.errors import ValidationFailed
from carecircle.polls.models import Poll

QUESTION_MAX = 300
OPTION_MAX = 200
OPTIONS_MIN, OPTIONS_MAX = 2, 20
# A poll open longer than a year is forgotten rather than decided.
CLOSES_WITHIN = timedelta(days=365)


@dataclass(frozen=True)
class PollSpec:
    question: str
    options: list[str] = field(default_factory=list)
    is_multiple_choice: bool = False
    max_choices: int | None = None
    is_anonymous: bool = True
    results_visibility: str = "after_vote"
    closes_at: datetime | None = None


def _tidy(text: Any) -> str:
    # Runs of spaces and line breaks become one space: a question or option is one line.
    return " ".join(str(text or "").split())


def _problem(field_name: str, code: str, message: str) -> dict[str, Any]:
    return {"field": field_name, "code": code, "message": message}


def _check_question(question: str) -> list[dict[str, Any]]:
    if not question:
        return [_problem("poll_question", "required", _("Please write the poll's question."))]
    if len(question) > QUESTION_MAX:
        return [
            _problem(
                "poll_question",
                "too_long",
                _("The question can be at most %(max)d characters; yours has %(count)d.")
                % {"max": QUESTION_MAX, "count": len(question)},
            )
        ]
    return []


def _check_options(options: list[str]) -> list[dict[str, Any]]:
    problems: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for number, label in enumerate(options, start=1):
        name = f"poll_option_{number}"
        if not label:
            problems.append(_problem(name, "required", _("Please write this option or remove it.")))
        elif len(label) > OPTION_MAX:
            problems.append(
                _problem(
                    name,
                    "too_long",
                    _("An option can be at most %(max)d characters; this one has %(count)d.")
                    % {"max": OPTION_MAX, "count": len(label)},
                )
            )
        else:
            # "Yes" and "yes " are the same answer: people could not tell them apart.
            key = label.casefold()
            if key in seen:
                problems.append(
                    _problem(
                        name,
                        "duplicate",
                        _("This option is the same as option %(number)d.") % {"number": seen[key]},
                    )
                )
            else:
                seen[key] = number
    if len(options) < OPTIONS_MIN:
        problems.append(
            _problem(
                "poll_options",
                "too_few",
                _("A poll needs at least %(min)d options.") % {"min": OPTIONS_MIN},
            )
        )
    elif len(options) > OPTIONS_MAX:
        problems.append(
            _problem(
                "poll_options",
                "too_many",
                _("A poll can have at most %(max)d options.") % {"max": OPTIONS_MAX},
            )
        )
    return problems


def _check_max_choices(spec: PollSpec, option_count: int) -> list[dict[str, Any]]:
    if not spec.is_multiple_choice or spec.max_choices is None:
        return []
    highest = max(OPTIONS_MIN, min(option_count, OPTIONS_MAX))
    if isinstance(spec.max_choices, bool) or not 2 <= spec.max_choices <= highest:
        return [
            _problem(
                "poll_max_choices",
                "out_of_range",
                _("Choose a number from 2 to %(max)d, or leave it empty for no limit.")
                % {"max": highest},
            )
        ]
    return []


def _clean_closes_at(value: datetime | None) -> tuple[datetime | None, list[dict[str, Any]]]:
    if value is None:
        return None, []
    if timezone.is_naive(value):
        # The API documents this: a time without an offset is read as UTC.
        value = value.replace(tzinfo=UTC)
    now = timezone.now()
    if value <= now:
        return value, [
            _problem("poll_closes_at", "in_past", _("The closing time must be in the future."))
        ]
    if value > now + CLOSES_WITHIN:
        return value, [
            _problem(
                "poll_closes_at",
                "too_far",
                _("A poll can stay open for at most a year."),
            )
        ]
    return value, []


def clean_spec(spec: PollSpec) -> PollSpec:
    """The spec with whitespace tidied; ValidationFailed (every problem in `details`) if invalid.

    Questions and options are made one line; `max_choices` is dropped for single choice and
    means "no limit" when None. A closing time without an offset is read as UTC.
    """
    question = _tidy(spec.question)
    options = [_tidy(label) for label in spec.options]
    problems = _check_question(question) + _check_options(options)
    problems += _check_max_choices(spec, len(options))
    if spec.results_visibility not in Poll.Results.values:
        problems.append(
            _problem(
                "poll_results_visibility",
                "invalid_choice",
                _("Please choose when people see the results."),
            )
        )
    closes_at, closing_problems = _clean_closes_at(spec.closes_at)
    problems += closing_problems
    if problems:
        first = problems[0]
        raise ValidationFailed(
            first["message"], code=first["code"], field=first["field"], details=problems
        )
    return replace(
        spec,
        question=question,
        options=options,
        max_choices=spec.max_choices if spec.is_multiple_choice else None,
        is_anonymous=bool(spec.is_anonymous),
        closes_at=closes_at,
    )
