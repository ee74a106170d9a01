"""Clamped pagination: huge or nonsense page numbers never reach the database."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings

MAX_PAGE = 100_000


def clamp_int(value: Any, *, default: int, minimum: int, maximum: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return default
    return max(minimum, min(maximum, number))


@dataclass(frozen=True)
class PageRequest:
    number: int
    size: int

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    @classmethod
    def from_params(cls, page: Any, size: Any = None) -> PageRequest:
        return cls(
            number=clamp_int(page, default=1, minimum=1, maximum=MAX_PAGE),
            size=clamp_int(
                size,
                default=settings.CARECIRCLE_PAGE_SIZE,
                minimum=1,
                maximum=settings.CARECIRCLE_MAX_PAGE_SIZE,
            ),
        )


@dataclass(frozen=True)
class Page:
    items: list[Any]
    number: int
    size: int
    total: int

    @property
    def page_count(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def has_next(self) -> bool:
        return self.number < self.page_count

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def next_number(self) -> int:
        return self.number + 1

    @property
    def previous_number(self) -> int:
        return self.number - 1


def paginate(queryset: Any, request: PageRequest, *, total: int | None = None) -> Page:
    """Slice `queryset` for `request`; a page past the end shows the last page."""
    count = queryset.count() if total is None else total
    last = max(1, -(-count // request.size))
    number = min(request.number, last)
    offset = (number - 1) * request.size
    items = list(queryset[offset : offset + request.size])
    return Page(items=items, number=number, size=request.size, total=count)
