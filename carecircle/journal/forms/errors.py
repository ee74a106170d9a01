"""A refused write as the pages show it: one message per field, each next to its field."""

from __future__ import annotations

from carecircle.core.errors import DomainError


def errors_by_field(error: DomainError, *, rename: dict[str, str] | None = None) -> dict[str, str]:
    """{"field": "message"} for every problem of `error` (its `details` when it lists field
    errors), the first one per field; problems without a field go under "form"."""
    rename = rename or {}
    errors: dict[str, str] = {}
    details = [d for d in error.details if isinstance(d, dict) and "message" in d and "field" in d]
    if not details:
        details = [{"field": error.field or "", "message": str(error.message)}]
    for detail in details:
        field = str(detail.get("field") or "form")
        errors.setdefault(rename.get(field, field), str(detail["message"]))
    return errors
