"""Every write to journal entries: record, change, delete, and the quick daily check-in.

Only the owner writes their journal. Every `data` goes through `payloads.clean_entry`, so the
pages, the API and imports accept and refuse exactly the same values.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, cast

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from carecircle.core.errors import NotFoundError, ValidationFailed
from carecircle.journal import payloads
from carecircle.journal.actions import count_journal_write
from carecircle.journal.models import EntryKind, EntrySource, Goal, JournalEntry
from carecircle.journal.permissions import check_can_write_journal

# A phone clock a little ahead of the server's is not the future.
FUTURE_TOLERANCE = timedelta(minutes=5)
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
# A daily check-in rates at most this many symptoms (a screen a tired person can get through).
CHECK_IN_SYMPTOMS_MAX = 30


def _stored(data: dict[str, Any]) -> Any:
    # EncryptedJSONField subclasses TextField, so the type stubs expect a str; it holds a dict.
    return cast(Any, data)


def _own(actor: Any, entry: JournalEntry) -> None:
    # Someone else's entry is "not found", never "forbidden": a 403 would confirm it exists.
    if entry.owner_id != actor.pk:
        raise NotFoundError(_("Entry not found."), code="entry_not_found")


def clean_recorded_at(value: datetime | None) -> datetime:
    """When an entry happened: now when not given; refused in the future or before 1900."""
    if value is None:
        return timezone.now()
    if timezone.is_naive(value):
        value = timezone.make_aware(value, timezone.get_current_timezone())
    if value > timezone.now() + FUTURE_TOLERANCE:
        raise ValidationFailed(
            _("This date and time is in the future."), code="future", field="recorded_at"
        )
    if value < EARLIEST:
        raise ValidationFailed(
            _("Enter a date from 1900 onwards."), code="too_early", field="recorded_at"
        )
    return value


def _check_goal(actor: Any, kind: str, goal: Goal | None) -> None:
    if kind != EntryKind.GOAL_CHECK_IN:
        if goal is not None:
            raise ValidationFailed(
                _("Only a goal check-in belongs to a goal."), code="bad_goal", field="goal"
            )
        return
    if goal is None:
        raise ValidationFailed(_("Choose one of your goals."), code="required", field="goal")
    if goal.owner_id != actor.pk:
        raise NotFoundError(_("Goal not found."), code="goal_not_found")
    if goal.status != Goal.Status.ACTIVE:
        raise ValidationFailed(
            _("This goal is closed: reopen it or start a new one to check in."),
            code="goal_closed",
            field="goal",
        )


def record_entry(
    *,
    actor: Any,
    kind: str,
    data: dict[str, Any],
    recorded_at: datetime | None = None,
    source: str = EntrySource.WEB,
    goal: Goal | None = None,
) -> JournalEntry:
    """Add one entry to the actor's own journal; a goal check-in needs their own active goal."""
    check_can_write_journal(actor)
    count_journal_write(actor)
    if kind not in EntryKind.values:
        raise ValidationFailed(_("Unknown kind of entry."), code="bad_kind", field="kind")
    if source not in EntrySource.values:
        raise ValidationFailed(_("Unknown source."), code="bad_source", field="source")
    _check_goal(actor, kind, goal)
    cleaned = payloads.clean_entry(kind, data)
    when = clean_recorded_at(recorded_at)
    with transaction.atomic():
        return JournalEntry.objects.create(
            owner=actor,
            kind=kind,
            recorded_at=when,
            data=_stored(cleaned),
            source=source,
            goal=goal,
        )


