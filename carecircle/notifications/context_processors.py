"""The header bell's unread count, read lazily from the cache."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def notifications(request: HttpRequest) -> dict[str, Any]:
    return {}
