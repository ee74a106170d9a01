"""Journal pages: charts and the clinician summary (page and PDF); mounted under /journal/."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from carecircle.core.errors import ValidationFailed
from carecircle.core.interfaces import field_errors
from carecircle.journal import charts as chart_building
from carecircle.journal.models import Part
from carecircle.journal.summary import build_summary, default_period, parse_period

# The parts a chart draws (medicines as bands behind the others).
CHART_PARTS = (Part.SYMPTOMS, Part.MEASUREMENTS, Part.MOOD, Part.MEDICATIONS)


def chosen_parts(values: list[str]) -> set[str]:
    """The chart parts asked for (all of them when none, or none known, is asked for)."""
    parts = {value for value in values if value in CHART_PARTS}
    return parts or {str(part) for part in CHART_PARTS}


@login_required
@require_GET
def journal_charts(request: HttpRequest) -> HttpResponse:
    """The member's own charts over a week, a month, a year or the whole journal."""
    period = chart_building.normalise_period(request.GET.get("period"))
    parts = chosen_parts(request.GET.getlist("part"))
    is_filtered = bool(request.GET.getlist("part")) and parts != set(CHART_PARTS)
    charts = chart_building.build_charts(request.user, period=period, parts=parts)  # type: ignore[arg-type]
    labels = {
        "week": _("Week"),
        "month": _("Month"),
        "year": _("Year"),
        "all": _("All"),
    }
    query_parts = "".join(f"&part={part}" for part in sorted(parts)) if is_filtered else ""
    context: dict[str, Any] = {
        "period": period,
        "periods": [
            (name, labels[name], f"?period={name}{query_parts}") for name in chart_building.PERIODS
        ],
        "charts": charts,
        "part_choices": [(str(part.value), part.label) for part in CHART_PARTS],
        "parts": parts,
        "is_filtered": is_filtered,
    }
    return render(request, "journal/charts.html", context)


def _summary_context(request: HttpRequest) -> tuple[dict[str, Any], int]:
    values = {"from": request.GET.get("from", ""), "to": request.GET.get("to", "")}
    errors: dict[str, str] = {}
    try:
        start, end = parse_period(values["from"], values["to"])
    except ValidationFailed as error:
        errors = field_errors(error)
        start, end = default_period()
    summary = build_summary(request.user, start=start, end=end)  # type: ignore[arg-type]
    if not values["from"] and not values["to"]:
        values = {"from": start.isoformat(), "to": end.isoformat()}
    context = {
        "summary": summary,
        "values": values,
        "errors": errors,
        "query": f"from={start.isoformat()}&to={end.isoformat()}",
    }
    return context, 400 if errors else 200


@login_required
@require_GET
def journal_summary(request: HttpRequest) -> HttpResponse:
    """A printable summary of the member's journal over a chosen period, for a clinician."""
    context, status = _summary_context(request)
    return render(request, "journal/summary.html", context, status=status)


@login_required
@require_GET
def journal_summary_pdf(request: HttpRequest) -> HttpResponse:
    """The same summary as a PDF download."""
    from carecircle.journal.pdf import summary_pdf

    try:
        start, end = parse_period(request.GET.get("from"), request.GET.get("to"))
    except ValidationFailed:
        context, status = _summary_context(request)
        return render(request, "journal/summary.html", context, status=status)
    summary = build_summary(request.user, start=start, end=end)  # type: ignore[arg-type]
    name = request.user.display_name  # type: ignore[union-attr]
    response = HttpResponse(summary_pdf(summary, member_name=name), content_type="application/pdf")
    # An ASCII file name only: the member's name stays out of it.
    filename = f"health-summary-{start.isoformat()}-to-{end.isoformat()}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


urls: list[URLPattern] = [
    path("charts/", journal_charts, name="journal_charts"),
    path("summary/", journal_summary, name="journal_summary"),
    path("summary.pdf", journal_summary_pdf, name="journal_summary_pdf"),
]
