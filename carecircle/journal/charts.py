"""Server-rendered SVG charts of a journal over a period (filled in by the charts work).

Other areas (sharing) call `build_charts` and render `journal/_charts.html` with its result.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from carecircle.accounts.models import User

PERIODS = ("week", "month", "year", "all")


@dataclass
class Chart:
    """One chart: an accessible SVG plus the table of the data behind it."""

    slug: str
    title: str
    description: str
    svg: str  # safe, server-built SVG markup
    columns: list[str] = field(default_factory=list)
    rows: list[list[Any]] = field(default_factory=list)


def build_charts(
    owner: User, *, period: str, parts: set[str], since: date | None = None
) -> list[Chart]:
    """The owner's charts for `period` (one of PERIODS), only of the journal `parts`
    (models.Part values), and only of entries on or after `since` when given."""
    return []
