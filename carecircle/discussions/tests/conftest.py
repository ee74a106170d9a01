"""Fixtures for the discussions tests, on top of the named personas in the root conftest."""

from __future__ import annotations

import pytest

from carecircle.accounts.actions import create_api_token
from carecircle.accounts.models import User
from carecircle.communities.models import Community, Membership
from carecircle.core.factories import CommunityFactory, make_member, make_topic
from carecircle.discussions.models import Topic


@pytest.fixture(autouse=True)
def _no_static_scan_per_client(settings) -> None:
    # Every test Client builds its own middleware, and WhiteNoise then indexes every file under
    # STATIC_ROOT (700+ once collectstatic has run): about 0.2 s per client. These tests serve
    # no static files, so WhiteNoise looks files up on request instead.
    settings.WHITENOISE_AUTOREFRESH = True


@pytest.fixture
def other_community(db: None, patient: User, moderator: User) -> Community:
    """A second public community, also moderated by `moderator`: a destination for moves."""
    community = CommunityFactory(name="Heart Health", slug="heart-health")
    make_member(community, patient)
    make_member(community, moderator, Membership.Role.MODERATOR)
    return community


@pytest.fixture
def announcements(db: None, patient: User, moderator: User) -> Community:
    """An announcements community: patient is a member, moderator moderates it."""
    community = CommunityFactory(name="News", slug="news", kind=Community.Kind.ANNOUNCEMENTS)
    make_member(community, patient)
    make_member(community, moderator, Membership.Role.MODERATOR)
    return community


@pytest.fixture
def question(community: Community, patient: User) -> Topic:
    """A question topic asked by the patient, with two replies (positions 2 and 3)."""
    return make_topic(
        community,
        patient,
        title="Which glucose meter is easiest to read?",
        body="I need big digits.",
        replies=2,
        is_question=True,
    )


@pytest.fixture
def patient_token(patient: User) -> str:
    """The secret of a personal API token of the patient."""
    _token, secret = create_api_token(actor=patient, name="Phone app")
    return secret
