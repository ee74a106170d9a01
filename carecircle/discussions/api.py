from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from carecircle.api.api import member_auth
from carecircle.api.schemas import ErrorOut, MemberOut, PageMeta
from carecircle.caregivers.permissions import person_posted_for
from carecircle.communities import queries as community_queries
from carecircle.communities.permissions import can_moderate_community
from carecircle.core.errors import NotFoundError, ValidationFailed
from carecircle.core.models import ModerationState
from carecircle.core.pagination import PageRequest, paginate
from carecircle.discussions import actions, permissions, queries, safety
from carecircle.discussions.models import Post, Reaction, Topic
from carecircle.polls.specs import PollSpec
from carecircle.uploads import schemas as upload_schemas
from carecircle.uploads.attachments import AttachmentChoice
from carecircle.uploads.display import attachment_payload
from carecircle.uploads.models import Upload
from carecircle.uploads.schemas import AttachmentIn, AttachmentOut

router = Router(tags=["discussions"])


class TopicOut(Schema):
    id: int
    community: str
    title: str
    author: MemberOut | None
    anonymous_alias: str | None
    on_behalf_of: MemberOut | None
    is_question: bool
    is_pinned: bool
    is_locked: bool
    accepted_post_id: int | None
    reply_count: int
    created_at: datetime
    last_posted_at: datetime
    url: str
    moderation_state: str
    slow_mode_seconds: int
    # The topic's poll (GET /api/v1/polls/{id} for its question, options and results).
    poll_id: int | None


class PollIn(Schema):
    question: str
    options: list[str]
    is_multiple_choice: bool = False
    max_choices: int | None = None  # multiple choice only; null: no limit
    is_anonymous: bool = True
    results_visibility: str = "after_vote"  # always, after_vote or after_close
    closes_at: datetime | None = None  # with its UTC offset (without one, read as UTC)


class SupportResourceOut(Schema):
    name: str
    phone: str
    url: str
    description: str


class SupportOut(Schema):
    """Private support for the author whose words suggest crisis (shown to them only)."""

    kind: str
    message: str
    resources: list[SupportResourceOut]


class TopicCreatedOut(TopicOut):
    support: SupportOut | None = None


class TopicPage(PageMeta):
    items: list[TopicOut]


class TopicIn(Schema):
    title: str
    body: str
    is_question: bool = False
    is_anonymous: bool = False
    on_behalf_of: str | None = None  # handle of the person a caregiver posts for
    # Send again with true after a 422 "confirmation_needed" to post the text as it is.
    confirmed: bool = False
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=50)
    poll: PollIn | None = None


class TopicPatch(Schema):
    is_pinned: bool | None = None
    is_locked: bool | None = None
    community: str | None = None
    accepted_post_id: int | None = None
    clear_accepted_post: bool = False
    slow_mode_seconds: int | None = None  # moderators; 0 turns slow mode off


class PostOut(Schema):
    id: int
    topic_id: int
    position: int
    author: MemberOut | None
    anonymous_alias: str | None
    on_behalf_of: MemberOut | None
    body: str | None
    body_html: str | None
    is_deleted: bool
    created_at: datetime
    edited_at: datetime | None
    edit_count: int
    reply_to_id: int | None
    reactions: dict[str, int]
    my_reactions: list[str]
    # visible, pending (waiting for approval) or hidden (under review; text only for its
    # author and moderators).
    moderation_state: str
    # Given exactly when the text is (empty for a deleted or withheld post).
    attachments: list[AttachmentOut]


class PostCreatedOut(PostOut):
    support: SupportOut | None = None


class PostPage(PageMeta):
    items: list[PostOut]


class PostIn(Schema):
    body: str
    reply_to: int | None = None
    is_anonymous: bool = False
    on_behalf_of: str | None = None  # handle of the person a caregiver posts for
    confirmed: bool = False
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=50)


class RevealIn(Schema):
    reason: str


class RevealOut(Schema):
    post_id: int
    author: MemberOut | None


class PostPatch(Schema):
    body: str
    title: str | None = None
    reason: str = ""
    confirmed: bool = False
    # The post's attachments after the edit, in order; leave out to keep them as they are.
    attachments: list[AttachmentIn] | None = Field(default=None, max_length=50)


class RevisionOut(Schema):
    number: int
    body: str
    title: str
    reason: str
    created_at: datetime


class ReactionOut(Schema):
    kind: str
    present: bool
    reactions: dict[str, int]


