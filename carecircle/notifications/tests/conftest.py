"""Fixtures for the notifications tests (none automatic), on top of the root personas."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.utils import timezone

from tests.realtime_support import Listener


class PushRecorder:
    """Stands in for queueing web pushes (which leave the machine): records the ids."""

    def __init__(self) -> None:
        self.ids: list[int] = []

    def __call__(self, notification_ids: list[int]) -> None:
        self.ids.extend(notification_ids)


@pytest.fixture
def pushes(monkeypatch: pytest.MonkeyPatch) -> PushRecorder:
    """The notification ids a push was queued for, in order."""
    from carecircle.notifications import actions

    recorder = PushRecorder()
    monkeypatch.setattr(actions, "enqueue_push", recorder)
    return recorder


@pytest.fixture
def listen() -> Any:
    return Listener


#: A fixed instant: 22:00 in Tokyo, 08:00 in New York.
NOW = datetime(2026, 12, 7, 13, 0, tzinfo=UTC)


@pytest.fixture
def frozen_now(monkeypatch: pytest.MonkeyPatch) -> datetime:
    """Every `timezone.now()` answers NOW (no time library is installed here)."""
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    return NOW
