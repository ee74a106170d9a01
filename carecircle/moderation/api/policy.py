"""Community moderation policy: settings, the community's own report reasons, watched words."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

from carecircle.api.api import member_auth
from carecircle.communities import queries as community_queries
from carecircle.communities.permissions import check_can_read_community
from carecircle.moderation import actions, permissions, queries
from carecircle.moderation.api import lookups
from carecircle.moderation.api.items import community_or_site
from carecircle.moderation.api.outputs import watched_word_out
from carecircle.moderation.models import ModerationSettings, ReportReason
from carecircle.moderation.schemas import (
    ModerationErrorOut,
    ModerationSettingsIn,
    ModerationSettingsOut,
    ReportReasonIn,
    ReportReasonOut,
    WatchedWordIn,
    WatchedWordOut,
)

router: Router = Router()

E = ModerationErrorOut


def settings_out(community: Any, settings: ModerationSettings) -> ModerationSettingsOut:
    return ModerationSettingsOut(
        community=community.slug,
        premoderate_first_posts=settings.premoderate_first_posts,
        auto_hide_reports=settings.auto_hide_reports,
        auto_hide_trust_level=settings.auto_hide_trust_level,
        new_member_posts_per_day=settings.new_member_posts_per_day,
        show_medical_notice=settings.show_medical_notice,
        medical_notice=settings.medical_notice,
        effective_medical_notice=queries.medical_notice(community),
    )


@router.get(
    "/communities/{slug}/moderation/settings",
    response={200: ModerationSettingsOut, 401: E, 403: E, 404: E},
    auth=member_auth,
)
def get_moderation_settings(request: HttpRequest, slug: str) -> ModerationSettingsOut:
    """A community's moderation settings (its moderators and managers)."""
    community = community_queries.get_community(request.user, slug)
    permissions.check_can_moderate(request.user, community)
    return settings_out(community, queries.settings_for(community))


@router.put(
    "/communities/{slug}/moderation/settings",
    response={200: ModerationSettingsOut, 400: E, 401: E, 403: E, 404: E},
    auth=member_auth,
)
def update_moderation_settings(
    request: HttpRequest, slug: str, payload: ModerationSettingsIn
) -> ModerationSettingsOut:
    """Change a community's moderation settings (its managers; site admins and managers)."""
    community = community_queries.get_community(request.user, slug)
    settings = actions.update_moderation_settings(
        actor=request.user, community=community, **payload.dict()
    )
    return settings_out(community, settings)


def reason_out(reason: ReportReason) -> ReportReasonOut:
    return ReportReasonOut(
        id=reason.pk,
        label=reason.label,
        description=reason.description,
        is_active=reason.is_active,
    )


@router.get(
    "/communities/{slug}/report-reasons",
    response={200: list[ReportReasonOut], 403: E, 404: E},
)
def list_report_reasons(request: HttpRequest, slug: str) -> list[ReportReasonOut]:
    """The community's own report reasons: active ones for readers, all for its managers."""
    community = community_queries.get_community(request.user, slug)
    check_can_read_community(request.user, community)
    return [reason_out(r) for r in lookups.report_reasons(request.user, community)]


@router.post(
    "/communities/{slug}/report-reasons",
    response={200: ReportReasonOut, 201: ReportReasonOut, 400: E, 401: E, 403: E, 404: E, 409: E},
    auth=member_auth,
)
def save_report_reason(
    request: HttpRequest, slug: str, payload: ReportReasonIn
) -> Status[ReportReasonOut]:
    """Add a report reason (201), or change one by `id` (200): the community's managers."""
    community = community_queries.get_community(request.user, slug)
    reason = actions.save_report_reason(
        actor=request.user,
        community=community,
        label=payload.label,
        description=payload.description,
        is_active=payload.is_active,
        reason_id=payload.id,
    )
    return Status(200 if payload.id else 201, reason_out(reason))


@router.get(
    "/moderation/watched-words",
    response={200: list[WatchedWordOut], 401: E, 403: E, 404: E},
    auth=member_auth,
)
def list_watched_words(request: HttpRequest, community: str = "") -> list[WatchedWordOut]:
    """A community's watched words (its moderators), or the site-wide list (site staff)."""
    where = community_or_site(request.user, community)
    return [watched_word_out(w) for w in lookups.watched_words(request.user, where)]


@router.post(
    "/moderation/watched-words",
    response={201: WatchedWordOut, 400: E, 401: E, 403: E, 404: E, 409: E},
    auth=member_auth,
)
def add_watched_word(request: HttpRequest, payload: WatchedWordIn) -> Status[WatchedWordOut]:
    """Watch a word or pattern: block, hold for approval, flag or replace (managers; the
    site-wide list: site admins)."""
    word = actions.add_watched_word(
        actor=request.user,
        community=community_or_site(request.user, payload.community or ""),
        pattern=payload.pattern,
        is_regex=payload.is_regex,
        action=payload.action,
        replacement=payload.replacement,
        message=payload.message,
    )
    return Status(201, watched_word_out(word))


@router.delete(
    "/moderation/watched-words/{word_id}",
    response={204: None, 401: E, 403: E, 404: E},
    auth=member_auth,
)
def delete_watched_word(request: HttpRequest, word_id: int) -> Status[None]:
    """Stop watching a word."""
    word = lookups.watched_word_for(request.user, word_id)
    actions.delete_watched_word(actor=request.user, word=word)
    return Status(204, None)