def support_out(result: Any) -> SupportOut | None:
    support = safety.support_for(result)
    return SupportOut(**support) if support is not None else None


def member_out(user: Any) -> MemberOut | None:
    if user is None:
        return None
    return MemberOut(
        handle=user.handle, display_name=user.display_name, is_professional=user.is_professional
    )


def attachment_choices(items: list[AttachmentIn] | None) -> list[AttachmentChoice] | None:
    if items is None:
        return None
    return upload_schemas.attachment_choices(items)


def poll_spec(poll: PollIn | None) -> PollSpec | None:
    return PollSpec(**poll.dict()) if poll is not None else None


def attachment_out(upload: Upload) -> AttachmentOut:
    # The shape messages and the chat sockets give too (one JSON form of an attachment).
    return AttachmentOut(**attachment_payload(upload))


def _poll_id(topic: Topic) -> int | None:
    # `get_topic` and the topic lists load the poll with the topic (no query here).
    try:
        return topic.poll.pk
    except ObjectDoesNotExist:
        return None


def topic_out(topic: Topic) -> TopicOut:
    return TopicOut(
        id=topic.pk,
        community=topic.community.slug,
        title=topic.title,
        author=member_out(topic.author),
        anonymous_alias=topic.author_alias.label if topic.author_alias else None,
        on_behalf_of=member_out(topic.on_behalf_of),
        is_question=topic.is_question,
        is_pinned=topic.is_pinned,
        is_locked=topic.is_locked,
        accepted_post_id=topic.accepted_post_id,
        reply_count=topic.reply_count,
        created_at=topic.created_at,
        last_posted_at=topic.last_posted_at,
        url=topic.get_absolute_url(),
        moderation_state=topic.moderation_state,
        slow_mode_seconds=topic.slow_mode_seconds,
        poll_id=_poll_id(topic),
    )


def post_out(actor: Any, post: Post, *, show_deleted: bool = False) -> PostOut:
    hidden = (post.is_deleted and not show_deleted) or not permissions.can_read_post_text(
        actor, post
    )
    return PostOut(
        id=post.pk,
        topic_id=post.topic_id,
        position=post.position,
        author=None if hidden else member_out(post.author),
        anonymous_alias=post.alias.label if (post.alias and not hidden) else None,
        on_behalf_of=None if hidden else member_out(post.on_behalf_of),
        body=None if hidden else post.body,
        body_html=None if hidden else post.body_html,
        is_deleted=post.is_deleted,
        created_at=post.created_at,
        edited_at=post.edited_at,
        edit_count=post.edit_count,
        reply_to_id=post.reply_to_id,
        reactions=post.reaction_counts or {},
        my_reactions=sorted(getattr(post, "actor_reactions", set())),
        moderation_state=post.moderation_state,
        attachments=[] if hidden else [attachment_out(upload) for upload in _attachments_of(post)],
    )


def _attachments_of(post: Post) -> list[Upload]:
    # Pages of posts load them all at once (queries.attach_uploads); one post asks here.
    if "attachments" in getattr(post, "_prefetched_objects_cache", {}):
        return list(post.attachments.all())
    return list(post.attachments.order_by("position", "pk"))


def _page_meta(page: Any) -> dict[str, int]:
    return {
        "page": page.number,
        "page_size": page.size,
        "total": page.total,
        "pages": page.page_count,
    }


@router.get("/communities/{slug}/topics", response={200: TopicPage, 403: ErrorOut, 404: ErrorOut})
def list_topics(request: HttpRequest, slug: str, page: int = 1, page_size: int = 20) -> TopicPage:
    """Topics in a community the caller may read, pinned first."""
    community = community_queries.get_community(request.user, slug)
    from carecircle.communities.permissions import check_can_read_community

    check_can_read_community(request.user, community)
    result = paginate(
        queries.topics_for_api(request.user, community)
        .select_related(None)
        .select_related("community", "author", "author_alias", "on_behalf_of", "poll"),
        PageRequest.from_params(page, page_size),
    )
    return TopicPage(items=[topic_out(t) for t in result.items], **_page_meta(result))


