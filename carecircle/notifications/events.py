"""Who should hear about what just happened: the producers of notifications.

Each function is called by the action that made the change, inside its transaction, and
computes the *candidate* recipients; `notifications.actions.notify` filters them by activity,
blocks, read access, visibility, watch levels and preferences, and delivers after commit.

Rules kept here rather than in `notify`:

* One event gives a member one notification: mention > quote > reply > watched_reply
  (watched_topic for a new topic).
* An anonymous writer is never named: `actor` is None and `actor_label` is their alias
  ("Anonymous member 3"). `notify` cannot tell who is behind an alias, so the person behind it
  is left out of their own event here, and so are the members who muted or blocked them.
* The person behind an alias hears about replies, quotes, reactions and moderators' decisions
  about their anonymous writing like anyone else, and only they do.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from carecircle.notifications.preferences import channel_enabled

# A quote names at most this many posts: more is a wall of quotes, not a conversation.
QUOTED_POSTS_MAX = 20


def _notify(**fields: Any) -> None:
    # Imported late: the notifications app reads discussions and messaging models, whose
    # actions call these functions.
    from carecircle.notifications.actions import notify

    notify(**fields)


def _schedule_badge_check(user_ids: Iterable[int | None]) -> None:
    from carecircle.engagement.badges import schedule_badge_check

    ids = sorted({int(user_id) for user_id in user_ids if user_id})
    if ids:
        schedule_badge_check(ids)


# --- who wrote it ----------------------------------------------------------------------------


def _owner_id(author_id: int | None, alias: Any) -> int | None:
    """The member behind a post or topic: its open author, else the person behind its alias."""
    if alias is not None:
        return alias.user_id  # type: ignore[no-any-return]
    return author_id


def post_owner_id(post: Any) -> int | None:
    """Who wrote `post`, openly or anonymously (None once their account is erased)."""
    return _owner_id(post.author_id, post.alias if post.alias_id else None)


def topic_owner_id(topic: Any) -> int | None:
    """Who started `topic`, openly or anonymously."""
    return _owner_id(topic.author_id, topic.author_alias if topic.author_alias_id else None)


def _voice(post: Any) -> tuple[Any, str]:
    """(actor, actor_label) to show for the writer of `post`: never a name behind an alias."""
    if post.alias_id:
        return None, str(post.alias.label)
    return post.author, ""


def _silenced_by(writer_id: int | None) -> set[int]:
    """Members who muted or blocked the writer (any level): nothing from them reaches these."""
    if not writer_id:
        return set()
    from carecircle.messaging.models import MemberBlock

    return set(
        MemberBlock.objects.filter(blocked_id=writer_id).values_list("blocker_id", flat=True)
    )


def _settings_of(member_ids: set[int]) -> dict[int, Any]:
    """{member id: NotificationSettings} of those who saved choices (one query, none for none)."""
    if not member_ids:
        return {}
    from carecircle.notifications.models import NotificationSettings

    return NotificationSettings.objects.in_bulk(sorted(member_ids))


# --- quotes ----------------------------------------------------------------------------------


@cache
def _permalink_pattern() -> re.Pattern[str]:
    # Built from the URL conf so a changed route keeps quotes working; absolute links to this
    # site (copied from a browser) count too.
    before, _zero, after = reverse("post_permalink", kwargs={"post_id": 0}).rpartition("0")
    return re.compile(re.escape(before) + r"(\d{1,12})" + re.escape(after))


def quoted_post_ids(body: str) -> list[int]:
    """Ids of the posts whose permalink appears in a block quote of `body`, in order."""
    pattern = _permalink_pattern()
    found: list[int] = []
    for line in (body or "").splitlines():
        if not line.lstrip().startswith(">"):
            continue
        for match in pattern.finditer(line):
            post_id = int(match.group(1))
            if post_id not in found:
                found.append(post_id)
    return found[:QUOTED_POSTS_MAX]


def _quoted_owner_ids(post: Any) -> set[int]:
    from carecircle.discussions.models import Post

    ids = [post_id for post_id in quoted_post_ids(post.body) if post_id != post.pk]
    if not ids:
        return set()
    owners: set[int] = set()
    for author_id, alias_user_id in Post.objects.filter(pk__in=ids, is_deleted=False).values_list(
        "author_id", "alias__user_id"
    ):
        owner = alias_user_id or author_id
        if owner:
            owners.add(owner)
    return owners


# --- discussions -----------------------------------------------------------------------------


def _mentioned_ids(post: Any) -> set[int]:
    from carecircle.discussions.models import Mention

    return set(Mention.objects.filter(post_id=post.pk).values_list("user_id", flat=True))


def _send_by_priority(
    groups: list[tuple[str, set[int], str]],
    *,
    watchers: tuple[str, str],
    writer_id: int | None,
    post: Any,
    topic: Any,
    url: str,
) -> None:
    """Notify each member once, under the first group (kind, ids, group_key) that holds them;
    then the watchers (kind, group_key) not reached already, looked up in the background (a
    community may have tens of thousands)."""
    from carecircle.notifications.actions import notify_watchers

    actor, actor_label = _voice(post)
    excluded = _silenced_by(writer_id)
    if writer_id:
        excluded.add(writer_id)
    where = {"community_id": topic.community_id, "topic_id": topic.pk, "post_id": post.pk}
    choices = _settings_of(set().union(*(ids for _kind, ids, _key in groups)) - excluded)
    for kind, ids, group_key in groups:
        recipients = sorted(ids - excluded)
        # A member who switched this kind off in the bell still hears of the event under the
        # next kind that holds them (the topic's starter by a reply, a watcher by the watch).
        excluded |= {
            member_id
            for member_id in ids
            if channel_enabled(choices.get(member_id), kind, "in_app")
        }
        if recipients:
            _notify(
                recipient_ids=recipients,
                kind=kind,
                url=url,
                actor=actor,
                actor_label=actor_label,
                group_key=group_key,
                data={},
                **where,
            )
    kind, group_key = watchers
    # The topic's own watchers come too: `notify` applies the effective level, where a
    # topic's watch overrides its community's (a new topic has none but its starter's).
    notify_watchers(
        kind=kind,
        url=url,
        exclude_ids=sorted(excluded),
        actor=actor,
        actor_label=actor_label,
        group_key=group_key,
        data={},
        **where,
    )


def post_published(post: Any) -> None:
    """A reply became visible to everyone (posted, or approved by a moderator): tell the
    mentioned, the quoted, the author of the post it answers and of the topic, and watchers."""
    topic = post.topic
    if post.is_first:
        topic_published(topic, post)
        return
    writer_id = post_owner_id(post)
    replied: set[int] = set()
    topic_owner = topic_owner_id(topic)
    if topic_owner:
        replied.add(topic_owner)
    if post.reply_to_id:
        from carecircle.discussions.models import Post

        target = (
            Post.objects.filter(pk=post.reply_to_id, is_deleted=False)
            .values_list("author_id", "alias__user_id")
            .first()
        )
        if target is not None and (target[1] or target[0]):
            replied.add(target[1] or target[0])
    group_key = f"topic:{topic.pk}:posts"
    _send_by_priority(
        [
            ("mention", _mentioned_ids(post), ""),
            ("quote", _quoted_owner_ids(post), ""),
            ("reply", replied, group_key),
        ],
        watchers=("watched_reply", group_key),
        writer_id=writer_id,
        post=post,
        topic=topic,
        url=reverse("post_permalink", kwargs={"post_id": post.pk}),
    )
    if not post.is_anonymous:
        _schedule_badge_check([post.author_id])


def topic_published(topic: Any, first_post: Any) -> None:
    """A new topic became visible to everyone: tell the members mentioned or quoted in its
    first post, and the community's watchers."""
    _send_by_priority(
        [
            ("mention", _mentioned_ids(first_post), ""),
            ("quote", _quoted_owner_ids(first_post), ""),
        ],
        watchers=("watched_topic", ""),
        writer_id=post_owner_id(first_post),
        post=first_post,
        topic=topic,
        url=topic.get_absolute_url(),
    )
    if not first_post.is_anonymous:
        _schedule_badge_check([first_post.author_id])


