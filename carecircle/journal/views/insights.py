"""Journal pages: the two opt-ins, a community's anonymous figures and "people like me".

`urls` is mounted under /journal/. Figures are read from the snapshot the task wrote; nothing
here computes them.
"""

from __future__ import annotations

import copy
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from carecircle.communities.permissions import check_can_read_community
from carecircle.communities.queries import get_community, memberships_of
from carecircle.core.errors import DomainError, RateLimitedError
from carecircle.core.interfaces import field_errors, page_errors
from carecircle.journal import insights, matching, payloads
from carecircle.journal.actions import preferences as actions
from carecircle.journal.models import InsightSnapshot, JournalPreferences, Stage
from carecircle.journal.queries import preferences_for

FIELD_LABELS: dict[str, Any] = {
    "conditions": gettext_lazy("My conditions"),
    "treatments": gettext_lazy("My treatments and the medicines I take now"),
    "stage": gettext_lazy("My stage"),
}
MATCH_LABELS: dict[str, Any] = {
    "conditions": gettext_lazy("Conditions"),
    "treatments": gettext_lazy("Treatments"),
    "stage": gettext_lazy("Stage"),
}


# Before the task's first run: not a suppression, so it may say so.
NOT_COMPUTED: dict[str, Any] = {"suppressed": True, "reason": "not_computed"}


def _member(request: HttpRequest) -> Any:
    """The signed-in member (the views are login_required)."""
    return request.user


def _values_of(preferences: JournalPreferences) -> dict[str, Any]:
    return {
        "contributes_to_insights": preferences.contributes_to_insights,
        "is_matchable": preferences.is_matchable,
        "match_fields": list(preferences.match_fields or []),
        "stage": preferences.stage,
    }


def effectiveness_label(key: Any) -> str:
    """An effectiveness answer's words ("not said" for members who did not say)."""
    if key == insights.NOT_SAID:
        return _("Not said")
    return str(payloads.EFFECTIVENESS.get(int(key), key))


def figures_context(snapshot: InsightSnapshot | None) -> dict[str, Any]:
    """What the figures partial needs: the snapshot's figures with labels added."""
    k = insights.k_threshold()
    if snapshot is None:
        return {"snapshot": None, "figures": NOT_COMPUTED, "k": k}
    figures = copy.deepcopy(snapshot.figures or {})
    for medication in figures.get("medications", []):
        for answer in medication.get("effectiveness", []):
            answer["label"] = effectiveness_label(answer["key"])
        medication["hidden_answers"] = sum(
            1 for answer in medication.get("effectiveness", []) if answer.get("hidden")
        )
    return {"snapshot": snapshot, "figures": figures, "k": snapshot.k or k}


def _settings_page(
    request: HttpRequest,
    *,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "values": values,
        "errors": errors or {},
        "field_choices": [(name, FIELD_LABELS[name]) for name in matching.FIELDS],
        "stage_choices": Stage.choices,
        "memberships": list(memberships_of(request.user).order_by("community__name")),
        "k": insights.k_threshold(),
        "min_days": insights.min_days(),
        "site": figures_context(insights.snapshot_for(None)),
    }
    return render(request, "journal/insights.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
@page_errors
def journal_insights(request: HttpRequest) -> HttpResponse:
    """The opt-ins, what they share and do not, and links to each community's figures."""
    if request.method == "GET":
        return _settings_page(request, values=_values_of(preferences_for(_member(request))))
    values: dict[str, Any] = {
        "contributes_to_insights": request.POST.get("contributes_to_insights") == "on",
        "is_matchable": request.POST.get("is_matchable") == "on",
        "match_fields": request.POST.getlist("match_fields"),
        "stage": request.POST.get("stage", ""),
    }
    try:
        actions.set_journal_preferences(
            actor=_member(request),
            contributes_to_insights=bool(values["contributes_to_insights"]),
            is_matchable=bool(values["is_matchable"]),
            match_fields=list(values["match_fields"]),
            stage=str(values["stage"]),
        )
    except DomainError as error:
        if error.status not in (400, 429):
            raise
        # Too many changes: shown at the top of the form, the member's choices kept.
        return _settings_page(
            request, values=values, errors=field_errors(error), status=error.status
        )
    messages.success(request, _("Your choices are saved."))
    return redirect("journal_insights")


@login_required
@require_GET
@page_errors
def journal_community_insights(request: HttpRequest, slug: str) -> HttpResponse:
    """A community's latest anonymous figures, for members who may read the community."""
    community = get_community(request.user, slug)
    check_can_read_community(request.user, community)
    context = {"community": community, **figures_context(insights.snapshot_for(community))}
    return render(request, "journal/insights_community.html", context)


@login_required
@require_GET
@page_errors
def journal_people_like_me(request: HttpRequest) -> HttpResponse:
    """Members who opted in and share something the viewer also chose to share."""
    preferences = preferences_for(_member(request))
    is_matchable = bool(matching.chosen_fields(preferences))
    matches: list[matching.Match] = []
    rate_message = ""
    status = 200
    if is_matchable:
        try:
            matching.check_people_like_me_rate(_member(request))
        except RateLimitedError as error:
            rate_message, status = str(error.message), 429
        else:
            matches = matching.people_like_me(_member(request))
    context = {
        "is_matchable": is_matchable,
        "matches": matches,
        "rate_message": rate_message,
        "match_labels": MATCH_LABELS,
        "chosen": [MATCH_LABELS[name] for name in matching.chosen_fields(preferences)],
    }
    return render(request, "journal/people_like_me.html", context, status=status)


urls: list[URLPattern] = [
    path("insights/", journal_insights, name="journal_insights"),
    path("insights/<slug:slug>/", journal_community_insights, name="journal_community_insights"),
    path("people-like-me/", journal_people_like_me, name="journal_people_like_me"),
]
