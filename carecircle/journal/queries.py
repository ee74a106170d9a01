"""Reads of a member's journal, always scoped to its owner.

Every function takes the owner (the signed-in member) and returns only their rows: there is no
way to ask for another member's journal here. Reading someone else's shared parts goes through
`sharing.py`, which checks the share on every request.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, cast

from django.db.models import QuerySet

from carecircle.accounts.models import User
from carecircle.core.errors import NotFoundError
from carecircle.journal.models import Goal, JournalEntry, JournalPreferences, Medication


def data_of(record: Any) -> dict[str, Any]:
    """A journal record's decrypted `data` as a dict (typed for mypy; the field is a dict)."""
    return cast(dict[str, Any], record.data)


def entries_for(
    owner: User,
    *,
    kinds: Iterable[str] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> QuerySet[JournalEntry]:
    """The owner's entries, newest first, optionally of some kinds and in [since, until)."""
    entries = JournalEntry.objects.filter(owner=owner)
    if kinds is not None:
        entries = entries.filter(kind__in=list(kinds))
    if since is not None:
        entries = entries.filter(recorded_at__gte=since)
    if until is not None:
        entries = entries.filter(recorded_at__lt=until)
    return entries


def get_entry(owner: User, entry_id: int) -> JournalEntry:
    """One of the owner's entries; NotFoundError for anyone else's (never a 403 that confirms
    the id exists)."""
    entry = JournalEntry.objects.filter(owner=owner, pk=entry_id).select_related("goal").first()
    if entry is None:
        raise NotFoundError("Entry not found.", code="entry_not_found")
    return entry


def medications_for(owner: User) -> list[Medication]:
    """The owner's medicines: current ones (newest start first), then past (latest stop first)."""
    medications = list(Medication.objects.filter(owner=owner))
    current = [m for m in medications if not data_of(m).get("stopped_on")]
    past = [m for m in medications if data_of(m).get("stopped_on")]
    current.sort(key=lambda m: data_of(m).get("started_on") or "", reverse=True)
    past.sort(key=lambda m: data_of(m).get("stopped_on") or "", reverse=True)
    return current + past


def get_medication(owner: User, medication_id: int) -> Medication:
    """One of the owner's medicines; NotFoundError otherwise."""
    medication = Medication.objects.filter(owner=owner, pk=medication_id).first()
    if medication is None:
        raise NotFoundError("Medicine not found.", code="medication_not_found")
    return medication


def goals_for(owner: User, *, status: str | None = None) -> QuerySet[Goal]:
    """The owner's goals, newest first, optionally of one status."""
    goals = Goal.objects.filter(owner=owner)
    if status is not None:
        goals = goals.filter(status=status)
    return goals


def get_goal(owner: User, goal_id: int) -> Goal:
    """One of the owner's goals; NotFoundError otherwise."""
    goal = Goal.objects.filter(owner=owner, pk=goal_id).first()
    if goal is None:
        raise NotFoundError("Goal not found.", code="goal_not_found")
    return goal


def preferences_for(member: User) -> JournalPreferences:
    """The member's journal opt-ins (both off when never set); unsaved if none exist yet."""
    preferences = JournalPreferences.objects.filter(member=member).first()
    return preferences or JournalPreferences(member=member)
