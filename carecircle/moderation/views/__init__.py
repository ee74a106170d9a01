"""Moderation pages (server-rendered; every one works without JavaScript)."""

from carecircle.moderation.views.members import (
    appeal_create,
    member_moderation,
    my_moderation_notices,
)
from carecircle.moderation.views.queues import (
    moderation_home,
    moderation_item,
    moderation_log,
    moderation_queue,
    moderation_site_queue,
)
from carecircle.moderation.views.reports import report_create
from carecircle.moderation.views.settings import (
    crisis_resources,
    moderation_settings,
    site_watched_words,
)

__all__ = [
    "appeal_create",
    "crisis_resources",
    "member_moderation",
    "moderation_home",
    "moderation_item",
    "moderation_log",
    "moderation_queue",
    "moderation_settings",
    "moderation_site_queue",
    "my_moderation_notices",
    "report_create",
    "site_watched_words",
]
