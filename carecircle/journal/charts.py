"""Server-rendered SVG charts of a journal over a period.

Other areas (sharing) call `build_charts` and render `journal/_charts.html` with its result.
The series behind the charts come from `series_for` (also served as JSON to apps), which reads
the period's entries in one query and aggregates them so that no chart has more than a few
hundred points: raw entries for a week, daily means for a month or a year, weekly (or, beyond
seven years, monthly) means for a whole journal longer than two years.

Every member-written string (symptom, medicine and custom measurement names) is escaped here,
since the SVG is handed to templates as safe markup.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from html import escape
from typing import Any, cast

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from carecircle.accounts.models import User
from carecircle.journal import queries
from carecircle.journal.models import EntryKind, Part
from carecircle.journal.payloads import CUSTOM, MEASUREMENT_TYPES, to_canonical

PERIODS = ("week", "month", "year", "all")
DEFAULT_PERIOD = "month"
PERIOD_DAYS = {"week": 7, "month": 30, "year": 365}
TOP_SYMPTOMS = 4
# Beyond these spans a whole journal is drawn in weekly, then monthly means.
WEEKLY_AFTER_DAYS = 731
MONTHLY_AFTER_DAYS = 7 * 366

# Line styles: each differs from the others in colour (all at least 3:1 against white), dash
# pattern and marker shape, so no line is told apart by colour alone.
STYLES = (
    ("#1f5fa8", "", "circle"),
    ("#b3401a", "6 3", "square"),
    ("#2e7d32", "2 3", "triangle"),
    ("#6a3d9a", "8 3 2 3", "diamond"),
    ("#8a5a00", "10 4", "cross"),
)
BAND_COLOUR = "#5b6b7a"

# Geometry of the SVG (viewBox units; the SVG scales to its container's width).
WIDTH = 400
PLOT_LEFT = 40
PLOT_RIGHT = WIDTH - 10
PLOT_HEIGHT = 150
LANE_HEIGHT = 16
AXIS_BELOW = 22


@dataclass
class LegendItem:
    label: str
    swatch: str  # safe, server-built SVG markup (decorative)


@dataclass
class Chart:
    """One chart: an accessible SVG plus the table of the data behind it."""

    slug: str
    title: str
    description: str
    svg: str  # safe, server-built SVG markup
    columns: list[str] = field(default_factory=list)
    rows: list[list[Any]] = field(default_factory=list)
    # The key under the chart: each line's name with a small picture of its style.
    legend: list[LegendItem] = field(default_factory=list)


@dataclass
class Line:
    """One series: points are (x, value) with x in days from the window's start."""

    key: str
    label: str
    points: list[tuple[float, float]] = field(default_factory=list)


@dataclass
class ChartData:
    slug: str
    title: str
    unit: str
    y_min: float
    y_max: float
    lines: list[Line]
    integer_scale: bool = False


@dataclass
class Band:
    """A medicine taken from `start` to `end` (inclusive; None: still taking it)."""

    label: str
    start: date
    end: date | None


@dataclass
class SeriesSet:
    period: str
    start: date  # first day drawn (local)
    end: date  # last day drawn (local)
    bucket: str  # "entry", "day", "week" or "month"
    charts: list[ChartData]
    bands: list[Band]

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def x_of(self, day: date) -> float:
        return float((day - self.start).days)

    def date_of(self, x: float) -> date:
        return self.start + timedelta(days=math.floor(x + 1e-9))


def normalise_period(value: str | None) -> str:
    """A known period name (the default for anything else)."""
    return value if value in PERIODS else DEFAULT_PERIOD


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone())


def _bucket_start(day: date, bucket: str) -> date:
    if bucket == "week":
        return day - timedelta(days=day.weekday())
    if bucket == "month":
        return day.replace(day=1)
    return day


def _bucket_width(bucket: str) -> float:
    return {"entry": 1.0, "day": 1.0, "week": 7.0, "month": 30.5}[bucket]


def _window(
    period: str, today: date, since: date | None, first: date | None
) -> tuple[date, date, str]:
    start = (first or today) if period == "all" else today - timedelta(days=PERIOD_DAYS[period] - 1)
    if since is not None and since > start:
        start = since
    start = min(start, today)
    span = (today - start).days + 1
    if period == "week":
        bucket = "entry"
    elif span > MONTHLY_AFTER_DAYS:
        bucket = "month"
    elif span > WEEKLY_AFTER_DAYS:
        bucket = "week"
    else:
        bucket = "day"
    return start, today, bucket


