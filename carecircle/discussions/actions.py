"""Every write to topics, posts, reactions and drafts."""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Q
from django.db.models.functions import Greatest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from carecircle.accounts.models import User
from carecircle.caregivers.permissions import check_can_post_for
from carecircle.communities.models import Community
from carecircle.communities.permissions import (
    can_moderate_community,
    can_read_community,
    check_can_moderate_community,
    check_can_post_in_community,
)
from carecircle.core.audit import record_event
from carecircle.core.errors import (
    DomainError,
    PermissionDeniedError,
    RateLimitedError,
    ValidationFailed,
)
from carecircle.core.markdown import find_mentions, render_markdown
from carecircle.core.models import ModerationState
from carecircle.core.ratelimit import check_rate
from carecircle.core.realtime import broadcast
from carecircle.discussions import permissions
from carecircle.discussions.models import (
    Draft,
    Mention,
    Post,
    PostRevision,
    Reaction,
    Topic,
    TopicAlias,
)
from carecircle.messaging.queries.blocks import blockers_of
from carecircle.notifications import events
from carecircle.notifications.actions import refresh_unread_about
from carecircle.notifications.models import Notification
from carecircle.polls.actions import add_poll
from carecircle.polls.specs import PollSpec, clean_spec
from carecircle.resources.citations import record_citations
from carecircle.search.indexing import index_topic_later
from carecircle.uploads.attachments import AttachmentChoice, attach_to_post, check_choices

logger = logging.getLogger(__name__)

TITLE_MIN, TITLE_MAX = 5, 200
# A day: longer than that a topic is better locked.
SLOW_MODE_MAX = 86400
BODY_MIN, BODY_MAX = 2, 30000
# A draft keeps text longer than a post may be, so a member told "too long" loses nothing;
# the cap only stops the drafts table being used as free storage.
DRAFT_MAX = 4 * BODY_MAX


def _clean_title(title: str) -> str:
    title = " ".join((title or "").split())
    if len(title) < TITLE_MIN:
        raise ValidationFailed(
            _("Please give your topic a title of at least %(min)d characters.")
            % {"min": TITLE_MIN},
            field="title",
        )
    if len(title) > TITLE_MAX:
        raise ValidationFailed(
            _("Titles can be at most %(max)d characters.") % {"max": TITLE_MAX}, field="title"
        )
    return title


def _clean_body(body: str) -> str:
    body = (body or "").strip()
    if len(body) < BODY_MIN:
        raise ValidationFailed(_("Please write a message."), field="body")
    if len(body) > BODY_MAX:
        raise ValidationFailed(
            _("Messages can be at most %(max)d characters; yours has %(count)d.")
            % {"max": BODY_MAX, "count": len(body)},
            field="body",
        )
    return body


def _render(body: str) -> tuple[str, list[User]]:
    # Handles are stored lower-case, so "@Sam" and "@sam" are the same member.
    handles = [handle.lower() for handle in find_mentions(body)]
    users = {user.handle: user for user in User.objects.filter(handle__in=handles)}

    def mention_url(handle: str) -> str | None:
        user = users.get(handle.lower())
        return reverse("member_profile", kwargs={"handle": user.handle}) if user else None

    return render_markdown(body, mention_url=mention_url), list(users.values())


def _record_mentions(post: Post, users: list[User]) -> None:
    # Only people who can read the topic are recorded: a mention must never tell an outsider
    # (through a later notification) that a members-only conversation exists. A member who
    # blocked the writer is not reached by them this way either, even under an anonymous alias.
    community = post.topic.community
    blockers: set[int] = set()
    writer = None
    if users:
        writer = post.author if post.alias is None else post.alias.user
        blockers = blockers_of(writer) if writer is not None else set()
    writer_id = getattr(writer, "pk", None)
    readers = [
        user
        for user in users
        if user.pk != writer_id and user.pk not in blockers and can_read_community(user, community)
    ]
    Mention.objects.filter(post=post).exclude(user__in=readers).delete()
    Mention.objects.bulk_create(
        [Mention(post=post, user=user) for user in readers], ignore_conflicts=True
    )


def _record_extras(actor: Any, post: Post, attachments: Sequence[AttachmentChoice]) -> None:
    """Link a new post's uploads and the library resources its text cites."""
    if attachments:
        attach_to_post(actor=actor, post=post, choices=attachments)
    record_citations(post)


