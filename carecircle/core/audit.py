"""Recording audit events from actions, and proving the log was not tampered with."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone

from carecircle.core.models import AuditEvent

GENESIS = "0" * 64
# Any fixed number: every writer of the audit log takes this PostgreSQL advisory lock, so two
# transactions never chain onto the same previous event. SQLite serialises writers already.
CHAIN_LOCK = 0x6361726563697263


def _user_id(user: Any) -> int | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return int(user.pk)


def event_hash(event: AuditEvent) -> str:
    """The SHA-256 over the event's immutable columns and the previous event's hash."""
    payload = json.dumps(
        [
            event.prev_hash,
            event.actor_ref,
            event.subject_ref,
            event.verb,
            event.target_type,
            event.target_id,
            event.data,
            event.created_at.isoformat(timespec="microseconds"),
        ],
        cls=DjangoJSONEncoder,
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def record_event(
    *, actor: Any, verb: str, target: models.Model, subject: Any = None, **data: Any
) -> AuditEvent:
    """Append one audit event for `target`; call inside the action's transaction.

    `subject` is the member whose data the event is about (they can read it on their privacy
    page). `data` must hold ids, field names and staff-written reasons only, never a member's
    own words: the log outlives erasure.
    """
    # Round-trip through JSON so the hashed value is exactly what the database will give back.
    data = json.loads(json.dumps(data, cls=DjangoJSONEncoder))
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK])
        previous = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
        event = AuditEvent(
            actor_id=_user_id(actor),
            actor_ref=_user_id(actor),
            subject_id=_user_id(subject),
            subject_ref=_user_id(subject),
            verb=verb,
            target_type=target._meta.label_lower,
            target_id=str(target.pk),
            data=data,
            created_at=timezone.now(),
            prev_hash=previous or GENESIS,
        )
        event.hash = event_hash(event)
        event.save(force_insert=True)
    return event


@dataclass(frozen=True)
class ChainReport:
    checked: int
    broken_at: int | None  # id of the first event that does not fit the chain
    reason: str = ""

    @property
    def is_intact(self) -> bool:
        return self.broken_at is None


def verify_chain(batch_size: int = 2000) -> ChainReport:
    """Walk the whole log in order and recompute every hash; report the first break."""
    previous = GENESIS
    checked = 0
    last_id = 0
    while True:
        batch = list(AuditEvent.objects.filter(id__gt=last_id).order_by("id")[:batch_size])
        for event in batch:
            checked += 1
            if event.prev_hash != previous:
                return ChainReport(checked, event.pk, "an event before it was removed or altered")
            if event_hash(event) != event.hash:
                return ChainReport(checked, event.pk, "its contents were changed")
            if event.actor_id is not None and event.actor_id != event.actor_ref:
                return ChainReport(checked, event.pk, "its actor was changed")
            if event.subject_id is not None and event.subject_id != event.subject_ref:
                return ChainReport(checked, event.pk, "its subject was changed")
            previous = event.hash
        if len(batch) < batch_size:
            return ChainReport(checked, None)
        last_id = batch[-1].pk
