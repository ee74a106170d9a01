"""sanction_member, lift_sanction and set_premoderation: who may, and what happens at once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone

from carecircle.core.errors import ConflictError, PermissionDeniedError, ValidationFailed
from carecircle.moderation import actions
from carecircle.moderation.models import ModerationAction, Sanction
from carecircle.moderation.tests.factories import (
    MODERATING_ROLES,
    REASON,
    ROLES,
    Cast,
    cast_fixture,  # noqa: F401  (the `cast` fixture)
    make_sanction,
)
from carecircle.signin.models import MemberSession


def _nothing_changed() -> tuple[int, int]:
    return Sanction.objects.count(), ModerationAction.objects.count()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("kind", ["warning", "suspension", "ban", "pre_moderation"])
def test_community_sanction_by_role(cast: Cast, role: str, kind: str) -> None:
    days = 3 if kind == "suspension" else None

    if role in MODERATING_ROLES:
        sanction = actions.sanction_member(
            actor=cast.role(role),
            member=cast.author,
            community=cast.community,
            kind=kind,
            reason=REASON,
            days=days,
        )
        assert (sanction.kind, sanction.community, sanction.member) == (
            kind,
            cast.community,
            cast.author,
        )
        assert sanction.action.is_appealable is True
    else:
        with pytest.raises(PermissionDeniedError):
            actions.sanction_member(
                actor=cast.role(role),
                member=cast.author,
                community=cast.community,
                kind=kind,
                reason=REASON,
                days=days,
            )
        assert _nothing_changed() == (0, 0)


@pytest.mark.parametrize("role", ["moderator", "manager", "other_moderator", "professional"])
def test_only_site_staff_sanction_site_wide(cast: Cast, role: str) -> None:
    with pytest.raises(PermissionDeniedError):
        actions.sanction_member(
            actor=cast.role(role), member=cast.author, community=None, kind="ban", reason=REASON
        )
    assert _nothing_changed() == (0, 0)


def test_a_moderator_cannot_sanction_themselves(cast: Cast) -> None:
    with pytest.raises(PermissionDeniedError) as caught:
        actions.sanction_member(
            actor=cast.moderator,
            member=cast.moderator,
            community=cast.community,
            kind="warning",
            reason=REASON,
        )
    assert caught.value.code == "self_sanction"
    assert _nothing_changed() == (0, 0)


def test_a_moderator_cannot_sanction_site_staff(cast: Cast) -> None:
    cast.member.is_site_moderator = True
    cast.member.save()

    with pytest.raises(PermissionDeniedError) as caught:
        actions.sanction_member(
            actor=cast.moderator,
            member=cast.member,
            community=cast.community,
            kind="ban",
            reason=REASON,
        )
    assert caught.value.code == "cannot_sanction"
    assert _nothing_changed() == (0, 0)


def test_site_staff_cannot_sanction_a_site_admin_unless_an_admin(cast: Cast) -> None:
    cast.member.is_site_manager = True
    cast.member.save()

    with pytest.raises(PermissionDeniedError):
        actions.sanction_member(
            actor=cast.member, member=cast.site_admin, community=None, kind="ban", reason=REASON
        )
    assert _nothing_changed() == (0, 0)


def test_a_suspension_needs_days_and_a_reason(cast: Cast) -> None:
    with pytest.raises(ValidationFailed) as no_days:
        actions.sanction_member(
            actor=cast.moderator,
            member=cast.author,
            community=cast.community,
            kind="suspension",
            reason=REASON,
        )
    with pytest.raises(ValidationFailed) as no_reason:
        actions.sanction_member(
            actor=cast.moderator,
            member=cast.author,
            community=cast.community,
            kind="suspension",
            reason="",
            days=2,
        )
    assert (no_days.value.field, no_reason.value.field) == ("days", "reason")
    assert _nothing_changed() == (0, 0)


def test_a_site_ban_ends_every_session_of_the_member(cast: Cast, client) -> None:
    client.force_login(cast.author)
    assert MemberSession.objects.filter(user=cast.author).count() == 1

    actions.sanction_member(
        actor=cast.site_admin, member=cast.author, community=None, kind="ban", reason=REASON
    )

    assert MemberSession.objects.filter(user=cast.author).count() == 0
    assert Session.objects.count() == 0


def test_a_suspension_tells_open_pages_of_the_member(
    cast: Cast, django_capture_on_commit_callbacks
):
    from carecircle.core import realtime

    sent: list[tuple[str, dict]] = []
    original = realtime.send_now
    realtime.send_now = lambda stream, event: sent.append((stream, event)) or True  # type: ignore[assignment]
    try:
        with django_capture_on_commit_callbacks(execute=True):
            actions.sanction_member(
                actor=cast.moderator,
                member=cast.author,
                community=cast.community,
                kind="suspension",
                reason=REASON,
                days=2,
            )
    finally:
        realtime.send_now = original  # type: ignore[assignment]
    restricted = [event for stream, event in sent if stream == f"user:{cast.author.pk}"]
    assert restricted[0]["type"] == "moderation.restricted"
    assert restricted[0]["community"] == cast.community.pk


def test_lifting_ends_the_sanction_and_tells_the_member(cast: Cast) -> None:
    sanction = make_sanction(
        cast.author, "suspension", cast.community, ends_at=timezone.now() + timedelta(days=3)
    )

    actions.lift_sanction(actor=cast.moderator, sanction=sanction, reason="Talked it through.")

    sanction.refresh_from_db()
    assert sanction.lifted_by == cast.moderator
    assert ModerationAction.objects.get().verb == "lift"


def test_a_moderator_of_another_community_cannot_lift(cast: Cast) -> None:
    sanction = make_sanction(cast.author, "ban", cast.community)

    with pytest.raises(PermissionDeniedError):
        actions.lift_sanction(actor=cast.other_moderator, sanction=sanction)

    sanction.refresh_from_db()
    assert sanction.lifted_at is None
    assert ModerationAction.objects.count() == 0


def test_lifting_twice_is_a_conflict(cast: Cast) -> None:
    sanction = make_sanction(cast.author, "ban", cast.community, lifted_at=timezone.now())

    with pytest.raises(ConflictError):
        actions.lift_sanction(actor=cast.moderator, sanction=sanction)
    assert ModerationAction.objects.count() == 0


def test_premoderation_on_and_off(cast: Cast) -> None:
    sanction = actions.set_premoderation(
        actor=cast.moderator, member=cast.author, community=cast.community, is_on=True
    )
    again = actions.set_premoderation(
        actor=cast.moderator, member=cast.author, community=cast.community, is_on=True
    )
    assert again == sanction

    assert (
        actions.set_premoderation(
            actor=cast.moderator, member=cast.author, community=cast.community, is_on=False
        )
        is None
    )
    sanction.refresh_from_db()
    assert sanction.lifted_at is not None


def test_the_notice_email_gives_the_reason_and_appeal_link_but_not_the_post(cast: Cast, mailoutbox):
    from carecircle.moderation.notify import send_moderation_notice
    from carecircle.moderation.tests.factories import make_item

    item = make_item(cast)
    action = actions.resolve_item(
        actor=cast.moderator, item=item, decision="hide", reason=REASON, guideline="Rule 2"
    )

    assert send_moderation_notice(action_id=action.pk) is True

    email = mailoutbox[0]
    html = email.alternatives[0][0]
    assert email.to == [cast.author.email]
    for text in (email.body, html):
        assert REASON in text.replace("&#x27;", "'")
        assert "Rule 2" in text
        assert "/account/moderation/" in text
        assert "Reply 2" not in text


def test_no_email_for_a_memorialised_member(cast: Cast, mailoutbox) -> None:
    from carecircle.moderation.notify import send_moderation_notice

    sanction = actions.sanction_member(
        actor=cast.moderator,
        member=cast.author,
        community=cast.community,
        kind="warning",
        reason=REASON,
    )
    type(cast.author).objects.filter(pk=cast.author.pk).update(memorialised_at=timezone.now())

    assert send_moderation_notice(action_id=sanction.action.pk) is False
    assert mailoutbox == []