def _bump_version(topic_id: int) -> None:
    """Mark a topic's rendered posts as changed (call inside the action's transaction)."""
    Topic.objects.filter(pk=topic_id).update(content_version=F("content_version") + 1)


def _tell_readers(topic_id: int, event: dict[str, Any]) -> None:
    """Tell the topic page's live readers after commit: ids and counts only, never text."""
    broadcast(f"topic:{topic_id}", event)


def _alias_for(topic: Topic, actor: Any) -> TopicAlias:
    """The actor's stable anonymous name in `topic` (call with the topic row locked)."""
    alias = TopicAlias.objects.filter(topic=topic, user=actor).first()
    if alias is None:
        number = (topic.aliases.aggregate(highest=Max("number"))["highest"] or 0) + 1
        alias = TopicAlias.objects.create(topic=topic, user=actor, number=number)
    return alias


def _check_voice(
    actor: Any, community: Community, *, is_anonymous: bool, on_behalf_of: Any, new_topic: bool
) -> None:
    """Validate posting anonymously or for someone else before anything is written."""
    if is_anonymous and on_behalf_of is not None:
        raise ValidationFailed(
            _("A post for someone you care for cannot also be anonymous."), field="is_anonymous"
        )
    if is_anonymous and not permissions.can_post_anonymously(actor, community):
        raise PermissionDeniedError(
            _("This community does not allow anonymous posts."),
            code="anonymous_not_allowed",
            field="is_anonymous",
        )
    if on_behalf_of is not None:
        check_can_post_for(actor, on_behalf_of, community, new_topic=new_topic)


def _check_post_rate(actor: Any) -> None:
    check_rate(scope="post", key=str(actor.pk), rate=settings.CARECIRCLE_POST_RATE)


# Title and body are screened as one text (one check, one review item); the title never holds
# a blank line, so the first one splits them again after watched-word replacements.
_TITLE_SEPARATOR = "\n\n"


def _screen(
    *,
    actor: Any,
    community: Community,
    text: str,
    kind: str,
    confirmed: bool,
    is_edit: bool = False,
) -> Any:
    """Run the moderation gate on text about to be saved (raises before anything is written)."""
    # Imported late: moderation builds on discussions (review items point at posts).
    from carecircle.moderation import gate

    return gate.screen_content(
        actor=actor,
        community=community,
        text=text,
        kind=kind,
        confirmed=confirmed,
        is_public=community.is_public,
        is_edit=is_edit,
    )


def _after_saved(
    *, actor: Any, community: Community, result: Any, kind: str, post: Post, topic: Topic
) -> None:
    from carecircle.moderation import gate

    gate.after_content_saved(
        actor=actor, community=community, result=result, kind=kind, post=post, topic=topic
    )


