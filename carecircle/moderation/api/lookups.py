"""Single-row reads the API needs by id, scoped to the actor like queries.py.

Anything the actor may not see answers NotFoundError, exactly like a row that does not exist,
so ids cannot be probed. (Candidates for moving into moderation/queries.py.)
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from carecircle.communities.models import Community
from carecircle.core.errors import NotFoundError
from carecircle.moderation import permissions
from carecircle.moderation.models import (
    Appeal,
    ContextNote,
    ReportReason,
    Sanction,
    WatchedWord,
)


def sanction_for(actor: Any, sanction_id: int) -> Sanction:
    """A sanction the actor could have given (its community's moderators, site staff)."""
    sanction = Sanction.objects.select_related("member", "community").filter(pk=sanction_id).first()
    if sanction is None or not permissions.can_moderate(actor, sanction.community):
        raise NotFoundError(_("That sanction was not found."))
    return sanction


def appeal_for(actor: Any, appeal_id: int) -> Appeal:
    """An appeal against a decision in a community the actor moderates (site: site staff)."""
    appeal = (
        Appeal.objects.select_related("action__community", "action__member", "member")
        .filter(pk=appeal_id)
        .first()
    )
    if appeal is None or not permissions.can_moderate(actor, appeal.action.community):
        raise NotFoundError(_("That appeal was not found."))
    return appeal


def watched_words(actor: Any, community: Community | None) -> QuerySet[WatchedWord]:
    """A community's watched words (its moderators) or the site-wide ones (site staff)."""
    permissions.check_can_moderate(actor, community)
    return WatchedWord.objects.filter(community=community).select_related("community")


def watched_word_for(actor: Any, word_id: int) -> WatchedWord:
    word = WatchedWord.objects.select_related("community").filter(pk=word_id).first()
    if word is None or not permissions.can_moderate(actor, word.community):
        raise NotFoundError(_("That watched word was not found."))
    return word


def report_reasons(actor: Any, community: Community) -> QuerySet[ReportReason]:
    """The community's own report reasons: every one for its managers, active ones otherwise."""
    reasons = ReportReason.objects.filter(community=community)
    if not permissions.can_manage_moderation_settings(actor, community):
        reasons = reasons.filter(is_active=True)
    return reasons


def context_note_for(actor: Any, note_id: int) -> ContextNote:
    """A context note (not removed) under a post the actor can read."""
    from carecircle.discussions import queries as discussion_queries

    note = (
        ContextNote.objects.select_related("author")
        .filter(pk=note_id, removed_at__isnull=True)
        .first()
    )
    if note is None:
        raise NotFoundError(_("That note was not found."))
    note.post = discussion_queries.get_post(actor, note.post_id)
    return note
