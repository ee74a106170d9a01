"""`{% watch_control community=community %}` / `{% watch_control topic=topic %}`: the small form
that sets how much the member hears about a community or a topic."""

from __future__ import annotations

from typing import Any

from django import template

from carecircle.notifications.models import WatchLevel

register = template.Library()


@register.inclusion_tag("notifications/_watch_control.html", takes_context=True)
def watch_control(context: template.Context, community: Any = None, topic: Any = None) -> dict:
    """The member's effective level, shown selected; nothing for visitors."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or (community is None and topic is None):
        return {"is_shown": False}
    from carecircle.notifications.queries import watch_level_for

    if topic is not None:
        level = watch_level_for(user, topic=topic)
        target_field, target_id = "topic_id", topic.pk
    else:
        level = watch_level_for(user, community=community)
        target_field, target_id = "community_id", community.pk
    return {
        "is_shown": True,
        "is_topic": topic is not None,
        "level": level,
        "choices": WatchLevel.choices,
        "target_field": target_field,
        "target_id": target_id,
        "next_url": request.get_full_path() if request is not None else "",
        "csrf_token": context.get("csrf_token"),
    }