def mentions_added(post: Any, user_ids: Iterable[int]) -> None:
    """An edit of a visible post mentioned these members for the first time: tell them, as a
    mention in a new post would (the writer and those who muted or blocked them left out)."""
    writer_id = post_owner_id(post)
    excluded = _silenced_by(writer_id)
    if writer_id:
        excluded.add(writer_id)
    recipients = sorted({int(user_id) for user_id in user_ids} - excluded)
    if not recipients:
        return
    actor, actor_label = _voice(post)
    _notify(
        recipient_ids=recipients,
        kind="mention",
        url=reverse("post_permalink", kwargs={"post_id": post.pk}),
        actor=actor,
        actor_label=actor_label,
        community_id=post.topic.community_id,
        topic_id=post.topic_id,
        post_id=post.pk,
        group_key="",
        data={},
    )


def reaction_added(*, actor: Any, post: Any, kind: str) -> None:
    """Someone reacted to a post: tell its writer (reactions to one post collapse)."""
    owner = post_owner_id(post)
    if not owner or owner == actor.pk:
        return
    _notify(
        recipient_ids=[owner],
        kind="reaction",
        url=reverse("post_permalink", kwargs={"post_id": post.pk}),
        actor=actor,
        community_id=post.topic.community_id,
        topic_id=post.topic_id,
        post_id=post.pk,
        group_key=f"post:{post.pk}:reactions",
        data={"reaction": kind},
    )
    if not post.is_anonymous:
        _schedule_badge_check([post.author_id])


