"""The permission functions, role by role; a moderator's powers end at their community."""

from __future__ import annotations

import pytest

from carecircle.moderation import permissions
from carecircle.moderation.models import ReviewItem
from carecircle.moderation.tests.factories import (
    MODERATING_ROLES,
    ROLES,
    Cast,
    cast_fixture,  # noqa: F401  (the `cast` fixture)
    make_item,
)


@pytest.mark.parametrize("role", ROLES)
def test_who_moderates_the_community(cast: Cast, role: str) -> None:
    assert permissions.can_moderate(cast.role(role), cast.community) is (role in MODERATING_ROLES)
    assert permissions.can_moderate(cast.role(role), None) is (role == "site_admin")


@pytest.mark.parametrize("role", ROLES)
def test_who_reviews_items_of_each_queue(cast: Cast, role: str) -> None:
    general = make_item(cast)
    professional = make_item(cast, queue=ReviewItem.Queue.PROFESSIONAL, reporter=cast.trusted)
    user = cast.role(role)

    assert permissions.can_review_item(user, general) is (role in MODERATING_ROLES)
    assert permissions.can_review_item(user, professional) is (
        role in MODERATING_ROLES | {"professional"}
    )


def test_a_professional_outside_the_community_reviews_nothing(cast: Cast) -> None:
    item = make_item(cast, queue=ReviewItem.Queue.PROFESSIONAL)
    cast.professional.memberships.all().delete()

    assert permissions.can_review_item(cast.professional, item) is False


def test_site_queue_items_are_for_site_staff_only(cast: Cast) -> None:
    item = ReviewItem.objects.create(
        community=None, kind="member", target_key=f"member:{cast.author.pk}", member=cast.author
    )

    assert permissions.can_review_item(cast.site_admin, item) is True
    assert permissions.can_review_item(cast.moderator, item) is False


@pytest.mark.parametrize("role", ROLES)
def test_who_adds_context_notes(cast: Cast, role: str) -> None:
    assert permissions.can_add_context_note(cast.role(role), cast.reply) is (
        role in MODERATING_ROLES | {"professional"}
    )


@pytest.mark.parametrize("role", ROLES)
def test_who_sanctions_in_the_community(cast: Cast, role: str) -> None:
    assert permissions.can_sanction(cast.role(role), cast.author, cast.community) is (
        role in MODERATING_ROLES
    )


def test_nobody_sanctions_themselves(cast: Cast) -> None:
    assert permissions.can_sanction(cast.moderator, cast.moderator, cast.community) is False
    assert permissions.can_sanction(cast.site_admin, cast.site_admin, None) is False


@pytest.mark.parametrize("role", ROLES)
def test_who_manages_moderation_settings(cast: Cast, role: str) -> None:
    assert permissions.can_manage_moderation_settings(cast.role(role), cast.community) is (
        role in {"manager", "site_admin"}
    )
    assert permissions.can_manage_moderation_settings(cast.role(role), None) is (
        role == "site_admin"
    )


@pytest.mark.parametrize("role", ROLES)
def test_who_reads_the_log_and_member_notes(cast: Cast, role: str) -> None:
    user = cast.role(role)
    assert permissions.can_read_moderation_log(user, cast.community) is (role in MODERATING_ROLES)
    assert permissions.can_see_member_notes(user, cast.author, cast.community) is (
        role in MODERATING_ROLES
    )


def test_reporting_needs_a_reader_who_is_not_the_author(cast: Cast) -> None:
    assert permissions.can_report(cast.member, "post", cast.reply) is True
    assert permissions.can_report(cast.author, "post", cast.reply) is False
    assert permissions.can_report(cast.member, "member", cast.member) is False
    assert permissions.can_report(cast.member, "poll", cast.reply) is False
