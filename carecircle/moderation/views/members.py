"""A member's moderation page for moderators, and a member's own notices and appeals."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from carecircle.accounts import queries as account_queries
from carecircle.communities.models import Community
from carecircle.core.errors import (
    DomainError,
    NotFoundError,
    PermissionDeniedError,
    ValidationFailed,
)
from carecircle.core.http import private_no_store
from carecircle.core.ids import parse_id, parse_int
from carecircle.core.interfaces import field_errors, page_errors
from carecircle.core.pagination import PageRequest, paginate
from carecircle.moderation import actions, permissions, queries
from carecircle.moderation.models import ModerationAction, Sanction, TrustLevel
from carecircle.moderation.wording import member_headline

SITE_WIDE = "site"


def _scopes(actor: Any, member: Any) -> list[tuple[str, str, Community | None]]:
    """(value, label, community) for each place the actor may sanction the member."""
    scopes: list[tuple[str, str, Community | None]] = [
        (community.slug, community.name, community)
        for community, _count in queries.moderated_communities(actor)
        if permissions.can_sanction(actor, member, community)
    ]
    if permissions.can_sanction(actor, member, None):
        scopes.insert(0, (SITE_WIDE, _("The whole site"), None))
    return scopes


def _chosen_scope(scopes: list[tuple[str, str, Community | None]], value: str) -> Community | None:
    for key, _label, community in scopes:
        if key == value:
            return community
    raise ValidationFailed(_("Choose where the sanction applies."), field="scope")


def _view_scope(request: HttpRequest, actor: Any, member: Any) -> Community | None:
    """The community the page is about (?community=slug), or the whole site for site staff.
    A community moderator without a choice sees the first community they moderate."""
    wanted = request.GET.get("community") or request.POST.get("community") or ""
    communities = [community for community, _count in queries.moderated_communities(actor)]
    for community in communities:
        if community.slug == wanted:
            return community
    if actor.is_site_staff:
        return None
    moderated = [c for c in communities if permissions.can_moderate(actor, c)]
    if not moderated:
        raise PermissionDeniedError(
            _("Only moderators can see a member's moderation history."), code="not_moderator"
        )
    return moderated[0]


def _member_post(request: HttpRequest, member: Any, scope: Community | None) -> str:
    actor = request.user
    form = request.POST.get("form", "")
    if form == "sanction":
        kind = request.POST.get("kind", "")
        place = _chosen_scope(_scopes(actor, member), request.POST.get("scope", ""))
        actions.sanction_member(
            actor=actor,
            member=member,
            community=place,
            kind=kind,
            reason=request.POST.get("reason", ""),
            guideline=request.POST.get("guideline", ""),
            days=parse_int(request.POST.get("days")) if kind == "suspension" else None,
        )
        return str(_("Sanction recorded. The member has been told."))
    if form == "lift":
        sanction_id = parse_id(request.POST.get("sanction_id"))
        data = queries.member_moderation(actor, member, scope)
        sanction = next((s for s in data["sanctions"] if s.pk == sanction_id), None)
        if sanction is None:
            raise NotFoundError(_("That sanction was not found."))
        actions.lift_sanction(
            actor=actor, sanction=sanction, reason=request.POST.get("lift_reason", "")
        )
        return str(_("Sanction lifted."))
    if form == "note":
        actions.add_member_note(
            actor=actor, member=member, community=scope, body=request.POST.get("body", "")
        )
        return str(_("Note added."))
    if form == "trust":
        raw = request.POST.get("level", "")
        level = None if raw == "" else parse_int(raw)
        if raw != "" and level not in TrustLevel.values:
            raise ValidationFailed(_("Choose a trust level."), field="level")
        actions.set_trust_level(
            actor=actor, member=member, level=level, reason=request.POST.get("trust_reason", "")
        )
        return str(_("Trust level saved."))
    raise ValidationFailed(_("Unknown form."))


@login_required
@page_errors
@require_http_methods(["GET", "POST"])
def member_moderation(request: HttpRequest, handle: str) -> HttpResponse:
    """Trust, sanctions (with a form to add and buttons to lift), notes and recent decisions."""
    actor = request.user
    member = account_queries.get_member(handle)
    scope = _view_scope(request, actor, member)
    errors: dict[str, str] = {}
    status = 200
    form = request.POST.get("form", "")
    if request.method == "POST":
        try:
            done = _member_post(request, member, scope)
        except PermissionDeniedError:
            raise
        except DomainError as error:
            errors, status = field_errors(error), error.status
        else:
            messages.success(request, done)
            url = reverse("member_moderation", args=[member.handle])
            if scope is not None:
                url += f"?community={scope.slug}"
            return redirect(url)
    data = queries.member_moderation(actor, member, scope)
    now_active = {sanction.pk for sanction in data["active_sanctions"]}
    context = {
        **data,
        "member": member,
        "scope": scope,
        "scope_choices": [
            (community.slug, community.name)
            for community, _count in queries.moderated_communities(actor)
            if permissions.can_moderate(actor, community)
        ],
        "sanction_scopes": [(key, label) for key, label, _c in _scopes(actor, member)],
        "sanction_kinds": Sanction.Kind.choices,
        "trust_levels": TrustLevel.choices,
        "active_ids": now_active,
        "form": form,
        "errors": errors,
        "values": request.POST if request.method == "POST" else {},
    }
    return private_no_store(
        render(request, "moderation/member_moderation.html", context, status=status)
    )


def _notice_row(actor: Any, action: ModerationAction) -> dict[str, Any]:
    # The appeal is loaded with the notice (select_related): no query per row.
    appeal = getattr(action, "appeal", None)
    return {
        "action": action,
        "headline": member_headline(action),
        "appeal": appeal,
        "can_appeal": action.is_appealable and appeal is None and action.member_id == actor.pk,
    }


@login_required
@page_errors
@require_GET
def my_moderation_notices(request: HttpRequest) -> HttpResponse:
    """Decisions about the signed-in member: what, when, why, where, and a way to appeal."""
    page = paginate(
        queries.member_notices(request.user), PageRequest.from_params(request.GET.get("page"))
    )
    rows = [_notice_row(request.user, action) for action in page.items]
    return private_no_store(
        render(request, "moderation/my_moderation_notices.html", {"page": page, "rows": rows})
    )


@login_required
@page_errors
@require_http_methods(["GET", "POST"])
def appeal_create(request: HttpRequest, action_id: int) -> HttpResponse:
    """Ask for one decision to be looked at again (once); afterwards shows the appeal."""
    actor = request.user
    action = queries.member_notices(actor).filter(pk=action_id).first()
    if action is None:
        raise NotFoundError(_("That notice was not found."))
    row = _notice_row(actor, action)
    text = request.POST.get("text", "")
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST" and row["can_appeal"]:
        try:
            actions.appeal_action(actor=actor, action=action, text=text)
        except PermissionDeniedError as error:
            errors, status = {"form": str(error.message)}, 400
        except DomainError as error:
            errors, status = field_errors(error), error.status
            if "body" in errors:
                errors["text"] = errors.pop("body")
        else:
            messages.success(
                request,
                _(
                    "Your appeal is sent. A moderator who did not take the decision will look at "
                    "it."
                ),
            )
            return redirect("appeal_create", action_id=action.pk)
    context = {**row, "text": text, "errors": errors}
    return private_no_store(
        render(request, "moderation/appeal_create.html", context, status=status)
    )
