"""Ids and whole numbers from outside input: ASCII digits within 64 bits, nothing else."""

from __future__ import annotations

import pytest

from carecircle.core.ids import MAX_ID, parse_id, parse_int


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("12", 12),
        (" 7 ", 7),
        (12, 12),
        (str(MAX_ID), MAX_ID),
        (str(MAX_ID + 1), None),  # would overflow SQLite: no row has it
        ("0", None),
        ("-3", None),
        ("²", None),
        ("٣", None),  # int() would read this as 3
        ("1.5", None),
        ("twelve", None),
        ("", None),
        (None, None),
        (True, None),
        (0, None),
    ],
)
def test_parse_id(raw: object, expected: int | None) -> None:
    assert parse_id(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("12", 12),
        ("-3", -3),
        ("+4", 4),
        (" 0 ", 0),
        (5, 5),
        ("9" * 18, int("9" * 18)),
        ("9" * 19, None),
        ("٣", None),
        ("1e3", None),
        ("1.5", None),
        ("", None),
        (None, None),
        (False, None),
    ],
)
def test_parse_int(raw: object, expected: int | None) -> None:
    assert parse_int(raw) == expected