class _Accumulator:
    """Collects values per line and bucket, then gives each line's points (means per bucket)."""

    def __init__(self, series: SeriesSet) -> None:
        self.series = series
        self.zone = timezone.get_current_timezone()
        self.origin = _local_midnight(series.start)
        self.values: dict[str, dict[float, list[float]]] = defaultdict(lambda: defaultdict(list))

    def add(self, key: str, at: datetime, value: float) -> None:
        local = at.astimezone(self.zone)
        bucket = self.series.bucket
        if bucket == "entry":
            x = (local - self.origin).total_seconds() / 86400
        else:
            first = _bucket_start(local.date(), bucket)
            x = self.series.x_of(first) + _bucket_width(bucket) / 2
        self.values[key][x].append(value)

    def points(self, key: str) -> list[tuple[float, float]]:
        buckets = self.values.get(key, {})
        return [(x, sum(v) / len(v)) for x, v in sorted(buckets.items())]


def series_for(
    owner: User,
    *,
    period: str,
    parts: Iterable[str],
    since: date | None = None,
    now: datetime | None = None,
) -> SeriesSet:
    """The owner's chart series for `period`, only of `parts`, and only from `since` on."""
    parts = set(parts)
    period = normalise_period(period)
    today = timezone.localtime(now).date() if now else timezone.localdate()
    kinds = []
    if Part.SYMPTOMS in parts:
        kinds.append(EntryKind.SYMPTOM)
    if Part.MEASUREMENTS in parts:
        kinds.append(EntryKind.MEASUREMENT)
    if Part.MOOD in parts:
        kinds.append(EntryKind.MOOD)
    until = _local_midnight(today + timedelta(days=1))
    lower = None
    if period != "all":
        lower = _local_midnight(today - timedelta(days=PERIOD_DAYS[period] - 1))
    if since is not None:
        since_at = _local_midnight(since)
        lower = since_at if lower is None or since_at > lower else lower
    rows: list[tuple[str, datetime, dict[str, Any]]] = []
    if kinds:
        rows = cast(
            list[tuple[str, datetime, dict[str, Any]]],
            list(
                queries.entries_for(owner, kinds=kinds, since=lower, until=until)
                .order_by("recorded_at", "id")
                .values_list("kind", "recorded_at", "data")
            ),
        )
    first = timezone.localtime(rows[0][1]).date() if rows else None
    start, end, bucket = _window(period, today, since, first)
    series = SeriesSet(period=period, start=start, end=end, bucket=bucket, charts=[], bands=[])
    accumulator = _Accumulator(series)

    symptom_counts: dict[str, int] = defaultdict(int)
    symptom_labels: dict[str, str] = {}
    measurement_labels: dict[str, tuple[str, str, str]] = {}  # key -> (title, unit, type)
    for kind, recorded_at, data in rows:
        if kind == EntryKind.SYMPTOM:
            name = str(data.get("name", "")).strip()
            key = name.casefold()
            if not key:
                continue
            symptom_counts[key] += 1
            symptom_labels[key] = name  # the latest spelling
            accumulator.add(f"symptom:{key}", recorded_at, float(data.get("severity", 0)))
        elif kind == EntryKind.MEASUREMENT:
            type_code = str(data.get("type", ""))
            value = data.get("value")
            if value is None:
                continue
            if type_code == CUSTOM:
                name = str(data.get("name", "")).strip()
                unit = str(data.get("unit", ""))
                key = f"custom:{name.casefold()}:{unit}"
                measurement_labels.setdefault(key, (name, unit, CUSTOM))
                accumulator.add(key, recorded_at, float(value))
                continue
            kind_info = MEASUREMENT_TYPES.get(type_code)
            if kind_info is None:
                continue
            unit = str(data.get("unit") or kind_info.units[0])
            canonical = kind_info.units[0]
            measurement_labels.setdefault(type_code, (str(kind_info.label), canonical, type_code))
            accumulator.add(type_code, recorded_at, to_canonical(type_code, float(value), unit))
            if kind_info.has_second_value and data.get("value_2") is not None:
                accumulator.add(
                    f"{type_code}:2",
                    recorded_at,
                    to_canonical(type_code, float(data["value_2"]), unit),
                )
        elif kind == EntryKind.MOOD:
            for scale in ("mood", "energy"):
                if data.get(scale) is not None:
                    accumulator.add(f"mood:{scale}", recorded_at, float(data[scale]))

    if symptom_counts:
        top = sorted(symptom_counts, key=lambda k: (-symptom_counts[k], k))[:TOP_SYMPTOMS]
        lines = [
            Line(key=key, label=symptom_labels[key], points=accumulator.points(f"symptom:{key}"))
            for key in top
        ]
        series.charts.append(
            ChartData(
                slug="symptoms",
                title=_("Symptom severity"),
                unit=_("severity 0–10"),
                y_min=0,
                y_max=10,
                lines=lines,
                integer_scale=True,
            )
        )
    for key in sorted(measurement_labels, key=_measurement_order):
        title, unit, type_code = measurement_labels[key]
        if type_code == "blood_pressure":
            lines = [
                Line(key="systolic", label=_("Systolic"), points=accumulator.points(key)),
                Line(key="diastolic", label=_("Diastolic"), points=accumulator.points(f"{key}:2")),
            ]
        else:
            lines = [Line(key="value", label=title, points=accumulator.points(key))]
        y_min, y_max = _nice_range([v for line in lines for _x, v in line.points])
        slug = "measurement-" + (type_code if type_code != CUSTOM else _slugify(key))
        series.charts.append(
            ChartData(
                slug=slug,
                title=title,
                unit=unit,
                y_min=y_min,
                y_max=y_max,
                lines=lines,
            )
        )
    mood_lines = [
        Line(key=scale, label=label, points=accumulator.points(f"mood:{scale}"))
        for scale, label in (("mood", _("Mood")), ("energy", _("Energy")))
    ]
    mood_lines = [line for line in mood_lines if line.points]
    if mood_lines:
        series.charts.append(
            ChartData(
                slug="mood",
                title=_("Mood and energy"),
                unit=_("1 (low) to 5 (good)"),
                y_min=1,
                y_max=5,
                lines=mood_lines,
                integer_scale=True,
            )
        )
    if Part.MEDICATIONS in parts:
        series.bands = _bands(owner, start, end)
    return series


