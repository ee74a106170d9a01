"""Reads of journal shares: one's own, those shared with one, and what a share shows.

Every read of another member's journal goes through `get_visible_share` (the audience rule is
`permissions.shares_readable_by`, checked on every request) and then `shared_content`, which
returns only the parts the owner chose, only from `share.since` on. A share that is not
visible is "not found" (404), never "forbidden": nobody learns that a share id exists.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from carecircle.accounts.models import User
from carecircle.caregivers.models import CaregiverLink
from carecircle.communities.models import Community
from carecircle.core.errors import NotFoundError
from carecircle.journal import permissions, queries
from carecircle.journal.charts import PERIOD_DAYS, PERIODS
from carecircle.journal.models import EntryKind, Goal, JournalEntry, JournalShare, Medication, Part
from carecircle.notifications.preferences import member_zone

# Entries a shared page lists at most (newest first); the charts still cover the whole period.
MAX_ENTRIES = 500

# The entry kinds each shareable part covers (medicines and goals are records, not entries).
PART_KINDS: dict[str, str] = {
    Part.SYMPTOMS: EntryKind.SYMPTOM,
    Part.MEASUREMENTS: EntryKind.MEASUREMENT,
    Part.MOOD: EntryKind.MOOD,
    Part.DIARY: EntryKind.DIARY,
    Part.GOALS: EntryKind.GOAL_CHECK_IN,
}


def _related(shares: QuerySet[JournalShare]) -> QuerySet[JournalShare]:
    return shares.select_related("owner", "member", "community", "caregiver_link__carer")


def shares_for_owner(owner: Any) -> QuerySet[JournalShare]:
    """The owner's shares, active and revoked, newest first."""
    if not permissions.is_signed_in_member(owner):
        return JournalShare.objects.none()
    return _related(JournalShare.objects.filter(owner=owner)).order_by("-created_at", "-pk")


def get_own_share(owner: Any, share_id: int) -> JournalShare:
    """One of the owner's shares (active or revoked); NotFoundError for anyone else's."""
    share = shares_for_owner(owner).filter(pk=share_id).first()
    if share is None:
        raise NotFoundError("Share not found.", code="share_not_found")
    return share


def shares_visible_to(viewer: Any) -> list[JournalShare]:
    """Other members' active shares `viewer` may read now ("shared with me"), by owner."""
    shares = _related(permissions.shares_readable_by(viewer)).order_by(
        "owner__display_name", "owner_id", "-created_at", "-pk"
    )
    return list(shares)


def get_visible_share(viewer: Any, share_id: int) -> JournalShare:
    """A share `viewer` may read now (their own active one too); NotFoundError otherwise."""
    share = (
        _related(JournalShare.objects.filter(pk=share_id, revoked_at__isnull=True)).first()
        if permissions.is_signed_in_member(viewer)
        else None
    )
    if share is None or not permissions.can_view_share(viewer, share):
        raise NotFoundError("Share not found.", code="share_not_found")
    return share


def caregiver_links_for_sharing(owner: Any) -> list[CaregiverLink]:
    """The owner's active links where they are the person cared for (possible audiences)."""
    if not permissions.is_signed_in_member(owner):
        return []
    return list(
        CaregiverLink.objects.filter(patient=owner, status=CaregiverLink.Status.ACTIVE)
        .select_related("carer")
        .order_by("carer__display_name", "pk")
    )


def communities_for_sharing(owner: Any) -> list[Community]:
    """Communities the owner may share with: member there, not banned or suspended."""
    if not permissions.is_signed_in_member(owner):
        return []
    barred = permissions.barred_community_ids(owner)
    if None in barred:
        return []
    return list(
        Community.objects.filter(memberships__user=owner)
        .exclude(pk__in=[pk for pk in barred if pk is not None])
        .order_by("name")
    )


