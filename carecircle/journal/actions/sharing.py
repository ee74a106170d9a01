"""Sharing parts of one's journal with a caregiver, a member or a community, and revoking it."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from carecircle.accounts.queries import get_member
from carecircle.caregivers.models import CaregiverLink
from carecircle.communities.models import Community
from carecircle.core.audit import record_event
from carecircle.core.errors import NotFoundError, ValidationFailed
from carecircle.journal import permissions
from carecircle.journal.actions import count_journal_write
from carecircle.journal.models import JournalShare, Part
from carecircle.messaging.models import MemberBlock

TITLE_MAX = 120


def _clean_parts(parts: Any) -> list[str]:
    chosen = [parts] if isinstance(parts, str) else list(parts or [])
    if not chosen:
        raise ValidationFailed(
            _("Choose at least one part of your journal to share."), code="required", field="parts"
        )
    if any(part not in Part.values for part in chosen):
        raise ValidationFailed(
            _("Choose from the listed parts of your journal."), code="bad_part", field="parts"
        )
    return [value for value in Part.values if value in chosen]


def _clean_since(since: Any) -> date | None:
    if since is None or since == "":
        return None
    if not isinstance(since, date):
        try:
            since = date.fromisoformat(str(since).strip())
        except ValueError:
            raise ValidationFailed(
                _("Enter a date as YYYY-MM-DD."), code="bad_date", field="since"
            ) from None
    if since > timezone.localdate():
        raise ValidationFailed(
            _("Choose today or an earlier day."), code="future_date", field="since"
        )
    return since


def _clean_title(title: Any) -> str:
    text = " ".join(str(title or "").split())
    if len(text) > TITLE_MAX:
        raise ValidationFailed(
            _("Keep this under %(limit)s characters.") % {"limit": TITLE_MAX},
            code="too_long",
            field="title",
        )
    return text


def _caregiver_link(actor: Any, link: CaregiverLink | int | str | None) -> CaregiverLink:
    link_id = link.pk if isinstance(link, CaregiverLink) else link
    found = None
    if link_id not in (None, ""):
        try:
            found = (
                CaregiverLink.objects.filter(
                    pk=int(link_id), patient=actor, status=CaregiverLink.Status.ACTIVE
                )
                .select_related("carer")
                .first()
            )
        except (TypeError, ValueError, OverflowError):
            found = None
    if found is None:
        raise ValidationFailed(
            _("Choose one of the caregivers linked with you."),
            code="bad_caregiver_link",
            field="caregiver_link",
        )
    return found


def _member(actor: Any, member: Any) -> Any:
    if member is not None and not isinstance(member, str):
        member = member.handle
    handle = (member or "").strip()
    if not handle:
        raise ValidationFailed(
            _("Enter the handle of the member to share with."), code="required", field="member"
        )
    try:
        found = get_member(handle)
    except NotFoundError:
        found = None
    if found is not None and found.pk == actor.pk:
        raise ValidationFailed(
            _("This is you: your journal is always yours to read."), code="self", field="member"
        )
    if (
        found is not None
        and MemberBlock.objects.filter(
            level=MemberBlock.Level.BLOCK, blocker=actor, blocked=found
        ).exists()
    ):
        raise ValidationFailed(
            _("You blocked this member. Unblock them to share with them."),
            code="you_blocked",
            field="member",
        )
    # Not found, a memorial, or they blocked the actor: the same answer, revealing nothing.
    if (
        found is None
        or found.memorialised_at is not None
        or permissions.is_blocked_between(actor, found)
    ):
        raise ValidationFailed(
            _("You can't share with this member. Check the handle after the @."),
            code="cannot_share_with_member",
            field="member",
        )
    return found


def _community(actor: Any, community: Community | int | str | None) -> Community:
    found: Community | None = None
    if isinstance(community, Community):
        found = community
    elif isinstance(community, int) or (isinstance(community, str) and community.isdigit()):
        try:
            found = Community.objects.filter(pk=int(community)).first()
        except OverflowError:
            found = None
    elif isinstance(community, str) and community.strip():
        found = Community.objects.filter(slug=community.strip()).first()
    if found is None or not permissions.is_member_in_good_standing(actor, found):
        raise ValidationFailed(
            _("Choose one of your communities."), code="bad_community", field="community"
        )
    return found


def _refuse_duplicate(actor: Any, share: JournalShare) -> None:
    """Refuse a share identical to an active one: same audience, parts and first day."""
    same = JournalShare.objects.filter(
        owner=actor,
        audience=share.audience,
        caregiver_link=share.caregiver_link,
        member=share.member,
        community=share.community,
        since=share.since,
        revoked_at__isnull=True,
    ).only("parts")
    if any(sorted(existing.parts or []) == sorted(share.parts) for existing in same):
        raise ValidationFailed(
            _(
                "You already share exactly this with them: it is listed under “What I share "
                "now”. Choose other parts or another day, or stop that share first."
            ),
            code="already_shared",
        )


def share_journal(
    *,
    actor: Any,
    audience: str,
    parts: Any,
    caregiver_link: CaregiverLink | int | str | None = None,
    member: Any = None,
    community: Community | int | str | None = None,
    since: date | str | None = None,
    title: str = "",
) -> JournalShare:
    """Share chosen `parts` of the actor's journal with one audience, until revoked.

    `caregiver_link`: one of the actor's active links where they are the person cared for (or
    its id); `member`: a member or their handle; `community`: a community (object, id or slug)
    the actor belongs to in good standing. Only the argument of the chosen audience is used.
    """
    permissions.check_can_write_journal(actor)
    count_journal_write(actor)
    if audience not in JournalShare.Audience.values:
        raise ValidationFailed(
            _("Choose who to share with."), code="bad_audience", field="audience"
        )
    cleaned_parts = _clean_parts(parts)
    cleaned_since = _clean_since(since)
    cleaned_title = _clean_title(title)
    share = JournalShare(
        owner=actor,
        audience=audience,
        parts=cleaned_parts,
        since=cleaned_since,
        title=cleaned_title,
    )
    if audience == JournalShare.Audience.CAREGIVER:
        share.caregiver_link = _caregiver_link(actor, caregiver_link)
    elif audience == JournalShare.Audience.MEMBER:
        share.member = _member(actor, member)
    else:
        share.community = _community(actor, community)
    _refuse_duplicate(actor, share)
    with transaction.atomic():
        share.save()
        # The share (the event's target) and its audience only: which parts, from when and
        # with whom are journal details, and the log is read by admins.
        record_event(
            actor=actor,
            verb="journal.share",
            target=share,
            subject=actor,
            audience=audience,
        )
        _notify_recipient(actor, share)
    return share


def _notify_recipient(actor: Any, share: JournalShare) -> None:
    """Tell the one person a share is for (a community share goes to a post, not to a bell)."""
    from django.urls import reverse

    from carecircle.notifications.actions import notify

    if share.audience == JournalShare.Audience.MEMBER:
        recipient_id = share.member_id
    elif share.audience == JournalShare.Audience.CAREGIVER and share.caregiver_link is not None:
        recipient_id = share.caregiver_link.carer_id
    else:
        return
    if recipient_id is None:
        return
    notify(
        recipient_ids=[recipient_id],
        kind="journal_share",
        url=reverse("journal_shared_view", args=[share.pk]),
        actor=actor,
        group_key=f"journal_share:{share.pk}",
    )


def revoke_share(*, actor: Any, share: JournalShare) -> JournalShare:
    """The owner ends a share at once; revoking a revoked share changes nothing."""
    if not permissions.can_manage_share(actor, share):
        # Someone else's share is "not found": its id confirms nothing.
        raise NotFoundError(_("Share not found."), code="share_not_found")
    count_journal_write(actor)
    with transaction.atomic():
        locked = JournalShare.objects.select_for_update().get(pk=share.pk)
        if locked.revoked_at is not None:
            share.revoked_at = locked.revoked_at
            return share
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_at", "updated_at"])
        record_event(
            actor=actor,
            verb="journal.share_revoke",
            target=locked,
            subject=actor,
            audience=locked.audience,
        )
    share.revoked_at = locked.revoked_at
    return share