def answer_accepted(*, actor: Any, topic: Any, post: Any) -> None:
    """A reply was marked as the answer to a question: tell its writer."""
    owner = post_owner_id(post)
    if not post.is_anonymous:
        _schedule_badge_check([post.author_id])
    if not owner or owner == actor.pk:
        return
    # The asker may be anonymous: then the answerer learns only their alias.
    alias = topic.author_alias if topic.author_alias_id else None
    if alias is not None and alias.user_id == actor.pk:
        shown, label = None, str(alias.label)
        # With no actor on the line, delivery cannot see a block: apply it here, as for every
        # anonymous writer (a member who blocked the asker hears nothing from them).
        if owner in _silenced_by(actor.pk):
            return
    else:
        shown, label = actor, ""
    _notify(
        recipient_ids=[owner],
        kind="accepted_answer",
        url=reverse("post_permalink", kwargs={"post_id": post.pk}),
        actor=shown,
        actor_label=label,
        community_id=topic.community_id,
        topic_id=topic.pk,
        post_id=post.pk,
        group_key="",
        data={},
    )


# --- messaging -------------------------------------------------------------------------------


def _conversation_url(conversation_id: int) -> str:
    return reverse("conversation_detail", kwargs={"conversation_id": conversation_id})


def message_sent(message: Any) -> None:
    """A message became visible in a conversation: tell the other participants who accepted
    it, can read it and have not muted the conversation (one line per conversation)."""
    from carecircle.messaging.models import Participant

    conversation_id = message.conversation_id
    if conversation_id is None:
        return
    recipients = list(
        Participant.objects.filter(
            conversation_id=conversation_id,
            state=Participant.State.ACTIVE,
            is_muted=False,
            history_from_message_id__lt=message.pk,
        )
        .exclude(user_id=message.author_id)
        .values_list("user_id", flat=True)
    )
    if not recipients:
        return
    _notify(
        recipient_ids=sorted(recipients),
        kind="message",
        url=_conversation_url(conversation_id),
        actor=message.author,
        conversation_id=conversation_id,
        group_key=f"conversation:{conversation_id}",
        data={},
    )


def message_requested(conversation: Any, participant: Any) -> None:
    """Someone who is not yet in touch with `participant` asked to talk to them."""
    if participant.user_id is None:
        return
    _notify(
        recipient_ids=[participant.user_id],
        kind="message_request",
        url=_conversation_url(conversation.pk),
        actor=participant.added_by,
        conversation_id=conversation.pk,
        group_key="",
        data={},
    )


# --- moderation ------------------------------------------------------------------------------


def _anonymous_writer_of(action: Any) -> tuple[int | None, Any]:
    """(the person behind the alias, the post) when the decision is about anonymous writing."""
    from carecircle.discussions.models import Post

    post = None
    item = action.item if action.item_id else None
    if item is not None and item.post_id:
        post = Post.objects.select_related("alias").filter(pk=item.post_id).first()
    kind, _colon, raw_id = (action.target_key or "").partition(":")
    if post is None and raw_id.isdigit():
        if kind == "post":
            post = Post.objects.select_related("alias").filter(pk=int(raw_id)).first()
        elif kind == "topic":
            post = (
                Post.objects.select_related("alias")
                .filter(topic_id=int(raw_id), position=1)
                .first()
            )
    alias = post.alias if post is not None else None
    if alias is None:
        return None, None
    return alias.user_id, post


def moderation_decided(action: Any) -> None:
    """Put a moderators' decision in the bell of the member it is about, or of the person
    behind the alias of anonymous writing it is about (who is never named by it)."""
    data = {"action_id": action.pk, "verb": action.verb}
    if action.member_id:
        recipient, url = action.member_id, reverse("my_moderation_notices")
    else:
        recipient, post = _anonymous_writer_of(action)
        if not recipient:
            return
        # The notices page lists decisions about the member's name; anonymous writing is not
        # under it, so the line opens the writing itself, which its author can always see.
        url = reverse("post_permalink", kwargs={"post_id": post.pk})
        data["post_id"] = post.pk
    # No topic, post or community: the bell hides lines about hidden or deleted content and
    # places the member can no longer read, and a decision is exactly that.
    _notify(
        recipient_ids=[recipient],
        kind="moderation",
        url=url,
        actor=None,
        actor_label=_("The moderators"),
        group_key="",
        data=data,
    )