def update_entry(
    *,
    actor: Any,
    entry: JournalEntry,
    data: dict[str, Any] | None,
    recorded_at: datetime | None,
) -> JournalEntry:
    """Change one of the actor's own entries; `data` replaces the old data whole (None keeps
    it), `recorded_at` None keeps the time. Kind, source and goal never change."""
    check_can_write_journal(actor)
    _own(actor, entry)
    count_journal_write(actor)
    cleaned = payloads.clean_entry(entry.kind, data) if data is not None else None
    when = clean_recorded_at(recorded_at) if recorded_at is not None else None
    with transaction.atomic():
        fields = ["updated_at"]
        if cleaned is not None:
            entry.data = _stored(cleaned)
            fields.append("data")
        if when is not None:
            entry.recorded_at = when
            fields.append("recorded_at")
        entry.save(update_fields=fields)
    return entry


def delete_entry(*, actor: Any, entry: JournalEntry) -> None:
    """Delete one of the actor's own entries for good."""
    check_can_write_journal(actor)
    _own(actor, entry)
    count_journal_write(actor)
    with transaction.atomic():
        JournalEntry.objects.filter(pk=entry.pk, owner=actor).delete()


def record_daily_check_in(
    *,
    actor: Any,
    mood: Any,
    energy: Any,
    symptoms: list[dict[str, Any]],
    note: str,
    recorded_at: datetime | None = None,
) -> list[JournalEntry]:
    """The quick daily check-in, all or nothing: a mood-and-energy entry, one symptom entry
    per rated symptom (`{"name", "severity", "note"?}`) and the note as a diary entry."""
    check_can_write_journal(actor)
    count_journal_write(actor)
    when = clean_recorded_at(recorded_at)
    if len(symptoms) > CHECK_IN_SYMPTOMS_MAX:
        raise ValidationFailed(
            _("Rate at most %(count)s symptoms at once.") % {"count": CHECK_IN_SYMPTOMS_MAX},
            code="too_many",
            field="symptoms",
        )
    # Every problem of the check-in is collected, so a page can show each next to its row.
    problems: list[ValidationFailed] = []
    mood_data: dict[str, Any] = {}
    try:
        mood_data = payloads.clean_entry("mood", {"mood": mood, "energy": energy, "note": ""})
    except ValidationFailed as error:
        problems.append(error)
    symptom_data: list[dict[str, Any]] = []
    seen: set[str] = set()
    for index, raw in enumerate(symptoms):
        if not isinstance(raw, dict):
            problems.append(
                ValidationFailed(
                    _("Each symptom needs a name and a severity from 0 to 10."),
                    code="bad_list",
                    field=f"symptoms.{index}",
                )
            )
            continue
        try:
            cleaned = payloads.clean_entry("symptom", raw)
        except ValidationFailed as error:
            # Name the row, so a page or an app can show the message next to it.
            problems.extend(
                ValidationFailed(
                    detail["message"],
                    code=detail["code"],
                    field=f"symptoms.{index}.{detail['field']}",
                )
                for detail in payloads.error_details([error])
            )
            continue
        key = cleaned["name"].casefold()
        if key in seen:
            problems.append(
                ValidationFailed(
                    _("%(name)s is rated twice.") % {"name": cleaned["name"]},
                    code="duplicate",
                    field=f"symptoms.{index}.name",
                )
            )
            continue
        seen.add(key)
        symptom_data.append(cleaned)
    diary_data = None
    if str(note or "").strip():
        try:
            diary_data = payloads.clean_entry("diary", {"text": note})
        except ValidationFailed as error:
            problems.append(error)
    if problems:
        first = problems[0]
        raise ValidationFailed(
            first.message,
            code=first.code,
            field=first.field,
            details=payloads.error_details(problems),
        )
    rows = [JournalEntry(kind=EntryKind.MOOD, data=_stored(mood_data))]
    rows += [JournalEntry(kind=EntryKind.SYMPTOM, data=_stored(data)) for data in symptom_data]
    if diary_data is not None:
        rows.append(JournalEntry(kind=EntryKind.DIARY, data=_stored(diary_data)))
    with transaction.atomic():
        for row in rows:
            row.owner = actor
            row.recorded_at = when
            row.source = EntrySource.CHECK_IN
            row.save()
    return rows