@router.post(
    "/communities/{slug}/topics",
    response={
        201: TopicCreatedOut,
        400: ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
        422: ErrorOut,
        429: ErrorOut,
    },
    auth=member_auth,
)
def create_topic(request: HttpRequest, slug: str, payload: TopicIn) -> Status[TopicCreatedOut]:
    """Start a topic (members of the community).

    422 "confirmation_needed" (with `details`): it seems to share personal details or risky
    medical claims; nothing is saved; send it again with `confirmed: true` to post it.
    `support` carries crisis helplines for the author when their words suggest crisis.
    """
    community = community_queries.get_community(request.user, slug)
    fields = payload.dict(exclude={"attachments", "poll"})
    fields["on_behalf_of"] = person_posted_for(request.user, community, payload.on_behalf_of)
    topic = actions.create_topic(
        actor=request.user,
        community=community,
        attachments=attachment_choices(payload.attachments) or [],
        poll=poll_spec(payload.poll),
        **fields,
    )
    out = topic_out(queries.get_topic(request.user, topic.pk))
    return Status(
        201,
        TopicCreatedOut(**out.dict(), support=support_out(getattr(topic, "gate_result", None))),
    )


@router.get("/topics/{topic_id}", response={200: TopicOut, 404: ErrorOut})
def get_topic(request: HttpRequest, topic_id: int) -> TopicOut:
    return topic_out(queries.get_topic(request.user, topic_id))


