"""Journal pages: sharing parts of one's journal, revoking, and reading what others shared.

Every page here carries `Cache-Control: private, no-store` (journal/middleware.py): they show
health records.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from carecircle.core.errors import DomainError
from carecircle.core.interfaces import page_errors
from carecircle.journal import charts, sharing
from carecircle.journal.actions import sharing as actions
from carecircle.journal.forms.errors import errors_by_field
from carecircle.journal.models import EntryKind, Goal, JournalShare, Part
from carecircle.journal.payloads import (
    EFFECTIVENESS,
    ENERGY_LABELS,
    MEASUREMENT_TYPES,
    MOOD_LABELS,
)
from carecircle.journal.queries import data_of

PART_LABELS = dict(Part.choices)
# Entries one page of a shared view lists (newest first); older ones are a link away.
ENTRIES_PER_PAGE = 50
FORM_FIELDS = ("audience", "caregiver_link", "member", "community", "since", "title")


def share_url(request: HttpRequest, share: JournalShare) -> str:
    """The full address of a share's page (what the owner pastes into a post)."""
    return request.build_absolute_uri(reverse("journal_shared_view", args=[share.pk]))


def _share_row(request: HttpRequest, share: JournalShare) -> dict[str, Any]:
    return {
        "share": share,
        "parts": [PART_LABELS[part] for part in sharing.ordered_parts(share.parts)],
        "is_reachable": sharing.is_share_reachable(share),
        "url": share_url(request, share),
    }


