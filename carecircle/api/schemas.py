"""Shapes shared by every router."""

from __future__ import annotations

from ninja import Schema


class ErrorOut(Schema):
    code: str
    message: str
    field: str | None = None


class MemberOut(Schema):
    handle: str
    display_name: str
    is_professional: bool


class PageMeta(Schema):
    page: int
    page_size: int
    total: int
    pages: int
