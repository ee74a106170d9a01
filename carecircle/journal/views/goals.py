"""Journal pages: the member's goals and check-ins. (`urls` is mounted under /journal/.)"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery, Window
from django.db.models.functions import Coalesce, RowNumber
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from carecircle.accounts.models import User
from carecircle.core.errors import DomainError
from carecircle.core.interfaces import page_errors
from carecircle.journal import queries
from carecircle.journal.actions import goals as actions
from carecircle.journal.forms import goals as forms
from carecircle.journal.forms.errors import errors_by_field
from carecircle.journal.models import EntryKind, Goal, JournalEntry

RECENT_CHECK_INS = 10
# How many of each goal's newest (and oldest) check-ins are read to find one with a number.
EDGE_ROWS = 5


@dataclass(frozen=True)
class GoalProgress:
    """One goal as the list and the API show it: where the member stands against the target."""

    goal: Goal
    data: dict[str, Any]
    check_in_count: int
    last_check_in_at: datetime | None
    latest_value: float | None  # the newest check-in that gave a number
    first_value: float | None  # the oldest one: the starting point for a lowering target
    percent: int | None  # 0..100 towards the target, None without a target or a number
    due_on: date | None
    days_left: int | None  # negative once the due date has passed


def progress_percent(first: float | None, latest: float | None, target: float | None) -> int | None:
    """How far `latest` is towards `target`: from the first value when the target is lower
    than where the member started (losing weight), otherwise from zero (walking more)."""
    if target is None or latest is None:
        return None
    if first is not None and first > target:
        share = (first - latest) / (first - target)
    elif target > 0:
        share = latest / target
    else:
        return 100 if latest == target else None
    return round(max(0.0, min(1.0, share)) * 100)


def goals_with_progress(
    owner: User, *, status: str | None = None, goal_id: int | None = None
) -> list[GoalProgress]:
    """The owner's goals (of one status, or just one goal) with their check-in count and
    first/latest numbers, in two queries."""
    check_ins = JournalEntry.objects.filter(
        owner=owner, kind=EntryKind.GOAL_CHECK_IN, goal=OuterRef("pk")
    ).order_by()
    scoped = queries.goals_for(owner, status=status)
    if goal_id is not None:
        scoped = scoped.filter(pk=goal_id)
    goals = list(
        scoped.annotate(
            last_check_in_at=Subquery(check_ins.order_by("-recorded_at").values("recorded_at")[:1]),
            check_in_count=Coalesce(
                Subquery(
                    check_ins.values("goal").annotate(n=Count("id")).values("n")[:1],
                    output_field=IntegerField(),
                ),
                0,
            ),
        )
    )
    newest_first, oldest_first = _edge_values(owner, [goal.pk for goal in goals])
    today = timezone.localdate()
    rows = []
    for goal in goals:
        data = queries.data_of(goal)
        latest_value = newest_first.get(goal.pk)
        first_value = oldest_first.get(goal.pk)
        due_on = date.fromisoformat(data["due_on"]) if data.get("due_on") else None
        rows.append(
            GoalProgress(
                goal=goal,
                data=data,
                check_in_count=goal.check_in_count,  # type: ignore[attr-defined]
                last_check_in_at=goal.last_check_in_at,  # type: ignore[attr-defined]
                latest_value=latest_value,
                first_value=first_value,
                percent=progress_percent(first_value, latest_value, data.get("target")),
                due_on=due_on,
                days_left=(due_on - today).days if due_on else None,
            )
        )
    return rows


def _edge_values(owner: User, goal_ids: list[int]) -> tuple[dict[int, float], dict[int, float]]:
    """Per goal, the newest and the oldest check-in number, in one query.

    Numbers sit inside the encrypted data, so the database cannot pick "the newest with a
    number": it hands back each goal's few newest and oldest check-ins (bounded, however long
    the history), and the first one holding a number wins.
    """
    if not goal_ids:
        return {}, {}
    by_goal = Window(
        RowNumber(), partition_by=[F("goal_id")], order_by=[F("recorded_at").desc(), F("id").desc()]
    )
    by_goal_oldest = Window(
        RowNumber(), partition_by=[F("goal_id")], order_by=[F("recorded_at").asc(), F("id").asc()]
    )
    edges = (
        queries.entries_for(owner, kinds=[EntryKind.GOAL_CHECK_IN])
        .filter(goal_id__in=goal_ids)
        .annotate(from_newest=by_goal, from_oldest=by_goal_oldest)
        .filter(Q(from_newest__lte=EDGE_ROWS) | Q(from_oldest__lte=EDGE_ROWS))
    )
    newest: dict[int, tuple[int, float]] = {}
    oldest: dict[int, tuple[int, float]] = {}
    for entry in edges:
        value = queries.data_of(entry).get("value")
        if value is None:
            continue
        goal_id = int(entry.goal_id)  # type: ignore[arg-type]
        rank_new, rank_old = entry.from_newest, entry.from_oldest  # type: ignore[attr-defined]
        if goal_id not in newest or rank_new < newest[goal_id][0]:
            newest[goal_id] = (rank_new, float(value))
        if goal_id not in oldest or rank_old < oldest[goal_id][0]:
            oldest[goal_id] = (rank_old, float(value))
    return (
        {goal_id: value for goal_id, (_rank, value) in newest.items()},
        {goal_id: value for goal_id, (_rank, value) in oldest.items()},
    )


def due_text(row: GoalProgress) -> str:
    """ "12 days left", "Due today", "3 days overdue" (empty without a due date)."""
    if row.days_left is None:
        return ""
    if row.days_left == 0:
        return _("Due today")
    if row.days_left > 0:
        return ngettext("%(days)s day left", "%(days)s days left", row.days_left) % {
            "days": row.days_left
        }
    late = -row.days_left
    return ngettext("%(days)s day overdue", "%(days)s days overdue", late) % {"days": late}


def _row_context(row: GoalProgress) -> dict[str, Any]:
    return {
        "row": row,
        "goal": row.goal,
        "data": row.data,
        "target_text": forms.number_text(row.data["target"])
        if row.data.get("target") is not None
        else "",
        "latest_text": forms.number_text(row.latest_value) if row.latest_value is not None else "",
        "due_text": due_text(row) if row.goal.status == Goal.Status.ACTIVE else "",
    }


@login_required
@require_http_methods(["GET"])
def journal_goals(request: HttpRequest) -> HttpResponse:
    """The member's active and closed goals, each with where they stand against the target."""
    rows = [_row_context(row) for row in goals_with_progress(request.user)]  # type: ignore[arg-type]
    context = {
        "active": [row for row in rows if row["goal"].status == Goal.Status.ACTIVE],
        "closed": [row for row in rows if row["goal"].status != Goal.Status.ACTIVE],
    }
    return render(request, "journal/goals.html", context)


