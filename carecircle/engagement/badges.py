"""Badges for helpful participation (never for time spent)."""

from __future__ import annotations

from collections.abc import Iterable


def schedule_badge_check(user_ids: Iterable[int]) -> None:
    """After the current transaction commits, check whether these members earned a badge."""
