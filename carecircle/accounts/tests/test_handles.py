"""Mention handles: lower-case, unique, made from a display name when none is chosen."""

from __future__ import annotations

import re

import pytest

from carecircle.accounts.handles import is_valid_handle, normalise_handle, suggest_handle
from carecircle.core.factories import UserFactory


@pytest.mark.parametrize(
    ("raw", "normal"),
    [(" @Sunny.Days ", "sunny.days"), ("SAM", "sam"), ("", ""), (None, "")],
)
def test_normalise_handle(raw, normal):
    assert normalise_handle(raw) == normal


@pytest.mark.parametrize(
    ("handle", "valid"),
    [
        ("sam", True),
        ("s2", True),
        ("sunny.days", True),
        ("mary-jane_99", True),
        ("x" * 40, True),
        ("x" * 41, False),
        ("s", False),
        ("Sam", False),
        ("-sam", False),
        ("sam.", False),
        ("sam-", False),
        ("sam smith", False),
        ("zoë", False),
        ("sam\n", False),
    ],
)
def test_is_valid_handle(handle, valid):
    assert is_valid_handle(handle) is valid


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("display_name", "handle"),
    [
        ("Sunny Days", "sunny.days"),
        ("Zoë O'Brien-Smith", "zoe.obrien.smith"),
        ("  Pat  ", "pat"),
        ("王小明", "member"),
        ("A", "member.a"),
        ("A very long display name that goes on and on", "a.very.long.display.name.that"),
    ],
)
def test_suggest_handle(display_name, handle):
    assert suggest_handle(display_name) == handle
    assert is_valid_handle(handle)


@pytest.mark.django_db
def test_a_taken_handle_gets_a_number():
    UserFactory(handle="sunny.days")
    suggested = suggest_handle("Sunny Days")
    assert re.fullmatch(r"sunny\.days\.\d{4}", suggested)
    assert is_valid_handle(suggested)
