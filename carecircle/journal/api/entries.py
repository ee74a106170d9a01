"""Journal JSON API: the member's own entries, the daily check-in and the shared lists.

Only the owner reads or writes an entry; anyone else's id answers 404. `data` is validated by
`payloads.clean_entry` (the same rules as the pages and CSV import); a refused value answers
400 with `field` naming the key of `data` (or `recorded_at`, `kind`, `symptoms.<n>.<key>`).
Times: a `recorded_at` carries its UTC offset (`2026-03-01T08:30:00+01:00` or `...Z`); one
without an offset is refused (400, field `recorded_at`, code `offset_required`), here and for
goal check-ins and the list's `since`/`until`, so a time never silently means another zone's
clock.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from carecircle.accounts.models import User
from carecircle.api.api import member_auth
from carecircle.api.schemas import ErrorOut, PageMeta
from carecircle.core.errors import ValidationFailed
from carecircle.core.pagination import PageRequest, paginate
from carecircle.journal import payloads, vocabulary
from carecircle.journal.actions import entries as actions
from carecircle.journal.models import EntryKind, EntrySource, JournalEntry
from carecircle.journal.queries import data_of, entries_for, get_entry, get_goal

router = Router(tags=["journal"])


def _member(request: HttpRequest) -> User:
    # Only reached behind login_required / member_auth: the user is a signed-in member.
    return cast(User, request.user)


class EntryOut(Schema):
    id: int
    kind: str
    recorded_at: datetime
    source: str
    goal_id: int | None
    data: dict[str, Any]
    created_at: datetime
    updated_at: datetime


class EntryPage(PageMeta):
    items: list[EntryOut]


class EntryIn(Schema):
    kind: str
    data: dict[str, Any]
    recorded_at: datetime | None = None  # default: now
    goal_id: int | None = None  # only and always for kind "goal_check_in"


class EntryPatchIn(Schema):
    # Keys given here replace the entry's; keys left out keep their value.
    data: dict[str, Any] | None = None
    recorded_at: datetime | None = None


class CheckInIn(Schema):
    mood: Any = None  # 1..5
    energy: Any = None  # 1..5
    symptoms: list[dict[str, Any]] = []  # [{"name": "Fatigue", "severity": 6, "note": ""}]
    note: str = ""  # saved as a diary entry when not empty
    recorded_at: datetime | None = None


class MeasurementTypeOut(Schema):
    code: str
    label: str
    units: list[str]
    minimum: float
    maximum: float
    has_second_value: bool


class ScaleStepOut(Schema):
    value: int
    label: str


class VocabularyOut(Schema):
    symptoms: list[str]
    medications: list[str]
    measurement_types: list[MeasurementTypeOut]
    mood_scale: list[ScaleStepOut]
    energy_scale: list[ScaleStepOut]


def entry_out(entry: JournalEntry) -> EntryOut:
    return EntryOut(
        id=entry.pk,
        kind=entry.kind,
        recorded_at=entry.recorded_at,
        source=entry.source,
        goal_id=entry.goal_id,
        data=data_of(entry),
        created_at=entry.created_at,
        updated_at=entry.updated_at,
    )


def with_offset(moment: datetime | None, field: str = "recorded_at") -> datetime | None:
    """A time given to the journal API, as given; refused when it has no UTC offset."""
    if moment is not None and timezone.is_naive(moment):
        raise ValidationFailed(
            _(
                "Include the UTC offset in %(field)s, like 2026-03-01T08:30:00+01:00 "
                "or 2026-03-01T07:30:00Z."
            )
            % {"field": field},
            code="offset_required",
            field=field,
        )
    return moment


@router.get(
    "/journal/entries", response={200: EntryPage, 400: ErrorOut, 401: ErrorOut}, auth=member_auth
)
def list_entries(
    request: HttpRequest,
    kind: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    page: int = 1,
    page_size: int = 20,
) -> EntryPage:
    """Your entries, newest first; `kind` (comma-separated kinds), `since` (inclusive) and
    `until` (exclusive) narrow them."""
    kinds = [name.strip() for name in kind.split(",") if name.strip()] if kind else None
    if kinds and any(name not in EntryKind.values for name in kinds):
        raise ValidationFailed(_("Unknown kind of entry."), code="bad_kind", field="kind")
    entries = entries_for(
        _member(request),
        kinds=kinds,
        since=with_offset(since, "since"),
        until=with_offset(until, "until"),
    )
    result = paginate(entries, PageRequest.from_params(page, page_size))
    return EntryPage(
        items=[entry_out(entry) for entry in result.items],
        page=result.number,
        page_size=result.size,
        total=result.total,
        pages=result.page_count,
    )


@router.post(
    "/journal/entries",
    response={201: EntryOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut,
              429: ErrorOut},
    auth=member_auth,
)  # fmt: skip
def create_entry(request: HttpRequest, payload: EntryIn) -> Status[EntryOut]:
    """Add an entry to your journal (a goal check-in names one of your active goals)."""
    goal = get_goal(_member(request), payload.goal_id) if payload.goal_id is not None else None
    entry = actions.record_entry(
        actor=request.user,
        kind=payload.kind,
        data=payload.data,
        recorded_at=with_offset(payload.recorded_at),
        source=EntrySource.API,
        goal=goal,
    )
    return Status(201, entry_out(entry))


@router.get(
    "/journal/entries/{entry_id}",
    response={200: EntryOut, 401: ErrorOut, 404: ErrorOut},
    auth=member_auth,
)
def read_entry(request: HttpRequest, entry_id: int) -> EntryOut:
    """One of your entries."""
    return entry_out(get_entry(_member(request), entry_id))


@router.patch(
    "/journal/entries/{entry_id}",
    response={200: EntryOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut,
              429: ErrorOut},
    auth=member_auth,
)  # fmt: skip
def change_entry(request: HttpRequest, entry_id: int, payload: EntryPatchIn) -> EntryOut:
    """Change one of your entries: the keys of `data` you send, and/or `recorded_at`."""
    entry = get_entry(_member(request), entry_id)
    data = {**data_of(entry), **payload.data} if payload.data is not None else None
    actions.update_entry(
        actor=request.user, entry=entry, data=data, recorded_at=with_offset(payload.recorded_at)
    )
    return entry_out(get_entry(_member(request), entry_id))


@router.delete(
    "/journal/entries/{entry_id}",
    response={204: None, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 429: ErrorOut},
    auth=member_auth,
)
def remove_entry(request: HttpRequest, entry_id: int) -> Status[None]:
    """Delete one of your entries for good."""
    entry = get_entry(_member(request), entry_id)
    actions.delete_entry(actor=request.user, entry=entry)
    return Status(204, None)


@router.post(
    "/journal/check-ins",
    response={201: list[EntryOut], 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 429: ErrorOut},
    auth=member_auth,
)
def create_check_in(request: HttpRequest, payload: CheckInIn) -> Status[list[EntryOut]]:
    """The daily check-in, all or nothing: mood and energy, rated symptoms, an optional note."""
    entries = actions.record_daily_check_in(
        actor=request.user,
        mood=payload.mood,
        energy=payload.energy,
        symptoms=payload.symptoms,
        note=payload.note,
        recorded_at=with_offset(payload.recorded_at),
    )
    return Status(201, [entry_out(entry) for entry in entries])


@router.get("/journal/vocabulary", response={200: VocabularyOut, 401: ErrorOut}, auth=member_auth)
def read_vocabulary(request: HttpRequest) -> VocabularyOut:
    """The shared lists: common symptoms, medicine names, measurement types with their units."""
    return VocabularyOut(
        symptoms=list(vocabulary.symptom_names()),
        medications=list(vocabulary.medication_names()),
        measurement_types=[
            MeasurementTypeOut(
                code=kind.code,
                label=str(kind.label),
                units=list(kind.units),
                minimum=kind.minimum,
                maximum=kind.maximum,
                has_second_value=kind.has_second_value,
            )
            for kind in payloads.MEASUREMENT_TYPES.values()
        ],
        mood_scale=[ScaleStepOut(value=k, label=str(v)) for k, v in payloads.MOOD_LABELS.items()],
        energy_scale=[
            ScaleStepOut(value=k, label=str(v)) for k, v in payloads.ENERGY_LABELS.items()
        ],
    )
