"""Journal JSON API: the member's own goals and their check-ins (owner only; others' ids: 404)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status

from carecircle.api.api import member_auth
from carecircle.api.schemas import ErrorOut, PageMeta
from carecircle.core.pagination import PageRequest
from carecircle.journal import queries
from carecircle.journal.actions import goals as actions
from carecircle.journal.api.entries import with_offset
from carecircle.journal.models import EntryKind, JournalEntry
from carecircle.journal.views.goals import GoalProgress, goals_with_progress

router = Router(tags=["journal"])


class GoalIn(Schema):
    """Every field optional: POST needs `title`; PATCH changes only the fields sent."""

    title: str | None = None
    target: float | None = None
    unit: str | None = None
    due_on: date | None = None
    note: str | None = None


class GoalCloseIn(Schema):
    status: str  # "achieved" or "stopped"; "active" reopens a closed goal


class CheckInIn(Schema):
    value: float | None = None
    note: str = ""
    recorded_at: datetime | None = None  # default now; with its UTC offset (else refused)


class CheckInOut(Schema):
    id: int
    goal_id: int
    recorded_at: datetime
    value: float | None
    note: str


class CheckInPage(PageMeta):
    items: list[CheckInOut]


class GoalOut(Schema):
    id: int
    status: str
    title: str
    target: float | None
    unit: str
    due_on: date | None
    days_left: int | None
    note: str
    check_in_count: int
    last_check_in_at: datetime | None
    latest_value: float | None
    progress_percent: int | None
    closed_at: datetime | None
    created_at: datetime
    updated_at: datetime


class GoalFilter(Schema):
    status: str | None = None  # "active", "achieved" or "stopped"


def goal_out(row: GoalProgress) -> GoalOut:
    """The API shape of one goal with its progress."""
    goal, data = row.goal, row.data
    return GoalOut(
        id=goal.pk,
        status=goal.status,
        title=data["title"],
        target=data.get("target"),
        unit=data.get("unit", ""),
        due_on=row.due_on,
        days_left=row.days_left,
        note=data.get("note", ""),
        check_in_count=row.check_in_count,
        last_check_in_at=row.last_check_in_at,
        latest_value=row.latest_value,
        progress_percent=row.percent,
        closed_at=goal.closed_at,
        created_at=goal.created_at,
        updated_at=goal.updated_at,
    )


def check_in_out(entry: JournalEntry) -> CheckInOut:
    """The API shape of one check-in."""
    data = queries.data_of(entry)
    return CheckInOut(
        id=entry.pk,
        goal_id=int(entry.goal_id or 0),
        recorded_at=entry.recorded_at,
        value=data.get("value"),
        note=data.get("note", ""),
    )


def _fresh(request: HttpRequest, goal_id: int) -> GoalOut:
    owner: Any = request.user
    return goal_out(goals_with_progress(owner, goal_id=goal_id)[0])


@router.get("/journal/goals", response={200: list[GoalOut], 401: ErrorOut}, auth=member_auth)
def list_goals(request: HttpRequest, filters: Query[GoalFilter]) -> list[GoalOut]:
    """Your goals, newest first, with check-in count, latest number and progress."""
    return [goal_out(row) for row in goals_with_progress(request.user, status=filters.status)]  # type: ignore[arg-type]


@router.post(
    "/journal/goals",
    response={201: GoalOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 429: ErrorOut},
    auth=member_auth,
)
def create_goal(request: HttpRequest, payload: GoalIn) -> Status[GoalOut]:
    """Set a goal (`title` is needed; target, unit, due date and note are optional)."""
    goal = actions.create_goal(actor=request.user, data=payload.dict(exclude_unset=True))
    return Status(201, _fresh(request, goal.pk))


@router.get(
    "/journal/goals/{goal_id}",
    response={200: GoalOut, 401: ErrorOut, 404: ErrorOut},
    auth=member_auth,
)
def get_goal(request: HttpRequest, goal_id: int) -> GoalOut:
    """One of your goals with its progress."""
    queries.get_goal(request.user, goal_id)  # type: ignore[arg-type]
    return _fresh(request, goal_id)


@router.patch(
    "/journal/goals/{goal_id}",
    response={
        200: GoalOut,
        400: ErrorOut,
        401: ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
        429: ErrorOut,
    },  # fmt: skip
    auth=member_auth,
)
def update_goal(request: HttpRequest, goal_id: int, payload: GoalIn) -> GoalOut:
    """Change the fields you send; the others stay as they are."""
    goal = queries.get_goal(request.user, goal_id)  # type: ignore[arg-type]
    actions.update_goal(actor=request.user, goal=goal, data=payload.dict(exclude_unset=True))
    return _fresh(request, goal_id)


@router.delete(
    "/journal/goals/{goal_id}",
    response={204: None, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 429: ErrorOut},
    auth=member_auth,
)
def delete_goal(request: HttpRequest, goal_id: int) -> Status[None]:
    """Delete one of your goals and all its check-ins, for good."""
    goal = queries.get_goal(request.user, goal_id)  # type: ignore[arg-type]
    actions.delete_goal(actor=request.user, goal=goal)
    return Status(204, None)


@router.post(
    "/journal/goals/{goal_id}/close",
    response={
        200: GoalOut,
        400: ErrorOut,
        401: ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
        429: ErrorOut,
    },  # fmt: skip
    auth=member_auth,
)
def close_goal(request: HttpRequest, goal_id: int, payload: GoalCloseIn) -> GoalOut:
    """Close a goal as "achieved" or "stopped", or send "active" to reopen a closed one."""
    goal = queries.get_goal(request.user, goal_id)  # type: ignore[arg-type]
    if payload.status == "active":
        actions.reopen_goal(actor=request.user, goal=goal)
    else:
        actions.close_goal(actor=request.user, goal=goal, status=payload.status)
    return _fresh(request, goal_id)


@router.get(
    "/journal/goals/{goal_id}/check-ins",
    response={200: CheckInPage, 401: ErrorOut, 404: ErrorOut},
    auth=member_auth,
)
def list_check_ins(
    request: HttpRequest, goal_id: int, page: int = 1, page_size: int | None = None
) -> CheckInPage:
    """A goal's check-ins, newest first, a page at a time."""
    owner: Any = request.user
    goal = queries.get_goal(owner, goal_id)
    wanted = PageRequest.from_params(page, page_size)
    check_ins = queries.entries_for(owner, kinds=[EntryKind.GOAL_CHECK_IN]).filter(goal=goal)
    total = check_ins.count()
    items = check_ins[wanted.offset : wanted.offset + wanted.size]
    return CheckInPage(
        page=wanted.number,
        page_size=wanted.size,
        total=total,
        pages=max(1, -(-total // wanted.size)),
        items=[check_in_out(entry) for entry in items],
    )


@router.post(
    "/journal/goals/{goal_id}/check-ins",
    response={
        201: CheckInOut,
        400: ErrorOut,
        401: ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
        429: ErrorOut,
    },  # fmt: skip
    auth=member_auth,
)
def check_in(request: HttpRequest, goal_id: int, payload: CheckInIn) -> Status[CheckInOut]:
    """Record where you are on an active goal: a number, a note, or both."""
    goal = queries.get_goal(request.user, goal_id)  # type: ignore[arg-type]
    entry = actions.check_in_goal(
        actor=request.user,
        goal=goal,
        value=payload.value,
        note=payload.note,
        recorded_at=with_offset(payload.recorded_at),
    )
    return Status(201, check_in_out(entry))
