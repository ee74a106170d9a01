"""Moderation in the Django admin: ids, states, times and staff reasons, never member words.

Everything is read-only here: decisions go through the moderation actions (which log, audit
and tell the member), so the admin cannot become a way round them. Report notes, queued words
and appeal texts are not listed; staff read them on the review pages.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from carecircle.moderation.models import (
    CrisisResource,
    MemberTrust,
    ModerationAction,
    ModerationSettings,
    ReviewItem,
    Sanction,
    WatchedWord,
)


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    actions = None

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ReviewItem)
class ReviewItemAdmin(ReadOnlyAdmin):
    list_display = ["id", "community", "queue", "kind", "status", "is_urgent", "created_at"]
    list_filter = ["queue", "status", "is_urgent", "is_escalated"]
    fields = [
        "community",
        "queue",
        "kind",
        "source",
        "status",
        "target_key",
        "is_urgent",
        "is_escalated",
        "is_auto_hidden",
        "report_count",
        "created_at",
        "resolved_at",
        "resolution",
    ]


@admin.register(ModerationAction)
class ModerationActionAdmin(ReadOnlyAdmin):
    list_display = ["id", "verb", "community", "target_key", "actor", "created_at"]
    list_filter = ["verb"]
    fields = ["verb", "community", "target_key", "actor", "reason", "guideline", "created_at"]


@admin.register(Sanction)
class SanctionAdmin(ReadOnlyAdmin):
    list_display = ["id", "kind", "community", "member", "starts_at", "ends_at", "lifted_at"]
    list_filter = ["kind"]
    fields = ["kind", "community", "member", "reason", "starts_at", "ends_at", "lifted_at"]


@admin.register(MemberTrust)
class MemberTrustAdmin(ReadOnlyAdmin):
    list_display = ["user", "level", "manual_level", "days_visited", "computed_at"]
    fields = [
        "user",
        "level",
        "manual_level",
        "days_visited",
        "topics_entered",
        "posts_read",
        "posts_created",
        "likes_received",
        "computed_at",
    ]


@admin.register(ModerationSettings)
class ModerationSettingsAdmin(ReadOnlyAdmin):
    list_display = ["community", "premoderate_first_posts", "auto_hide_reports", "updated_at"]


@admin.register(WatchedWord)
class WatchedWordAdmin(ReadOnlyAdmin):
    list_display = ["pattern", "community", "action", "is_regex"]
    list_filter = ["action"]


@admin.register(CrisisResource)
class CrisisResourceAdmin(ReadOnlyAdmin):
    list_display = ["name", "country", "phone", "is_emergency", "position"]
