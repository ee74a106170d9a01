"""Mention handles: lower-case, unique, made from a display name when none is chosen."""

from __future__ import annotations

import re
import secrets

from django.utils.text import slugify

# Ends in a letter, digit or underscore, like a mention does (see core.markdown).
HANDLE_RE = re.compile(r"^[a-z0-9][a-z0-9_.\-]{0,38}[a-z0-9_]$")


def normalise_handle(value: str) -> str:
    return (value or "").strip().lstrip("@").lower()


def is_valid_handle(value: str) -> bool:
    return bool(HANDLE_RE.fullmatch(value))


def suggest_handle(display_name: str, *, force_suffix: bool = False) -> str:
    """A free handle based on `display_name` (a random suffix when taken, or when forced)."""
    from carecircle.accounts.models import User

    base = slugify(display_name).replace("-", ".")[:30].strip(".") or "member"
    if len(base) < 2:
        base = f"member.{base}"
    candidate = f"{base}.{secrets.randbelow(9000) + 1000}" if force_suffix else base
    while User.objects.filter(handle=candidate).exists():
        candidate = f"{base}.{secrets.randbelow(9000) + 1000}"
    return candidate
