"""Journal JSON API: chart series (for apps that draw their own) and the clinician summary."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema

from carecircle.api.api import member_auth
from carecircle.api.schemas import ErrorOut
from carecircle.journal.charts import PERIODS, SeriesSet, normalise_period, series_for
from carecircle.journal.models import Part
from carecircle.journal.summary import build_summary, parse_period, summary_as_dict

router = Router(tags=["journal"])

CHART_PARTS = (Part.SYMPTOMS, Part.MEASUREMENTS, Part.MOOD, Part.MEDICATIONS)


class PointOut(Schema):
    at: str  # a date (daily and longer buckets) or a date-time (a week's single entries)
    value: float


class LineOut(Schema):
    key: str
    label: str
    points: list[PointOut]


class ChartOut(Schema):
    slug: str
    title: str
    unit: str
    y_min: float
    y_max: float
    lines: list[LineOut]


class BandOut(Schema):
    label: str
    start: date
    end: date | None  # None: still taking it


class SeriesOut(Schema):
    period: str
    start: date
    end: date
    bucket: str  # "entry", "day", "week" or "month" (values are means per bucket)
    charts: list[ChartOut]
    bands: list[BandOut]


class MedicationOut(Schema):
    name: str
    dose: str
    unit: str
    frequency: str
    reason: str
    started_on: date | None
    stopped_on: date | None
    stop_reason: str
    effectiveness: str
    side_effects: list[str]


class SymptomOut(Schema):
    name: str
    count: int
    average: float
    latest: int
    latest_at: datetime
    trend: str


class MeasurementOut(Schema):
    key: str
    label: str
    unit: str
    count: int
    minimum: float
    maximum: float
    average: float
    latest: float
    latest_at: datetime
    minimum_2: float | None
    maximum_2: float | None
    average_2: float | None
    latest_2: float | None


class MoodOut(Schema):
    count: int
    mood_average: float | None
    energy_average: float | None


class GoalOut(Schema):
    title: str
    status: str
    target: float | None
    unit: str
    due_on: date | None
    check_ins: int
    latest_value: float | None
    latest_at: datetime | None


class NoteOut(Schema):
    recorded_at: datetime
    kind: str
    title: str
    text: str


class SummaryOut(Schema):
    start: date
    end: date
    current_medications: list[MedicationOut]
    started_medications: list[MedicationOut]
    stopped_medications: list[MedicationOut]
    symptoms: list[SymptomOut]
    measurements: list[MeasurementOut]
    mood: MoodOut
    goals: list[GoalOut]
    notes: list[NoteOut]


def _at(series: SeriesSet, x: float) -> str:
    if series.bucket == "entry":
        # x counts days from midnight of the first day in the owner's zone (elapsed time).
        start = datetime.combine(series.start, datetime.min.time(), tzinfo=series.zone)
        return (start.astimezone(UTC) + timedelta(days=x)).astimezone(series.zone).isoformat()
    day = series.date_of(x)
    if series.bucket == "week":
        day -= timedelta(days=day.weekday())
    elif series.bucket == "month":
        day = day.replace(day=1)
    return day.isoformat()


def series_out(series: SeriesSet) -> dict[str, Any]:
    """The chart series in the API shape (SeriesOut; each point's `at` is its bucket's first
    day). Plain dicts: the response schema validates them once, rather than building a schema
    object per point first (a five-year journal has about 2,000 points)."""
    ats: dict[float, str] = {}

    def at(x: float) -> str:
        found = ats.get(x)
        if found is None:
            found = ats[x] = _at(series, x)
        return found

    return {
        "period": series.period,
        "start": series.start,
        "end": series.end,
        "bucket": series.bucket,
        "charts": [
            {
                "slug": chart.slug,
                "title": chart.title,
                "unit": chart.unit,
                "y_min": chart.y_min,
                "y_max": chart.y_max,
                "lines": [
                    {
                        "key": line.key,
                        "label": line.label,
                        "points": [
                            {"at": at(x), "value": round(value, 2)} for x, value in line.points
                        ],
                    }
                    for line in chart.lines
                ],
            }
            for chart in series.charts
        ],
        "bands": [{"label": b.label, "start": b.start, "end": b.end} for b in series.bands],
    }


@router.get(
    "/journal/charts/series",
    response={200: SeriesOut, 401: ErrorOut},
    auth=member_auth,
)
def chart_series(
    request: HttpRequest,
    period: str = "month",
    part: list[str] = Query([]),  # noqa: B008 - how django-ninja declares a list parameter
) -> SeriesOut:
    """Your chart series for a period (week, month, year or all), as points an app can draw.

    `part` (repeatable: symptoms, measurements, mood, medications) limits what is included;
    without it, all of them. Week gives each entry; month and year daily means; all gives
    daily means, or weekly means past two years and monthly past seven.
    """
    parts = {value for value in part or [] if value in CHART_PARTS} or {
        str(value) for value in CHART_PARTS
    }
    period = normalise_period(period if period in PERIODS else None)
    return series_out(series_for(request.user, period=period, parts=parts))  # type: ignore[arg-type,return-value]


@router.get(
    "/journal/summary",
    response={200: SummaryOut, 400: ErrorOut, 401: ErrorOut},
    auth=member_auth,
)
def journal_summary(
    request: HttpRequest,
    start: str = Query("", alias="from"),
    end: str = Query("", alias="to"),
) -> SummaryOut:
    """Your clinician summary for `from`..`to` (YYYY-MM-DD, inclusive; default: the last three
    months): medicines, symptom trends, measurements, mood, goals and notes."""
    first, last = parse_period(start, end)
    summary = build_summary(request.user, start=first, end=last)  # type: ignore[arg-type]
    return SummaryOut(**summary_as_dict(summary))
