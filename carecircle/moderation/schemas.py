"""JSON shapes of the moderation API: input validation only, no rules."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Schema

from carecircle.api.schemas import PageMeta


class ModerationErrorOut(Schema):
    """The API's error body; `details` lists what screening found when it asks to confirm."""

    code: str
    message: str
    field: str | None = None
    details: list[dict[str, Any]] | None = None


# --- reports -----------------------------------------------------------------------------------


class ReportIn(Schema):
    kind: str  # post | topic | message | member
    target_id: int
    reason: str
    note: str = ""
    custom_reason_id: int | None = None


class ReportOut(Schema):
    id: int
    kind: str
    target_id: int
    reason: str
    note: str
    created_at: datetime


# --- review items ------------------------------------------------------------------------------


class ItemReportOut(Schema):
    reason: str
    reason_label: str
    custom_reason: str | None
    note: str
    reporter: str | None  # handle; None once the reporter's account is gone
    created_at: datetime


class TargetOut(Schema):
    post_id: int | None
    topic_id: int | None
    message_id: int | None
    member: str | None  # handle of the reported member or of the author
    title: str | None  # the topic's title for posts and topics
    excerpt: str
    moderation_state: str | None  # visible | pending | hidden, for posts, topics and messages
    is_deleted: bool


class ReviewItemOut(Schema):
    id: int
    queue: str
    kind: str
    source: str
    status: str
    community: str | None  # slug; None for the site-wide queue
    target: TargetOut
    reports: list[ItemReportOut]
    report_count: int
    flags: list[dict[str, Any]]
    is_urgent: bool
    is_escalated: bool
    is_auto_hidden: bool
    checklist: dict[str, str]
    appeal_id: int | None
    created_at: datetime
    resolution: str
    resolved_at: datetime | None


class ReviewItemPage(PageMeta):
    items: list[ReviewItemOut]


class ActionOut(Schema):
    id: int
    verb: str
    verb_label: str
    community: str | None
    actor: str | None  # handle; None for the system
    member: str | None
    item_id: int | None
    target_key: str
    reason: str
    guideline: str
    is_appealable: bool
    created_at: datetime


class ActionPage(PageMeta):
    items: list[ActionOut]


class SanctionOut(Schema):
    id: int
    member: str
    kind: str
    community: str | None
    reason: str
    starts_at: datetime
    ends_at: datetime | None
    lifted_at: datetime | None
    is_active: bool


class MemberNoteOut(Schema):
    id: int
    member: str
    community: str | None
    author: str | None
    body: str
    created_at: datetime


class ChecklistStepOut(Schema):
    step: str
    label: str
    done_at: str


class ItemSummaryOut(Schema):
    id: int
    queue: str
    kind: str
    status: str
    community: str | None
    created_at: datetime


class ItemContextOut(Schema):
    author_history: dict[str, Any]
    sanctions: list[SanctionOut]
    notes: list[MemberNoteOut]
    other_items: list[ItemSummaryOut]
    actions: list[ActionOut]


class ContextNoteOut(Schema):
    id: int
    post_id: int
    author: str | None
    author_is_professional: bool
    body: str
    resource_url: str
    resource_title: str
    created_at: datetime


class ReviewItemDetailOut(ReviewItemOut):
    body_snapshot: str
    body: str | None  # the words now; None when deleted
    checklist_steps: list[ChecklistStepOut]
    context_notes: list[ContextNoteOut]
    context: ItemContextOut


class DecisionIn(Schema):
    decision: str
    reason: str = ""
    guideline: str = ""
    body: str | None = None
    title: str | None = None
    destination: str | None = None  # community slug, for "move"
    days: int | None = None


class DecisionOut(Schema):
    action: ActionOut
    item: ReviewItemOut


class ChecklistIn(Schema):
    step: str
    is_done: bool


# --- members -----------------------------------------------------------------------------------


class TrustOut(Schema):
    level: int  # the effective level
    label: str
    computed_level: int
    manual_level: int | None


class MemberModerationOut(Schema):
    handle: str
    display_name: str
    community: str | None
    trust: TrustOut
    is_premoderated: bool
    sanctions: list[SanctionOut]
    notes: list[MemberNoteOut]
    actions: list[ActionOut]


class SanctionIn(Schema):
    kind: str  # warning | pre_moderation | suspension | ban
    community: str | None = None  # slug; None for site-wide (site staff)
    reason: str
    guideline: str = ""
    days: int | None = None


class MemberNoteIn(Schema):
    body: str
    community: str | None = None


class TrustLevelIn(Schema):
    level: int | None  # None clears the level set by hand
    reason: str = ""


class PremoderationIn(Schema):
    is_on: bool
    community: str | None = None
    reason: str = ""


class PremoderationOut(Schema):
    is_on: bool
    sanction: SanctionOut | None


# --- member notices and appeals ----------------------------------------------------------------


class NoticeAppealOut(Schema):
    id: int
    status: str
    decision: str
    created_at: datetime
    decided_at: datetime | None


class NoticeOut(Schema):
    id: int
    verb: str
    verb_label: str
    # The decision as the member reads it: "Your post was hidden".
    headline: str
    community: str | None
    reason: str
    guideline: str
    created_at: datetime
    can_appeal: bool
    appeal: NoticeAppealOut | None


class NoticePage(PageMeta):
    items: list[NoticeOut]


class AppealIn(Schema):
    text: str


class AppealDecisionIn(Schema):
    uphold: bool
    decision: str


# --- community settings ------------------------------------------------------------------------


class ModerationSettingsOut(Schema):
    community: str
    premoderate_first_posts: int
    auto_hide_reports: int
    auto_hide_trust_level: int
    new_member_posts_per_day: int
    show_medical_notice: bool
    medical_notice: str
    effective_medical_notice: str  # what members see ("" when turned off)


class ModerationSettingsIn(Schema):
    premoderate_first_posts: int
    auto_hide_reports: int
    auto_hide_trust_level: int
    new_member_posts_per_day: int
    show_medical_notice: bool
    medical_notice: str = ""


class ReportReasonOut(Schema):
    id: int
    label: str
    description: str
    is_active: bool


class ReportReasonIn(Schema):
    label: str
    description: str = ""
    is_active: bool = True
    id: int | None = None  # set to change an existing reason


class WatchedWordOut(Schema):
    id: int
    community: str | None
    pattern: str
    is_regex: bool
    action: str
    replacement: str
    message: str
    created_at: datetime


class WatchedWordIn(Schema):
    community: str | None = None  # slug; None for the site-wide list (site admins)
    pattern: str
    is_regex: bool = False
    action: str
    replacement: str = ""
    message: str = ""


# --- context notes and crisis resources --------------------------------------------------------


class ContextNoteIn(Schema):
    body: str
    resource_url: str = ""
    resource_title: str = ""
    item_id: int | None = None


class CrisisResourceOut(Schema):
    id: int
    country: str
    name: str
    phone: str
    url: str
    description: str
    is_emergency: bool
