"""Screening of member text: crisis language, risky health claims, personal details, watched words.

Pure functions over text and the data files in data/: no database, no model, nothing that leaves
the machine. The gate (carecircle/moderation/gate.py) decides what to do with the findings.
See docs/screening.md.
"""

from __future__ import annotations

from carecircle.moderation.screening.crisis import screen_crisis
from carecircle.moderation.screening.findings import Finding, ScreeningResult
from carecircle.moderation.screening.misinformation import screen_misinformation
from carecircle.moderation.screening.personal_details import find_personal_details
from carecircle.moderation.screening.watched import (
    WatchedOutcome,
    WatchedRule,
    apply_watched_words,
    pattern_problem,
)

__all__ = [
    "Finding",
    "ScreeningResult",
    "WatchedOutcome",
    "WatchedRule",
    "apply_watched_words",
    "find_personal_details",
    "pattern_problem",
    "screen_crisis",
    "screen_misinformation",
    "screen_text",
]


def screen_text(text: str, *, region: str = "") -> ScreeningResult:
    """Run every screen over `text` (region: ISO country for phone numbers; "" = the default)."""
    return ScreeningResult(
        crisis=screen_crisis(text),
        misinformation=screen_misinformation(text),
        personal_details=find_personal_details(text, region=region),
    )
