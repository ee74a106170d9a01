"""The journal in a member's data export: all of it, decrypted and readable, since it is all theirs.

Entries, medicines and goals are written as in the journal's own JSON export (times in the
member's time zone, a check-in names its goal by key). Erasing an account needs no extra step:
every journal row cascades with its owner (shares a member received go with them too).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from carecircle.journal import csvformat
from carecircle.journal.queries import entries_for, goals_for, medications_for
from carecircle.privacy.registry import Row, exclude, register


def journal_entries(member: Any) -> Iterator[Row]:
    zone = csvformat.member_zone(member)
    keys = csvformat.goal_keys(list(goals_for(member)))
    for entry in entries_for(member).order_by("recorded_at", "pk"):
        row = csvformat.entry_document(entry, zone)
        row["goal"] = keys.get(entry.goal_id) if entry.goal_id is not None else None
        yield row


def journal_medications(member: Any) -> Iterator[Row]:
    zone = csvformat.member_zone(member)
    for medication in sorted(medications_for(member), key=lambda m: (m.created_at, m.pk)):
        yield csvformat.medication_document(medication, zone)


def journal_goals(member: Any) -> Iterator[Row]:
    zone = csvformat.member_zone(member)
    goals = sorted(goals_for(member), key=lambda g: (g.created_at, g.pk))
    keys = csvformat.goal_keys(goals)
    for goal in goals:
        yield csvformat.goal_document(goal, keys[goal.pk], zone)


def journal_shares(member: Any) -> Iterator[Row]:
    """The member's shares, each naming who it was for (the member, carer or community)."""
    from carecircle.journal.models import JournalShare

    shares = JournalShare.objects.filter(owner=member).select_related(
        "member", "community", "caregiver_link__carer"
    )
    for share in shares.order_by("created_at", "pk"):
        if share.member is not None:
            shared_with = share.member.display_name
        elif share.community is not None:
            shared_with = share.community.name
        elif share.caregiver_link is not None:
            shared_with = share.caregiver_link.carer.display_name
        else:
            shared_with = ""
        yield {
            "audience": share.audience,
            "shared_with": shared_with,
            "parts": list(share.parts),
            "since": share.since.isoformat() if share.since else None,
            "title": share.title,
            "created_at": share.created_at.isoformat(),
            "revoked_at": share.revoked_at.isoformat() if share.revoked_at else None,
        }


def forget_cached_charts(member: Any, keep_posts: bool) -> None:
    """On erasure: drop the member's chart digest from this process's memory at once (other
    processes never serve it again: the rows are gone, so its stamp no longer matches)."""
    from carecircle.journal.charts import forget_member

    forget_member(member.pk)


def _register_all() -> None:
    register(
        "journal.JournalEntry",
        name="journal_entries",
        export=journal_entries,
        erase=forget_cached_charts,
    )
    register("journal.Medication", name="journal_medications", export=journal_medications)
    register("journal.Goal", name="journal_goals", export=journal_goals)
    register("journal.JournalShare", name="journal_shares", export=journal_shares)
    register(
        "journal.JournalPreferences",
        name="journal_preferences",
        fields=[
            "contributes_to_insights",
            "contributes_since",
            "is_matchable",
            "match_fields",
            "stage",
        ],
    )
    exclude(
        "journal.MatchToken",
        reason="Keyed hashes derived from the member's own chosen fields, rebuilt by a task.",
    )


_register_all()
