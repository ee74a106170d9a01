"""Every write to caregiver links: asking, answering, what is shared, ending."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from carecircle.accounts.privacy import FIELDS
from carecircle.accounts.queries import get_member
from carecircle.caregivers.models import CaregiverLink
from carecircle.caregivers.queries import get_link
from carecircle.communities.models import Community, Membership
from carecircle.core.audit import record_event
from carecircle.core.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationFailed,
)
from carecircle.core.ratelimit import check_rate

OPEN = (CaregiverLink.Status.PENDING, CaregiverLink.Status.ACTIVE)


def _signed_in(actor: Any) -> None:
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        raise PermissionDeniedError(_("Please sign in first."), code="not_authenticated")


def request_caregiver_link(*, actor: Any, other_handle: str, actor_is: str) -> CaregiverLink:
    """Ask to link: as the person cared for (inviting a carer) or as the carer (offering care).

    The other person must accept before anything is shared. Nothing tells the asker whether
    the other person exists beyond "we sent your request" vs. a clear error for their own typo.
    """
    _signed_in(actor)
    if actor_is not in (CaregiverLink.Side.PATIENT, CaregiverLink.Side.CARER):
        raise ValidationFailed(_("Please choose who cares for whom."), field="actor_is")
    try:
        other = get_member(other_handle)
    except NotFoundError:
        other = None
    if other is None or other.memorialised_at is not None:
        raise ValidationFailed(
            _("We could not find a member with that handle. Check the spelling after the @."),
            field="other_handle",
        )
    if other.pk == actor.pk:
        raise ValidationFailed(_("You cannot link to yourself."), field="other_handle")
    check_rate(scope="caregiver-link", key=str(actor.pk), rate="10/h")
    patient, carer = (actor, other) if actor_is == CaregiverLink.Side.PATIENT else (other, actor)
    with transaction.atomic():
        if CaregiverLink.objects.filter(patient=patient, carer=carer, status__in=OPEN).exists():
            raise ConflictError(
                _("You are already linked with this member, or a request is waiting."),
                field="other_handle",
            )
        link = CaregiverLink.objects.create(patient=patient, carer=carer, requested_by=actor_is)
        record_event(actor=actor, verb="caregiver.request", target=link, subject=patient)
    return link


def answer_caregiver_link(*, actor: Any, link_id: int, accept: bool) -> CaregiverLink:
    """Accept or decline a request made by the other side; declining tells nobody."""
    _signed_in(actor)
    link = get_link(actor, link_id)
    answering_side = (
        CaregiverLink.Side.PATIENT if link.patient_id == actor.pk else CaregiverLink.Side.CARER
    )
    if link.status != CaregiverLink.Status.PENDING or link.requested_by == answering_side:
        raise PermissionDeniedError(
            _("Only the person who was asked can answer, and only once."), code="not_pending"
        )
    with transaction.atomic():
        if accept:
            link.status = CaregiverLink.Status.ACTIVE
            link.accepted_at = timezone.now()
        else:
            link.status = CaregiverLink.Status.DECLINED
            link.ended_at = timezone.now()
        link.save(update_fields=["status", "accepted_at", "ended_at", "updated_at"])
        record_event(
            actor=actor,
            verb="caregiver.accept" if accept else "caregiver.decline",
            target=link,
            subject=link.patient,
        )
    return link


def update_caregiver_sharing(
    *,
    actor: Any,
    link_id: int,
    shared_fields: list[str],
    may_post: bool,
    post_community_ids: list[int],
) -> CaregiverLink:
    """The person cared for decides what the carer sees and where the carer may post for them."""
    _signed_in(actor)
    link = get_link(actor, link_id)
    if link.patient_id != actor.pk:
        raise PermissionDeniedError(
            _("Only the person cared for decides what is shared."), code="not_patient"
        )
    if link.status != CaregiverLink.Status.ACTIVE:
        raise PermissionDeniedError(_("This link is not active."), code="not_active")
    unknown = [name for name in shared_fields if name not in FIELDS]
    if unknown:
        raise ValidationFailed(_("Please choose from the listed profile parts."), field="shared")
    # Only communities the patient belongs to can be chosen.
    mine = set(
        Membership.objects.filter(user=actor, community_id__in=post_community_ids).values_list(
            "community_id", flat=True
        )
    )
    if set(post_community_ids) - mine:
        raise ValidationFailed(
            _("Choose only communities you are a member of."), field="post_communities"
        )
    with transaction.atomic():
        link.shared_fields = [name for name in FIELDS if name in shared_fields]
        link.may_post = may_post
        link.save(update_fields=["shared_fields", "may_post", "updated_at"])
        link.post_communities.set(Community.objects.filter(pk__in=mine))
        record_event(
            actor=actor,
            verb="caregiver.update_sharing",
            target=link,
            subject=actor,
            fields=link.shared_fields,
            may_post=may_post,
            communities=sorted(mine),
        )
    return link


def end_caregiver_link(*, actor: Any, link_id: int) -> CaregiverLink:
    """Either side ends the link (or withdraws a request); it takes effect at once."""
    _signed_in(actor)
    link = get_link(actor, link_id)
    if link.status not in OPEN:
        raise PermissionDeniedError(_("This link has already ended."), code="not_active")
    with transaction.atomic():
        link.status = CaregiverLink.Status.ENDED
        link.ended_at = timezone.now()
        link.may_post = False
        link.save(update_fields=["status", "ended_at", "may_post", "updated_at"])
        record_event(actor=actor, verb="caregiver.end", target=link, subject=link.patient)
    return link