def _measurement_order(key: str) -> tuple[int, str]:
    order = list(MEASUREMENT_TYPES)
    return (order.index(key), key) if key in order else (len(order), key)


def _slugify(key: str) -> str:
    # Custom names are the member's: the slug is only used in ids, so keep it to safe characters.
    kept = "".join(c if c.isascii() and c.isalnum() else "-" for c in key.casefold())
    return "-".join(part for part in kept.split("-") if part)[:40] or "custom"


def _bands(owner: User, start: date, end: date) -> list[Band]:
    bands = []
    for medication in queries.medications_for(owner):
        data = queries.data_of(medication)
        if not data.get("started_on"):
            continue
        started = date.fromisoformat(data["started_on"])
        stopped = date.fromisoformat(data["stopped_on"]) if data.get("stopped_on") else None
        if started > end or (stopped is not None and stopped < start):
            continue
        bands.append(Band(label=str(data.get("name", "")), start=started, end=stopped))
    bands.sort(key=lambda band: (band.start, band.label))
    return bands


def _nice_range(values: list[float]) -> tuple[float, float]:
    if not values:
        return 0.0, 1.0
    low, high = min(values), max(values)
    if high - low < 1e-9:
        pad = abs(high) * 0.1 or 1.0
        low, high = low - pad, high + pad
    step = _nice_step((high - low) / 4)
    low = math.floor(low / step) * step
    high = math.ceil(high / step) * step
    if min(values) >= 0 and low < 0:
        low = 0.0
    return low, high


def _nice_step(raw: float) -> float:
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * magnitude:
            return factor * magnitude
    return 10 * magnitude