def check_slow_mode(actor: Any, topic: Topic) -> None:
    """Refuse a reply when the actor replied in this slow-mode topic too recently.

    Moderators are exempt: they may need to answer several members quickly.
    """
    seconds = topic.slow_mode_seconds
    if not seconds or can_moderate_community(actor, topic.community):
        return
    last = (
        Post.objects.filter(topic_id=topic.pk)
        .filter(Q(author=actor) | Q(alias__user=actor))
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    if last is None:
        return
    waited = (timezone.now() - last).total_seconds()
    if waited < seconds:
        left = max(1, math.ceil(seconds - waited))
        raise RateLimitedError(
            ngettext(
                "This topic is in slow mode: you can reply again in %(count)d second.",
                "This topic is in slow mode: you can reply again in %(count)d seconds.",
                left,
            )
            % {"count": left},
            code="slow_mode",
            field="body",
        )


def publish_post(post: Post) -> Post:
    """Make a pending or hidden post visible to everyone (the moderation decision calls this).

    A pending post was never counted: publishing it bumps the topic's reply count and last
    activity (or, for a first post, lists the topic and counts it in its community) and tells
    live readers. A hidden post was counted when it first appeared, so it only shows again.
    Call inside the decision's transaction; does nothing for a post that is already visible.
    """
    with transaction.atomic():
        locked = Post.objects.select_for_update().select_related("topic").get(pk=post.pk)
        was = locked.moderation_state
        if was == ModerationState.VISIBLE:
            return locked
        locked.moderation_state = ModerationState.VISIBLE
        locked.save(update_fields=["moderation_state", "updated_at"])
        topic = locked.topic
        now = timezone.now()
        writer = None if locked.is_anonymous else locked.author
        if locked.is_first:
            Topic.objects.filter(pk=topic.pk).update(
                moderation_state=ModerationState.VISIBLE,
                content_version=F("content_version") + 1,
            )
            if was == ModerationState.PENDING and not topic.is_deleted:
                Topic.objects.filter(pk=topic.pk).update(last_posted_at=now)
                Community.objects.filter(pk=topic.community_id).update(
                    topic_count=F("topic_count") + 1,
                    post_count=F("post_count") + 1,
                    last_activity_at=now,
                )
        elif was == ModerationState.PENDING:
            Topic.objects.filter(pk=topic.pk).update(
                reply_count=F("reply_count") + 1,
                last_posted_at=now,
                last_poster=writer,
                content_version=F("content_version") + 1,
            )
            Community.objects.filter(pk=topic.community_id).update(
                post_count=F("post_count") + 1, last_activity_at=now
            )
            _tell_readers(
                topic.pk, {"type": "reply.new", "post_id": locked.pk, "position": locked.position}
            )
        else:
            _bump_version(topic.pk)
            _tell_readers(topic.pk, {"type": "post.edited", "post_id": locked.pk})
            # Lines about it show in bells again: their unread counts follow.
            refresh_unread_about(post_id=locked.pk, topic_id=topic.pk if locked.is_first else None)
        if was == ModerationState.PENDING and not locked.is_deleted and not topic.is_deleted:
            # Held posts were never announced: people hear of them now, once. A hidden post
            # shown again was announced when it first appeared.
            if locked.is_first:
                topic.moderation_state = ModerationState.VISIBLE
                alias = topic.author_alias
                starter = alias.user if alias is not None else topic.author
                _watch_own_topic(starter, topic)
            events.post_published(locked)
        index_topic_later(topic.pk)
    post.moderation_state = ModerationState.VISIBLE
    return locked


def hide_post(post: Post) -> Post:
    """Hide a post from everyone but its author and moderators (the moderation decision calls this).

    Hiding a first post hides its topic. Readers' pages redraw the post as a placeholder.
    """
    with transaction.atomic():
        Post.objects.filter(pk=post.pk).update(moderation_state=ModerationState.HIDDEN)
        if post.is_first:
            Topic.objects.filter(pk=post.topic_id).update(moderation_state=ModerationState.HIDDEN)
        _bump_version(post.topic_id)
        _tell_readers(post.topic_id, {"type": "post.edited", "post_id": post.pk})
        _refresh_bells(post)
        index_topic_later(post.topic_id)
    post.moderation_state = ModerationState.HIDDEN
    return post


def _refresh_bells(post: Post) -> None:
    """Members with unread lines about a post that went or came back get a fresh unread count
    (a first post takes its topic with it)."""
    refresh_unread_about(post_id=post.pk, topic_id=post.topic_id if post.is_first else None)


def _watch_own_topic(member: Any, topic: Topic) -> None:
    """The member who starts a topic follows it once it is visible: every reply reaches them.

    Best effort: a starter who can no longer follow it (left a closed community before a
    moderator approved the topic) must not undo the post or the decision publishing it.
    """
    from carecircle.notifications.actions import set_watch_level
    from carecircle.notifications.models import WatchLevel

    if member is None:
        return
    try:
        with transaction.atomic():
            set_watch_level(actor=member, level=WatchLevel.WATCHING, topic=topic)
    except DomainError:
        logger.info("Topic %s: its starter cannot follow it", topic.pk)


def set_topic_slow_mode(*, actor: Any, topic: Topic, seconds: int) -> Topic:
    """Make members wait `seconds` between their replies in a topic (0 turns it off). Moderators."""
    check_can_moderate_community(actor, topic.community)
    if not 0 <= seconds <= SLOW_MODE_MAX:
        raise ValidationFailed(
            _("Slow mode can be between 0 and %(max)d seconds.") % {"max": SLOW_MODE_MAX},
            field="slow_mode_seconds",
        )
    if seconds == topic.slow_mode_seconds:
        return topic
    from carecircle.moderation.models import ModerationAction

    with transaction.atomic():
        topic.slow_mode_seconds = seconds
        topic.save(update_fields=["slow_mode_seconds", "updated_at"])
        _bump_version(topic.pk)
        ModerationAction.objects.create(
            actor=actor,
            community=topic.community,
            verb=ModerationAction.Verb.SLOW_MODE,
            target_key=f"topic:{topic.pk}",
            reason=_("Slow mode: %(seconds)d seconds") % {"seconds": seconds}
            if seconds
            else _("Slow mode turned off"),
        )
        record_event(actor=actor, verb="topic.slow_mode", target=topic, seconds=seconds)
    return topic


def create_topic(
    *,
    actor: Any,
    community: Community,
    title: str,
    body: str,
    is_question: bool = False,
    is_anonymous: bool = False,
    on_behalf_of: User | None = None,
    confirmed: bool = False,
    attachments: Sequence[AttachmentChoice] = (),
    poll: PollSpec | None = None,
) -> Topic:
    """Start a topic with its first post; members only (moderators only in announcements).

    `is_anonymous` posts under the topic's first alias (where the community allows it);
    `on_behalf_of` is the person a caregiver posts for (where that person allowed it).
    The moderation gate runs first: it may ask the author to confirm (ConfirmationNeeded,
    nothing saved; send again with `confirmed=True`) or hold the topic for approval (pending:
    only its author and moderators see it, and no counter moves until it is approved).
    The gate's result is on `topic.gate_result` (crisis support for the author).
    `attachments` are the author's waiting uploads and `poll` an optional poll; both are
    checked before anything is saved.
    """
    check_can_post_in_community(actor, community)
    _check_voice(
        actor, community, is_anonymous=is_anonymous, on_behalf_of=on_behalf_of, new_topic=True
    )
    title = _clean_title(title)
    body = _clean_body(body)
    check_choices(actor=actor, choices=attachments)
    poll = clean_spec(poll) if poll is not None else None
    result = _screen(
        actor=actor,
        community=community,
        text=title + _TITLE_SEPARATOR + body,
        kind="topic",
        confirmed=confirmed,
    )
    screened_title, _separator, screened_body = result.text.partition(_TITLE_SEPARATOR)
    title = _clean_title(screened_title)
    body = _clean_body(screened_body or body)
    state = result.moderation_state
    is_pending = state == ModerationState.PENDING
    _check_post_rate(actor)
    body_html, mentioned = _render(body)
    now = timezone.now()
    with transaction.atomic():
        topic = Topic.objects.create(
            community=community,
            author=None if is_anonymous else actor,
            on_behalf_of=on_behalf_of,
            title=title,
            is_question=is_question,
            last_posted_at=now,
            last_poster=None if is_anonymous else actor,
            moderation_state=state,
        )
        alias = _alias_for(topic, actor) if is_anonymous else None
        if alias is not None:
            topic.author_alias = alias
            topic.save(update_fields=["author_alias"])
        post = Post.objects.create(
            topic=topic,
            author=None if is_anonymous else actor,
            alias=alias,
            on_behalf_of=on_behalf_of,
            position=1,
            body=body,
            body_html=body_html,
            moderation_state=state,
        )
        _record_mentions(post, mentioned)
        _record_extras(actor, post, attachments)
        if poll is not None:
            add_poll(actor=actor, topic=topic, spec=poll)
        if not is_pending:
            Community.objects.filter(pk=community.pk).update(
                topic_count=F("topic_count") + 1,
                post_count=F("post_count") + 1,
                last_activity_at=now,
            )
        _after_saved(
            actor=actor, community=community, result=result, kind="topic", post=post, topic=topic
        )
        Draft.objects.filter(user=actor, key=f"topic:{community.pk}").delete()
        if not is_pending:
            _watch_own_topic(actor, topic)
            events.topic_published(topic, post)
        index_topic_later(topic.pk)
    topic.first_post = post  # type: ignore[attr-defined]
    topic.gate_result = result  # type: ignore[attr-defined]
    post.gate_result = result  # type: ignore[attr-defined]
    return topic


def reply_to_topic(
    *,
    actor: Any,
    topic: Topic,
    body: str,
    reply_to: Post | None = None,
    is_anonymous: bool = False,
    on_behalf_of: User | None = None,
    confirmed: bool = False,
    attachments: Sequence[AttachmentChoice] = (),
) -> Post:
    """Add a reply at the end of a topic; members only, not in locked topics.

    An anonymous reply uses the actor's alias in this topic (the same one every time).
    In a slow-mode topic a member waits between replies (RateLimitedError code "slow_mode").
    The moderation gate runs first (see create_topic); a pending reply takes its position but
    is not counted, announced or shown to others until `publish_post` approves it. The gate's
    result is on `post.gate_result`.
    """
    permissions.check_can_reply(actor, topic)
    _check_voice(
        actor,
        topic.community,
        is_anonymous=is_anonymous,
        on_behalf_of=on_behalf_of,
        new_topic=False,
    )
    body = _clean_body(body)
    check_choices(actor=actor, choices=attachments)
    if reply_to is not None and reply_to.topic_id != topic.pk:
        reply_to = None
    check_slow_mode(actor, topic)
    result = _screen(
        actor=actor, community=topic.community, text=body, kind="post", confirmed=confirmed
    )
    body = _clean_body(result.text)
    state = result.moderation_state
    is_pending = state == ModerationState.PENDING
    _check_post_rate(actor)
    body_html, mentioned = _render(body)
    now = timezone.now()
    with transaction.atomic():
        # Serialise position allocation per topic (and slow mode: two quick replies queue here).
        locked = Topic.objects.select_for_update().get(pk=topic.pk)
        check_slow_mode(actor, locked)
        position = (
            Post.objects.filter(topic=locked).aggregate(highest=Max("position"))["highest"] or 0
        ) + 1
        alias = _alias_for(locked, actor) if is_anonymous else None
        post = Post.objects.create(
            topic=locked,
            author=None if is_anonymous else actor,
            alias=alias,
            on_behalf_of=on_behalf_of,
            position=position,
            body=body,
            body_html=body_html,
            reply_to=reply_to,
            moderation_state=state,
        )
        _record_mentions(post, mentioned)
        _record_extras(actor, post, attachments)
        if not is_pending:
            Topic.objects.filter(pk=topic.pk).update(
                reply_count=F("reply_count") + 1,
                last_posted_at=now,
                last_poster=None if is_anonymous else actor,
                content_version=F("content_version") + 1,
            )
            Community.objects.filter(pk=topic.community_id).update(
                post_count=F("post_count") + 1, last_activity_at=now
            )
        _after_saved(
            actor=actor,
            community=topic.community,
            result=result,
            kind="post",
            post=post,
            topic=locked,
        )
        Draft.objects.filter(user=actor, key=f"reply:{topic.pk}").delete()
        if not is_pending:
            _tell_readers(topic.pk, {"type": "reply.new", "post_id": post.pk, "position": position})
            events.post_published(post)
        index_topic_later(topic.pk)
    if not is_pending:
        topic.reply_count += 1
        topic.last_posted_at = now
    post.gate_result = result  # type: ignore[attr-defined]
    return post


def edit_post(
    *,
    actor: Any,
    post: Post,
    body: str,
    title: str | None = None,
    reason: str = "",
    confirmed: bool = False,
    attachments: Sequence[AttachmentChoice] | None = None,
) -> Post:
    """Change a post's text (and the topic title for a first post); the old text is kept.

    The new text passes the moderation gate like a new post. An edit the gate holds for
    approval hides the post (it was already counted) until a moderator looks at it.
    `attachments`, when given, become the post's attachments (None leaves them as they are).
    """
    permissions.check_can_edit_post(actor, post)
    body = _clean_body(body)
    topic = post.topic
    new_title = _clean_title(title) if (title is not None and post.is_first) else topic.title
    if attachments is not None:
        check_choices(actor=actor, choices=attachments, post=post)
    if body == post.body and new_title == topic.title and attachments is None:
        return post
    result = _screen(
        actor=actor,
        community=topic.community,
        text=(new_title + _TITLE_SEPARATOR + body) if post.is_first else body,
        kind="topic" if post.is_first else "post",
        confirmed=confirmed,
        is_edit=True,
    )
    if post.is_first:
        screened_title, _separator, screened_body = result.text.partition(_TITLE_SEPARATOR)
        new_title = _clean_title(screened_title)
        body = _clean_body(screened_body or body)
    else:
        body = _clean_body(result.text)
    hold = (
        result.moderation_state == ModerationState.PENDING
        and post.moderation_state == ModerationState.VISIBLE
    )
    body_html, mentioned = _render(body)
    with transaction.atomic():
        number = (post.revisions.aggregate(highest=Max("number"))["highest"] or 0) + 1
        PostRevision.objects.create(
            post=post,
            # An anonymous author's own edit must not name them in the history.
            editor=None if (post.is_anonymous and post.is_written_by(actor)) else actor,
            number=number,
            body=post.body,
            title=topic.title if post.is_first else "",
            reason=(reason or "").strip()[:200],
        )
        post.body = body
        post.body_html = body_html
        post.edited_at = timezone.now()
        post.edit_count = F("edit_count") + 1
        if hold:
            post.moderation_state = ModerationState.HIDDEN
        post.save(
            update_fields=[
                "body",
                "body_html",
                "edited_at",
                "edit_count",
                "moderation_state",
                "updated_at",
            ]
        )
        post.refresh_from_db(fields=["edit_count"])
        if new_title != topic.title or (hold and post.is_first):
            topic.title = new_title
            if hold and post.is_first:
                topic.moderation_state = ModerationState.HIDDEN
            topic.save(update_fields=["title", "moderation_state", "updated_at"])
        mentioned_before = set(Mention.objects.filter(post=post).values_list("user_id", flat=True))
        _record_mentions(post, mentioned)
        if attachments is not None:
            attach_to_post(actor=actor, post=post, choices=attachments)
        record_citations(post)
        if (
            post.moderation_state == ModerationState.VISIBLE
            and topic.moderation_state == ModerationState.VISIBLE
            and not topic.is_deleted
        ):
            # Members mentioned by the edit hear of it like a mention in a new post; those
            # mentioned before heard already. A held or hidden post tells nobody (publishing
            # it later announces it).
            added = (
                set(Mention.objects.filter(post=post).values_list("user_id", flat=True))
                - mentioned_before
            )
            if added:
                events.mentions_added(post, added)
        _after_saved(
            actor=actor,
            community=topic.community,
            result=result,
            kind="topic" if post.is_first else "post",
            post=post,
            topic=topic,
        )
        _bump_version(topic.pk)
        _tell_readers(topic.pk, {"type": "post.edited", "post_id": post.pk})
        index_topic_later(topic.pk)
        if not post.is_written_by(actor):
            record_event(
                actor=actor, verb="post.edit_by_moderator", target=post, reason=reason[:200]
            )
    post.gate_result = result  # type: ignore[attr-defined]
    return post


def delete_post(*, actor: Any, post: Post) -> Post:
    """Soft-delete a post (moderators still see it); deleting the first post deletes the topic."""
    permissions.check_can_delete_post(actor, post)
    now = timezone.now()
    topic = post.topic
    with transaction.atomic():
        post.is_deleted = True
        post.deleted_at = now
        post.deleted_by = actor
        post.save(update_fields=["is_deleted", "deleted_at", "deleted_by", "updated_at"])
        if post.is_first:
            topic.is_deleted = True
            topic.save(update_fields=["is_deleted", "updated_at"])
            # A topic still waiting for approval was never counted.
            if topic.moderation_state != ModerationState.PENDING:
                Community.objects.filter(pk=topic.community_id, topic_count__gt=0).update(
                    topic_count=F("topic_count") - 1
                )
        if topic.accepted_post_id == post.pk:
            topic.accepted_post = None
            topic.save(update_fields=["accepted_post", "updated_at"])
        _bump_version(topic.pk)
        _tell_readers(topic.pk, {"type": "post.removed", "post_id": post.pk})
        _refresh_bells(post)
        index_topic_later(topic.pk)
        by_author = post.is_written_by(actor)
        record_event(
            # The audit log must not undo an anonymous author's anonymity either.
            actor=None if (by_author and post.is_anonymous) else actor,
            verb="post.delete" if by_author else "post.delete_by_moderator",
            target=post,
        )
    return post


def restore_post(*, actor: Any, post: Post) -> Post:
    """Undo a soft delete; moderators only."""
    check_can_moderate_community(actor, post.topic.community)
    topic = post.topic
    with transaction.atomic():
        post.is_deleted = False
        post.deleted_at = None
        post.deleted_by = None
        post.save(update_fields=["is_deleted", "deleted_at", "deleted_by", "updated_at"])
        if post.is_first and topic.is_deleted:
            topic.is_deleted = False
            topic.save(update_fields=["is_deleted", "updated_at"])
            if topic.moderation_state != ModerationState.PENDING:
                Community.objects.filter(pk=topic.community_id).update(
                    topic_count=F("topic_count") + 1
                )
        _bump_version(topic.pk)
        _tell_readers(topic.pk, {"type": "post.restored", "post_id": post.pk})
        _refresh_bells(post)
        index_topic_later(topic.pk)
        record_event(actor=actor, verb="post.restore", target=post)
    return post


def toggle_reaction(*, actor: Any, post: Post, kind: str) -> bool:
    """Add the actor's reaction of `kind`, or take it back if given; True when now present."""
    permissions.check_can_react(actor, post)
    if kind not in Reaction.Kind.values:
        raise ValidationFailed(_("Please choose one of the reactions."), field="kind")
    with transaction.atomic():
        locked = Post.objects.select_for_update().get(pk=post.pk)
        deleted, _detail = Reaction.objects.filter(post=locked, user=actor, kind=kind).delete()
        counts = dict(locked.reaction_counts or {})
        if deleted:
            counts[kind] = max(0, counts.get(kind, 0) - 1)
            present = False
        else:
            try:
                with transaction.atomic():
                    Reaction.objects.create(post=locked, user=actor, kind=kind)
            except IntegrityError:
                return True
            counts[kind] = counts.get(kind, 0) + 1
            present = True
            events.reaction_added(actor=actor, post=locked, kind=kind)
        counts = {key: value for key, value in counts.items() if value}
        Post.objects.filter(pk=post.pk).update(reaction_counts=counts)
        _bump_version(post.topic_id)
        # Every kind, zeros included, so a page can set each count without knowing the last.
        _tell_readers(
            post.topic_id,
            {
                "type": "reactions",
                "post_id": post.pk,
                "counts": {name: counts.get(name, 0) for name in Reaction.Kind.values},
            },
        )
    post.reaction_counts = counts
    return present


def add_reaction(*, actor: Any, post: Post, kind: str) -> None:
    """Give a reaction; giving the same kind twice changes nothing."""
    permissions.check_can_react(actor, post)
    if Reaction.objects.filter(post=post, user=actor, kind=kind).exists():
        return
    toggle_reaction(actor=actor, post=post, kind=kind)


def remove_reaction(*, actor: Any, post: Post, kind: str) -> None:
    """Take back a reaction; taking back one not given changes nothing."""
    permissions.check_can_react(actor, post)
    if not Reaction.objects.filter(post=post, user=actor, kind=kind).exists():
        return
    toggle_reaction(actor=actor, post=post, kind=kind)


def set_topic_pinned(*, actor: Any, topic: Topic, is_pinned: bool) -> Topic:
    """Pin a topic to the top of its community, or unpin it. Moderators only."""
    check_can_moderate_community(actor, topic.community)
    with transaction.atomic():
        topic.is_pinned = is_pinned
        topic.save(update_fields=["is_pinned", "updated_at"])
        _bump_version(topic.pk)
        record_event(actor=actor, verb="topic.pin" if is_pinned else "topic.unpin", target=topic)
    return topic


def set_topic_locked(*, actor: Any, topic: Topic, is_locked: bool) -> Topic:
    """Lock a topic against new replies, or unlock it. Moderators only."""
    check_can_moderate_community(actor, topic.community)
    with transaction.atomic():
        topic.is_locked = is_locked
        topic.save(update_fields=["is_locked", "updated_at"])
        _bump_version(topic.pk)
        _tell_readers(topic.pk, {"type": "topic.locked", "is_locked": is_locked})
        record_event(actor=actor, verb="topic.lock" if is_locked else "topic.unlock", target=topic)
    return topic


def move_topic(*, actor: Any, topic: Topic, destination: Community) -> Topic:
    """Move a topic to another community; the actor must moderate both."""
    check_can_moderate_community(actor, topic.community)
    check_can_moderate_community(actor, destination)
    if destination.pk == topic.community_id:
        return topic
    source = topic.community
    with transaction.atomic():
        # Deleting a post does not lower post_count, so every post of the topic moves with it.
        posts = Post.objects.filter(topic=topic).count()
        alive = 0 if topic.is_deleted else 1
        # Greatest(): counters that already drifted must not turn a move into an error.
        Community.objects.filter(pk=source.pk).update(
            topic_count=Greatest(F("topic_count") - alive, 0),
            post_count=Greatest(F("post_count") - posts, 0),
        )
        Community.objects.filter(pk=destination.pk).update(
            topic_count=F("topic_count") + alive, post_count=F("post_count") + posts
        )
        topic.community = destination
        topic.save(update_fields=["community", "updated_at"])
        # Bell lines name the place they are about; emails and pushes judge by it too.
        Notification.objects.filter(topic_id=topic.pk).update(community=destination)
        refresh_unread_about(topic_id=topic.pk)
        _bump_version(topic.pk)
        index_topic_later(topic.pk)
        record_event(
            actor=actor, verb="topic.move", target=topic, source=source.pk, to=destination.pk
        )
    return topic


def accept_answer(*, actor: Any, topic: Topic, post: Post | None) -> Topic:
    """Mark `post` as the accepted answer of a question topic, or clear it with None."""
    permissions.check_can_accept_answer(actor, topic)
    if post is not None and (post.topic_id != topic.pk or post.is_first or post.is_deleted):
        raise ValidationFailed(_("Choose a reply in this topic as the answer."), field="post")
    previous = topic.accepted_post_id
    with transaction.atomic():
        topic.accepted_post = post
        topic.save(update_fields=["accepted_post", "updated_at"])
        if post is not None and post.pk != previous:
            events.answer_accepted(actor=actor, topic=topic, post=post)
        _bump_version(topic.pk)
        index_topic_later(topic.pk)
        record_event(
            actor=actor, verb="topic.accept_answer", target=topic, post=post.pk if post else None
        )
    return topic


def save_draft(*, actor: Any, key: str, body: str, title: str = "") -> Draft | None:
    """Keep what a member is writing; an empty draft is removed."""
    if not getattr(actor, "is_authenticated", False):
        return None
    key = key[:80]
    if not (body or "").strip() and not (title or "").strip():
        Draft.objects.filter(user=actor, key=key).delete()
        return None
    draft, _created = Draft.objects.update_or_create(
        user=actor, key=key, defaults={"body": body[:DRAFT_MAX], "title": (title or "")[:200]}
    )
    return draft


def reveal_anonymous_author(*, actor: Any, post: Post, reason: str) -> User | None:
    """Tell a site admin or community manager who wrote an anonymous post, for a written reason.

    Every reveal is in the audit log (with the reason, about the member) and the member is told
    by email that it happened. Returns None when the author's account no longer exists.
    """
    permissions.check_can_reveal_anonymous_author(actor, post.topic.community)
    if not post.is_anonymous:
        raise ValidationFailed(_("This post is not anonymous."), field="reason")
    reason = " ".join((reason or "").split())
    if len(reason) < 10:
        raise ValidationFailed(
            _("Please write the reason in a sentence (at least 10 characters)."), field="reason"
        )
    if len(reason) > 500:
        raise ValidationFailed(_("Please keep the reason under 500 characters."), field="reason")
    check_rate(scope="reveal", key=str(actor.pk), rate="20/h")
    alias = post.alias
    assert alias is not None
    member = alias.user
    with transaction.atomic():
        record_event(
            actor=actor,
            verb="post.reveal_anonymous_author",
            target=post,
            subject=member,
            reason=reason,
            topic=post.topic_id,
            alias=alias.number,
        )
        if member is not None:
            transaction.on_commit(
                lambda: notify_anonymous_reveal(member_id=member.pk, post_id=post.pk, reason=reason)
            )
    return member


def notify_anonymous_reveal(*, member_id: int, post_id: int, reason: str) -> None:
    """Email the member that staff looked up who wrote their anonymous post (no post text)."""
    from django.core.mail import send_mail
    from django.template.loader import render_to_string

    member = User.objects.filter(pk=member_id, memorialised_at__isnull=True).first()
    if member is None:
        return
    url = settings.SITE_URL.rstrip("/") + reverse("post_permalink", kwargs={"post_id": post_id})
    context = {"member": member, "url": url, "reason": reason, "site_name": settings.SITE_NAME}
    try:
        send_mail(
            subject=_("Someone looked up who wrote one of your anonymous posts"),
            message=render_to_string("discussions/email/anonymous_reveal.txt", context),
            from_email=None,
            recipient_list=[member.email],
        )
    except OSError:
        # The reveal is already in the audit log, which the member can read; a mail outage
        # must not undo it.
        logger.exception("Could not email member %s about a reveal", member_id)
