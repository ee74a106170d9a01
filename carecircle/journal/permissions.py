"""Who may write a journal and who may read a shared part of one.

A journal is readable only by its owner, and by the audience of one of the owner's active
shares (see `sharing.py`). Staff, moderators and site admins get nothing extra: their roles
are about communities, not about members' health records.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from carecircle.caregivers.models import CaregiverLink
from carecircle.communities.models import Membership
from carecircle.core.errors import PermissionDeniedError
from carecircle.journal.models import JournalShare
from carecircle.messaging.models import MemberBlock
from carecircle.moderation.enforcement import active_sanctions_of
from carecircle.moderation.models import Sanction

_BARRING = (Sanction.Kind.SUSPENSION, Sanction.Kind.BAN)


def is_signed_in_member(actor: Any) -> bool:
    """A signed-in, active account."""
    return bool(getattr(actor, "is_authenticated", False) and actor.is_active)


def can_write_journal(actor: Any) -> bool:
    """Whether the actor may write to their own journal (signed in, active, not memorialised)."""
    return is_signed_in_member(actor) and actor.memorialised_at is None


def check_can_write_journal(actor: Any) -> None:
    """Raise PermissionDeniedError unless `can_write_journal`."""
    if not is_signed_in_member(actor):
        raise PermissionDeniedError(_("Please sign in first."), code="not_authenticated")
    if actor.memorialised_at is not None:
        raise PermissionDeniedError(
            _("This account is a memorial: nothing can be added to it."), code="memorialised"
        )


def is_blocked_between(first: Any, second: Any) -> bool:
    """Whether either member blocked the other (a mute does not count)."""
    return MemberBlock.objects.filter(
        Q(blocker_id=first.pk, blocked_id=second.pk) | Q(blocker_id=second.pk, blocked_id=first.pk),
        level=MemberBlock.Level.BLOCK,
    ).exists()


def barred_community_ids(member: Any) -> set[int | None]:
    """Communities where a ban or suspension is in force for `member` (None: site-wide)."""
    return {
        sanction.community_id
        for sanction in active_sanctions_of(member)
        if sanction.kind in _BARRING
    }


def is_member_in_good_standing(member: Any, community: Any) -> bool:
    """A signed-in member of `community`, not banned or suspended there or site-wide."""
    if not is_signed_in_member(member):
        return False
    barred = barred_community_ids(member)
    if None in barred or community.pk in barred:
        return False
    return Membership.objects.filter(community=community, user=member).exists()


def shares_readable_by(viewer: Any) -> QuerySet[JournalShare]:
    """Other members' active shares whose audience includes `viewer`: the one rule for reading.

    Caregiver: the viewer is the carer of an active link whose patient is the owner. Member:
    the viewer is the member named. Community: the viewer is a member there, neither banned nor
    suspended (there or site-wide), and the owner is still a member. Always: the owner's account
    is active and neither of the two has blocked the other.
    """
    if not is_signed_in_member(viewer):
        return JournalShare.objects.none()
    sanctions = [s for s in active_sanctions_of(viewer) if s.kind in _BARRING]
    if any(s.kind == Sanction.Kind.BAN and s.community_id is None for s in sanctions):
        # A site-wide ban closes the whole site (it also ends the member's sessions).
        return JournalShare.objects.none()
    barred = {s.community_id for s in sanctions}
    caregiver = Q(
        audience=JournalShare.Audience.CAREGIVER,
        caregiver_link__carer=viewer,
        caregiver_link__status=CaregiverLink.Status.ACTIVE,
        caregiver_link__patient=F("owner"),
    )
    member = Q(audience=JournalShare.Audience.MEMBER, member=viewer)
    community = Q(
        audience=JournalShare.Audience.COMMUNITY,
        community__in=Membership.objects.filter(user=viewer).values("community_id"),
    ) & Q(
        Exists(
            Membership.objects.filter(community_id=OuterRef("community_id"), user=OuterRef("owner"))
        )
    )
    if None in barred:
        community = Q(pk__in=[])
    elif barred:
        community &= ~Q(community_id__in=[pk for pk in barred if pk is not None])
    blocked = MemberBlock.objects.filter(level=MemberBlock.Level.BLOCK)
    return (
        JournalShare.objects.filter(caregiver | member | community)
        .filter(revoked_at__isnull=True, owner__is_active=True)
        .exclude(owner=viewer)
        .exclude(owner__in=blocked.filter(blocker=viewer).values("blocked_id"))
        .exclude(owner__in=blocked.filter(blocked=viewer).values("blocker_id"))
    )


def can_view_share(viewer: Any, share: JournalShare) -> bool:
    """True when `viewer` may read `share` now: its owner, or its audience (see
    `shares_readable_by`); never once revoked, whoever asks."""
    if share.revoked_at is not None or not is_signed_in_member(viewer):
        return False
    if share.owner_id == viewer.pk:
        return True
    return shares_readable_by(viewer).filter(pk=share.pk).exists()


def can_manage_share(actor: Any, share: JournalShare) -> bool:
    """Only the owner changes or revokes a share."""
    return is_signed_in_member(actor) and share.owner_id == actor.pk
