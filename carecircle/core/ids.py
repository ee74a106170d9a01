"""Numbers as forms and the API send them: ASCII digits within 64 bits, nothing else.

`str.isdigit()` accepts "²" and "٣", which `int()` then refuses or reads as another number;
a number past 2**63 - 1 overflows SQLite's integers (a 500, not a 404). Everything that turns
outside input into an id (`parse_id`) or another whole number (`parse_int`) goes through here.
"""

from __future__ import annotations

import re
from typing import Any

# Ids are 64-bit signed integers; no row has a larger (or non-positive) one.
MAX_ID = 2**63 - 1

_ASCII_DIGITS = re.compile(r"[0-9]{1,19}")
_ASCII_INTEGER = re.compile(r"[+-]?[0-9]{1,18}")


def is_valid_id(value: Any) -> bool:
    """Whether `value` is an int that can name a row (bool is not an id)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID


def parse_id(raw: Any) -> int | None:
    """The id in `raw` (an int, or a string of ASCII digits), or None when it names no row."""
    if isinstance(raw, int):
        return raw if is_valid_id(raw) else None
    text = str(raw if raw is not None else "").strip()
    if not _ASCII_DIGITS.fullmatch(text):
        return None
    number = int(text)
    return number if is_valid_id(number) else None


def parse_int(raw: Any) -> int | None:
    """A whole number typed into a form ("12", "-3"), or None for anything else: other digits,
    decimals, words, or more than 18 digits (the action then explains what is missing)."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw if abs(raw) <= MAX_ID else None
    text = str(raw if raw is not None else "").strip()
    return int(text) if _ASCII_INTEGER.fullmatch(text) else None