@router.patch(
    "/topics/{topic_id}",
    response={200: TopicOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    auth=member_auth,
)
def update_topic(request: HttpRequest, topic_id: int, payload: TopicPatch) -> TopicOut:
    """Pin, lock, move or slow a topic (moderators); accept an answer (asker or moderators)."""
    actor = request.user
    topic = queries.get_topic(actor, topic_id)
    # One request, one outcome: a refused part (say, the move) undoes the parts before it.
    with transaction.atomic():
        if payload.is_pinned is not None:
            actions.set_topic_pinned(actor=actor, topic=topic, is_pinned=payload.is_pinned)
        if payload.is_locked is not None:
            actions.set_topic_locked(actor=actor, topic=topic, is_locked=payload.is_locked)
        if payload.slow_mode_seconds is not None:
            actions.set_topic_slow_mode(actor=actor, topic=topic, seconds=payload.slow_mode_seconds)
        if payload.community:
            destination = community_queries.get_community(actor, payload.community)
            actions.move_topic(actor=actor, topic=topic, destination=destination)
        if payload.clear_accepted_post:
            actions.accept_answer(actor=actor, topic=topic, post=None)
        elif payload.accepted_post_id is not None:
            post = queries.get_post(actor, payload.accepted_post_id)
            actions.accept_answer(actor=actor, topic=topic, post=post)
    return topic_out(queries.get_topic(actor, topic_id))


@router.get("/topics/{topic_id}/posts", response={200: PostPage, 404: ErrorOut})
def list_posts(request: HttpRequest, topic_id: int, page: int = 1, page_size: int = 20) -> PostPage:
    """Posts of a topic in order; deleted posts keep their place without their text."""
    topic = queries.get_topic(request.user, topic_id)
    result = queries.topic_posts(request.user, topic, PageRequest.from_params(page, page_size))
    show_deleted = can_moderate_community(request.user, topic.community)
    return PostPage(
        items=[post_out(request.user, p, show_deleted=show_deleted) for p in result.items],
        **_page_meta(result),
    )


@router.post(
    "/topics/{topic_id}/posts",
    response={
        201: PostCreatedOut,
        400: ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
        422: ErrorOut,
        429: ErrorOut,
    },
    auth=member_auth,
)
def reply(request: HttpRequest, topic_id: int, payload: PostIn) -> Status[PostCreatedOut]:
    """Reply to a topic (members; not in locked topics).

    429 "slow_mode" when the topic's slow mode asks the member to wait; 422
    "confirmation_needed" as for topics (send again with `confirmed: true`). A reply waiting
    for approval comes back with `moderation_state: "pending"`.
    """
    topic = queries.get_topic(request.user, topic_id)
    reply_to = queries.get_post(request.user, payload.reply_to) if payload.reply_to else None
    post = actions.reply_to_topic(
        actor=request.user,
        topic=topic,
        body=payload.body,
        reply_to=reply_to,
        is_anonymous=payload.is_anonymous,
        on_behalf_of=person_posted_for(request.user, topic.community, payload.on_behalf_of),
        confirmed=payload.confirmed,
        attachments=attachment_choices(payload.attachments) or [],
    )
    out = post_out(request.user, post)
    return Status(
        201,
        PostCreatedOut(**out.dict(), support=support_out(getattr(post, "gate_result", None))),
    )


@router.post(
    "/posts/{post_id}/reveal-author",
    response={200: RevealOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    auth=member_auth,
)
def reveal_author(request: HttpRequest, post_id: int, payload: RevealIn) -> RevealOut:
    """Who wrote an anonymous post: site admins and community managers, with a reason.

    The look-up and the reason are audited and the member is told by email.
    """
    post = queries.get_post(request.user, post_id)
    member = actions.reveal_anonymous_author(actor=request.user, post=post, reason=payload.reason)
    return RevealOut(post_id=post.pk, author=member_out(member))


@router.get("/posts/{post_id}", response={200: PostOut, 404: ErrorOut})
def get_post(request: HttpRequest, post_id: int) -> PostOut:
    post = queries.get_post(request.user, post_id)
    queries.attach_actor_reactions(request.user, [post])
    return post_out(request.user, post, show_deleted=True)


class QuoteOut(Schema):
    markdown: str


@router.get("/posts/{post_id}/quote", response={200: QuoteOut, 404: ErrorOut})
def quote_post(request: HttpRequest, post_id: int) -> QuoteOut:
    """The post as a Markdown block quote, for pasting into a reply."""
    post = queries.get_post(request.user, post_id)
    if post.is_deleted or post.moderation_state != ModerationState.VISIBLE:
        raise NotFoundError("Post not found.")
    return QuoteOut(markdown=queries.quote_of(post))


@router.patch(
    "/posts/{post_id}",
    response={200: PostOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    auth=member_auth,
)
def edit_post(request: HttpRequest, post_id: int, payload: PostPatch) -> PostOut:
    """Edit a post (its author, or moderators); the previous text is kept in its history."""
    post = queries.get_post(request.user, post_id)
    actions.edit_post(
        actor=request.user,
        post=post,
        body=payload.body,
        title=payload.title,
        reason=payload.reason,
        confirmed=payload.confirmed,
        attachments=_changed(post, attachment_choices(payload.attachments)),
    )
    return post_out(request.user, post)


def _changed(post: Post, choices: list[AttachmentChoice] | None) -> list[AttachmentChoice] | None:
    # The same attachments sent back with a text edit (or alone) are not a change of the post.
    if choices is None or queries.attachments_unchanged(post, choices):
        return None
    return choices


@router.delete(
    "/posts/{post_id}", response={204: None, 403: ErrorOut, 404: ErrorOut}, auth=member_auth
)
def delete_post(request: HttpRequest, post_id: int) -> Status[None]:
    """Delete a post (soft: moderators can still see and restore it)."""
    post = queries.get_post(request.user, post_id)
    actions.delete_post(actor=request.user, post=post)
    return Status(204, None)


@router.get("/posts/{post_id}/revisions", response={200: list[RevisionOut], 404: ErrorOut})
def post_revisions(request: HttpRequest, post_id: int) -> list[RevisionOut]:
    """Earlier versions of a post, newest first."""
    post = queries.get_post(request.user, post_id)
    return [
        RevisionOut(
            number=r.number, body=r.body, title=r.title, reason=r.reason, created_at=r.created_at
        )
        for r in queries.post_revisions(request.user, post)
    ]


def _check_kind(kind: str) -> None:
    if kind not in Reaction.Kind.values:
        raise ValidationFailed(
            "Unknown reaction. Use one of: " + ", ".join(Reaction.Kind.values), field="kind"
        )


@router.put(
    "/posts/{post_id}/reactions/{kind}",
    response={200: ReactionOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    auth=member_auth,
)
def add_reaction(request: HttpRequest, post_id: int, kind: str) -> ReactionOut:
    """Give a reaction (like, hug, helpful, same); giving it twice changes nothing."""
    _check_kind(kind)
    post = queries.get_post(request.user, post_id)
    actions.add_reaction(actor=request.user, post=post, kind=kind)
    post.refresh_from_db(fields=["reaction_counts"])
    return ReactionOut(kind=kind, present=True, reactions=post.reaction_counts)


@router.delete(
    "/posts/{post_id}/reactions/{kind}",
    response={200: ReactionOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    auth=member_auth,
)
def remove_reaction(request: HttpRequest, post_id: int, kind: str) -> ReactionOut:
    """Take back a reaction."""
    _check_kind(kind)
    post = queries.get_post(request.user, post_id)
    actions.remove_reaction(actor=request.user, post=post, kind=kind)
    post.refresh_from_db(fields=["reaction_counts"])
    return ReactionOut(kind=kind, present=False, reactions=post.reaction_counts)
