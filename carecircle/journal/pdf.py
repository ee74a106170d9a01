"""The clinician summary as a PDF, with fpdf2 (pure Python, no system libraries).

Text is set in Noto Sans, shipped inside the `fontpkg-noto-sans` package (Latin, Greek,
Cyrillic and Vietnamese), so members' words in those scripts print as written. A character the
font lacks (Chinese, emoji, ...) is printed as its closest plain form or "?", never dropped
silently. Should the font package be missing, the PDF falls back to the built-in Helvetica,
with text reduced to Latin-1 the same way.

fpdf2 and its font tools take a few seconds to import: they are imported on the first PDF.
"""

from __future__ import annotations

import importlib.metadata
import logging
import os
import tempfile
import unicodedata
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from django.conf import settings
from django.utils import formats, timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from carecircle.journal.summary import (
    MedicationLine,
    Summary,
    measurement_row,
    mood_sentence,
    trend_label,
)

if TYPE_CHECKING:
    from fpdf import FPDF

logger = logging.getLogger(__name__)
# fontTools logs every subsetting step at INFO.
logging.getLogger("fontTools").setLevel(logging.WARNING)

FONT_FAMILY = "noto"
HEADING_FILL = (228, 233, 240)


@cache
def _font_path() -> Path | None:
    """A static (regular weight) copy of the packaged variable Noto Sans, made once.

    fpdf2 embeds a variable font with all its variation data and subsets it on every PDF;
    the default instance's outlines alone are half the size and quicker to subset.
    """
    try:
        import fontpkg_noto_sans
    except ImportError:
        return None
    source = Path(fontpkg_noto_sans.ROOT) / "files" / "NotoSans[wdth,wght].ttf"
    if not source.exists():
        return None
    version = importlib.metadata.version("fontpkg-noto-sans")
    static = Path(tempfile.gettempdir()) / f"carecircle-notosans-regular-{version}.ttf"
    if static.exists():
        return static
    try:
        from fontTools.ttLib import TTFont

        font = TTFont(str(source))
        for tag in ("fvar", "gvar", "HVAR", "MVAR", "STAT", "avar", "cvar"):
            if tag in font:
                del font[tag]
        partial = static.with_suffix(f".{os.getpid()}.part")
        font.save(str(partial))
        os.replace(partial, static)
    except OSError:
        logger.warning("Could not write a static copy of the PDF font; using the variable one.")
        return source
    return static


def _plain(text: str, has_char: Any) -> str:
    """`text` with every character the font cannot draw replaced by a plain form or "?"."""
    out = []
    for char in text:
        if char in "\n\t" or has_char(char):
            out.append(char)
            continue
        decomposed = unicodedata.normalize("NFKD", char)
        kept = "".join(c for c in decomposed if has_char(c) and not unicodedata.combining(c))
        out.append(kept or "?")
    return "".join(out)


class _Writer:
    """Lays the summary out on A4 pages."""

    def __init__(self, title: str, *, author: str, subject: str) -> None:
        from fpdf import FPDF, ViewerPreferences

        self.pdf: FPDF = FPDF(format="A4")
        # What a reader or screen reader announces: the title (shown instead of the file
        # name), the language of the text, who it is about, and an outline of the headings.
        self.pdf.set_title(title)
        self.pdf.set_lang(get_language() or settings.LANGUAGE_CODE)
        self.pdf.set_creator("CareCircle")
        self.pdf.viewer_preferences = ViewerPreferences(display_doc_title=True)
        self.pdf.page_mode = "USE_OUTLINES"
        self.pdf.set_auto_page_break(auto=True, margin=15)
        self.pdf.set_margins(15, 15, 15)
        path = _font_path()
        if path is not None:
            self.pdf.add_font(FONT_FAMILY, "", str(path))
            cmap = cast(Any, self.pdf.fonts[FONT_FAMILY]).cmap
            self.family = FONT_FAMILY
            self.has_char = lambda char: ord(char) in cmap
        else:
            self.family = "helvetica"
            self.has_char = lambda char: ord(char) < 256
        self.pdf.set_author(author)
        self.pdf.set_subject(subject)
        self.pdf.add_page()

    def text(self, value: Any) -> str:
        return _plain(str(value), self.has_char)

    def heading(self, value: str, size: float = 14, level: int = 1) -> None:
        """A heading, also an entry (at `level`, 0 for the title) of the PDF's outline."""
        # Keep a heading with at least a few lines of what follows it.
        if self.pdf.get_y() > self.pdf.h - 45:
            self.pdf.add_page()
        self.pdf.ln(3)
        self.pdf.start_section(value, level=level)
        self.pdf.set_font(self.family, size=size)
        self.pdf.set_text_color(23, 74, 109)
        self.pdf.multi_cell(0, size * 0.5, self.text(value), new_x="LMARGIN", new_y="NEXT")
        self.pdf.set_text_color(0, 0, 0)
        self.pdf.ln(1)

    def paragraph(self, value: str, size: float = 10) -> None:
        self.pdf.set_font(self.family, size=size)
        self.pdf.multi_cell(0, size * 0.5, self.text(value), new_x="LMARGIN", new_y="NEXT")

    def table(self, columns: list[str], rows: list[list[str]], widths: tuple[int, ...]) -> None:
        from fpdf.fonts import FontFace

        self.pdf.set_font(self.family, size=9)
        with self.pdf.table(
            col_widths=widths,
            text_align="LEFT",
            line_height=5,
            padding=1,
            headings_style=FontFace(emphasis="", fill_color=HEADING_FILL),
        ) as table:
            heading = table.row()
            for column in columns:
                heading.cell(self.text(column))
            for values in rows:
                row = table.row()
                for value in values:
                    row.cell(self.text(value))
        self.pdf.ln(2)

    def output(self) -> bytes:
        return bytes(self.pdf.output())


