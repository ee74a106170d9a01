"""Journal opt-ins (anonymous figures, "people like me") and the matching tokens they allow."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from carecircle.accounts.models import User
from carecircle.core.audit import record_event
from carecircle.core.errors import ValidationFailed
from carecircle.journal import matching
from carecircle.journal.actions import count_journal_write
from carecircle.journal.models import JournalPreferences, MatchToken, Stage
from carecircle.journal.permissions import check_can_write_journal


def _clean_fields(match_fields: Iterable[str] | None) -> list[str]:
    chosen = [str(name) for name in match_fields or []]
    unknown = [name for name in chosen if name not in matching.FIELDS]
    if unknown:
        raise ValidationFailed(
            _("Choose from conditions, treatments and stage."),
            code="bad_match_field",
            field="match_fields",
        )
    return [name for name in matching.FIELDS if name in chosen]


def refresh_match_tokens_later(member_id: int) -> None:
    """Refresh the member's matching tokens once the current transaction commits."""
    from carecircle.journal.tasks import refresh_match_tokens_task

    transaction.on_commit(lambda: refresh_match_tokens_task.enqueue(member_id), robust=True)


def refresh_match_tokens_if_matchable(member: Any) -> None:
    """After a change to what matching reads (profile conditions or treatments, medicines):
    refresh the member's tokens on commit, only when they opted in (one indexed query)."""
    if JournalPreferences.objects.filter(member_id=member.pk, is_matchable=True).exists():
        refresh_match_tokens_later(member.pk)


def set_journal_preferences(
    *,
    actor: User,
    contributes_to_insights: bool,
    is_matchable: bool,
    match_fields: Iterable[str] | None,
    stage: str,
) -> JournalPreferences:
    """Save the actor's own opt-ins; turning matching off (or a field) drops its tokens at once.

    Turning figures off takes the member out of the next computation. Audited by field name.
    """
    check_can_write_journal(actor)
    count_journal_write(actor)
    fields = _clean_fields(match_fields)
    stage = (stage or "").strip()
    if stage and stage not in Stage.values:
        raise ValidationFailed(_("Choose a stage from the list."), code="bad_stage", field="stage")
    if is_matchable and not fields:
        raise ValidationFailed(
            _("Choose at least one thing a match may use, or leave matching off."),
            code="required",
            field="match_fields",
        )
    if is_matchable and "stage" in fields and not stage:
        raise ValidationFailed(
            _("Choose your stage, or untick stage."), code="required", field="stage"
        )
    if not is_matchable:
        fields = []
    with transaction.atomic():
        preferences, _created = JournalPreferences.objects.select_for_update().get_or_create(
            member=actor
        )
        new_values: dict[str, Any] = {
            "contributes_to_insights": bool(contributes_to_insights),
            "is_matchable": bool(is_matchable),
            "match_fields": fields,
            "stage": stage,
        }
        changed = [
            name for name, value in new_values.items() if getattr(preferences, name) != value
        ]
        if not changed:
            if preferences.is_matchable:
                refresh_match_tokens_later(actor.pk)
            return preferences
        if contributes_to_insights and not preferences.contributes_to_insights:
            preferences.contributes_since = timezone.now()
        elif not contributes_to_insights:
            preferences.contributes_since = None
        for name, value in new_values.items():
            setattr(preferences, name, value)
        preferences.save()
        # Whatever is no longer shared stops matching now, not when the task runs.
        MatchToken.objects.filter(member=actor).exclude(field__in=fields).delete()
        if "stage" in changed:
            MatchToken.objects.filter(member=actor, field="stage").delete()
        # Field names only: the stage is health information.
        record_event(
            actor=actor,
            verb="journal.preferences.update",
            target=preferences,
            subject=actor,
            fields=changed,
        )
        if preferences.is_matchable:
            refresh_match_tokens_later(actor.pk)
    return preferences


