"""The live topic page: stream "topic:<id>" tells readers that posts appeared or changed.

Events carry ids and counts only ("reply.new", "reactions", "post.edited", "post.removed",
"post.restored", "topic.locked"): what a post shows differs per viewer (anonymity, profile
visibility, deleted text for moderators), so each browser fetches the post's HTML over HTTP,
where the page's own permission checks run for that viewer. Nothing is written through this
stream; replies and reactions go through the pages and the API.
"""

from __future__ import annotations

from typing import Any

from carecircle.core.errors import NotFoundError
from carecircle.core.realtime import StreamHandler, Subscription, register_stream
from carecircle.discussions import queries
from carecircle.discussions.models import Topic
from carecircle.discussions.queries import MAX_ID, posts_after

#: At most this many missed replies are replayed on (re)subscribe; past that the client is
#: told the backlog was cut short (it offers a reload rather than a flood of fragments).
BACKLOG_LIMIT = 200


def topic_stream(topic_id: int) -> str:
    """The stream name of a topic page ("topic:9")."""
    return f"topic:{topic_id}"


def readable_topic(actor: Any, topic_id: int) -> Topic | None:
    """The topic if `actor` (a member or an anonymous visitor) may read its page, else None."""
    try:
        return queries.get_topic(actor, topic_id)
    except NotFoundError:
        return None


class TopicStream(StreamHandler):
    """Readers of a topic page: anyone who may read the topic, visitors included."""

    kind = "topic"

    def subscribe(self, user: Any, key: str, channel_name: str) -> Subscription | None:
        if int(key) > MAX_ID:
            return None
        topic = readable_topic(user, int(key))
        if topic is None:
            return None
        return Subscription(stream=topic_stream(topic.pk), key=key)

    def backlog(self, user: Any, subscription: Subscription, after: int | None) -> list[dict]:
        """A "reply.new" per visible post after `after`, capped at BACKLOG_LIMIT."""
        # Read again: the topic may have been deleted or moved since the subscribe.
        topic = readable_topic(user, int(subscription.key))
        if topic is None:
            return []
        rows = list(
            posts_after(user, topic, after or 0).values_list("pk", "position")[: BACKLOG_LIMIT + 1]
        )
        events: list[dict] = [
            {"type": "reply.new", "post_id": post_id, "position": position}
            for post_id, position in rows[:BACKLOG_LIMIT]
        ]
        if len(rows) > BACKLOG_LIMIT:
            events.append({"type": "backlog.truncated"})
        return events


register_stream(TopicStream())