def is_share_reachable(share: JournalShare) -> bool:
    """Whether the share's audience can still exist (active link; for the owner's list)."""
    if share.revoked_at is not None:
        return False
    if share.audience == JournalShare.Audience.CAREGIVER:
        link = share.caregiver_link
        return link is not None and link.is_active and link.patient_id == share.owner_id
    if share.audience == JournalShare.Audience.MEMBER:
        return share.member is not None and share.member.is_active
    return True


def ordered_parts(parts: Any) -> list[str]:
    """The known parts among `parts`, in the journal's own order."""
    chosen = set(parts or [])
    return [value for value in Part.values if value in chosen]


def clean_period(value: Any) -> str | None:
    """The period named, or None when it is not one of charts.PERIODS."""
    return value if value in PERIODS else None


def since_start(share: JournalShare) -> datetime | None:
    """The first moment a share covers: midnight of `since` in the owner's own time zone."""
    if share.since is None:
        return None
    return datetime.combine(share.since, time.min, tzinfo=member_zone(share.owner))


def window_start(
    share: JournalShare, period: str, *, now: datetime | None = None
) -> datetime | None:
    """The later of the share's `since` and the start of `period` (None: from the beginning).

    A period starts, like the charts' (`charts.PERIOD_DAYS`), at midnight of its first day in
    the OWNER's time zone, whoever reads, so the tables cover the same days as the charts:
    "month" is the owner's today and the 29 days before.
    """
    starts = [since_start(share)]
    if period in PERIOD_DAYS:
        zone = member_zone(share.owner)
        today = (now or timezone.now()).astimezone(zone).date()
        first_day = today - timedelta(days=PERIOD_DAYS[period] - 1)
        starts.append(datetime.combine(first_day, time.min, tzinfo=zone))
    known = [start for start in starts if start is not None]
    return max(known) if known else None


@dataclass
class SharedContent:
    """What a share shows for one period: only its parts, only from its `since` on."""

    share: JournalShare
    owner: User
    parts: list[str]
    period: str
    starts_at: datetime | None
    entries: dict[str, list[JournalEntry]] = field(default_factory=dict)
    medications: list[Medication] = field(default_factory=list)
    goals: list[Goal] = field(default_factory=list)
    is_truncated: bool = False

    def has(self, part: str) -> bool:
        return part in self.parts


def _medication_in_window(medication: Medication, start: datetime | None) -> bool:
    stopped_on = queries.data_of(medication).get("stopped_on")
    if start is None or not stopped_on:
        return True
    return bool(date.fromisoformat(stopped_on) >= start.date())


def shared_content(
    share: JournalShare, *, period: str, now: datetime | None = None
) -> SharedContent:
    """The entries, medicines and goals a share shows for `period` (one of charts.PERIODS).

    Call only with a share from `get_visible_share`: this does not check the viewer. Entries
    are only of the shared parts' kinds and recorded on or after the share's `since`; medicines
    only with Part.MEDICATIONS (and not stopped before `since`); goals only with Part.GOALS.
    """
    owner = share.owner
    parts = ordered_parts(share.parts)
    start = window_start(share, period, now=now)
    content = SharedContent(share=share, owner=owner, parts=parts, period=period, starts_at=start)
    kinds = [PART_KINDS[part] for part in parts if part in PART_KINDS]
    if kinds:
        found = list(
            queries.entries_for(owner, kinds=kinds, since=start).select_related("goal")[
                : MAX_ENTRIES + 1
            ]
        )
        content.is_truncated = len(found) > MAX_ENTRIES
        for entry in found[:MAX_ENTRIES]:
            content.entries.setdefault(entry.kind, []).append(entry)
    if Part.MEDICATIONS in parts:
        content.medications = [
            medication
            for medication in queries.medications_for(owner)
            if _medication_in_window(medication, start)
        ]
    if Part.GOALS in parts:
        goals = queries.goals_for(owner)
        if start is not None:
            goals = goals.filter(Q(closed_at__isnull=True) | Q(closed_at__gte=start))
        content.goals = list(goals)
    return content
