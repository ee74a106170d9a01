"""Reads of caregiver links, scoped to the member asking."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from carecircle.caregivers.models import CaregiverLink
from carecircle.core.errors import NotFoundError


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


def get_link(actor: Any, link_id: int) -> CaregiverLink:
    """One link the actor is part of (either side); NotFoundError for anyone else's."""
    link = (
        CaregiverLink.objects.filter(Q(patient=actor) | Q(carer=actor), pk=link_id)
        .select_related("patient", "carer")
        .prefetch_related("post_communities")
        .first()
    )
    if link is None:
        raise NotFoundError(_("That link does not exist."))
    return link


def asked_by(link: CaregiverLink, user: Any) -> bool:
    """Whether `user` is the one who made the link request."""
    asker = link.patient_id if link.requested_by == CaregiverLink.Side.PATIENT else link.carer_id
    return bool(asker == user.pk)


def visible_links_of(actor: Any) -> list[CaregiverLink]:
    """The actor's links as they may see them: a request they made that was declined is left
    out, so declining stays private."""
    return [
        link
        for link in links_of(actor)
        if not (link.status == CaregiverLink.Status.DECLINED and asked_by(link, actor))
    ]


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
