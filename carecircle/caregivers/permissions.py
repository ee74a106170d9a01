"""Who may act for whom through a caregiver link."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from carecircle.caregivers.models import CaregiverLink
from carecircle.communities.permissions import can_post_in_community, can_reply_in_community
from carecircle.core.errors import PermissionDeniedError


def active_link(carer: Any, patient: Any) -> CaregiverLink | None:
    if not getattr(carer, "is_authenticated", False) or patient is None:
        return None
    return (
        CaregiverLink.objects.filter(
            carer=carer, patient=patient, status=CaregiverLink.Status.ACTIVE
        )
        .prefetch_related("post_communities")
        .first()
    )


def can_post_for(carer: Any, patient: Any, community: Any, *, new_topic: bool = False) -> bool:
    """True when `patient` allowed `carer` to post for them in `community`, and both may post."""
    link = active_link(carer, patient)
    if link is None or not link.may_post:
        return False
    if community.pk not in {c.pk for c in link.post_communities.all()}:
        return False
    if patient.memorialised_at is not None or not patient.is_active:
        return False
    check = can_post_in_community if new_topic else can_reply_in_community
    return check(carer, community) and check(patient, community)


def check_can_post_for(
    carer: Any, patient: Any, community: Any, *, new_topic: bool = False
) -> None:
    if not can_post_for(carer, patient, community, new_topic=new_topic):
        raise PermissionDeniedError(
            _(
                "You can post for this person only in communities they chose, and only while "
                "you are both members there."
            ),
            code="not_allowed_to_post_for",
            field="on_behalf_of",
        )


def patients_who_allow_posting(carer: Any, community: Any) -> list[Any]:
    """The people `carer` may post for in `community` (for the "post as" choice)."""
    if not getattr(carer, "is_authenticated", False):
        return []
    links = (
        CaregiverLink.objects.filter(
            carer=carer,
            status=CaregiverLink.Status.ACTIVE,
            may_post=True,
            post_communities=community,
        )
        .select_related("patient")
        .order_by("patient__display_name")
    )
    return [
        link.patient
        for link in links
        if link.patient.memorialised_at is None and can_reply_in_community(link.patient, community)
    ]


def person_posted_for(carer: Any, community: Any, handle: str | None) -> Any:
    """The member a carer names (by handle) to post for in `community`, or None for "myself".

    Only people who allowed it there are found; anyone else is refused with the same error,
    so the answer reveals nothing about other members.
    """
    handle = (handle or "").strip().lower().removeprefix("@")
    if not handle:
        return None
    for patient in patients_who_allow_posting(carer, community):
        if patient.handle == handle:
            return patient
    raise PermissionDeniedError(
        _("You can post for this person only where they allowed it."),
        code="not_allowed_to_post_for",
        field="on_behalf_of",
    )
