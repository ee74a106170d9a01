"""Fixtures for the polls tests: a topic's poll made through the action, and voters."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from carecircle.accounts.models import User
from carecircle.communities.models import Community
from carecircle.core.factories import UserFactory, make_member
from carecircle.discussions.models import Topic
from carecircle.polls.actions import add_poll
from carecircle.polls.models import Poll
from carecircle.polls.specs import PollSpec


@pytest.fixture(autouse=True)
def _no_static_scan_per_client(settings) -> None:
    # As in the discussions tests: WhiteNoise looks static files up on request instead of
    # indexing every file for each test client (these tests serve none).
    settings.WHITENOISE_AUTOREFRESH = True


@pytest.fixture
def make_poll(topic: Topic, patient: User) -> Callable[..., Poll]:
    """A poll on `topic` (started by the patient), options "Walking", "Rest", "Diet"."""

    def make(
        *,
        options: tuple[str, ...] = ("Walking", "Rest", "Diet"),
        on: Topic | None = None,
        by: User | None = None,
        **fields: Any,
    ) -> Poll:
        target = on or topic
        spec = PollSpec(question="What helps most with fatigue?", options=list(options), **fields)
        poll = add_poll(actor=by or patient, topic=target, spec=spec)
        return Poll.objects.select_related("topic__community").get(pk=poll.pk)

    return make


@pytest.fixture
def poll(make_poll: Callable[..., Poll]) -> Poll:
    """An anonymous single-choice poll whose results show after voting."""
    return make_poll()


@pytest.fixture
def member(community: Community) -> User:
    """A third plain member of `community` (besides patient and caregiver)."""
    user = UserFactory(display_name="Mel the member", handle="member")
    make_member(community, user)
    return user
