"""Every write to the journal, one module per area (entries, medications, goals, sharing,
imports, preferences). Views, API, imports and tasks call these; none writes to the ORM."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from carecircle.core.ratelimit import check_rate


def count_journal_write(actor: Any) -> None:
    """Count one journal write against the member's rate (every area, page and API together)."""
    check_rate(
        scope="journal-write", key=str(actor.pk), rate=settings.CARECIRCLE_JOURNAL_WRITE_RATE
    )
