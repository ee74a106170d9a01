"""Journal pages: the overview, the quick daily check-in, and adding, listing, changing and
deleting entries. Only the owner ever sees these; `urls` is mounted under /journal/."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from carecircle.accounts.models import User
from carecircle.core.errors import DomainError, ValidationFailed
from carecircle.core.interfaces import page_errors
from carecircle.core.pagination import PageRequest, paginate
from carecircle.journal import payloads, vocabulary
from carecircle.journal.actions import entries as actions
from carecircle.journal.forms import entries as forms
from carecircle.journal.forms.errors import errors_by_field
from carecircle.journal.models import EntryKind, EntrySource, JournalEntry
from carecircle.journal.queries import data_of, entries_for, get_entry

HOME_LATEST = 10
# Measurements read to find the unit last used for each type (a bounded, recent window).
UNIT_MEMORY = 200


def _member(request: HttpRequest) -> User:
    # Only reached behind login_required / member_auth: the user is a signed-in member.
    return cast(User, request.user)


@dataclass
class EntryRow:
    """One entry as a line on a page: what it is and its main values, in plain words."""

    entry: JournalEntry
    title: str
    detail: str
    note: str


def _number(value: Any) -> str:
    if value is None:
        return ""
    number = float(value)
    return str(int(number)) if number.is_integer() else f"{round(number, 2):g}"


def entry_row(entry: JournalEntry) -> EntryRow:
    """Describe one entry for a list (any kind), without further queries."""
    data = data_of(entry)
    note = str(data.get("note") or "")
    if entry.kind == EntryKind.SYMPTOM:
        return EntryRow(
            entry,
            str(data.get("name", "")),
            _("Severity %(severity)s of 10") % {"severity": data.get("severity", 0)},
            note,
        )
    if entry.kind == EntryKind.MEASUREMENT:
        kind = payloads.MEASUREMENT_TYPES.get(str(data.get("type")))
        title = str(kind.label) if kind else str(data.get("name") or _("Measurement"))
        value = _number(data.get("value"))
        if data.get("value_2") is not None:
            value = f"{value}/{_number(data.get('value_2'))}"
        return EntryRow(entry, title, f"{value} {data.get('unit') or ''}".strip(), note)
    if entry.kind == EntryKind.MOOD:
        parts = []
        if data.get("mood") is not None:
            parts.append(_("Mood: %(label)s") % {"label": payloads.MOOD_LABELS[data["mood"]]})
        if data.get("energy") is not None:
            parts.append(_("Energy: %(label)s") % {"label": payloads.ENERGY_LABELS[data["energy"]]})
        return EntryRow(entry, _("Mood and energy"), " · ".join(parts), note)
    if entry.kind == EntryKind.DIARY:
        text = str(data.get("text", ""))
        return EntryRow(entry, str(data.get("title") or _("Diary")), Truncator(text).chars(160), "")
    goal_title = str(data_of(entry.goal).get("title", "")) if entry.goal else ""
    return EntryRow(
        entry,
        _("Check-in: %(goal)s") % {"goal": goal_title} if goal_title else _("Goal check-in"),
        _number(data.get("value")),
        note,
    )


def _errors(error: DomainError) -> dict[str, str]:
    return errors_by_field(error)


def _measurement_memory(owner: Any) -> tuple[str, dict[str, str]]:
    """The measurement type used last, and the unit last used for each type."""
    last_type = ""
    units: dict[str, str] = {}
    recent = entries_for(owner, kinds=[EntryKind.MEASUREMENT]).only("data")[:UNIT_MEMORY]
    for entry in recent:
        data = data_of(entry)
        code = str(data.get("type", ""))
        last_type = last_type or code
        if code in payloads.MEASUREMENT_TYPES and code not in units:
            units[code] = str(data.get("unit", ""))
    return last_type, units


def _unit_group(values: dict[str, str]) -> str:
    """The measurement type under which the unit select shows the chosen unit as selected:
    the chosen type when the unit is one of its own, else the first type that has it."""
    unit = values.get("unit", "")
    kind = payloads.MEASUREMENT_TYPES.get(values.get("type", ""))
    if kind is not None and unit in kind.units:
        return kind.code
    return next((t.code for t in payloads.MEASUREMENT_TYPES.values() if unit in t.units), "")


def _kind_choices() -> list[tuple[str, str]]:
    return [(str(kind.value), str(kind.label)) for kind in forms.ADDABLE_KINDS]


def _form_context(kind: str, values: dict[str, str], errors: dict[str, str]) -> dict[str, Any]:
    return {
        "kind": kind,
        "kind_label": EntryKind(kind).label,
        "values": values,
        "errors": errors,
        "now_value": forms.local_input_value(),
        "severities": forms.SEVERITIES,
        "mood_choices": list(payloads.MOOD_LABELS.items()),
        "energy_choices": list(payloads.ENERGY_LABELS.items()),
        "measurement_types": list(payloads.MEASUREMENT_TYPES.values()),
        "unit_group": _unit_group(values),
        "custom_type": payloads.CUSTOM,
        "symptom_names": vocabulary.symptom_names() if kind == EntryKind.SYMPTOM else (),
    }


def _checked_in_today(owner: User) -> bool:
    today = forms.start_of_local_day(timezone.localdate())
    return entries_for(owner, since=today).filter(source=EntrySource.CHECK_IN).exists()


@login_required
@require_http_methods(["GET"])
def journal_home(request: HttpRequest) -> HttpResponse:
    """The member's journal overview: today's check-in, latest entries, ways in."""
    owner = _member(request)
    checked_in = _checked_in_today(owner)
    latest = entries_for(owner).select_related("goal")[:HOME_LATEST]
    return render(
        request,
        "journal/journal_home.html",
        {
            "checked_in_today": checked_in,
            "rows": [entry_row(entry) for entry in latest],
            "add_kinds": _kind_choices(),
        },
    )


def _last_check_in(owner: Any) -> tuple[dict[str, str], list[forms.CheckInRow]]:
    """Mood and energy of the last check-in, and every symptom rated at check-ins on the day
    of the last one (the member's local day), each with its latest severity that day."""
    last_mood = entries_for(owner, kinds=[EntryKind.MOOD]).only("data").first()
    mood = data_of(last_mood) if last_mood else {}
    check_in_symptoms = entries_for(owner, kinds=[EntryKind.SYMPTOM]).filter(
        source=EntrySource.CHECK_IN
    )
    last = check_in_symptoms.only("recorded_at").first()
    latest: dict[str, forms.CheckInRow] = {}
    if last is not None:
        day = timezone.localtime(last.recorded_at).date()
        same_day = check_in_symptoms.filter(
            recorded_at__gte=forms.start_of_local_day(day),
            recorded_at__lt=forms.end_of_local_day(day),
        ).order_by("recorded_at", "pk")
        for entry in same_day.only("data", "recorded_at"):
            data = data_of(entry)
            name = str(data.get("name", ""))
            row = latest.setdefault(
                name.casefold(), forms.CheckInRow(key="", name=name, severity="")
            )
            row.severity = str(data.get("severity", ""))
    rows = list(latest.values())[: actions.CHECK_IN_SYMPTOMS_MAX]
    for index, row in enumerate(rows):
        row.key = f"s{index}"
    rows += [
        forms.CheckInRow(key=f"n{index}", name="", severity="", is_new=True)
        for index in range(forms.NEW_SYMPTOM_ROWS)
    ]
    values = {
        "mood": _number(mood.get("mood")),
        "energy": _number(mood.get("energy")),
        "note": "",
    }
    return values, rows


def _check_in_page(
    request: HttpRequest,
    *,
    values: dict[str, str],
    rows: list[forms.CheckInRow],
    errors: dict[str, str],
    status: int = 200,
) -> HttpResponse:
    checked_in = _checked_in_today(_member(request))
    return render(
        request,
        "journal/check_in.html",
        {
            "values": values,
            "rows": rows,
            "add_open": any(row.is_new and (row.name or row.error) for row in rows),
            "errors": errors,
            "checked_in_today": checked_in,
            "severities": forms.SEVERITIES,
            "mood_choices": list(payloads.MOOD_LABELS.items()),
            "energy_choices": list(payloads.ENERGY_LABELS.items()),
            "symptom_names": vocabulary.symptom_names(),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
@page_errors
def journal_check_in(request: HttpRequest) -> HttpResponse:
    """The quick daily check-in: mood, energy, symptoms from last time, a note; one Save."""
    if request.method != "POST":
        values, rows = _last_check_in(request.user)
        return _check_in_page(request, values=values, rows=rows, errors={})
    form = forms.check_in_form(request.POST)
    values = {"mood": form.mood, "energy": form.energy, "note": form.note}
    forgotten = form.unrated_new_row()
    if forgotten is not None:
        forgotten.error = _("Choose how bad it is, from 0 to 10.")
        return _check_in_page(
            request,
            values=values,
            rows=form.rows,
            errors={"form": _("Choose how bad each symptom you added is.")},
            status=400,
        )
    symptoms, rated = form.rated_symptoms()
    try:
        actions.record_daily_check_in(
            actor=request.user,
            mood=form.mood,
            energy=form.energy,
            symptoms=symptoms,
            note=form.note,
        )
    except ValidationFailed as error:
        errors: dict[str, str] = {}
        for field, message in errors_by_field(error).items():
            if field.startswith("symptoms."):
                index = int(field.split(".")[1])
                if index < len(rated) and not rated[index].error:
                    rated[index].error = message
                errors.setdefault("form", _("Check the symptoms below."))
            else:
                errors["note" if field == "text" else field] = message
        return _check_in_page(request, values=values, rows=form.rows, errors=errors, status=400)
    except DomainError as error:
        if error.status != 429:
            raise
        return _check_in_page(
            request, values=values, rows=form.rows, errors=_errors(error), status=429
        )
    messages.success(request, _("Your check-in is saved. Thank you."))
    return redirect("journal_home")


def _save_entry(
    request: HttpRequest, kind: str, entry: JournalEntry | None
) -> tuple[dict[str, str], dict[str, str], int]:
    """Validate and save the posted form; return (values, errors, status) — no errors: saved."""
    values = forms.entry_values(kind, request.POST)
    try:
        when = forms.parse_local_datetime(values["recorded_at"])
        data = forms.raw_data(kind, values)
        if entry is None:
            actions.record_entry(actor=request.user, kind=kind, data=data, recorded_at=when)
        else:
            actions.update_entry(actor=request.user, entry=entry, data=data, recorded_at=when)
    except DomainError as error:
        if error.status not in (400, 429):
            raise
        rename = {"unit": "custom_unit"} if values.get("type") == payloads.CUSTOM else {}
        return values, errors_by_field(error, rename=rename), error.status
    return values, {}, 200


@login_required
@require_http_methods(["GET", "POST"])
@page_errors
def journal_entry_add(request: HttpRequest, kind: str) -> HttpResponse:
    """Add a symptom, a measurement, mood and energy, or a diary page, at any date and time."""
    if kind not in forms.ADDABLE_KINDS:
        raise Http404("No such kind of entry.")
    if request.method == "POST":
        values, errors, status = _save_entry(request, kind, None)
        if not errors:
            messages.success(request, _("Saved in your journal."))
            return redirect("journal_home")
    else:
        values, errors, status = {"recorded_at": forms.local_input_value()}, {}, 200
        if kind == EntryKind.MEASUREMENT:
            last_type, units = _measurement_memory(request.user)
            chosen = request.GET.get("type", "")
            if chosen not in payloads.MEASUREMENT_TYPES and chosen != payloads.CUSTOM:
                chosen = last_type or "weight"
            # The unit remembered for this type only; any other type starts at its usual unit.
            unit = units.get(chosen, "")
            values.update(type=chosen, unit=unit, unit_default=unit)
    context = _form_context(kind, values, errors)
    context["is_new"] = True
    return render(request, "journal/entry_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
@page_errors
def journal_entry_edit(request: HttpRequest, entry_id: int) -> HttpResponse:
    """Change one of the member's own entries (others' ids: 404)."""
    entry = get_entry(_member(request), entry_id)
    if request.method == "POST":
        values, errors, status = _save_entry(request, entry.kind, entry)
        if not errors:
            messages.success(request, _("Your changes are saved."))
            return redirect("journal_entry_list")
    else:
        values, errors, status = forms.values_from_entry(entry), {}, 200
    context = _form_context(entry.kind, values, errors)
    context.update(is_new=False, entry=entry, row=entry_row(entry))
    return render(request, "journal/entry_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
@page_errors
def journal_entry_delete(request: HttpRequest, entry_id: int) -> HttpResponse:
    """Ask, then delete one of the member's own entries for good (others' ids: 404)."""
    entry = get_entry(_member(request), entry_id)
    if request.method == "POST":
        try:
            actions.delete_entry(actor=request.user, entry=entry)
        except DomainError as error:
            if error.status != 429:
                raise
            messages.error(request, str(error.message))
            return redirect("journal_entry_delete", entry_id=entry.pk)
        messages.success(request, _("The entry is deleted."))
        return redirect("journal_entry_list")
    return render(request, "journal/entry_delete.html", {"row": entry_row(entry)})


@login_required
@require_http_methods(["GET"])
def journal_entry_list(request: HttpRequest) -> HttpResponse:
    """The member's entries, newest first, by kind and dates, a page at a time."""
    kind = request.GET.get("kind", "")
    errors: dict[str, str] = {}
    since: datetime | None = None
    until: datetime | None = None
    try:
        start = forms.parse_local_date(request.GET.get("since"), field_name="since")
        since = forms.start_of_local_day(start) if start else None
    except ValidationFailed as error:
        errors.update(_errors(error))
    try:
        end = forms.parse_local_date(request.GET.get("until"), field_name="until")
        until = forms.end_of_local_day(end) if end else None
    except ValidationFailed as error:
        errors.update(_errors(error))
    if kind and kind not in EntryKind.values:
        errors["kind"] = _("Choose a kind of entry from the list.")
        kind = ""
    entries = entries_for(
        _member(request), kinds=[kind] if kind else None, since=since, until=until
    ).select_related("goal")
    page = paginate(entries, PageRequest.from_params(request.GET.get("page")))
    filters = {
        "kind": kind,
        "since": request.GET.get("since", ""),
        "until": request.GET.get("until", ""),
    }
    kept = {name: value for name, value in filters.items() if value and name not in errors}
    return render(
        request,
        "journal/entry_list.html",
        {
            "page": page,
            "rows": [entry_row(entry) for entry in page.items],
            "filters": filters,
            "errors": errors,
            "kind_choices": [(str(k.value), str(k.label)) for k in EntryKind],
            "query_prefix": f"{urlencode(kept)}&" if kept else "",
            "is_filtered": bool(kept),
        },
    )


urls: list[URLPattern] = [
    path("", journal_home, name="journal_home"),
    path("check-in/", journal_check_in, name="journal_check_in"),
    path("add/<slug:kind>/", journal_entry_add, name="journal_entry_add"),
    path("entries/", journal_entry_list, name="journal_entry_list"),
    path("entries/<int:entry_id>/edit/", journal_entry_edit, name="journal_entry_edit"),
    path("entries/<int:entry_id>/delete/", journal_entry_delete, name="journal_entry_delete"),
]
