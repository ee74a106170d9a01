"""Input of the medicine pages: what the member typed, kept as typed, and shaped for the actions.

Validation itself is `payloads.clean_medication` (through the actions); this module only reads
the form (including the repeatable side-effect rows) and fills it back in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import QueryDict
from django.utils.translation import gettext as _

from carecircle.core.errors import ValidationFailed
from carecircle.journal.models import Medication
from carecircle.journal.payloads import EFFECTIVENESS
from carecircle.journal.queries import data_of

TEXT_FIELDS = (
    "name",
    "dose",
    "unit",
    "frequency",
    "reason",
    "started_on",
    "stopped_on",
    "stop_reason",
    "effectiveness",
    "note",
)
# Empty side-effect rows offered below the filled ones, so more can be added without JS.
EMPTY_SIDE_EFFECT_ROWS = 3


@dataclass(frozen=True)
class SideEffectRow:
    name: str
    severity: str


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def medication_values(post: QueryDict) -> dict[str, Any]:
    """The add/edit form as typed (strings), side effects as rows in the order shown."""
    values: dict[str, Any] = {name: post.get(name, "") for name in TEXT_FIELDS}
    names = post.getlist("side_effect_name")
    severities = post.getlist("side_effect_severity")
    rows = []
    for index in range(max(len(names), len(severities))):
        name = names[index].strip() if index < len(names) else ""
        severity = severities[index].strip() if index < len(severities) else ""
        if name or severity:
            rows.append(SideEffectRow(name=name, severity=severity))
    values["side_effects"] = rows
    return values


def medication_initial(medication: Medication | None) -> dict[str, Any]:
    """The add/edit form filled from a stored medicine (empty for a new one)."""
    data = data_of(medication) if medication is not None else {}
    values: dict[str, Any] = {name: _text(data.get(name)) for name in TEXT_FIELDS}
    values["side_effects"] = [
        SideEffectRow(name=item["name"], severity=str(item["severity"]))
        for item in data.get("side_effects", [])
    ]
    return values


def medication_data(values: dict[str, Any]) -> dict[str, Any]:
    """The typed values as the actions take them; a half-filled side-effect row is refused."""
    rows: list[SideEffectRow] = values["side_effects"]
    if any(not row.name or not row.severity for row in rows):
        raise ValidationFailed(
            _("Give each side effect a name and how bad it is, from 0 to 10."),
            code="bad_list",
            field="side_effects",
        )
    data = {name: values[name] for name in TEXT_FIELDS}
    data["side_effects"] = [{"name": row.name, "severity": row.severity} for row in rows]
    return data


def side_effect_rows(values: dict[str, Any]) -> list[SideEffectRow]:
    """The rows to show: the filled ones, then empty ones to add more."""
    return [*values["side_effects"], *[SideEffectRow("", "")] * EMPTY_SIDE_EFFECT_ROWS]


def effectiveness_choices() -> list[tuple[str, str]]:
    """("", "Not said") then each effectiveness code with its words."""
    return [
        ("", _("Not said")),
        *[(str(code), str(label)) for code, label in EFFECTIVENESS.items()],
    ]


def severity_choices() -> list[tuple[str, str]]:
    """("", "Choose") then 0 (none) .. 10 (worst)."""
    words = {"0": _("0 (none)"), "10": _("10 (worst)")}
    return [("", _("Choose")), *[(str(n), str(words.get(str(n), n))) for n in range(11)]]


def stop_values(post: QueryDict) -> dict[str, str]:
    """The stop form as typed."""
    return {name: post.get(name, "") for name in ("stopped_on", "stop_reason", "effectiveness")}
