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


@pytest.fixture(autouse=True)
def _established_members(request, settings):
    """Members here are established (trust level 2) unless a test says otherwise.

    New members (level 0) may not post links, post more than a few times a day or write to
    strangers; the tests of those rules set level 0 themselves (`make_new_member`). Visits
    are not counted on every fresh test session, so page query counts measure the page only.
    """
    from django.db.models.signals import post_save

    from carecircle.accounts.models import User
    from carecircle.moderation.models import MemberTrust, TrustLevel

    settings.CARECIRCLE_TRACK_VISITS = False

    def established(sender, instance, created, **kwargs):
        if created:
            MemberTrust.objects.get_or_create(
                user_id=instance.pk, defaults={"level": TrustLevel.MEMBER}
            )

    post_save.connect(established, sender=User, dispatch_uid="test-established-members")
    yield
    post_save.disconnect(sender=User, dispatch_uid="test-established-members")


def make_new_member(user):
    """Make `user` a new member (trust level 0) again, forgetting the cached level."""
    from carecircle.moderation.models import MemberTrust, TrustLevel
    from carecircle.moderation.queries import forget_trust_level

    MemberTrust.objects.update_or_create(user_id=user.pk, defaults={"level": TrustLevel.NEW})
    forget_trust_level(user)
    return user
