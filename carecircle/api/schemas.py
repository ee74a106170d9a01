"""Shapes shared by every router."""

from __future__ import annotations

from typing import Any

from ninja import Schema


class ErrorOut(Schema):
    code: str
    message: str
    field: str | None = None
    # What screening found when the code is "confirmation_needed" (see docs/api.md).
    details: list[dict[str, Any]] | None = None


class MemberOut(Schema):
    handle: str
    display_name: str
    is_professional: bool


class PageMeta(Schema):
    page: int
    page_size: int
    total: int
    pages: int
