"""Recording audit events from actions."""

from __future__ import annotations

from typing import Any

from django.db import models

from carecircle.core.models import AuditEvent


def record_event(*, actor: Any, verb: str, target: models.Model, **data: Any) -> AuditEvent:
    """Append one audit event for `target`; call inside the action's transaction."""
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        verb=verb,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        data=data,
    )