def _sync(
    preferences: JournalPreferences | None,
    wanted: set[tuple[str, str]],
    stored: dict[tuple[str, str], int],
    now: datetime,
) -> tuple[list[int], list[tuple[str, str]]]:
    """(stored token ids to delete now, tokens to add now): stale tokens go at once, new ones
    only when a refresh is due (once a day, so nobody can probe by cycling their values)."""
    stale = [pk for pair, pk in stored.items() if pair not in wanted]
    missing = sorted(wanted - set(stored))
    if preferences is None or not missing or not matching.is_refresh_due(preferences, now):
        return stale, []
    return stale, missing


def refresh_match_tokens(*, member_id: int) -> int:
    """Bring the member's stored tokens in line with their data and choices (system action,
    run by the tasks; idempotent): stale tokens go at once, new ones at most once a day (a
    deferred addition is made by the 6-hourly task once due). Returns how many they hold.
    Opted-out, inactive or memorialised members hold none."""
    member = User.objects.filter(pk=member_id).first()
    if member is None:
        return 0
    now = timezone.now()
    with transaction.atomic():
        preferences = JournalPreferences.objects.select_for_update().filter(member=member).first()
        wanted: set[tuple[str, str]] = set()
        if preferences is not None and member.is_active and member.memorialised_at is None:
            wanted = matching.tokens_for(preferences, matching.load_sources([member])[member.pk])
        stored = {
            (name, token): pk
            for pk, name, token in MatchToken.objects.filter(member_id=member_id).values_list(
                "pk", "field", "token"
            )
        }
        stale, missing = _sync(preferences, wanted, stored, now)
        if stale:
            MatchToken.objects.filter(pk__in=stale).delete()
        if missing and preferences is not None:
            MatchToken.objects.bulk_create(
                [
                    MatchToken(member_id=member_id, field=name, token=token)
                    for name, token in missing
                ],
                ignore_conflicts=True,
            )
            JournalPreferences.objects.filter(pk=preferences.pk).update(tokens_refreshed_at=now)
    return len(stored) - len(stale) + len(missing)


def refresh_all_match_tokens(*, chunk: int = 500) -> int:
    """Refresh every matchable member's tokens (additions only where due) and drop everyone
    else's; a fixed number of queries per `chunk` members. Returns how many are matchable."""
    now = timezone.now()
    MatchToken.objects.exclude(
        member_id__in=JournalPreferences.objects.filter(is_matchable=True).values("member_id")
    ).delete()
    matchable = list(
        JournalPreferences.objects.filter(is_matchable=True)
        .order_by("member_id")
        .values_list("member_id", flat=True)
    )
    for start in range(0, len(matchable), chunk):
        _refresh_chunk(matchable[start : start + chunk], now)
    return len(matchable)


def _refresh_chunk(member_ids: list[int], now: datetime) -> None:
    preferences = {
        p.member_id: p
        for p in JournalPreferences.objects.filter(member_id__in=member_ids).select_related(
            "member"
        )
    }
    members = [p.member for p in preferences.values()]
    sources = matching.load_sources(members)
    stored: dict[int, dict[tuple[str, str], int]] = {member_id: {} for member_id in member_ids}
    for pk, member_id, name, token in MatchToken.objects.filter(
        member_id__in=member_ids
    ).values_list("pk", "member_id", "field", "token"):
        stored[member_id][(name, token)] = pk
    to_delete: list[int] = []
    to_add: list[MatchToken] = []
    refreshed: list[int] = []
    for member_id, mine in preferences.items():
        member = mine.member
        wanted: set[tuple[str, str]] = set()
        if mine.is_matchable and member.is_active and member.memorialised_at is None:
            wanted = matching.tokens_for(mine, sources[member_id])
        stale, missing = _sync(mine, wanted, stored[member_id], now)
        to_delete += stale
        to_add += [MatchToken(member_id=member_id, field=f, token=t) for f, t in missing]
        if missing:
            refreshed.append(mine.pk)
    with transaction.atomic():
        if to_delete:
            MatchToken.objects.filter(pk__in=to_delete).delete()
        if to_add:
            MatchToken.objects.bulk_create(to_add, ignore_conflicts=True, batch_size=500)
        if refreshed:
            JournalPreferences.objects.filter(pk__in=refreshed).update(tokens_refreshed_at=now)
