"""Moderation settings: a community's policy, report reasons and watched words; the site's
watched words and crisis resources."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from carecircle.communities import queries as community_queries
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
from carecircle.moderation import actions, permissions, queries
from carecircle.moderation.models import (
    CrisisResource,
    ReportReason,
    TrustLevel,
    WatchedWord,
)

SETTING_FIELDS = [
    "premoderate_first_posts",
    "auto_hide_reports",
    "auto_hide_trust_level",
    "new_member_posts_per_day",
]
WORD_FIELDS = ["pattern", "action", "replacement", "message"]
RESOURCE_FIELDS = ["country", "name", "phone", "url", "description", "position"]


def _watched_words(community: Community | None) -> list[WatchedWord]:
    # Read only after the permission check: every word of this one scope.
    return list(WatchedWord.objects.filter(community=community).select_related("created_by"))


def _word_values(request: HttpRequest) -> dict[str, Any]:
    values: dict[str, Any] = {name: request.POST.get(name, "") for name in WORD_FIELDS}
    values["is_regex"] = request.POST.get("is_regex") == "on"
    return values


def _add_word(request: HttpRequest, community: Community | None, values: dict[str, Any]) -> None:
    actions.add_watched_word(
        actor=request.user,
        community=community,
        pattern=values["pattern"],
        is_regex=values["is_regex"],
        action=values["action"],
        replacement=values["replacement"],
        message=values["message"],
    )


def _delete_word(request: HttpRequest, words: list[WatchedWord]) -> None:
    word_id = parse_id(request.POST.get("word_id"))
    word = next((word for word in words if word.pk == word_id), None)
    if word is None:
        raise NotFoundError(_("That watched word was not found."))
    actions.delete_watched_word(actor=request.user, word=word)


def _save_settings(request: HttpRequest, community: Community, values: dict[str, Any]) -> None:
    numbers: dict[str, int] = {}
    for name in SETTING_FIELDS:
        number = parse_int(values[name])
        if number is None or number < 0:
            raise ValidationFailed(_("Enter a whole number, 0 or more."), field=name)
        numbers[name] = number
    actions.update_moderation_settings(
        actor=request.user,
        community=community,
        premoderate_first_posts=numbers["premoderate_first_posts"],
        auto_hide_reports=numbers["auto_hide_reports"],
        auto_hide_trust_level=numbers["auto_hide_trust_level"],
        new_member_posts_per_day=numbers["new_member_posts_per_day"],
        show_medical_notice=values["show_medical_notice"],
        medical_notice=values["medical_notice"],
    )


@login_required
@page_errors
@require_http_methods(["GET", "POST"])
def moderation_settings(request: HttpRequest, slug: str) -> HttpResponse:
    """A community manager's moderation policy, report reasons and watched words."""
    actor = request.user
    community = community_queries.get_community(actor, slug)
    permissions.check_can_manage_moderation_settings(actor, community)
    policy = queries.settings_for(community)
    reasons = list(ReportReason.objects.filter(community=community))
    words = _watched_words(community)
    form = request.POST.get("form", "")
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    status = 200
    if request.method == "POST":
        try:
            if form == "settings":
                values = {name: request.POST.get(name, "") for name in SETTING_FIELDS}
                values["medical_notice"] = request.POST.get("medical_notice", "")
                values["show_medical_notice"] = request.POST.get("show_medical_notice") == "on"
                _save_settings(request, community, values)
                done = _("Moderation settings saved.")
            elif form == "reason_add":
                values = {
                    "label": request.POST.get("label", ""),
                    "description": request.POST.get("description", ""),
                }
                actions.save_report_reason(actor=actor, community=community, **values)
                done = _("Report reason added.")
            elif form in ("reason_deactivate", "reason_activate"):
                reason_id = parse_id(request.POST.get("reason_id"))
                reason = next((r for r in reasons if r.pk == reason_id), None)
                if reason is None:
                    raise NotFoundError(_("That report reason was not found."))
                actions.save_report_reason(
                    actor=actor,
                    community=community,
                    label=reason.label,
                    description=reason.description,
                    is_active=form == "reason_activate",
                    reason_id=reason.pk,
                )
                done = _("Report reason updated.")
            elif form == "word_add":
                values = _word_values(request)
                _add_word(request, community, values)
                done = _("Watched word added.")
            elif form == "word_delete":
                _delete_word(request, words)
                done = _("Watched word removed.")
            else:
                raise NotFoundError(_("Unknown form."))
        except PermissionDeniedError:
            raise
        except DomainError as error:
            errors, status = field_errors(error), error.status
        else:
            messages.success(request, done)
            return redirect("moderation_settings", slug=community.slug)
    context = {
        "community": community,
        "policy": policy,
        "reasons": reasons,
        "words": words,
        "word_actions": WatchedWord.Action.choices,
        "trust_levels": TrustLevel.choices,
        "form": form,
        "errors": errors,
        "errors_for": {form: errors} if form else {},
        "values": values,
        "default_notice": queries.default_medical_notice(),
    }
    return private_no_store(
        render(request, "moderation/moderation_settings.html", context, status=status)
    )


