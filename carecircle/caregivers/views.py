from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from carecircle.accounts.privacy import FIELD_LABELS, FIELDS
from carecircle.caregivers import actions, queries
from carecircle.caregivers.models import CaregiverLink
from carecircle.communities.queries import memberships_of
from carecircle.core.errors import DomainError
from carecircle.core.interfaces import field_errors, page_errors


def _page(
    request: HttpRequest,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    links = queries.visible_links_of(user)
    open_statuses = (CaregiverLink.Status.PENDING, CaregiverLink.Status.ACTIVE)
    context = {
        "incoming": [
            link
            for link in links
            if link.status == CaregiverLink.Status.PENDING and not queries.asked_by(link, user)
        ],
        "sent": [
            link
            for link in links
            if link.status == CaregiverLink.Status.PENDING and queries.asked_by(link, user)
        ],
        "my_carers": [
            link
            for link in links
            if link.status == CaregiverLink.Status.ACTIVE and link.patient_id == user.pk
        ],
        "cared_for": [
            link
            for link in links
            if link.status == CaregiverLink.Status.ACTIVE and link.carer_id == user.pk
        ],
        "past": [link for link in links if link.status not in open_statuses][:20],
        "field_choices": [(name, FIELD_LABELS[name]) for name in FIELDS],
        "memberships": list(memberships_of(user)),
        "errors": errors or {},
        "values": values or {"other_handle": "", "actor_is": "patient"},
    }
    return render(request, "caregivers/caregiver_links.html", context, status=status)


@login_required
@require_http_methods(["GET"])
def caregiver_links(request: HttpRequest) -> HttpResponse:
    return _page(request)


@login_required
@require_POST
def caregiver_link_request(request: HttpRequest) -> HttpResponse:
    values = {
        "other_handle": request.POST.get("other_handle", ""),
        "actor_is": request.POST.get("actor_is", ""),
    }
    try:
        actions.request_caregiver_link(
            actor=request.user, other_handle=values["other_handle"], actor_is=values["actor_is"]
        )
    except DomainError as error:
        return _page(request, errors=field_errors(error), values=values, status=error.status)
    messages.success(request, _("Your request is sent. Nothing is shared until they accept."))
    return redirect("caregiver_links")


@login_required
@require_POST
@page_errors
def caregiver_link_answer(request: HttpRequest, link_id: int) -> HttpResponse:
    accept = request.POST.get("answer") == "accept"
    actions.answer_caregiver_link(actor=request.user, link_id=link_id, accept=accept)
    messages.success(request, _("You are now linked.") if accept else _("Request declined."))
    return redirect("caregiver_links")


@login_required
@require_POST
@page_errors
def caregiver_link_sharing(request: HttpRequest, link_id: int) -> HttpResponse:
    try:
        community_ids = [int(value) for value in request.POST.getlist("post_communities")]
    except ValueError:
        community_ids = []
    try:
        actions.update_caregiver_sharing(
            actor=request.user,
            link_id=link_id,
            shared_fields=request.POST.getlist("shared"),
            may_post=request.POST.get("may_post") == "on",
            post_community_ids=community_ids,
        )
    except DomainError as error:
        if error.status == 400:
            return _page(request, errors=field_errors(error), status=400)
        raise
    messages.success(request, _("Your choices are saved."))
    return redirect("caregiver_links")


@login_required
@require_POST
@page_errors
def caregiver_link_end(request: HttpRequest, link_id: int) -> HttpResponse:
    actions.end_caregiver_link(actor=request.user, link_id=link_id)
    messages.success(request, _("The link has ended. Nothing more is shared."))
    return redirect("caregiver_links")
