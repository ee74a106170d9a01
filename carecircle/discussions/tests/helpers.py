"""Helpers shared by the discussions tests."""

from __future__ import annotations

import time
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from carecircle.communities.models import Community, Membership
from carecircle.core.models import AuditEvent
from carecircle.discussions.models import Draft, Mention, Post, PostRevision, Reaction, Topic

TRACKED_MODELS = (Community, Membership, Topic, Post, PostRevision, Reaction, Mention, Draft)


def db_state() -> dict[str, list[dict[str, Any]]]:
    """Every row (every field) of the models a discussions write may touch, plus audit events.

    Comparing two snapshots proves a denied action changed nothing: no row added or removed,
    no counter, flag, timestamp or text changed, no audit event recorded.
    """
    state = {
        model._meta.label: list(model.objects.order_by("pk").values()) for model in TRACKED_MODELS
    }
    state["audit"] = list(AuditEvent.objects.order_by("pk").values())
    return state


def away_from_window_edge(seconds: int = 60, margin: float = 3.0) -> None:
    """Wait out the end of a fixed rate-limit window so a short test stays inside one window."""
    into_window = time.time() % seconds
    if into_window > seconds - margin:
        time.sleep(seconds - into_window + 0.1)


def count_queries(client: Client, url: str) -> tuple[int, Any]:
    """How many queries one GET of `url` runs, and its response."""
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    return len(context.captured_queries), response