def _day(value: date | None) -> str:
    return formats.date_format(value, "j M Y") if value else ""


def _when(value: datetime | None) -> str:
    return formats.date_format(timezone.localtime(value), "j M Y, H:i") if value else ""


def _dose(line: MedicationLine) -> str:
    return " ".join(part for part in (line.dose, line.unit) if part)


def summary_pdf(summary: Summary, *, member_name: str) -> bytes:
    """The summary as PDF bytes."""
    title = _("Health summary")
    about = _(
        "%(name)s, %(start)s to %(end)s. Written by the member in their CareCircle journal."
    ) % {
        "name": member_name,
        "start": _day(summary.start),
        "end": _day(summary.end),
    }
    writer = _Writer(title, author=member_name, subject=about)
    writer.heading(title, size=18, level=0)
    writer.paragraph(about)
    writer.paragraph(_("Made on %(day)s.") % {"day": _day(timezone.localdate())}, size=8)

    writer.heading(_("Current medicines and treatments"))
    if summary.current_medications:
        writer.table(
            [_("Medicine"), _("Dose"), _("How often"), _("For"), _("Since"), _("Effect")],
            [
                [m.name, _dose(m), m.frequency, m.reason, _day(m.started_on), m.effectiveness]
                for m in summary.current_medications
            ],
            (40, 22, 30, 38, 25, 25),
        )
        effects = [m for m in summary.current_medications if m.side_effects]
        for medication in effects:
            writer.paragraph(
                _("Side effects of %(name)s: %(effects)s")
                % {"name": medication.name, "effects": ", ".join(medication.side_effects)},
                size=9,
            )
    else:
        writer.paragraph(_("None recorded."))
    if summary.started_medications:
        writer.heading(_("Started in this period"), size=12, level=2)
        writer.table(
            [_("Medicine"), _("Dose"), _("Started")],
            [[m.name, _dose(m), _day(m.started_on)] for m in summary.started_medications],
            (80, 50, 50),
        )
    if summary.stopped_medications:
        writer.heading(_("Stopped in this period"), size=12, level=2)
        writer.table(
            [_("Medicine"), _("Stopped"), _("Why")],
            [[m.name, _day(m.stopped_on), m.stop_reason] for m in summary.stopped_medications],
            (60, 35, 85),
        )

    writer.heading(_("Symptoms"))
    if summary.symptoms:
        writer.table(
            [_("Symptom"), _("Times"), _("Average (0–10)"), _("Latest"), _("Trend")],
            [
                [
                    s.name,
                    str(s.count),
                    s.average_text,
                    s.latest_text,
                    trend_label(s.trend),
                ]
                for s in summary.symptoms
            ],
            (50, 18, 30, 52, 30),
        )
    else:
        writer.paragraph(_("None recorded."))

    writer.heading(_("Measurements"))
    if summary.measurements:
        writer.table(
            [_("Measurement"), _("Times"), _("Lowest"), _("Highest"), _("Average"), _("Latest")],
            [measurement_row(m) for m in summary.measurements],
            (44, 16, 28, 28, 28, 36),
        )
    else:
        writer.paragraph(_("None recorded."))

    writer.heading(_("Mood and energy"))
    if summary.mood_count:
        writer.paragraph(mood_sentence(summary))
    else:
        writer.paragraph(_("None recorded."))

    if summary.goals:
        writer.heading(_("Goals"))
        writer.table(
            [_("Goal"), _("Status"), _("Target"), _("Check-ins"), _("Latest")],
            [
                [
                    g.title,
                    g.status,
                    g.target_text,
                    str(g.check_ins),
                    g.latest_text,
                ]
                for g in summary.goals
            ],
            (50, 25, 45, 25, 35),
        )

    writer.heading(_("Notes and diary"))
    if summary.notes:
        for note in summary.notes:
            heading = _when(note.recorded_at) + (f" · {note.title}" if note.title else "")
            writer.paragraph(heading, size=9)
            writer.paragraph(note.text)
            writer.pdf.ln(1)
    else:
        writer.paragraph(_("None recorded."))
    return writer.output()
