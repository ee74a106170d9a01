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
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from html import escape
from time import monotonic
from typing import Any, cast
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Max
from django.utils import formats, timezone
from django.utils.dates import MONTHS_3
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from carecircle.accounts.models import User
from carecircle.journal import queries
from carecircle.journal.models import EntryKind, Part
from carecircle.journal.payloads import CUSTOM, MEASUREMENT_TYPES, to_canonical
from carecircle.notifications.preferences import member_zone

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

# Geometry of the SVG, in CSS pixels. Its width is the container's: every x is a percentage
# of the plot's width, so text keeps its size on a phone and on a desk (it does not scale with
# the drawing). The value axis' labels sit left of the SVG's box (charts.css leaves room).
PLOT_HEIGHT = 160
LANE_HEIGHT = 20
AXIS_BELOW = 24
FONT_SIZE = 13
# Widths the tick labels and band labels are fitted to: the plot on a 360 px wide phone, and
# the narrowest plot that shows every kept tick label (charts.css hides the "minor" ones below).
NARROW_PLOT = 220
WIDE_PLOT = 480
CHAR_WIDTH = 7.5  # a character of FONT_SIZE text, generously
# Value labels longer than this many characters need the wider left margin.
SHORT_AXIS_CHARS = 4


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
    # `rows` as escaped `<tr>` markup: a long period's table is built once in Python, not in
    # template loops (a year of six charts is about 2,000 rows).
    table_rows: str = ""
    # The key under the chart: each line's name with a small picture of its style.
    legend: list[LegendItem] = field(default_factory=list)
    # The key to the shaded medicine bands: each medicine's full name and dates.
    band_legend: list[LegendItem] = field(default_factory=list)
    # Under the table: what a value stands for when it may be the mean of several entries.
    table_note: str = ""


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
    zone: tzinfo = UTC  # the owner's time zone: days, the period and `since` are theirs

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


def _local_midnight(day: date, zone: tzinfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone)


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


# --- Reading and digesting entries ----------------------------------------------------------
#
# Entries are read once and folded into a digest: per line key ("symptom:<name>", a measurement
# type, "custom:<name>:<unit>", "<type>:2" for blood pressure's second value, "mood:mood",
# "mood:energy") and per slot (the owner's local day; for a week, each entry's own moment) the
# sum and count of the values and the first and last spelling of the name. Notes are never kept.

SUM, COUNT, FIRST_LABEL, LAST_LABEL = range(4)


@dataclass
class _Digest:
    cells: dict[str, dict[Any, list[Any]]] = field(default_factory=dict)
    # Measurement chart keys (not "<type>:2"): the type code (CUSTOM for custom) and unit drawn.
    measurements: dict[str, tuple[str, str]] = field(default_factory=dict)


def _kind_of_key(key: str) -> str:
    if key.startswith("symptom:"):
        return EntryKind.SYMPTOM
    if key.startswith("mood:"):
        return EntryKind.MOOD
    return EntryKind.MEASUREMENT


def _collect(rows: Iterable[tuple[str, datetime, Any]], slot_of: Any) -> _Digest:
    digest = _Digest()
    cells = digest.cells

    def add(key: str, slot: Any, value: float, label: str = "") -> None:
        by_slot = cells.get(key)
        if by_slot is None:
            by_slot = cells[key] = {}
        cell = by_slot.get(slot)
        if cell is None:
            by_slot[slot] = [value, 1, label, label]
        else:
            cell[SUM] += value
            cell[COUNT] += 1
            cell[LAST_LABEL] = label

    for kind, recorded_at, data in rows:
        slot = slot_of(recorded_at)
        if kind == EntryKind.SYMPTOM:
            name = str(data.get("name", "")).strip()
            key = name.casefold()
            if key:
                add(f"symptom:{key}", slot, float(data.get("severity", 0)), name)
        elif kind == EntryKind.MEASUREMENT:
            type_code = str(data.get("type", ""))
            value = data.get("value")
            if value is None:
                continue
            if type_code == CUSTOM:
                name = str(data.get("name", "")).strip()
                unit = str(data.get("unit", ""))
                key = f"custom:{name.casefold()}:{unit}"
                digest.measurements.setdefault(key, (CUSTOM, unit))
                add(key, slot, float(value), name)
                continue
            kind_info = MEASUREMENT_TYPES.get(type_code)
            if kind_info is None:
                continue
            unit = str(data.get("unit") or kind_info.units[0])
            digest.measurements.setdefault(type_code, (type_code, kind_info.units[0]))
            add(type_code, slot, to_canonical(type_code, float(value), unit))
            if kind_info.has_second_value and data.get("value_2") is not None:
                add(f"{type_code}:2", slot, to_canonical(type_code, float(data["value_2"]), unit))
        elif kind == EntryKind.MOOD:
            for scale in ("mood", "energy"):
                if data.get(scale) is not None:
                    add(f"mood:{scale}", slot, float(data[scale]))
    return digest


