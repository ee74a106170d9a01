"""Every write to a member's goals: create, change, close, reopen, delete, and check in.

Only the owner may write (others are told the goal does not exist); every write counts towards
the journal write rate; goal data is validated by `payloads.clean_goal` and check-ins are
journal entries of kind "goal_check_in", written through `actions.entries.record_entry`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from carecircle.core.errors import ConflictError, NotFoundError, ValidationFailed
from carecircle.journal.actions import count_journal_write
from carecircle.journal.actions.entries import record_entry
from carecircle.journal.actions.medications import check_owns
from carecircle.journal.models import EntryKind, Goal, JournalEntry
from carecircle.journal.payloads import clean_goal
from carecircle.journal.permissions import check_can_write_journal
from carecircle.journal.queries import data_of

CLOSED = (Goal.Status.ACHIEVED, Goal.Status.STOPPED)


def _not_found() -> NotFoundError:
    return NotFoundError(_("Goal not found."), code="goal_not_found")


def _locked_status(goal: Goal) -> str:
    # The stored status, not the caller's copy (which another request may have closed).
    status = Goal.objects.select_for_update().filter(pk=goal.pk).values_list("status", flat=True)
    found = status.first()
    if found is None:
        raise _not_found()
    return found


def create_goal(*, actor: Any, data: dict[str, Any]) -> Goal:
    """Start a goal for the actor (title, optional target with unit, due date and note)."""
    check_can_write_journal(actor)
    count_journal_write(actor)
    cleaned: Any = clean_goal(data)
    with transaction.atomic():
        return Goal.objects.create(owner=actor, data=cleaned)


def update_goal(*, actor: Any, goal: Goal, data: dict[str, Any]) -> Goal:
    """Change the given fields of the owner's goal; fields not in `data` stay as they are."""
    check_owns(actor, goal, not_found=_not_found())
    count_journal_write(actor)
    cleaned: Any = clean_goal({**data_of(goal), **data})
    with transaction.atomic():
        goal.data = cleaned
        goal.save(update_fields=["data", "updated_at"])
    return goal


def close_goal(*, actor: Any, goal: Goal, status: str) -> Goal:
    """Close the owner's active goal as achieved or stopped, from now."""
    check_owns(actor, goal, not_found=_not_found())
    count_journal_write(actor)
    if status not in CLOSED:
        raise ValidationFailed(
            _("Choose whether you achieved it or stopped."), code="bad_status", field="status"
        )
    with transaction.atomic():
        if _locked_status(goal) != Goal.Status.ACTIVE:
            raise ConflictError(_("This goal is already closed."), code="goal_closed")
        goal.status = status
        goal.closed_at = timezone.now()
        goal.save(update_fields=["status", "closed_at", "updated_at"])
    return goal


def reopen_goal(*, actor: Any, goal: Goal) -> Goal:
    """Make the owner's closed goal active again."""
    check_owns(actor, goal, not_found=_not_found())
    count_journal_write(actor)
    with transaction.atomic():
        if _locked_status(goal) == Goal.Status.ACTIVE:
            raise ConflictError(_("This goal is already active."), code="goal_active")
        goal.status = Goal.Status.ACTIVE
        goal.closed_at = None
        goal.save(update_fields=["status", "closed_at", "updated_at"])
    return goal


def delete_goal(*, actor: Any, goal: Goal) -> None:
    """Delete the owner's goal and all its check-ins, for good."""
    check_owns(actor, goal, not_found=_not_found())
    count_journal_write(actor)
    with transaction.atomic():
        goal.delete()


def check_in_goal(
    *,
    actor: Any,
    goal: Goal,
    value: float | str | None,
    note: str,
    recorded_at: datetime | None = None,
) -> JournalEntry:
    """Record where the owner stands on an active goal (a value, a note, or both), at
    `recorded_at` (default now); counted as one journal write by record_entry."""
    check_owns(actor, goal, not_found=_not_found())
    current = Goal.objects.filter(pk=goal.pk).values_list("status", flat=True).first()
    if current is None:
        raise _not_found()
    goal.status = current
    if current != Goal.Status.ACTIVE:
        raise ConflictError(
            _("This goal is closed. Reopen it to check in again."), code="goal_closed"
        )
    return record_entry(
        actor=actor,
        kind=EntryKind.GOAL_CHECK_IN,
        data={"value": value, "note": note},
        recorded_at=recorded_at,
        goal=goal,
    )
