"""Reads of caregiver links, scoped to the member asking."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from carecircle.caregivers.models import CaregiverLink


def links_of(actor: Any) -> list[CaregiverLink]:
    """Every link the actor is part of (either side), newest first, open ones first."""
    if not getattr(actor, "is_authenticated", False):
        return []
    return list(
        CaregiverLink.objects.filter(Q(patient=actor) | Q(carer=actor))
        .select_related("patient", "carer")
        .prefetch_related("post_communities")
        .order_by("status", "-created_at")
    )


def fields_shared_with_carer(viewer: Any, member: Any) -> frozenset[str]:
    """Profile fields `member` shares with `viewer` as their active carer (else none)."""
    if not getattr(viewer, "is_authenticated", False) or member is None or viewer.pk == member.pk:
        return frozenset()
    shared = (
        CaregiverLink.objects.filter(
            carer=viewer, patient=member, status=CaregiverLink.Status.ACTIVE
        )
        .values_list("shared_fields", flat=True)
        .first()
    )
    return frozenset(shared or ())
