from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from carecircle.communities import actions, permissions, queries
from carecircle.communities.models import Community, Membership
from carecircle.core.errors import DomainError
from carecircle.core.interfaces import field_errors, page_errors
from carecircle.core.markdown import render_markdown
from carecircle.core.pagination import PageRequest
from carecircle.core.visitor_cache import is_visitor_request, mark_visitor_cacheable
from carecircle.discussions import queries as discussion_queries

COMMUNITY_FIELDS = ("name", "description", "guidelines", "kind", "visibility")


def home(request: HttpRequest) -> HttpResponse:
    communities = queries.list_communities(request.user)
    mine = [c for c in communities if getattr(c, "actor_membership", None)]
    return render(
        request,
        "communities/home.html",
        {
            "communities": communities,
            "my_communities": mine,
            "recent_topics": discussion_queries.recent_topics(request.user, limit=10),
        },
    )


def community_list(request: HttpRequest) -> HttpResponse:
    communities = queries.list_communities(request.user)
    for community in communities:
        community.can_read = permissions.can_read_community(request.user, community)  # type: ignore[attr-defined]
    response = render(
        request,
        "communities/community_list.html",
        {
            "communities": communities,
            "can_create": permissions.can_create_community(request.user),
        },
    )
    if is_visitor_request(request):
        mark_visitor_cacheable(response)
    return response


@page_errors
def community_detail(request: HttpRequest, slug: str) -> HttpResponse:
    community = queries.get_community(request.user, slug)
    can_read = permissions.can_read_community(request.user, community)
    context: dict[str, object] = {
        "community": community,
        "membership": permissions.membership_of(request.user, community),
        "can_read": can_read,
        "can_join": permissions.can_join_community(request.user, community),
        "can_post": permissions.can_post_in_community(request.user, community),
        "can_manage": permissions.can_manage_community(request.user, community),
        "can_moderate": permissions.can_moderate_community(request.user, community),
    }
    if can_read:
        from carecircle.moderation.queries import medical_notice

        context["page"] = discussion_queries.community_topics(
            request.user, community, PageRequest.from_params(request.GET.get("page"))
        )
        context["medical_notice"] = medical_notice(community)
    response = render(request, "communities/community_detail.html", context)
    if is_visitor_request(request):
        mark_visitor_cacheable(response)
    return response


@page_errors
def community_guidelines(request: HttpRequest, slug: str) -> HttpResponse:
    community = queries.get_community(request.user, slug)
    return render(
        request,
        "communities/community_guidelines.html",
        {
            "community": community,
            "guidelines_html": render_markdown(community.guidelines),
            "membership": permissions.membership_of(request.user, community),
        },
    )


@login_required
@page_errors
@require_http_methods(["GET", "POST"])
def community_join(request: HttpRequest, slug: str) -> HttpResponse:
    community = queries.get_community(request.user, slug)
    membership = permissions.membership_of(request.user, community)
    errors: dict[str, str] = {}
    if request.method == "POST":
        accepted = request.POST.get("accept_guidelines") == "yes"
        try:
            if membership is not None:
                actions.accept_guidelines(
                    actor=request.user, community=community, accept_guidelines=accepted
                )
            else:
                actions.join_community(
                    actor=request.user, community=community, accept_guidelines=accepted
                )
        except DomainError as error:
            errors = field_errors(error)
        else:
            messages.success(request, _("Welcome to %(name)s!") % {"name": community.name})
            return redirect(community.get_absolute_url())
    elif membership is None:
        permissions.check_can_join_community(request.user, community)
    return render(
        request,
        "communities/community_join.html",
        {
            "community": community,
            "membership": membership,
            "guidelines_html": render_markdown(community.guidelines),
            "errors": errors,
        },
        status=400 if errors else 200,
    )


