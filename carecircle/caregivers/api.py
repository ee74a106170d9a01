from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status

from carecircle.api.api import member_auth
from carecircle.api.schemas import ErrorOut
from carecircle.caregivers import actions, queries
from carecircle.caregivers.models import CaregiverLink
from carecircle.communities.models import Community

router = Router(tags=["caregivers"])


class LinkMemberOut(Schema):
    handle: str
    display_name: str


class CaregiverLinkOut(Schema):
    id: int
    patient: LinkMemberOut
    carer: LinkMemberOut
    status: str
    requested_by: str
    shared_fields: list[str]
    may_post: bool
    post_communities: list[str]
    created_at: datetime
    accepted_at: datetime | None
    ended_at: datetime | None


class LinkRequestIn(Schema):
    other_handle: str
    actor_is: str  # "patient": they care for me; "carer": I care for them


class LinkAnswerIn(Schema):
    accept: bool


class LinkSharingIn(Schema):
    shared_fields: list[str] = []
    may_post: bool = False
    post_communities: list[str] = []  # community slugs


def link_out(link: CaregiverLink) -> CaregiverLinkOut:
    return CaregiverLinkOut(
        id=link.pk,
        patient=LinkMemberOut(handle=link.patient.handle, display_name=link.patient.display_name),
        carer=LinkMemberOut(handle=link.carer.handle, display_name=link.carer.display_name),
        status=link.status,
        requested_by=link.requested_by,
        shared_fields=list(link.shared_fields or []),
        may_post=link.may_post,
        post_communities=sorted(c.slug for c in link.post_communities.all()),
        created_at=link.created_at,
        accepted_at=link.accepted_at,
        ended_at=link.ended_at,
    )


def _fresh(actor: Any, link_id: int) -> CaregiverLinkOut:
    return link_out(queries.get_link(actor, link_id))


@router.get(
    "/me/caregiver-links", response={200: list[CaregiverLinkOut], 401: ErrorOut}, auth=member_auth
)
def list_links(request: HttpRequest) -> list[CaregiverLinkOut]:
    """Your caregiver links, both sides (a request you made that was declined is not shown)."""
    return [link_out(link) for link in queries.visible_links_of(request.user)]


@router.post(
    "/me/caregiver-links",
    response={201: CaregiverLinkOut, 400: ErrorOut, 401: ErrorOut, 409: ErrorOut, 429: ErrorOut},
    auth=member_auth,
)
def request_link(request: HttpRequest, payload: LinkRequestIn) -> Status[CaregiverLinkOut]:
    """Ask another member to link: `actor_is` says whether you are the patient or the carer."""
    link = actions.request_caregiver_link(
        actor=request.user, other_handle=payload.other_handle, actor_is=payload.actor_is
    )
    return Status(201, _fresh(request.user, link.pk))


@router.post(
    "/me/caregiver-links/{link_id}/answer",
    response={200: CaregiverLinkOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    auth=member_auth,
)
def answer_link(request: HttpRequest, link_id: int, payload: LinkAnswerIn) -> CaregiverLinkOut:
    """Accept or decline a request the other side made."""
    actions.answer_caregiver_link(actor=request.user, link_id=link_id, accept=payload.accept)
    return _fresh(request.user, link_id)


@router.put(
    "/me/caregiver-links/{link_id}/sharing",
    response={200: CaregiverLinkOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    auth=member_auth,
)
def update_sharing(request: HttpRequest, link_id: int, payload: LinkSharingIn) -> CaregiverLinkOut:
    """The person cared for sets what the carer sees and where the carer may post for them."""
    ids = list(
        Community.objects.filter(slug__in=payload.post_communities).values_list("pk", flat=True)
    )
    if len(ids) != len(set(payload.post_communities)):
        ids.append(0)  # an unknown slug: the action refuses it like a community not joined
    actions.update_caregiver_sharing(
        actor=request.user,
        link_id=link_id,
        shared_fields=payload.shared_fields,
        may_post=payload.may_post,
        post_community_ids=ids,
    )
    return _fresh(request.user, link_id)


@router.delete(
    "/me/caregiver-links/{link_id}",
    response={200: CaregiverLinkOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    auth=member_auth,
)
def end_link(request: HttpRequest, link_id: int) -> CaregiverLinkOut:
    """End a link or withdraw a request (either side)."""
    actions.end_caregiver_link(actor=request.user, link_id=link_id)
    return _fresh(request.user, link_id)
