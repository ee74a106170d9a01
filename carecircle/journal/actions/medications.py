"""Every write to a member's medicines and treatments: add, change, stop, delete.

Only the owner may write (anyone else is told the medicine does not exist, never that it is
someone else's); every write counts towards the journal write rate and is validated by
`payloads.clean_medication`, whichever door it came through.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from carecircle.core.errors import NotFoundError, ValidationFailed
from carecircle.journal.actions import count_journal_write
from carecircle.journal.models import Medication
from carecircle.journal.payloads import clean_medication
from carecircle.journal.permissions import check_can_write_journal
from carecircle.journal.queries import data_of


def check_owns(actor: Any, record: Any, *, not_found: NotFoundError) -> None:
    """Raise `not_found` unless `actor` may write and owns `record` (404, never 403)."""
    check_can_write_journal(actor)
    if record.owner_id != actor.pk:
        raise not_found


def _not_found() -> NotFoundError:
    return NotFoundError(_("Medicine not found."), code="medication_not_found")


def _medicines_changed(actor: Any) -> None:
    # "People like me" may match on the medicines taken now, for members who opted in.
    from carecircle.journal.actions.preferences import refresh_match_tokens_if_matchable

    refresh_match_tokens_if_matchable(actor)


def add_medication(*, actor: Any, data: dict[str, Any]) -> Medication:
    """Record a medicine or treatment for the actor; `data` is validated by clean_medication."""
    check_can_write_journal(actor)
    count_journal_write(actor)
    cleaned: Any = clean_medication(data)
    with transaction.atomic():
        medication = Medication.objects.create(owner=actor, data=cleaned)
        _medicines_changed(actor)
    return medication


def update_medication(*, actor: Any, medication: Medication, data: dict[str, Any]) -> Medication:
    """Change the given fields of the owner's medicine; fields not in `data` stay as they are."""
    check_owns(actor, medication, not_found=_not_found())
    count_journal_write(actor)
    cleaned: Any = clean_medication({**data_of(medication), **data})
    with transaction.atomic():
        medication.data = cleaned
        medication.save(update_fields=["data", "updated_at"])
        _medicines_changed(actor)
    return medication


def stop_medication(
    *,
    actor: Any,
    medication: Medication,
    stopped_on: date | str | None,
    stop_reason: str,
    effectiveness: int | str | None = None,
) -> Medication:
    """Mark the owner's medicine as stopped on a day, why, and (if given) how well it worked.

    Stopping again corrects the day and reason; `effectiveness=None` keeps what was said before.
    """
    check_owns(actor, medication, not_found=_not_found())
    count_journal_write(actor)
    if stopped_on is None or stopped_on == "":
        raise ValidationFailed(_("Enter the day you stopped."), code="required", field="stopped_on")
    changes: dict[str, Any] = {"stopped_on": stopped_on, "stop_reason": stop_reason}
    if effectiveness is not None and effectiveness != "":
        changes["effectiveness"] = effectiveness
    cleaned: Any = clean_medication({**data_of(medication), **changes})
    with transaction.atomic():
        medication.data = cleaned
        medication.save(update_fields=["data", "updated_at"])
        _medicines_changed(actor)
    return medication


def delete_medication(*, actor: Any, medication: Medication) -> None:
    """Delete the owner's medicine for good (the charts stop drawing its band)."""
    check_owns(actor, medication, not_found=_not_found())
    count_journal_write(actor)
    with transaction.atomic():
        medication.delete()
        _medicines_changed(actor)