def _read(
    owner: User, kinds: Iterable[str], since: datetime | None, until: datetime | None = None
) -> Iterator[tuple[str, datetime, Any]]:
    """The entries' (kind, recorded_at, data), oldest first, streamed: each decrypted `data`
    is folded into the digest and dropped, never all of them held at once."""
    # values_list: the encrypted field's from_db_value decrypts each row, with no model objects.
    return cast(
        Iterator[tuple[str, datetime, Any]],
        queries.entries_for(owner, kinds=sorted(kinds), since=since, until=until)
        .order_by("recorded_at", "id")
        .values_list("kind", "recorded_at", "data")
        .iterator(chunk_size=2000),
    )


# --- The per-member cache of daily digests ---------------------------------------------------
#
# Decrypting a long journal is the slow part of a chart (one Fernet token per entry), so each
# process keeps the daily digest of the members who looked at charts last: derived daily sums
# only (never notes or single entries), in this process's memory only (never in the shared
# cache, which is Redis in scale mode), for CACHE_SECONDS at most. It is used only while the
# member's journal stamp (how many entries, and the latest change to any: one indexed query) is
# unchanged, so any write of an entry (added, changed, deleted, imported, a goal check-in) makes
# the next chart read the journal again. A member's account and time zone are part of the key.

CACHE_SECONDS = 300
CACHE_MEMBERS = 16


@dataclass
class _Cached:
    identity: tuple[Any, ...]
    stamp: tuple[Any, ...]
    stored_at: float
    covers_from: date | None  # the first local day read (None: the whole journal)
    kinds: frozenset[str]
    digest: _Digest


_cache: OrderedDict[int, _Cached] = OrderedDict()
_cache_lock = threading.Lock()


def _cache_size() -> int:
    return int(getattr(settings, "CARECIRCLE_JOURNAL_CHART_CACHE_MEMBERS", CACHE_MEMBERS))


def forget_member(member_id: int) -> None:
    """Drop a member's cached chart digest from this process (e.g. when their account goes)."""
    with _cache_lock:
        _cache.pop(member_id, None)


def clear_cache() -> None:
    """Drop every cached chart digest of this process."""
    with _cache_lock:
        _cache.clear()


def _journal_stamp(owner: User) -> tuple[Any, ...]:
    found = queries.entries_for(owner).aggregate(count=Count("pk"), last=Max("updated_at"))
    return found["count"], found["last"]


def _covers(cached: _Cached, first_day: date | None, kinds: frozenset[str]) -> bool:
    if not kinds <= cached.kinds:
        return False
    return cached.covers_from is None or (first_day is not None and cached.covers_from <= first_day)


def _day_digest(
    owner: User, zone: ZoneInfo, first_day: date | None, kinds: frozenset[str]
) -> _Digest:
    """The owner's entries of `kinds` from local day `first_day` on (None: all), by local day."""
    size = _cache_size()
    if size <= 0:
        return _collect(
            _read(owner, kinds, _local_midnight(first_day, zone) if first_day else None),
            lambda at: at.astimezone(zone).date(),
        )
    # The stamp is read before the entries: a write landing in between leaves a digest newer
    # than its stamp, which the next request replaces; never an older digest under a new stamp.
    stamp = _journal_stamp(owner)
    identity = (owner.pk, owner.date_joined, zone.key)
    now = monotonic()
    with _cache_lock:
        for member_id in [k for k, c in _cache.items() if now - c.stored_at > CACHE_SECONDS]:
            del _cache[member_id]
        cached = _cache.get(owner.pk)
        if cached is not None and (cached.identity != identity or cached.stamp != stamp):
            del _cache[owner.pk]
            cached = None
        if cached is not None and _covers(cached, first_day, kinds):
            _cache.move_to_end(owner.pk)
            return cached.digest
    if cached is not None:
        # The same journal, read over a shorter span or fewer kinds: read the union once.
        if cached.covers_from is None or first_day is None:
            first_day = None
        else:
            first_day = min(first_day, cached.covers_from)
        kinds = kinds | cached.kinds
    digest = _collect(
        _read(owner, kinds, _local_midnight(first_day, zone) if first_day else None),
        lambda at: at.astimezone(zone).date(),
    )
    with _cache_lock:
        _cache[owner.pk] = _Cached(identity, stamp, monotonic(), first_day, kinds, digest)
        _cache.move_to_end(owner.pk)
        while len(_cache) > size:
            _cache.popitem(last=False)
    return digest