@login_required
@page_errors
@require_http_methods(["GET", "POST"])
def site_watched_words(request: HttpRequest) -> HttpResponse:
    """Watched words for the whole site (site administrators and managers)."""
    actor = request.user
    permissions.check_can_manage_moderation_settings(actor, None)
    words = _watched_words(None)
    form = request.POST.get("form", "")
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    status = 200
    if request.method == "POST":
        try:
            if form == "word_delete":
                _delete_word(request, words)
                done = _("Watched word removed.")
            else:
                form = "word_add"
                values = _word_values(request)
                _add_word(request, None, values)
                done = _("Watched word added.")
        except PermissionDeniedError:
            raise
        except DomainError as error:
            errors, status = field_errors(error), error.status
        else:
            messages.success(request, done)
            return redirect("site_watched_words")
    context = {
        "words": words,
        "word_actions": WatchedWord.Action.choices,
        "form": form,
        "errors": errors,
        "errors_for": {form: errors} if form else {},
        "values": values,
    }
    return private_no_store(
        render(request, "moderation/site_watched_words.html", context, status=status)
    )


def _check_site_admin(actor: Any) -> None:
    if not getattr(actor, "is_site_admin", False):
        raise PermissionDeniedError(
            _("Only site administrators can change crisis resources."), code="not_site_admin"
        )


@login_required
@page_errors
@require_http_methods(["GET", "POST"])
def crisis_resources(request: HttpRequest) -> HttpResponse:
    """Helplines shown to members in crisis: list, add and remove (site administrators)."""
    actor = request.user
    _check_site_admin(actor)
    resources = list(CrisisResource.objects.all())
    form = request.POST.get("form", "")
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    status = 200
    if request.method == "POST":
        try:
            if form == "resource_delete":
                resource_id = parse_id(request.POST.get("resource_id"))
                resource = next((r for r in resources if r.pk == resource_id), None)
                if resource is None:
                    raise NotFoundError(_("That resource was not found."))
                actions.delete_crisis_resource(actor=actor, resource=resource)
                done = _("Crisis resource removed.")
            else:
                form = "resource_add"
                values = {name: request.POST.get(name, "") for name in RESOURCE_FIELDS}
                values["is_emergency"] = request.POST.get("is_emergency") == "on"
                actions.save_crisis_resource(
                    actor=actor,
                    country=values["country"].strip().upper(),
                    name=values["name"],
                    phone=values["phone"],
                    url=values["url"],
                    description=values["description"],
                    is_emergency=values["is_emergency"],
                    position=parse_int(values["position"]) or 0,
                )
                done = _("Crisis resource added.")
        except PermissionDeniedError:
            raise
        except DomainError as error:
            errors, status = field_errors(error), error.status
        else:
            messages.success(request, done)
            return redirect("crisis_resources")
    context = {
        "resources": resources,
        "form": form,
        "errors": errors,
        "errors_for": {form: errors} if form else {},
        "values": values,
    }
    return private_no_store(
        render(request, "moderation/crisis_resources.html", context, status=status)
    )
