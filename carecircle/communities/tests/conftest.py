"""Fixtures for the communities tests, on top of the shared personas in the root conftest."""

from __future__ import annotations

import pytest

from carecircle.accounts.models import User
from carecircle.communities.models import Community, Membership
from carecircle.core.factories import UserFactory, make_member, make_topic
from carecircle.discussions.models import Topic


@pytest.fixture
def site_moderator(db: None) -> User:
    """Site staff who may read every community without being a member."""
    return UserFactory(display_name="Sita site moderator", handle="sitemod", is_site_moderator=True)


@pytest.fixture
def community_manager(community: Community) -> User:
    """A member who manages `community` (a community role, not site staff)."""
    user = UserFactory(display_name="Cora community manager", handle="cora")
    make_member(community, user, Membership.Role.MANAGER)
    return user


@pytest.fixture
def hidden_topic(hidden_community: Community, patient: User) -> Topic:
    return make_topic(hidden_community, patient, title="Whispered plans", body="Invite only")