@login_required
@page_errors
@require_http_methods(["GET", "POST"])
def community_leave(request: HttpRequest, slug: str) -> HttpResponse:
    community = queries.get_community(request.user, slug)
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            actions.leave_community(actor=request.user, community=community)
        except DomainError as error:
            errors = field_errors(error)
        else:
            messages.success(request, _("You have left %(name)s.") % {"name": community.name})
            return redirect("community_list")
    return render(
        request,
        "communities/community_leave.html",
        {"community": community, "errors": errors},
        status=400 if errors else 200,
    )


@page_errors
@require_http_methods(["GET", "POST"])
def community_members(request: HttpRequest, slug: str) -> HttpResponse:
    community = queries.get_community(request.user, slug)
    permissions.check_can_read_community(request.user, community)
    can_manage = permissions.can_manage_community(request.user, community)
    can_invite = permissions.can_moderate_community(request.user, community)
    errors: dict[str, str] = {}
    invite_handle = ""
    if request.method == "POST":
        operation = request.POST.get("operation", "")
        try:
            if operation == "set_role":
                member = queries.get_member(request.user, community, request.POST.get("member", ""))
                actions.set_member_role(
                    actor=request.user,
                    community=community,
                    member=member,
                    role=request.POST.get("role", ""),
                )
                messages.success(
                    request,
                    _("%(name)s's role is updated.") % {"name": member.display_name},
                )
            elif operation == "invite":
                invite_handle = request.POST.get("handle", "")
                invitee = queries.find_member_by_handle(invite_handle)
                actions.invite_member(actor=request.user, community=community, member=invitee)
                messages.success(
                    request,
                    _("%(name)s is invited. They will see the invitation on the communities page.")
                    % {"name": invitee.display_name},
                )
                invite_handle = ""
            else:
                permissions.check_can_manage_community(request.user, community)
        except DomainError as error:
            if error.status == 403:
                raise
            errors = field_errors(error)
        else:
            return redirect("community_members", slug=community.slug)
    return render(
        request,
        "communities/community_members.html",
        {
            "community": community,
            "memberships": queries.list_members(request.user, community)[:500],
            "can_manage": can_manage,
            "can_invite": can_invite,
            "roles": Membership.Role.choices,
            "errors": errors,
            "invite_handle": invite_handle,
        },
        status=400 if errors else 200,
    )


@login_required
@page_errors
@require_http_methods(["GET", "POST"])
def community_create(request: HttpRequest) -> HttpResponse:
    permissions.check_can_create_community(request.user)
    values = {field: request.POST.get(field, "") for field in COMMUNITY_FIELDS}
    values.setdefault("kind", Community.Kind.CONDITION)
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            community = actions.create_community(actor=request.user, **values)
        except DomainError as error:
            errors = field_errors(error)
        else:
            return redirect(community.get_absolute_url())
    else:
        values.update(kind=Community.Kind.CONDITION, visibility=Community.Visibility.PUBLIC)
    return render(
        request,
        "communities/community_form.html",
        {"values": values, "errors": errors, "community": None, **_choices()},
        status=400 if errors else 200,
    )


@login_required
@page_errors
@require_http_methods(["GET", "POST"])
def community_edit(request: HttpRequest, slug: str) -> HttpResponse:
    community = queries.get_community(request.user, slug)
    permissions.check_can_manage_community(request.user, community)
    errors: dict[str, str] = {}
    values: dict[str, Any]
    if request.method == "POST":
        values = {field: request.POST.get(field, "") for field in COMMUNITY_FIELDS}
        values["allow_anonymous_posts"] = request.POST.get("allow_anonymous_posts") == "on"
        try:
            actions.update_community(actor=request.user, community=community, **values)
        except DomainError as error:
            errors = field_errors(error)
        else:
            messages.success(request, _("Community settings saved."))
            return redirect(community.get_absolute_url())
    else:
        values = {field: getattr(community, field) for field in COMMUNITY_FIELDS}
        values["allow_anonymous_posts"] = community.allow_anonymous_posts
    return render(
        request,
        "communities/community_form.html",
        {"values": values, "errors": errors, "community": community, **_choices()},
        status=400 if errors else 200,
    )


def _choices() -> dict[str, object]:
    return {"kinds": Community.Kind.choices, "visibilities": Community.Visibility.choices}
