"""Fixtures for the notifications tests (none automatic), on top of the root personas."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.utils import timezone

from carecircle.core.realtime import group_name


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


class Listener:
    """A channel-layer channel joined to some streams' groups, as a socket would be."""

    def __init__(self, *streams: str) -> None:
        self.layer = get_channel_layer()
        self.channel = async_to_sync(self.layer.new_channel)()
        for stream in streams:
            async_to_sync(self.layer.group_add)(group_name(stream), self.channel)

    def events(self) -> list[dict]:
        async def drain() -> list[dict]:
            found = []
            while True:
                try:
                    message = await asyncio.wait_for(self.layer.receive(self.channel), 0.05)
                except TimeoutError:
                    return found
                found.append(message["event"])

        return async_to_sync(drain)()


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