def series_for(
    owner: User,
    *,
    period: str,
    parts: Iterable[str],
    since: date | None = None,
    now: datetime | None = None,
) -> SeriesSet:
    """The owner's chart series for `period`, only of `parts`, and only from `since` on.

    Days, the period and `since` are in the owner's time zone (`member_zone`), whoever reads.
    """
    parts = set(parts)
    period = normalise_period(period)
    # The owner's days, whoever reads: a reader in another zone sees the days they shared.
    zone = member_zone(owner)
    today = (now or timezone.now()).astimezone(zone).date()
    kinds: set[str] = set()
    if Part.SYMPTOMS in parts:
        kinds.add(EntryKind.SYMPTOM)
    if Part.MEASUREMENTS in parts:
        kinds.add(EntryKind.MEASUREMENT)
    if Part.MOOD in parts:
        kinds.add(EntryKind.MOOD)
    first_day = None if period == "all" else today - timedelta(days=PERIOD_DAYS[period] - 1)
    if since is not None and (first_day is None or since > first_day):
        first_day = since

    digest = _Digest()
    if period == "week":
        start, end, bucket = _window(period, today, since, None)
        origin = _local_midnight(start, zone)
        if kinds:
            rows = _read(
                owner,
                kinds,
                _local_midnight(first_day or start, zone),
                _local_midnight(today + timedelta(days=1), zone),
            )
            digest = _collect(rows, lambda at: (at - origin).total_seconds() / 86400)
        low = None  # the query already kept only the window's entries

        def x_of_slot(slot: Any) -> float:
            return float(slot)

    else:
        if kinds:
            digest = _day_digest(owner, zone, first_day, frozenset(kinds))
        low = first_day or date.min
        first = None
        if period == "all":
            days = [
                min((d for d in by_slot if low <= d <= today), default=None)
                for key, by_slot in digest.cells.items()
                if _kind_of_key(key) in kinds
            ]
            first = min((d for d in days if d is not None), default=None)
        start, end, bucket = _window(period, today, since, first)
        half = _bucket_width(bucket) / 2
        xs: dict[date, float] = {}

        def x_of_slot(slot: Any) -> float:
            x = xs.get(slot)
            if x is None:
                x = xs[slot] = float((_bucket_start(slot, bucket) - start).days) + half
            return x

    series = SeriesSet(
        period=period, start=start, end=end, bucket=bucket, charts=[], bands=[], zone=zone
    )

    def cells_of(key: str) -> list[tuple[Any, list[Any]]]:
        cells = digest.cells.get(key, {}).items()
        if low is None:
            return sorted(cells)
        return sorted((s, c) for s, c in cells if low <= s <= today)

    def points(cells: list[tuple[Any, list[Any]]]) -> list[tuple[float, float]]:
        buckets: dict[float, list[float]] = {}
        for slot, cell in cells:
            x = x_of_slot(slot)
            found = buckets.get(x)
            if found is None:
                buckets[x] = [cell[SUM], cell[COUNT]]
            else:
                found[0] += cell[SUM]
                found[1] += cell[COUNT]
        return [(x, total / count) for x, (total, count) in sorted(buckets.items())]

    windowed = {
        key: cells
        for key in digest.cells
        if _kind_of_key(key) in kinds and (cells := cells_of(key))
    }
    symptoms = {key: cells for key, cells in windowed.items() if key.startswith("symptom:")}
    if symptoms:
        counts = {key: sum(cell[COUNT] for _s, cell in cells) for key, cells in symptoms.items()}
        top = sorted(counts, key=lambda k: (-counts[k], k.removeprefix("symptom:")))
        lines = [
            Line(
                key=key.removeprefix("symptom:"),
                label=symptoms[key][-1][1][LAST_LABEL],  # the latest spelling
                points=points(symptoms[key]),
            )
            for key in top[:TOP_SYMPTOMS]
        ]
        series.charts.append(
            ChartData(
                slug="symptoms",
                title=_("Symptoms"),
                unit=_("0 = none, 10 = worst"),
                y_min=0,
                y_max=10,
                lines=lines,
                integer_scale=True,
            )
        )
    measured = [key for key in windowed if key in digest.measurements]
    for key in sorted(measured, key=_measurement_order):
        type_code, unit = digest.measurements[key]
        if type_code == CUSTOM:
            title = windowed[key][0][1][FIRST_LABEL]  # the first spelling
        else:
            title = str(MEASUREMENT_TYPES[type_code].label)
        if type_code == "blood_pressure":
            lines = [
                Line(key="systolic", label=_("Systolic"), points=points(windowed[key])),
                Line(
                    key="diastolic",
                    label=_("Diastolic"),
                    points=points(windowed.get(f"{key}:2", [])),
                ),
            ]
        else:
            lines = [Line(key="value", label=title, points=points(windowed[key]))]
        y_min, y_max = _nice_range([v for line in lines for _x, v in line.points])
        slug = "measurement-" + (type_code if type_code != CUSTOM else _slugify(key))
        series.charts.append(
            ChartData(slug=slug, title=title, unit=unit, y_min=y_min, y_max=y_max, lines=lines)
        )
    mood_lines = [
        Line(key=scale, label=label, points=points(windowed.get(f"mood:{scale}", [])))
        for scale, label in (("mood", _("Mood")), ("energy", _("Energy")))
    ]
    mood_lines = [line for line in mood_lines if line.points]
    if mood_lines:
        series.charts.append(
            ChartData(
                slug="mood",
                title=_("Mood and energy"),
                unit=_("1 = low, 5 = good"),
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


def _number_formatter() -> Any:
    """`format_number` for many values at once: the locale's separators are looked up once.

    Values under 1,000 need no grouping, so they are formatted here; others go the long way.
    """
    separator = str(formats.get_format("DECIMAL_SEPARATOR"))

    def number(value: float) -> str:
        rounded = round(value, 1)
        if abs(rounded) >= 1000:
            return format_number(value)
        if rounded == int(rounded):
            return str(int(rounded))
        return f"{rounded:.1f}".replace(".", separator)

    return number


def format_number(value: float) -> str:
    """A value as members read it: whole numbers plain, others to one decimal place."""
    rounded = round(value, 1)
    if rounded == int(rounded):
        return formats.number_format(int(rounded))
    return formats.number_format(rounded, 1)


def _day_labeller() -> Any:
    """`_day_label` for many days at once: what `formats.date_format(day, "j M Y")` gives,
    with the month names translated once rather than for every day."""
    months = {number: str(MONTHS_3[number]).title() for number in range(1, 13)}

    def label(day: date) -> str:
        return f"{day.day} {months[day.month]} {day.year:04d}"

    return label


def _day_label(day: date, bucket: str) -> str:
    """A table's short name of a day, or of the week or month starting on `day`."""
    if bucket == "week":
        return _("Week of %(day)s") % {"day": formats.date_format(day, "j M Y")}
    if bucket == "month":
        return formats.date_format(day, "F Y")
    return formats.date_format(day, "j M Y")


# --- SVG ------------------------------------------------------------------------------------


def _fmt(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _pct(fraction: float) -> str:
    return f"{min(max(fraction, 0.0), 1.0) * 100:.2f}".rstrip("0").rstrip(".") + "%"


def _marker(shape: str, x: float, y: float, colour: str) -> str:
    if shape == "circle":
        return f'<circle cx="{_fmt(x)}" cy="{_fmt(y)}" r="3.5" fill="{colour}"/>'
    if shape == "square":
        return f'<rect x="{_fmt(x - 3)}" y="{_fmt(y - 3)}" width="6" height="6" fill="{colour}"/>'
    if shape == "triangle":
        return (
            f'<path d="M{_fmt(x)} {_fmt(y - 4)}L{_fmt(x + 4)} {_fmt(y + 3)}'
            f'L{_fmt(x - 4)} {_fmt(y + 3)}Z" fill="{colour}"/>'
        )
    if shape == "diamond":
        return (
            f'<path d="M{_fmt(x)} {_fmt(y - 4.5)}L{_fmt(x + 4.5)} {_fmt(y)}L{_fmt(x)} '
            f'{_fmt(y + 4.5)}L{_fmt(x - 4.5)} {_fmt(y)}Z" fill="{colour}"/>'
        )
    return (
        f'<path d="M{_fmt(x - 3.5)} {_fmt(y - 3.5)}L{_fmt(x + 3.5)} {_fmt(y + 3.5)}'
        f'M{_fmt(x + 3.5)} {_fmt(y - 3.5)}L{_fmt(x - 3.5)} {_fmt(y + 3.5)}" '
        f'stroke="{colour}" stroke-width="2"/>'
    )


def _swatch(index: int) -> str:
    colour, dash, shape = STYLES[index % len(STYLES)]
    dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
    return (
        '<svg class="chart-swatch" viewBox="0 0 32 12" width="32" height="12" aria-hidden="true" '
        f'focusable="false"><path d="M1 6H31" stroke="{colour}" stroke-width="2"{dash_attr}/>'
        f"{_marker(shape, 16, 6, colour)}</svg>"
    )


BAND_SWATCH = (
    '<svg class="chart-swatch" viewBox="0 0 32 12" width="32" height="12" aria-hidden="true" '
    f'focusable="false"><rect width="32" height="12" fill="{BAND_COLOUR}" fill-opacity="0.3"/>'
    "</svg>"
)


def _ticks(series: SeriesSet) -> list[tuple[date, str]]:
    """The time axis' ticks; a label may have two lines ("\\n")."""
    start, end = series.start, series.end
    span = series.days
    if span <= 10:
        days = [start + timedelta(days=i) for i in range(span)]
        return [(d, formats.date_format(d, "D") + "\n" + formats.date_format(d, "j")) for d in days]
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
    years = [d for d in months if d.month == 1]
    if len(years) < 2:
        quarters = [d for d in months if d.month in (1, 4, 7, 10)]
        return [(d, formats.date_format(d, "M Y")) for d in quarters]
    return [(d, formats.date_format(d, "Y")) for d in years]


def _fitted_ticks(ticks: list[tuple[date, str]]) -> list[tuple[date, str, bool]]:
    """The ticks whose labels fit a wide plot, each marked minor when a phone's plot has no
    room for it (charts.css hides minor labels on narrow screens)."""
    if not ticks:
        return []
    widest = max(len(part) for _day, label in ticks for part in label.split("\n"))
    room = (widest + 1.5) * CHAR_WIDTH
    wide_step = max(1, math.ceil(len(ticks) * room / WIDE_PLOT))
    kept = ticks[::wide_step]
    narrow_step = max(1, math.ceil(len(kept) * room / NARROW_PLOT))
    return [(day, label, index % narrow_step != 0) for index, (day, label) in enumerate(kept)]


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


def short_name(name: str) -> str:
    """A medicine's name without what follows its first bracket or comma ("Vitamin B12
    (cyanocobalamin)" is "Vitamin B12"): the full name is in the chart's key."""
    for mark in (" (", ",", " ["):
        name = name.split(mark, 1)[0]
    return name.strip() or name


def _band_labels(series: SeriesSet) -> list[str]:
    """The text drawn in each band's lane on a phone: its short name when that fits the plot,
    otherwise its number in the key."""
    labels = []
    for index, band in enumerate(series.bands):
        name = short_name(band.label)
        fits = (len(name) + 1) * CHAR_WIDTH <= _band_fraction(band, series) * NARROW_PLOT
        labels.append(name if fits else str(index + 1))
    return labels


def _band_fraction(band: Band, series: SeriesSet) -> float:
    first = max(band.start, series.start)
    last = min(band.end or series.end, series.end)
    return ((last - first).days + 1) / max(series.days, 1)


def _band_label_markup(band: Band, series: SeriesSet, label: str) -> str:
    """A band's label: a numbered band whose short name fits a wider plot shows the name there
    and the number on a phone (charts.css picks one)."""
    y = LANE_HEIGHT - 6
    name = short_name(band.label)
    wide_fits = (len(name) + 1) * CHAR_WIDTH <= _band_fraction(band, series) * WIDE_PLOT
    if label == name or not wide_fits:
        return f'<text x="3" y="{y}" fill="#1b1b1b">{escape(label)}</text>'
    return (
        f'<text class="chart-band-number" x="3" y="{y}" fill="#1b1b1b">{escape(label)}</text>'
        f'<text class="chart-band-name" x="3" y="{y}" fill="#1b1b1b">{escape(name)}</text>'
    )


def _band_text(band: Band) -> str:
    start = formats.date_format(band.start, "j M Y")
    if band.end:
        end = formats.date_format(band.end, "j M Y")
        return _("%(name)s from %(start)s to %(end)s") % {
            "name": band.label,
            "start": start,
            "end": end,
        }
    return _("%(name)s since %(start)s") % {"name": band.label, "start": start}


def _render_svg(
    chart: ChartData, series: SeriesSet, title_text: str, desc_text: str, band_labels: list[str]
) -> str:
    uid = f"chart-{chart.slug}"
    lanes = _lanes(series.bands, series.end)
    lane_count = (max(lanes) + 1) if lanes else 0
    top = 4 + lane_count * LANE_HEIGHT + (4 if lane_count else 0)
    bottom = top + PLOT_HEIGHT
    ticks = _fitted_ticks(_ticks(series))
    two_lines = any("\n" in label for _day, label, _minor in ticks)
    height = bottom + AXIS_BELOW + (FONT_SIZE + 2 if two_lines else 0)
    width_days = max(series.days, 1)

    def fx(x: float) -> float:
        return min(max(x / width_days, 0.0), 1.0)

    span = chart.y_max - chart.y_min or 1.0

    def py(value: float) -> float:
        return PLOT_HEIGHT - (value - chart.y_min) / span * PLOT_HEIGHT

    steps = _y_steps(chart)
    step_labels = [format_number(value) for value in steps]
    wide_axis = max((len(label) for label in step_labels), default=0) > SHORT_AXIS_CHARS
    classes = "chart chart-axis-wide" if wide_axis else "chart"
    parts = [
        f'<svg class="{classes}" role="img" aria-labelledby="{uid}-title {uid}-desc" '
        f'width="100%" height="{height}" overflow="visible" font-size="{FONT_SIZE}" '
        'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{uid}-title">{escape(title_text)}</title>',
        f'<desc id="{uid}-desc">{escape(desc_text)}</desc>',
        "<defs>",
    ]
    for index, _line in enumerate(chart.lines):
        colour, _dash, shape = STYLES[index % len(STYLES)]
        parts.append(f'<g id="{uid}-m{index}">{_marker(shape, 0, 0, colour)}</g>')
    parts.append("</defs>")
    # Medicine bands first, so they sit behind the grid and the lines.
    for band, lane, label in zip(series.bands, lanes, band_labels, strict=True):
        x1 = fx(series.x_of(max(band.start, series.start)))
        x2 = fx(series.x_of(min(band.end or series.end, series.end)) + 1)
        width = _pct(max(x2 - x1, 0.005))
        lane_y = 4 + lane * LANE_HEIGHT
        parts.append(
            f'<g class="chart-band"><rect x="{_pct(x1)}" y="{top}" width="{width}" '
            f'height="{PLOT_HEIGHT}" fill="{BAND_COLOUR}" fill-opacity="0.12"/>'
            f'<svg x="{_pct(x1)}" y="{lane_y}" width="{width}" height="{LANE_HEIGHT - 2}">'
            f'<rect width="100%" height="100%" fill="{BAND_COLOUR}" fill-opacity="0.25"/>'
            f"{_band_label_markup(band, series, label)}</svg></g>"
        )
    # Horizontal grid and the value axis (its labels left of the box, see charts.css).
    for value, label in zip(steps, step_labels, strict=True):
        y = top + py(value)
        parts.append(
            f'<line x1="0" x2="100%" y1="{_fmt(y)}" y2="{_fmt(y)}" stroke="#d0d4d9"/>'
            f'<text x="-6" y="{_fmt(y + 4.5)}" text-anchor="end" fill="#1b1b1b">'
            f"{escape(label)}</text>"
        )
    parts.append(f'<line x1="0" x2="100%" y1="{bottom}" y2="{bottom}" stroke="#5b6b7a"/>')
    for day, label, minor in ticks:
        tick_x = _pct(fx(series.x_of(day)))
        lines = label.split("\n")
        text = escape(lines[0]) + "".join(
            f'<tspan x="{tick_x}" dy="{FONT_SIZE + 2}">{escape(more)}</tspan>' for more in lines[1:]
        )
        minor_class = ' class="chart-tick-minor"' if minor else ""
        parts.append(
            f'<line x1="{tick_x}" x2="{tick_x}" y1="{bottom}" y2="{bottom + 4}" stroke="#5b6b7a"/>'
            f'<text{minor_class} x="{tick_x}" y="{bottom + 18}" text-anchor="middle" '
            f'fill="#1b1b1b">{text}</text>'
        )
    gap = _bucket_width(series.bucket) * (3 if series.bucket != "entry" else 2)
    # The lines are drawn in a stretched 1000-wide box (strokes keep their width); their
    # markers are placed by percentage, so they stay round.
    parts.append(
        f'<svg x="0" y="{top}" width="100%" height="{PLOT_HEIGHT}" overflow="visible" '
        f'viewBox="0 0 1000 {PLOT_HEIGHT}" preserveAspectRatio="none">'
    )
    for index, line in enumerate(chart.lines):
        colour, dash, _shape = STYLES[index % len(STYLES)]
        path = []
        previous = None
        for x, value in line.points:
            command = "M" if previous is None or x - previous > gap else "L"
            path.append(f"{command}{_fmt(fx(x) * 1000)} {_fmt(py(value))}")
            previous = x
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(
            f'<path class="chart-line" d="{"".join(path)}" fill="none" stroke="{colour}" '
            f'stroke-width="2" stroke-linejoin="round" vector-effect="non-scaling-stroke"'
            f"{dash_attr}/>"
        )
    parts.append("</svg>")
    for index, line in enumerate(chart.lines):
        every = max(1, math.ceil(len(line.points) / 30))
        for point_index, (x, value) in enumerate(line.points):
            if point_index % every == 0 or point_index == len(line.points) - 1:
                parts.append(
                    f'<use href="#{uid}-m{index}" x="{_pct(fx(x))}" y="{_fmt(top + py(value))}"/>'
                )
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


def _trend_words(chart: ChartData) -> dict[str, str]:
    """How a line's trend reads: for symptoms higher is worse, for mood and energy higher is
    better (the summary's words); a measurement only goes up or down."""
    if chart.slug == "symptoms":
        return {"up": _("getting worse"), "down": _("getting better"), "steady": _("steady")}
    if chart.slug == "mood":
        return {"up": _("getting better"), "down": _("getting worse"), "steady": _("steady")}
    return {"up": _("going up"), "down": _("going down"), "steady": _("steady")}


def _averaged_note(bucket: str) -> str:
    """What one point of a chart stands for, when it may be several entries' mean."""
    return {
        "day": _("Values are daily averages when there was more than one entry in a day."),
        "week": _("Values are weekly averages."),
        "month": _("Values are monthly averages."),
    }.get(bucket, "")


def _describe(chart: ChartData, series: SeriesSet, title: str) -> str:
    sentences = [
        _("%(title)s, %(start)s to %(end)s.")
        % {
            "title": title,
            "start": formats.date_format(series.start, "j M Y"),
            "end": formats.date_format(series.end, "j M Y"),
        }
    ]
    if note := _averaged_note(series.bucket):
        sentences.append(note)
    threshold = (chart.y_max - chart.y_min) / 10
    words = _trend_words(chart)
    for line in chart.lines:
        values = [v for _x, v in line.points]
        if not values:
            continue
        day = formats.date_format(series.date_of(line.points[-1][0]), "j M Y")
        if len(values) == 1:
            sentences.append(
                _("%(label)s: %(value)s (%(day)s).")
                % {"label": line.label, "value": format_number(values[0]), "day": day}
            )
            continue
        low, high = format_number(min(values)), format_number(max(values))
        if low == high:
            sentences.append(
                _("%(label)s: %(value)s each time, latest %(day)s.")
                % {"label": line.label, "value": low, "day": day}
            )
            continue
        sentences.append(
            _("%(label)s: between %(low)s and %(high)s, latest %(latest)s (%(day)s), %(trend)s.")
            % {
                "label": line.label,
                "low": low,
                "high": high,
                "latest": format_number(values[-1]),
                "day": day,
                "trend": words[trend_of(values, threshold)],
            }
        )
    if series.bands:
        names = [_band_text(band) for band in series.bands]
        sentences.append(_("Shaded bands: %(bands)s.") % {"bands": "; ".join(names)})
    return " ".join(sentences)


NO_ENTRY_CELL = '<td><span aria-hidden="true">–</span><span class="visually-hidden">{}</span></td>'


def _table(
    chart: ChartData, series: SeriesSet, number: Any, when: Any
) -> tuple[list[str], list[list[Any]], str]:
    """The chart's data as columns and rows, and the rows as ready, escaped `<tr>` markup.

    One row per drawn point (a bucket's mean, not each entry). `number` formats a value and
    `when` names a point's x (see `render_charts`). An empty cell shows a dash that screen
    readers skip, and says "no entry" to them instead.
    """
    columns = [_("When")] + [line.label for line in chart.lines]
    by_x: dict[float, list[str]] = {}
    for index, line in enumerate(chart.lines):
        for x, value in line.points:
            row = by_x.get(x)
            if row is None:
                row = by_x[x] = [""] * len(chart.lines)
            row[index] = number(value)
    rows: list[list[Any]] = []
    markup: list[str] = []
    empty = NO_ENTRY_CELL.format(escape(_("no entry")))
    for x in sorted(by_x):
        label = when(x)
        cells = by_x[x]
        rows.append([label, *cells])
        markup.append(
            f'<tr><th scope="row">{escape(label)}</th>'
            + "".join(f"<td>{escape(cell)}</td>" if cell else empty for cell in cells)
            + "</tr>\n"
        )
    return columns, rows, "".join(markup)


def _when_namer(series: SeriesSet) -> Any:
    """Names each x of `series` as its table shows it, remembering the names already given."""
    names: dict[float, str] = {}
    day_label = _day_labeller()
    origin = _local_midnight(series.start, series.zone).astimezone(UTC)

    def name(x: float) -> str:
        found = names.get(x)
        if found is not None:
            return found
        if series.bucket == "entry":
            at = (origin + timedelta(days=x)).astimezone(series.zone)
            found = formats.date_format(at, "j M Y, H:i")
        elif series.bucket == "day":
            found = day_label(series.date_of(x))
        else:
            found = _day_label(_bucket_start(series.date_of(x), series.bucket), series.bucket)
        names[x] = found
        return found

    return name


def render_charts(series: SeriesSet) -> list[Chart]:
    """Accessible SVG charts (and their tables) for a set of series."""
    charts = []
    number = _number_formatter()
    when = _when_namer(series)
    band_labels = _band_labels(series)
    band_legend = [
        LegendItem(
            label=_band_text(band) if label != str(index + 1) else f"{label}: {_band_text(band)}",
            swatch=BAND_SWATCH,
        )
        for index, (band, label) in enumerate(zip(series.bands, band_labels, strict=True))
    ]
    note = _averaged_note(series.bucket)
    for chart in series.charts:
        title = _("%(title)s (%(unit)s)") % {"title": chart.title, "unit": chart.unit}
        description = _describe(chart, series, title)
        columns, rows, table_rows = _table(chart, series, number, when)
        charts.append(
            Chart(
                slug=chart.slug,
                title=title,
                description=description,
                svg=_render_svg(chart, series, title, description, band_labels),
                columns=columns,
                rows=rows,
                table_rows=mark_safe(table_rows),  # noqa: S308 - every text escaped in _table
                legend=[
                    LegendItem(label=line.label, swatch=_swatch(index))
                    for index, line in enumerate(chart.lines)
                ],
                band_legend=band_legend,
                table_note=note,
            )
        )
    return charts


def build_charts(
    owner: User, *, period: str, parts: set[str], since: date | None = None
) -> list[Chart]:
    """The owner's charts for `period` (one of PERIODS), only of the journal `parts`
    (models.Part values), and only of entries on or after `since` when given."""
    return render_charts(series_for(owner, period=period, parts=parts, since=since))