def trend_of(values: list[float], threshold: float) -> str:
    """ "up", "down" or "steady": the later half's mean against the earlier half's (the middle
    value of an odd count is left out); a change under `threshold` is steady."""
    if len(values) < 2:
        return "steady"
    half = len(values) // 2
    earlier = sum(values[:half]) / half
    later = sum(values[-half:]) / half
    if later - earlier >= threshold:
        return "up"
    if earlier - later >= threshold:
        return "down"
    return "steady"


def format_number(value: float) -> str:
    """A value as members read it: whole numbers plain, others to one decimal place."""
    rounded = round(value, 1)
    if rounded == int(rounded):
        return formats.number_format(int(rounded))
    return formats.number_format(rounded, 1)


def _day_label(day: date, bucket: str) -> str:
    if bucket == "week":
        return _("Week of %(day)s") % {"day": formats.date_format(day, "j M Y")}
    if bucket == "month":
        return formats.date_format(day, "F Y")
    return formats.date_format(day, "D j M Y")


# --- SVG ------------------------------------------------------------------------------------


def _fmt(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _marker(shape: str, x: float, y: float, colour: str) -> str:
    if shape == "circle":
        return f'<circle cx="{_fmt(x)}" cy="{_fmt(y)}" r="3" fill="{colour}"/>'
    if shape == "square":
        return f'<rect x="{_fmt(x - 3)}" y="{_fmt(y - 3)}" width="6" height="6" fill="{colour}"/>'
    if shape == "triangle":
        return (
            f'<path d="M{_fmt(x)} {_fmt(y - 3.5)}L{_fmt(x + 3.5)} {_fmt(y + 3)}'
            f'L{_fmt(x - 3.5)} {_fmt(y + 3)}Z" fill="{colour}"/>'
        )
    if shape == "diamond":
        return (
            f'<path d="M{_fmt(x)} {_fmt(y - 4)}L{_fmt(x + 4)} {_fmt(y)}L{_fmt(x)} {_fmt(y + 4)}'
            f'L{_fmt(x - 4)} {_fmt(y)}Z" fill="{colour}"/>'
        )
    return (
        f'<path d="M{_fmt(x - 3)} {_fmt(y - 3)}L{_fmt(x + 3)} {_fmt(y + 3)}M{_fmt(x + 3)} '
        f'{_fmt(y - 3)}L{_fmt(x - 3)} {_fmt(y + 3)}" stroke="{colour}" stroke-width="2"/>'
    )


def _swatch(index: int) -> str:
    colour, dash, shape = STYLES[index % len(STYLES)]
    dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
    return (
        '<svg class="chart-swatch" viewBox="0 0 32 12" width="32" height="12" aria-hidden="true" '
        f'focusable="false"><path d="M1 6H31" stroke="{colour}" stroke-width="2"{dash_attr}/>'
        f"{_marker(shape, 16, 6, colour)}</svg>"
    )


def _ticks(series: SeriesSet) -> list[tuple[date, str]]:
    start, end = series.start, series.end
    span = series.days
    if span <= 10:
        days = [start + timedelta(days=i) for i in range(span)]
        return [(d, formats.date_format(d, "D j")) for d in days]
    if span <= 62:
        first = start + timedelta(days=(7 - start.weekday()) % 7)
        days = [first + timedelta(days=7 * i) for i in range((end - first).days // 7 + 1)]
        return [(d, formats.date_format(d, "j M")) for d in days]
    months = []
    cursor = date(start.year, start.month, 1)
    while cursor <= end:
        if cursor >= start:
            months.append(cursor)
        cursor = date(cursor.year + cursor.month // 12, cursor.month % 12 + 1, 1)
    if span <= 400:
        return [(d, formats.date_format(d, "M")) for d in months]
    step = 1
    years = [d for d in months if d.month == 1]
    if len(years) < 2:
        quarters = [d for d in months if d.month in (1, 4, 7, 10)]
        return [(d, formats.date_format(d, "M Y")) for d in quarters]
    step = max(1, math.ceil(len(years) / 8))
    return [(d, formats.date_format(d, "Y")) for d in years[::step]]


def _lanes(bands: list[Band], end: date) -> list[int]:
    lane_ends: list[date] = []
    lanes = []
    for band in bands:
        band_end = band.end or end
        for index, lane_end in enumerate(lane_ends):
            if lane_end < band.start:
                lane_ends[index] = band_end
                lanes.append(index)
                break
        else:
            if len(lane_ends) < 3:
                lane_ends.append(band_end)
                lanes.append(len(lane_ends) - 1)
            else:
                lanes.append(len(lanes) % 3)
    return lanes


def _render_svg(chart: ChartData, series: SeriesSet, title_text: str, desc_text: str) -> str:
    uid = f"chart-{chart.slug}"
    lanes = _lanes(series.bands, series.end)
    lane_count = (max(lanes) + 1) if lanes else 0
    top = 8 + lane_count * LANE_HEIGHT
    bottom = top + PLOT_HEIGHT
    height = bottom + AXIS_BELOW
    width_days = max(series.days, 1)

    def px(x: float) -> float:
        return PLOT_LEFT + (PLOT_RIGHT - PLOT_LEFT) * min(max(x / width_days, 0.0), 1.0)

    span = chart.y_max - chart.y_min or 1.0

    def py(value: float) -> float:
        return bottom - (value - chart.y_min) / span * PLOT_HEIGHT

    parts = [
        f'<svg class="chart" role="img" aria-labelledby="{uid}-title {uid}-desc" '
        f'viewBox="0 0 {WIDTH} {height}" width="100%" preserveAspectRatio="xMidYMid meet" '
        'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{uid}-title">{escape(title_text)}</title>',
        f'<desc id="{uid}-desc">{escape(desc_text)}</desc>',
    ]
    # Medicine bands first, so they sit behind the grid and the lines.
    for band, lane in zip(series.bands, lanes, strict=True):
        x1 = px(series.x_of(max(band.start, series.start)))
        x2 = px(series.x_of(min(band.end or series.end, series.end)) + 1)
        width = max(x2 - x1, 2.0)
        lane_y = 6 + lane * LANE_HEIGHT
        parts.append(
            f'<g class="chart-band"><rect x="{_fmt(x1)}" y="{top}" width="{_fmt(width)}" '
            f'height="{PLOT_HEIGHT}" fill="{BAND_COLOUR}" fill-opacity="0.12"/>'
            f'<rect x="{_fmt(x1)}" y="{lane_y}" width="{_fmt(width)}" height="{LANE_HEIGHT - 3}" '
            f'fill="{BAND_COLOUR}" fill-opacity="0.25"/>'
            f'<text x="{_fmt(x1 + 2)}" y="{lane_y + 10}" font-size="11" fill="#1b1b1b">'
            f"{escape(band.label)}</text></g>"
        )
    # Horizontal grid and the value axis.
    steps = _y_steps(chart)
    for value in steps:
        y = py(value)
        parts.append(
            f'<line x1="{PLOT_LEFT}" x2="{PLOT_RIGHT}" y1="{_fmt(y)}" y2="{_fmt(y)}" '
            'stroke="#d0d4d9" stroke-width="1"/>'
            f'<text x="{PLOT_LEFT - 4}" y="{_fmt(y + 3.5)}" font-size="11" text-anchor="end" '
            f'fill="#1b1b1b">{escape(format_number(value))}</text>'
        )
    parts.append(
        f'<line x1="{PLOT_LEFT}" x2="{PLOT_RIGHT}" y1="{bottom}" y2="{bottom}" '
        'stroke="#5b6b7a" stroke-width="1"/>'
    )
    for day, label in _ticks(series):
        x = px(series.x_of(day))
        parts.append(
            f'<line x1="{_fmt(x)}" x2="{_fmt(x)}" y1="{bottom}" y2="{bottom + 4}" '
            'stroke="#5b6b7a"/>'
            f'<text x="{_fmt(x)}" y="{bottom + 15}" font-size="11" text-anchor="middle" '
            f'fill="#1b1b1b">{escape(label)}</text>'
        )
    gap = _bucket_width(series.bucket) * (3 if series.bucket != "entry" else 2)
    for index, line in enumerate(chart.lines):
        colour, dash, shape = STYLES[index % len(STYLES)]
        path = []
        previous = None
        for x, value in line.points:
            command = "M" if previous is None or x - previous > gap else "L"
            path.append(f"{command}{_fmt(px(x))} {_fmt(py(value))}")
            previous = x
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(
            f'<g class="chart-line"><path d="{"".join(path)}" fill="none" stroke="{colour}" '
            f'stroke-width="2" stroke-linejoin="round"{dash_attr}/>'
        )
        every = max(1, math.ceil(len(line.points) / 30))
        for point_index, (x, value) in enumerate(line.points):
            if point_index % every == 0 or point_index == len(line.points) - 1:
                parts.append(_marker(shape, px(x), py(value), colour))
        parts.append("</g>")
    parts.append("</svg>")
    return "".join(parts)


def _y_steps(chart: ChartData) -> list[float]:
    if chart.integer_scale:
        step = 2.0 if chart.y_max - chart.y_min > 5 else 1.0
    else:
        step = _nice_step((chart.y_max - chart.y_min) / 4)
    values = []
    value = chart.y_min
    while value <= chart.y_max + 1e-9:
        values.append(round(value, 6))
        value += step
    return values


def _describe(chart: ChartData, series: SeriesSet) -> str:
    sentences = [
        _("%(title)s (%(unit)s), %(start)s to %(end)s.")
        % {
            "title": chart.title,
            "unit": chart.unit,
            "start": formats.date_format(series.start, "j M Y"),
            "end": formats.date_format(series.end, "j M Y"),
        }
    ]
    threshold = (chart.y_max - chart.y_min) / 10
    for line in chart.lines:
        values = [v for _x, v in line.points]
        if not values:
            continue
        trend = {"up": _("going up"), "down": _("going down"), "steady": _("steady")}[
            trend_of(values, threshold)
        ]
        sentences.append(
            _("%(label)s: from %(low)s to %(high)s, latest %(latest)s (%(day)s), %(trend)s.")
            % {
                "label": line.label,
                "low": format_number(min(values)),
                "high": format_number(max(values)),
                "latest": format_number(values[-1]),
                "day": formats.date_format(series.date_of(line.points[-1][0]), "j M Y"),
                "trend": trend,
            }
        )
    if series.bands:
        names = []
        for band in series.bands:
            start = formats.date_format(band.start, "j M Y")
            if band.end:
                end = formats.date_format(band.end, "j M Y")
                names.append(
                    _("%(name)s from %(start)s to %(end)s")
                    % {"name": band.label, "start": start, "end": end}
                )
            else:
                names.append(_("%(name)s since %(start)s") % {"name": band.label, "start": start})
        sentences.append(_("Shaded bands: %(bands)s.") % {"bands": "; ".join(names)})
    return " ".join(sentences)


def _table(chart: ChartData, series: SeriesSet) -> tuple[list[str], list[list[Any]]]:
    columns = [_("When")] + [line.label for line in chart.lines]
    by_x: dict[float, list[str]] = {}
    for index, line in enumerate(chart.lines):
        for x, value in line.points:
            row = by_x.setdefault(x, [""] * len(chart.lines))
            row[index] = format_number(value)
    rows: list[list[Any]] = []
    start = _local_midnight(series.start)
    for x in sorted(by_x):
        if series.bucket == "entry":
            at = timezone.localtime(start + timedelta(days=x))
            when = formats.date_format(at, "D j M Y, H:i")
        else:
            day = series.date_of(x)
            when = _day_label(_bucket_start(day, series.bucket), series.bucket)
        rows.append([when, *by_x[x]])
    return columns, rows


def render_charts(series: SeriesSet) -> list[Chart]:
    """Accessible SVG charts (and their tables) for a set of series."""
    charts = []
    for chart in series.charts:
        title = _("%(title)s (%(unit)s)") % {"title": chart.title, "unit": chart.unit}
        description = _describe(chart, series)
        columns, rows = _table(chart, series)
        charts.append(
            Chart(
                slug=chart.slug,
                title=title,
                description=description,
                svg=_render_svg(chart, series, title, description),
                columns=columns,
                rows=rows,
                legend=[
                    LegendItem(label=line.label, swatch=_swatch(index))
                    for index, line in enumerate(chart.lines)
                ],
            )
        )
    return charts


def build_charts(
    owner: User, *, period: str, parts: set[str], since: date | None = None
) -> list[Chart]:
    """The owner's charts for `period` (one of PERIODS), only of the journal `parts`
    (models.Part values), and only of entries on or after `since` when given."""
    return render_charts(series_for(owner, period=period, parts=parts, since=since))