def _sharing_page(
    request: HttpRequest,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    shares = list(sharing.shares_for_owner(request.user))
    caregiver_links = sharing.caregiver_links_for_sharing(request.user)
    default_audience = (
        JournalShare.Audience.CAREGIVER if caregiver_links else JournalShare.Audience.MEMBER
    )
    context = {
        "active_shares": [_share_row(request, s) for s in shares if s.revoked_at is None],
        "revoked_shares": [_share_row(request, s) for s in shares if s.revoked_at is not None][:20],
        "caregiver_links": caregiver_links,
        "communities": sharing.communities_for_sharing(request.user),
        "part_choices": Part.choices,
        "errors": errors or {},
        "values": values or {"audience": default_audience, "parts": []},
        "today": timezone.localdate().isoformat(),
    }
    return render(request, "journal/sharing.html", context, status=status)


@login_required
@require_http_methods(["GET"])
def journal_sharing(request: HttpRequest) -> HttpResponse:
    """The member's shares and the form to share more."""
    return _sharing_page(request)


@login_required
@require_POST
@page_errors
def journal_share_create(request: HttpRequest) -> HttpResponse:
    """Share parts of one's journal with the chosen audience."""
    values: dict[str, Any] = {name: request.POST.get(name, "") for name in FORM_FIELDS}
    values["parts"] = request.POST.getlist("parts")
    audience = values["audience"]

    def chosen(name: str, for_audience: str) -> str | None:
        # The form sends every audience's choice: only the chosen audience's counts.
        return (values[name] or None) if audience == for_audience else None

    try:
        share = actions.share_journal(
            actor=request.user,
            audience=audience,
            parts=values["parts"],
            caregiver_link=chosen("caregiver_link", JournalShare.Audience.CAREGIVER),
            member=chosen("member", JournalShare.Audience.MEMBER),
            community=chosen("community", JournalShare.Audience.COMMUNITY),
            since=values["since"] or None,
            title=values["title"],
        )
    except DomainError as error:
        if error.status in (400, 429):
            return _sharing_page(
                request, errors=errors_by_field(error), values=values, status=error.status
            )
        raise
    if share.audience == JournalShare.Audience.COMMUNITY:
        messages.success(
            request,
            _("Shared. Copy its link into a post: only members of %(community)s can open it.")
            % {"community": share.community.name if share.community else ""},
        )
    else:
        messages.success(request, _("Shared. You can stop sharing at any time."))
    return redirect("journal_sharing")


@login_required
@require_http_methods(["GET", "POST"])
@page_errors
def journal_share_revoke(request: HttpRequest, share_id: int) -> HttpResponse:
    """Confirm (GET) and stop (POST) one of the member's shares."""
    share = sharing.get_own_share(request.user, share_id)
    if request.method == "POST":
        try:
            actions.revoke_share(actor=request.user, share=share)
        except DomainError as error:
            if error.status != 429:
                raise
            messages.error(request, str(error.message))
            return redirect("journal_sharing")
        messages.success(request, _("Sharing stopped: nobody else can open it now."))
        return redirect("journal_sharing")
    if share.revoked_at is not None:
        return redirect("journal_sharing")
    return render(request, "journal/share_revoke.html", {"row": _share_row(request, share)})


@login_required
@require_http_methods(["GET"])
def journal_shared_with_me(request: HttpRequest) -> HttpResponse:
    """Parts of other members' journals shared with the member, by owner."""
    groups: list[dict[str, Any]] = []
    for share in sharing.shares_visible_to(request.user):
        if not groups or groups[-1]["owner"].pk != share.owner_id:
            groups.append({"owner": share.owner, "rows": []})
        groups[-1]["rows"].append(_share_row(request, share))
    return render(request, "journal/shared_with_me.html", {"groups": groups})


def _number(value: Any) -> str:
    """72.5 as "72.5", 70.0 as "70" (in the reader's number format)."""
    if value is None:
        return ""
    rounded = round(float(value), 2)
    return str(number_format(int(rounded) if rounded.is_integer() else rounded))


def _iso_date(value: Any) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


def _measurement(data: dict[str, Any]) -> dict[str, str]:
    kind = MEASUREMENT_TYPES.get(data.get("type", ""))
    value = _number(data.get("value"))
    if data.get("value_2") is not None:
        value = f"{value}/{_number(data.get('value_2'))}"
    return {
        "what": str(kind.label) if kind else str(data.get("name", "")),
        "value": f"{value} {data.get('unit', '')}".strip(),
    }


def _entry_row(kind: str, entry: Any) -> dict[str, Any]:
    data = data_of(entry)
    row: dict[str, Any] = {"recorded_at": entry.recorded_at, "note": data.get("note", "")}
    if kind == EntryKind.SYMPTOM:
        row.update(name=data.get("name", ""), severity=data.get("severity"))
    elif kind == EntryKind.MEASUREMENT:
        row.update(_measurement(data))
    elif kind == EntryKind.MOOD:
        row.update(
            mood=MOOD_LABELS.get(data.get("mood") or 0, ""),
            energy=ENERGY_LABELS.get(data.get("energy") or 0, ""),
        )
    elif kind == EntryKind.DIARY:
        row.update(title=data.get("title", ""), text=data.get("text", ""))
    elif kind == EntryKind.GOAL_CHECK_IN:
        goal_data = data_of(entry.goal) if entry.goal is not None else {}
        value = _number(data.get("value"))
        row.update(
            goal=goal_data.get("title", ""),
            value=f"{value} {goal_data.get('unit', '')}".strip() if value else "",
        )
    return row


def _medication_row(medication: Any) -> dict[str, Any]:
    data = data_of(medication)
    effectiveness = data.get("effectiveness")
    return {
        "name": data.get("name", ""),
        "dose": " ".join(filter(None, [data.get("dose", ""), data.get("unit", "")])),
        "frequency": data.get("frequency", ""),
        "reason": data.get("reason", ""),
        "started_on": _iso_date(data.get("started_on")),
        "stopped_on": _iso_date(data.get("stopped_on")),
        "stop_reason": data.get("stop_reason", ""),
        "effectiveness": EFFECTIVENESS.get(effectiveness, "") if effectiveness is not None else "",
        "side_effects": [
            f"{item.get('name', '')} ({item.get('severity', 0)}/10)"
            for item in data.get("side_effects") or []
        ],
        "note": data.get("note", ""),
    }


def _goal_row(goal: Goal) -> dict[str, Any]:
    data = data_of(goal)
    target = _number(data.get("target"))
    return {
        "title": data.get("title", ""),
        "status": goal.get_status_display(),
        "target": f"{target} {data.get('unit', '')}".strip() if target else "",
        "due_on": _iso_date(data.get("due_on")),
        "note": data.get("note", ""),
    }


@login_required
@require_http_methods(["GET"])
@page_errors
def journal_shared_view(request: HttpRequest, share_id: int) -> HttpResponse:
    """What one share shows: the owner's chosen parts, from its `since` on, over a period."""
    share = sharing.get_visible_share(request.user, share_id)
    period = sharing.clean_period(request.GET.get("period")) or charts.DEFAULT_PERIOD
    content = sharing.shared_content(share, period=period)
    newest_first = sorted(
        (entry for entries in content.entries.values() for entry in entries),
        key=lambda entry: (entry.recorded_at, entry.pk),
        reverse=True,
    )
    page_count = max(1, -(-len(newest_first) // ENTRIES_PER_PAGE))
    page = _page_number(request.GET.get("page"), page_count)
    shown = newest_first[(page - 1) * ENTRIES_PER_PAGE : page * ENTRIES_PER_PAGE]
    rows: dict[str, list[dict[str, Any]]] = {}
    for entry in shown:
        rows.setdefault(entry.kind, []).append(_entry_row(entry.kind, entry))
    context = {
        "share": share,
        "content": content,
        "parts": [(part, PART_LABELS[part]) for part in content.parts],
        "periods": [(value, _period_label(value)) for value in charts.PERIODS],
        "period": period,
        "charts": charts.build_charts(
            share.owner, period=period, parts=set(content.parts), since=share.since
        ),
        "symptoms": rows.get(EntryKind.SYMPTOM, []),
        "measurements": rows.get(EntryKind.MEASUREMENT, []),
        "moods": rows.get(EntryKind.MOOD, []),
        "diary": rows.get(EntryKind.DIARY, []),
        "check_ins": rows.get(EntryKind.GOAL_CHECK_IN, []),
        "medications": [_medication_row(m) for m in content.medications],
        "goals": [_goal_row(g) for g in content.goals],
        "is_owner": share.owner_id == request.user.pk,
        "max_entries": sharing.MAX_ENTRIES,
        "entry_count": len(newest_first),
        "page": page,
        "page_count": page_count,
        "first_shown": (page - 1) * ENTRIES_PER_PAGE + 1,
        "last_shown": (page - 1) * ENTRIES_PER_PAGE + len(shown),
        "url": share_url(request, share),
    }
    return render(request, "journal/shared_view.html", context)


def _page_number(text: str | None, page_count: int) -> int:
    """The page asked for, within 1..page_count (anything else: the first page)."""
    try:
        number = int(text or 1)
    except (TypeError, ValueError):
        return 1
    return number if 1 <= number <= page_count else 1


def _period_label(period: str) -> str:
    return {
        "week": _("Last 7 days"),
        "month": _("Last 30 days"),
        "year": _("Last year"),
        "all": _("Everything shared"),
    }.get(period, period)


urls: list[URLPattern] = [
    path("sharing/", journal_sharing, name="journal_sharing"),
    path("sharing/new/", journal_share_create, name="journal_share_create"),
    path("sharing/<int:share_id>/revoke/", journal_share_revoke, name="journal_share_revoke"),
    path("shared/", journal_shared_with_me, name="journal_shared_with_me"),
    path("shared/<int:share_id>/", journal_shared_view, name="journal_shared_view"),
]
