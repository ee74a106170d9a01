"""Journal pages: the member's medicines and treatments. (`urls` is mounted under /journal/.)"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from carecircle.core.errors import DomainError
from carecircle.core.interfaces import page_errors
from carecircle.journal import queries, vocabulary
from carecircle.journal.actions import medications as actions
from carecircle.journal.forms import medications as forms
from carecircle.journal.forms.errors import errors_by_field
from carecircle.journal.models import Medication
from carecircle.journal.payloads import EFFECTIVENESS


def medication_row(medication: Medication) -> dict[str, Any]:
    """What the list shows of one medicine, effectiveness in words."""
    data = queries.data_of(medication)
    effectiveness = data.get("effectiveness")
    return {
        "medication": medication,
        "data": data,
        "is_current": not data.get("stopped_on"),
        "effectiveness_label": EFFECTIVENESS.get(effectiveness)
        if effectiveness is not None
        else "",
        "started_on": _as_date(data.get("started_on")),
        "stopped_on": _as_date(data.get("stopped_on")),
    }


def _as_date(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


@login_required
@require_http_methods(["GET"])
def journal_medications(request: HttpRequest) -> HttpResponse:
    """The member's current and past medicines."""
    rows = [medication_row(m) for m in queries.medications_for(request.user)]  # type: ignore[arg-type]
    context = {
        "current": [row for row in rows if row["is_current"]],
        "past": [row for row in rows if not row["is_current"]],
    }
    return render(request, "journal/medications.html", context)


def _form_page(
    request: HttpRequest,
    *,
    medication: Medication | None,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "medication": medication,
        "values": values,
        "side_effect_rows": forms.side_effect_rows(values),
        "errors": errors or {},
        "medication_names": vocabulary.medication_names(),
        "effectiveness_choices": forms.effectiveness_choices(),
        "severity_choices": forms.severity_choices(),
    }
    return render(request, "journal/medication_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
@page_errors
def journal_medication_add(request: HttpRequest) -> HttpResponse:
    """Add a medicine or treatment."""
    if request.method != "POST":
        return _form_page(request, medication=None, values=forms.medication_initial(None))
    values = forms.medication_values(request.POST)
    try:
        actions.add_medication(actor=request.user, data=forms.medication_data(values))
    except DomainError as error:
        if error.status not in (400, 429):
            raise
        return _form_page(
            request,
            medication=None,
            values=values,
            errors=errors_by_field(error),
            status=error.status,
        )
    messages.success(request, _("The medicine is saved in your journal."))
    return redirect("journal_medications")


@login_required
@require_http_methods(["GET", "POST"])
@page_errors
def journal_medication_edit(request: HttpRequest, medication_id: int) -> HttpResponse:
    """Change a medicine's details, side effects, start or stop."""
    medication = queries.get_medication(request.user, medication_id)  # type: ignore[arg-type]
    if request.method != "POST":
        return _form_page(
            request, medication=medication, values=forms.medication_initial(medication)
        )
    values = forms.medication_values(request.POST)
    try:
        actions.update_medication(
            actor=request.user, medication=medication, data=forms.medication_data(values)
        )
    except DomainError as error:
        if error.status not in (400, 429):
            raise
        return _form_page(
            request,
            medication=medication,
            values=values,
            errors=errors_by_field(error),
            status=error.status,
        )
    messages.success(request, _("Your changes are saved."))
    return redirect("journal_medications")


@login_required
@require_http_methods(["GET", "POST"])
@page_errors
def journal_medication_stop(request: HttpRequest, medication_id: int) -> HttpResponse:
    """Say a medicine was stopped: when, why, and how well it worked."""
    medication = queries.get_medication(request.user, medication_id)  # type: ignore[arg-type]
    data = queries.data_of(medication)
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        values = forms.stop_values(request.POST)
        try:
            actions.stop_medication(
                actor=request.user,
                medication=medication,
                stopped_on=values["stopped_on"],
                stop_reason=values["stop_reason"],
                effectiveness=values["effectiveness"] or None,
            )
        except DomainError as error:
            if error.status not in (400, 429):
                raise
            errors, status = errors_by_field(error), error.status
        else:
            messages.success(request, _("The medicine is marked as stopped."))
            return redirect("journal_medications")
    else:
        effectiveness = data.get("effectiveness")
        values = {
            "stopped_on": data.get("stopped_on") or timezone.localdate().isoformat(),
            "stop_reason": data.get("stop_reason", ""),
            "effectiveness": "" if effectiveness is None else str(effectiveness),
        }
    context = {
        "medication": medication,
        "data": data,
        "values": values,
        "errors": errors,
        "effectiveness_choices": forms.effectiveness_choices(),
    }
    return render(request, "journal/medication_stop.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
@page_errors
def journal_medication_delete(request: HttpRequest, medication_id: int) -> HttpResponse:
    """Ask, then delete a medicine for good."""
    medication = queries.get_medication(request.user, medication_id)  # type: ignore[arg-type]
    if request.method == "POST":
        try:
            actions.delete_medication(actor=request.user, medication=medication)
        except DomainError as error:
            if error.status not in (400, 409, 429):
                raise
            messages.error(request, str(error.message))
        else:
            messages.success(request, _("The medicine is deleted from your journal."))
        return redirect("journal_medications")
    context = {"medication": medication, "data": queries.data_of(medication)}
    return render(request, "journal/medication_delete.html", context)


urls: list[URLPattern] = [
    path("medications/", journal_medications, name="journal_medications"),
    path("medications/add/", journal_medication_add, name="journal_medication_add"),
    path(
        "medications/<int:medication_id>/edit/",
        journal_medication_edit,
        name="journal_medication_edit",
    ),
    path(
        "medications/<int:medication_id>/stop/",
        journal_medication_stop,
        name="journal_medication_stop",
    ),
    path(
        "medications/<int:medication_id>/delete/",
        journal_medication_delete,
        name="journal_medication_delete",
    ),
]
