"""Journal JSON API: the member's own medicines and treatments (owner only; others' ids: 404)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status

from carecircle.api.api import member_auth
from carecircle.api.schemas import ErrorOut
from carecircle.journal import queries
from carecircle.journal.actions import medications as actions
from carecircle.journal.models import Medication
from carecircle.journal.payloads import EFFECTIVENESS

router = Router(tags=["journal"])


class SideEffectSchema(Schema):
    name: str
    severity: int  # 0 (none) .. 10 (worst)


class MedicationIn(Schema):
    """Every field optional: POST needs `name`; PATCH changes only the fields sent."""

    name: str | None = None
    dose: str | None = None
    unit: str | None = None
    frequency: str | None = None
    reason: str | None = None
    started_on: date | None = None
    stopped_on: date | None = None
    stop_reason: str | None = None
    effectiveness: int | None = None  # 0 not at all .. 4 completely
    side_effects: list[SideEffectSchema] | None = None
    note: str | None = None


class MedicationStopIn(Schema):
    stopped_on: date
    stop_reason: str = ""
    effectiveness: int | None = None  # None keeps what was said before


class MedicationOut(Schema):
    id: int
    name: str
    dose: str
    unit: str
    frequency: str
    reason: str
    started_on: date | None
    stopped_on: date | None
    stop_reason: str
    effectiveness: int | None
    effectiveness_label: str | None
    side_effects: list[SideEffectSchema]
    note: str
    is_current: bool
    created_at: datetime
    updated_at: datetime


def medication_out(medication: Medication) -> MedicationOut:
    """The API shape of one medicine."""
    data = queries.data_of(medication)
    effectiveness = data.get("effectiveness")
    return MedicationOut(
        id=medication.pk,
        name=data["name"],
        dose=data.get("dose", ""),
        unit=data.get("unit", ""),
        frequency=data.get("frequency", ""),
        reason=data.get("reason", ""),
        started_on=data.get("started_on"),
        stopped_on=data.get("stopped_on"),
        stop_reason=data.get("stop_reason", ""),
        effectiveness=effectiveness,
        effectiveness_label=str(EFFECTIVENESS[effectiveness])
        if effectiveness is not None
        else None,
        side_effects=[SideEffectSchema(**item) for item in data.get("side_effects", [])],
        note=data.get("note", ""),
        is_current=not data.get("stopped_on"),
        created_at=medication.created_at,
        updated_at=medication.updated_at,
    )


def _sent(payload: MedicationIn) -> dict[str, Any]:
    return payload.dict(exclude_unset=True)


@router.get(
    "/journal/medications",
    response={200: list[MedicationOut], 401: ErrorOut},
    auth=member_auth,
)
def list_medications(request: HttpRequest) -> list[MedicationOut]:
    """Your medicines: current ones (newest start first), then stopped ones."""
    return [medication_out(m) for m in queries.medications_for(request.user)]  # type: ignore[arg-type]


@router.post(
    "/journal/medications",
    response={201: MedicationOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 429: ErrorOut},
    auth=member_auth,
)
def add_medication(request: HttpRequest, payload: MedicationIn) -> Status[MedicationOut]:
    """Add a medicine or treatment to your journal (`name` is needed)."""
    medication = actions.add_medication(actor=request.user, data=_sent(payload))
    return Status(201, medication_out(medication))


@router.get(
    "/journal/medications/{medication_id}",
    response={200: MedicationOut, 401: ErrorOut, 404: ErrorOut},
    auth=member_auth,
)
def get_medication(request: HttpRequest, medication_id: int) -> MedicationOut:
    """One of your medicines."""
    return medication_out(queries.get_medication(request.user, medication_id))  # type: ignore[arg-type]


@router.patch(
    "/journal/medications/{medication_id}",
    response={
        200: MedicationOut,
        400: ErrorOut,
        401: ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
        429: ErrorOut,
    },  # fmt: skip
    auth=member_auth,
)
def update_medication(
    request: HttpRequest, medication_id: int, payload: MedicationIn
) -> MedicationOut:
    """Change the fields you send; the others stay as they are (send null to clear a date)."""
    medication = queries.get_medication(request.user, medication_id)  # type: ignore[arg-type]
    actions.update_medication(actor=request.user, medication=medication, data=_sent(payload))
    return medication_out(medication)


@router.delete(
    "/journal/medications/{medication_id}",
    response={204: None, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 429: ErrorOut},
    auth=member_auth,
)
def delete_medication(request: HttpRequest, medication_id: int) -> Status[None]:
    """Delete one of your medicines for good."""
    medication = queries.get_medication(request.user, medication_id)  # type: ignore[arg-type]
    actions.delete_medication(actor=request.user, medication=medication)
    return Status(204, None)


@router.post(
    "/journal/medications/{medication_id}/stop",
    response={
        200: MedicationOut,
        400: ErrorOut,
        401: ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
        429: ErrorOut,
    },  # fmt: skip
    auth=member_auth,
)
def stop_medication(
    request: HttpRequest, medication_id: int, payload: MedicationStopIn
) -> MedicationOut:
    """Say you stopped a medicine: the day, why, and (optionally) how well it worked."""
    medication = queries.get_medication(request.user, medication_id)  # type: ignore[arg-type]
    actions.stop_medication(
        actor=request.user,
        medication=medication,
        stopped_on=payload.stopped_on,
        stop_reason=payload.stop_reason,
        effectiveness=payload.effectiveness,
    )
    return medication_out(medication)
