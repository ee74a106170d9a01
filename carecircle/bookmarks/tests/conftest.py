"""Fixtures for the bookmarks tests, on top of the named personas in the root conftest."""

from __future__ import annotations

import pytest

from carecircle.accounts.models import User
from carecircle.discussions.models import Post, Topic


@pytest.fixture(autouse=True)
def _no_static_scan_per_client(settings) -> None:
    # WhiteNoise would index every static file for each test Client (see discussions' conftest).
    settings.WHITENOISE_AUTOREFRESH = True


@pytest.fixture
def reply(topic: Topic, caregiver: User) -> Post:
    """A visible reply by the caregiver in the patient's topic (position 2)."""
    return Post.objects.create(
        topic=topic, author=caregiver, position=2, body="Try taking it with food & water.",
        body_html="<p>Try taking it with <em>food</em> &amp; water.</p>",
    )  # fmt: skip


@pytest.fixture
def private_reply(private_topic: Topic, patient: User) -> Post:
    return Post.objects.create(
        topic=private_topic, author=patient, position=2, body="Cycle 3 today.",
        body_html="<p>Cycle 3 today.</p>",
    )  # fmt: skip
