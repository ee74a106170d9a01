"""Moderators' notes on members, trust levels, and counting what members do for trust."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from carecircle.communities.models import Community
from carecircle.core.errors import ValidationFailed
from carecircle.moderation import permissions, queries, trust
from carecircle.moderation.actions.common import clean_reason, log_action
from carecircle.moderation.models import MemberNote, MemberTrust, ModerationAction, TrustLevel

NOTE_MAX = 2000
POSTS_SEEN_MAX = 500
TOPIC_SEEN_SECONDS = 60 * 60 * 24 * 30


def add_member_note(
    *, actor: Any, member: Any, community: Community | None, body: str
) -> MemberNote:
    """A note for the other moderators of `community` (None: site staff); never shown to the
    member."""
    permissions.check_can_see_member_notes(actor, member, community)
    body = (body or "").strip()
    if not body:
        raise ValidationFailed(_("Please write the note."), field="body")
    if len(body) > NOTE_MAX:
        raise ValidationFailed(
            _("Please keep the note under %(max)d characters.") % {"max": NOTE_MAX}, field="body"
        )
    return MemberNote.objects.create(member=member, community=community, author=actor, body=body)


def set_trust_level(*, actor: Any, member: Any, level: int | None, reason: str = "") -> MemberTrust:
    """Set a member's level by hand (it wins over the computed one), or clear it with None."""
    permissions.check_can_set_trust_level(actor, member)
    if level is not None and level not in TrustLevel.values:
        raise ValidationFailed(_("Please choose a trust level."), field="level")
    if level == TrustLevel.LEADER and not actor.is_site_staff:
        raise ValidationFailed(
            _("Only site staff can make someone a leader."), field="level", code="leader_by_staff"
        )
    reason = clean_reason(reason, required=False)
    with transaction.atomic():
        record, _created = MemberTrust.objects.get_or_create(user_id=member.pk)
        record.manual_level = level
        record.save(update_fields=["manual_level"])
        log_action(
            actor=actor,
            verb=ModerationAction.Verb.SET_TRUST_LEVEL,
            community=None,
            member=member,
            target_key=f"member:{member.pk}",
            reason=reason,
        )
    queries.forget_trust_level(member)
    return record


def refresh_trust_level(*, user: Any) -> MemberTrust:
    """Recompute one member's level now (the daily job does everyone)."""
    record = trust.refresh(user)
    queries.forget_trust_level(user)
    return record


def record_visit(*, user: Any) -> None:
    """Count today as a day the member visited: at most one UPDATE a day, so callers may call
    it on every request."""
    if not getattr(user, "is_authenticated", False):
        return
    today = timezone.localdate()
    key = f"trust:visit:{user.pk}:{today.isoformat()}"
    try:
        if not cache.add(key, 1, 60 * 60 * 24):
            return
    except Exception:  # noqa: BLE001, S110 - a cache outage costs one cheap UPDATE, not a visit
        pass
    updated = MemberTrust.objects.filter(
        Q(last_visited_on__isnull=True) | Q(last_visited_on__lt=today), user_id=user.pk
    ).update(days_visited=F("days_visited") + 1, last_visited_on=today)
    if not updated:
        MemberTrust.objects.get_or_create(
            user_id=user.pk, defaults={"days_visited": 1, "last_visited_on": today}
        )


def record_topic_read(*, user: Any, topic_id: int, posts_seen: int) -> None:
    """Count posts read, and the topic as entered the first time this month."""
    if not getattr(user, "is_authenticated", False):
        return
    posts_seen = max(0, min(int(posts_seen or 0), POSTS_SEEN_MAX))
    try:
        first_time = bool(cache.add(f"trust:topic:{user.pk}:{topic_id}", 1, TOPIC_SEEN_SECONDS))
    except Exception:  # noqa: BLE001 - without the cache, the topic is counted once more
        first_time = True
    if not posts_seen and not first_time:
        return
    changes = {"posts_read": F("posts_read") + posts_seen}
    if first_time:
        changes["topics_entered"] = F("topics_entered") + 1
    if not MemberTrust.objects.filter(user_id=user.pk).update(**changes):
        MemberTrust.objects.get_or_create(
            user_id=user.pk,
            defaults={"posts_read": posts_seen, "topics_entered": 1 if first_time else 0},
        )
