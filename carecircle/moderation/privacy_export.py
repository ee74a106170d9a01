"""Moderation in a member's data export, and what erasing a member does to moderation data.

Export: the decisions about them (with reasons, not who took them), their sanctions, appeals,
reports they made (reason and note), context notes they wrote, their trust counters and the
crisis notices they were shown.

Erasure (run inside `privacy.actions.erase_member`, before the account row goes): review items
about them or their writing (anonymous writing included) stay for the moderators without naming
them; in "remove" mode without their words either (the snapshot and the words screening
matched). The notes of their reports and the text of their appeals are wiped (the reports stay,
without a reporter), and in "remove" mode their context notes are taken down and emptied.
Sanctions, appeals, trust and notices go with the account.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.utils import timezone

from carecircle.moderation.models import (
    Appeal,
    ContextNote,
    MemberTrust,
    ModerationAction,
    Report,
    ReviewItem,
    SafetyNotice,
    Sanction,
)
from carecircle.privacy.registry import Row, exclude, register


def _community(obj: Any) -> str | None:
    return obj.community.name if obj.community_id else None


def notices(member: Any) -> Iterator[Row]:
    actions = ModerationAction.objects.filter(member=member).select_related("community")
    for action in actions.order_by("pk"):
        yield {
            "decision": action.verb,
            "community": _community(action),
            "reason": action.reason,
            "guideline": action.guideline,
            "created_at": action.created_at,
        }


def sanctions(member: Any) -> Iterator[Row]:
    for sanction in (
        Sanction.objects.filter(member=member).select_related("community").order_by("pk")
    ):
        yield {
            "kind": sanction.kind,
            "community": _community(sanction),
            "reason": sanction.reason,
            "starts_at": sanction.starts_at,
            "ends_at": sanction.ends_at,
            "lifted_at": sanction.lifted_at,
        }


def appeals(member: Any) -> Iterator[Row]:
    for appeal in Appeal.objects.filter(member=member).order_by("pk"):
        yield {
            "text": appeal.text,
            "status": appeal.status,
            "decision": appeal.decision,
            "created_at": appeal.created_at,
            "decided_at": appeal.decided_at,
        }


def reports(member: Any) -> Iterator[Row]:
    for report in Report.objects.filter(reporter=member).select_related("item").order_by("pk"):
        yield {
            "kind": report.item.kind,
            "reason": report.reason,
            "note": report.note,
            "created_at": report.created_at,
        }


def context_notes(member: Any) -> Iterator[Row]:
    for note in ContextNote.objects.filter(author=member).order_by("pk"):
        yield {
            "post": note.post_id,
            "body": note.body,
            "resource_url": note.resource_url,
            "resource_title": note.resource_title,
            "created_at": note.created_at,
            "removed_at": note.removed_at,
        }


def _items_about_writing_of(member: Any) -> Any:
    """Review items about the member or about anything they wrote, anonymous writing included
    (an anonymous post's item names no member; its alias still leads to them here)."""
    from django.db.models import Q

    return ReviewItem.objects.filter(
        Q(member=member)
        | Q(post__author=member)
        | Q(post__alias__user=member)
        | Q(topic__author=member)
        | Q(topic__author_alias__user=member)
        | Q(message__author=member)
    )


def _without_matched_words(flags: Any) -> list[Any]:
    """Screening findings keep what was found (the label), not the words that matched."""
    cleaned = []
    for flag in flags or []:
        if isinstance(flag, dict) and "matched" in flag:
            flag = {**flag, "matched": ""}
        cleaned.append(flag)
    return cleaned


def erase_moderation(member: Any, keep_posts: bool) -> None:
    items = _items_about_writing_of(member)
    if not keep_posts:
        # Their words leave the moderators' queue too: the snapshot and what screening matched.
        for item in items.only("pk", "flags"):
            ReviewItem.objects.filter(pk=item.pk).update(
                body_snapshot="", flags=_without_matched_words(item.flags)
            )
    ReviewItem.objects.filter(member=member).update(member=None)
    # An appeal's text is the member's own private words, whatever happens to their posts.
    ReviewItem.objects.filter(appeal__member=member).update(body_snapshot="")
    Appeal.objects.filter(member=member).update(text="")
    Report.objects.filter(reporter=member).update(note="")
    if not keep_posts:
        ContextNote.objects.filter(author=member, removed_at__isnull=True).update(
            removed_at=timezone.now()
        )
        ContextNote.objects.filter(author=member).update(
            body="", resource_url="", resource_title=""
        )


def _register_all() -> None:
    register("moderation.ModerationAction", name="moderation_decisions", export=notices)
    register("moderation.Sanction", name="moderation_sanctions", export=sanctions)
    register("moderation.Appeal", name="moderation_appeals", export=appeals)
    register("moderation.Report", name="reports_made", export=reports, erase=erase_moderation)
    register("moderation.ContextNote", name="context_notes", export=context_notes)
    register(
        MemberTrust,
        name="trust_level",
        fields=[
            "level",
            "manual_level",
            "days_visited",
            "topics_entered",
            "posts_read",
            "posts_created",
            "likes_received",
            "computed_at",
        ],
    )
    register(SafetyNotice, name="safety_notices", fields=["kind", "created_at", "seen_at"])
    exclude(
        "moderation.ReviewItem",
        reason="The moderators' working queue; the decisions about the member are exported "
        "as moderation_decisions.",
    )
    exclude(
        "moderation.MemberNote",
        reason="Moderators' internal notes, written by staff; disclosed by staff on a subject "
        "access request.",
    )
    exclude(
        "moderation.WatchedWord",
        reason="Staff configuration; the member is only its creator.",
    )


_register_all()