def _form_page(
    request: HttpRequest,
    *,
    goal: Goal | None,
    values: dict[str, str],
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {"goal": goal, "values": values, "errors": errors or {}}
    return render(request, "journal/goal_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
@page_errors
def journal_goal_add(request: HttpRequest) -> HttpResponse:
    """Set a goal: what, an optional target with its unit, an optional due date."""
    if request.method != "POST":
        return _form_page(request, goal=None, values=forms.goal_initial(None))
    values = forms.goal_values(request.POST)
    try:
        actions.create_goal(actor=request.user, data=dict(values))
    except DomainError as error:
        if error.status not in (400, 429):
            raise
        return _form_page(
            request, goal=None, values=values, errors=errors_by_field(error), status=error.status
        )
    messages.success(request, _("Your goal is saved. Check in whenever you like."))
    return redirect("journal_goals")


@login_required
@require_http_methods(["GET", "POST"])
@page_errors
def journal_goal_edit(request: HttpRequest, goal_id: int) -> HttpResponse:
    """Change a goal's title, target, unit, due date or note."""
    goal = queries.get_goal(request.user, goal_id)  # type: ignore[arg-type]
    if request.method != "POST":
        return _form_page(request, goal=goal, values=forms.goal_initial(goal))
    values = forms.goal_values(request.POST)
    try:
        actions.update_goal(actor=request.user, goal=goal, data=dict(values))
    except DomainError as error:
        if error.status not in (400, 429):
            raise
        return _form_page(
            request, goal=goal, values=values, errors=errors_by_field(error), status=error.status
        )
    messages.success(request, _("Your changes are saved."))
    return redirect("journal_goals")


@login_required
@require_http_methods(["GET", "POST"])
@page_errors
def journal_goal_check_in(request: HttpRequest, goal_id: int) -> HttpResponse:
    """Say where you are on a goal now (or at another time): a number, a note, or both."""
    goal = queries.get_goal(request.user, goal_id)  # type: ignore[arg-type]
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        values = forms.check_in_values(request.POST)
        try:
            actions.check_in_goal(
                actor=request.user,
                goal=goal,
                value=values["value"],
                note=values["note"],
                recorded_at=forms.parse_recorded_at(values["recorded_at"]),
            )
        except DomainError as error:
            if error.status not in (400, 409, 429):
                raise
            errors, status = errors_by_field(error, rename={"goal": "form"}), error.status
        else:
            messages.success(request, _("Check-in saved."))
            return redirect("journal_goals")
    else:
        values = {"value": "", "note": "", "recorded_at": forms.now_local_text()}
    recent = [
        {
            "recorded_at": entry.recorded_at,
            "value_text": forms.number_text(queries.data_of(entry)["value"])
            if queries.data_of(entry).get("value") is not None
            else "",
            "note": queries.data_of(entry).get("note", ""),
        }
        for entry in queries.entries_for(
            request.user,  # type: ignore[arg-type]
            kinds=[EntryKind.GOAL_CHECK_IN],
        ).filter(goal=goal)[:RECENT_CHECK_INS]
    ]
    data = queries.data_of(goal)
    context = {
        "goal": goal,
        "data": data,
        "target_text": forms.number_text(data["target"]) if data.get("target") is not None else "",
        "values": values,
        "errors": errors,
        "recent": recent,
    }
    return render(request, "journal/goal_check_in.html", context, status=status)


def _after_change(request: HttpRequest, error: DomainError | None, done: str) -> HttpResponse:
    if error is None:
        messages.success(request, done)
    else:
        messages.error(request, str(error.message))
    return redirect("journal_goals")


@login_required
@require_http_methods(["GET", "POST"])
@page_errors
def journal_goal_close(request: HttpRequest, goal_id: int) -> HttpResponse:
    """Close a goal as achieved or stopped (GET asks which)."""
    goal = queries.get_goal(request.user, goal_id)  # type: ignore[arg-type]
    if request.method != "POST":
        return render(
            request, "journal/goal_close.html", {"goal": goal, "data": queries.data_of(goal)}
        )
    status = request.POST.get("status", "")
    try:
        actions.close_goal(actor=request.user, goal=goal, status=status)
    except DomainError as error:
        if error.status not in (400, 409, 429):
            raise
        return _after_change(request, error, "")
    done = (
        _("Well done! The goal is marked as achieved.")
        if status == Goal.Status.ACHIEVED
        else _("The goal is closed. You can reopen it at any time.")
    )
    return _after_change(request, None, done)


@login_required
@require_POST
@page_errors
def journal_goal_reopen(request: HttpRequest, goal_id: int) -> HttpResponse:
    """Make a closed goal active again."""
    goal = queries.get_goal(request.user, goal_id)  # type: ignore[arg-type]
    try:
        actions.reopen_goal(actor=request.user, goal=goal)
    except DomainError as error:
        if error.status not in (400, 409, 429):
            raise
        return _after_change(request, error, "")
    return _after_change(request, None, _("The goal is active again."))


@login_required
@require_http_methods(["GET", "POST"])
@page_errors
def journal_goal_delete(request: HttpRequest, goal_id: int) -> HttpResponse:
    """Ask, then delete a goal and its check-ins for good."""
    goal = queries.get_goal(request.user, goal_id)  # type: ignore[arg-type]
    if request.method == "POST":
        try:
            actions.delete_goal(actor=request.user, goal=goal)
        except DomainError as error:
            if error.status not in (400, 409, 429):
                raise
            return _after_change(request, error, "")
        return _after_change(request, None, _("The goal and its check-ins are deleted."))
    count = (
        queries.entries_for(
            request.user,  # type: ignore[arg-type]
            kinds=[EntryKind.GOAL_CHECK_IN],
        )
        .filter(goal=goal)
        .count()
    )
    context = {"goal": goal, "data": queries.data_of(goal), "check_in_count": count}
    return render(request, "journal/goal_delete.html", context)


urls: list[URLPattern] = [
    path("goals/", journal_goals, name="journal_goals"),
    path("goals/add/", journal_goal_add, name="journal_goal_add"),
    path("goals/<int:goal_id>/edit/", journal_goal_edit, name="journal_goal_edit"),
    path("goals/<int:goal_id>/check-in/", journal_goal_check_in, name="journal_goal_check_in"),
    path("goals/<int:goal_id>/close/", journal_goal_close, name="journal_goal_close"),
    path("goals/<int:goal_id>/reopen/", journal_goal_reopen, name="journal_goal_reopen"),
    path("goals/<int:goal_id>/delete/", journal_goal_delete, name="journal_goal_delete"),
]
