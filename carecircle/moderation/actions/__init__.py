"""Every write of moderation: reports, decisions, sanctions, appeals, notes, settings, trust.

Import from here (`from carecircle.moderation import actions; actions.resolve_item(...)`); the
modules below are split only to keep each one readable.
"""

from carecircle.moderation.actions.appeals import appeal_action, decide_appeal
from carecircle.moderation.actions.configuration import (
    SAFEGUARDING_STEPS,
    add_context_note,
    add_watched_word,
    delete_crisis_resource,
    delete_watched_word,
    remove_context_note,
    save_crisis_resource,
    save_report_reason,
    update_moderation_settings,
    update_safeguarding_checklist,
)
from carecircle.moderation.actions.decisions import DECISIONS, resolve_item
from carecircle.moderation.actions.members import (
    add_member_note,
    record_topic_read,
    record_visit,
    refresh_trust_level,
    set_trust_level,
)
from carecircle.moderation.actions.reports import report_content
from carecircle.moderation.actions.sanctions import (
    lift_sanction,
    sanction_member,
    set_premoderation,
)

__all__ = [
    "DECISIONS",
    "SAFEGUARDING_STEPS",
    "add_context_note",
    "add_member_note",
    "add_watched_word",
    "appeal_action",
    "decide_appeal",
    "delete_crisis_resource",
    "delete_watched_word",
    "lift_sanction",
    "record_topic_read",
    "record_visit",
    "refresh_trust_level",
    "remove_context_note",
    "report_content",
    "resolve_item",
    "sanction_member",
    "save_crisis_resource",
    "save_report_reason",
    "set_premoderation",
    "set_trust_level",
    "update_moderation_settings",
    "update_safeguarding_checklist",
]
