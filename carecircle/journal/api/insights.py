"""Journal JSON API: the member's opt-ins, a community's anonymous figures, people like me."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema

from carecircle.api.api import member_auth
from carecircle.api.schemas import ErrorOut
from carecircle.communities.permissions import check_can_read_community
from carecircle.communities.queries import get_community
from carecircle.core.errors import PermissionDeniedError
from carecircle.journal import insights, matching
from carecircle.journal.actions import preferences as actions
from carecircle.journal.models import JournalPreferences
from carecircle.journal.queries import preferences_for

router = Router(tags=["journal"])


class PreferencesOut(Schema):
    contributes_to_insights: bool
    contributes_since: datetime | None
    is_matchable: bool
    match_fields: list[str]
    stage: str


class PreferencesIn(Schema):
    contributes_to_insights: bool = False
    is_matchable: bool = False
    match_fields: list[str] = []
    stage: str = ""


class InsightsOut(Schema):
    community: str
    computed_at: datetime | None
    k: int
    # See insights.py: the published figures, or {"suppressed": true, "reason": "suppressed",
    # "k": k} whatever held them back ("not_computed" before the first computation).
    figures: dict[str, Any]


class MatchOut(Schema):
    handle: str
    display_name: str
    profile_url: str
    message_url: str
    shared_count: int
    # Only fields both members chose to share, only the values they have in common.
    shared: dict[str, list[str]]


def _member(request: HttpRequest) -> Any:
    """The signed-in member (every route here needs member_auth)."""
    return request.user


def preferences_out(preferences: JournalPreferences) -> PreferencesOut:
    return PreferencesOut(
        contributes_to_insights=preferences.contributes_to_insights,
        contributes_since=preferences.contributes_since,
        is_matchable=preferences.is_matchable,
        match_fields=list(preferences.match_fields or []),
        stage=preferences.stage,
    )


@router.get("/journal/preferences", response={200: PreferencesOut, 401: ErrorOut}, auth=member_auth)
def get_preferences(request: HttpRequest) -> PreferencesOut:
    """Your journal opt-ins (both off until you turn them on)."""
    return preferences_out(preferences_for(_member(request)))


@router.put(
    "/journal/preferences",
    response={200: PreferencesOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 429: ErrorOut},
    auth=member_auth,
)
def put_preferences(request: HttpRequest, payload: PreferencesIn) -> PreferencesOut:
    """Set your opt-ins; `match_fields` is a subset of conditions, treatments, stage."""
    actions.set_journal_preferences(
        actor=_member(request),
        contributes_to_insights=payload.contributes_to_insights,
        is_matchable=payload.is_matchable,
        match_fields=payload.match_fields,
        stage=payload.stage,
    )
    return preferences_out(preferences_for(_member(request)))


@router.get(
    "/journal/insights/{slug}",
    response={200: InsightsOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    auth=member_auth,
)
def get_insights(request: HttpRequest, slug: str) -> InsightsOut:
    """A community's latest anonymous figures (computed every 6 hours, suppressed below k)."""
    community = get_community(request.user, slug)
    check_can_read_community(request.user, community)
    snapshot = insights.snapshot_for(community)
    if snapshot is None:
        return InsightsOut(
            community=community.slug,
            computed_at=None,
            k=insights.k_threshold(),
            figures={"suppressed": True, "reason": "not_computed"},  # the task never ran
        )
    return InsightsOut(
        community=community.slug,
        computed_at=snapshot.computed_at,
        k=snapshot.k,
        figures=snapshot.figures,
    )


@router.get(
    "/journal/people-like-me",
    response={200: list[MatchOut], 401: ErrorOut, 403: ErrorOut, 429: ErrorOut},
    auth=member_auth,
)
def get_people_like_me(request: HttpRequest) -> list[MatchOut]:
    """Members who opted in and share a value with you on fields you both chose (you must opt
    in first: 403 `not_matchable`; 30 looks an hour, page and API together: 429)."""
    if not matching.chosen_fields(preferences_for(_member(request))):
        raise PermissionDeniedError(
            _("Turn on “people like me” first: only members who take part see others."),
            code="not_matchable",
        )
    matching.check_people_like_me_rate(_member(request))
    return [
        MatchOut(
            handle=match.member.handle,
            display_name=match.member.display_name,
            profile_url=match.profile_url,
            message_url=match.message_url,
            shared_count=match.shared_count,
            shared=match.shared,
        )
        for match in matching.people_like_me(_member(request))
    ]
