"""Reads of topics and posts, scoped to the actor and prefetched for constant query counts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Max, Prefetch, Q, QuerySet, prefetch_related_objects
from django.utils.translation import gettext

from carecircle.communities.models import Community
from carecircle.communities.permissions import can_moderate_community
from carecircle.communities.queries import readable_community_ids
from carecircle.core.errors import NotFoundError
from carecircle.core.markdown import quote_markdown
from carecircle.core.models import ModerationState
from carecircle.core.pagination import Page, PageRequest, paginate
from carecircle.discussions import permissions
from carecircle.discussions.models import Draft, Post, PostRevision, Reaction, Topic
from carecircle.uploads.attachments import AttachmentChoice
from carecircle.uploads.models import Upload

# Ids are 64-bit: a larger number cannot name a row (and would overflow SQLite's integers).
MAX_ID = 2**63 - 1


def written_by(member: Any) -> Q:
    """Posts `member` wrote, openly or under an anonymous alias (a filter for Post)."""
    return Q(author=member) | Q(alias__user=member)


def started_by(member: Any) -> Q:
    """Topics `member` started, openly or under an anonymous alias (a filter for Topic)."""
    return Q(author=member) | Q(author_alias__user=member)


def _authenticated(actor: Any) -> bool:
    return bool(getattr(actor, "is_authenticated", False))


def listed_topics(actor: Any) -> Q:
    """Topics listed for a reader who does not moderate: visible ones and the reader's own."""
    visible = Q(moderation_state=ModerationState.VISIBLE)
    return (visible | started_by(actor)) if _authenticated(actor) else visible


def seen_posts(actor: Any) -> Q:
    """Posts a non-moderator sees: all but other members' posts waiting for approval."""
    shown = ~Q(moderation_state=ModerationState.PENDING)
    return (shown | written_by(actor)) if _authenticated(actor) else shown


def community_topics(actor: Any, community: Community, page: PageRequest) -> Page:
    """One page of a readable community's topics, pinned first, newest activity next.

    Topics waiting for approval or hidden for review are listed for their author and
    moderators only.
    """
    queryset = Topic.objects.filter(community=community)
    if not can_moderate_community(actor, community):
        queryset = queryset.filter(listed_topics(actor), is_deleted=False)
    queryset = queryset.select_related(
        "author", "author_alias", "on_behalf_of", "last_poster"
    ).order_by("-is_pinned", "-last_posted_at", "-pk")
    return paginate(queryset, page, total=None)


def recent_topics(actor: Any, *, limit: int = 10) -> list[Topic]:
    """The latest active topics across every community the actor may read."""
    return list(
        Topic.objects.filter(
            community__in=readable_community_ids(actor),
            is_deleted=False,
            moderation_state=ModerationState.VISIBLE,
        )
        .select_related("community", "author", "author_alias", "last_poster")
        .order_by("-last_posted_at")[:limit]
    )


def topics_for_api(actor: Any, community: Community | None = None) -> QuerySet[Topic]:
    queryset = Topic.objects.filter(
        community__in=readable_community_ids(actor), is_deleted=False
    ).select_related("community", "author", "author_alias", "on_behalf_of", "poll")
    if community is not None:
        queryset = queryset.filter(community=community)
        if not can_moderate_community(actor, community):
            queryset = queryset.filter(listed_topics(actor))
    else:
        queryset = queryset.filter(listed_topics(actor))
    return queryset.order_by("-is_pinned", "-last_posted_at", "-pk")


def get_topic(actor: Any, topic_id: int) -> Topic:
    """The topic if the actor may read it; NotFoundError otherwise, never revealing it exists."""
    topic = (
        Topic.objects.select_related(
            "community",
            "author",
            "author_alias",
            "accepted_post__author",
            "accepted_post__alias",
            # One join instead of a query: the API gives every topic's poll id.
            "poll",
        )
        .filter(pk=topic_id)
        .first()
    )
    if topic is None or not permissions.can_read_topic(actor, topic):
        raise NotFoundError("Topic not found.")
    return topic


def topic_posts(actor: Any, topic: Topic, page: PageRequest) -> Page:
    """One page of a topic's posts; deleted ones stay as placeholders in their place.

    Posts waiting for approval are left out for everyone but their author and moderators;
    hidden ones stay in their place (the page draws a placeholder for other readers).
    """
    # Positions run 1..highest without gaps, but posts still waiting for approval (or never
    # approved) are not in reply_count: the highest position is what the pages must cover.
    total = max(
        topic.reply_count + 1,
        Post.objects.filter(topic=topic).aggregate(highest=Max("position"))["highest"] or 0,
    )
    last = max(1, -(-total // page.size))
    number = min(page.number, last)
    # Posts are never removed (deletion is soft), so positions run 1..total without gaps and a
    # page is a position range: any page of a huge topic costs the same as the first.
    first_position = (number - 1) * page.size + 1
    posts = Post.objects.filter(
        topic=topic,
        position__gte=first_position,
        position__lt=first_position + page.size,
    )
    if not permissions.can_see_deleted(actor, topic):
        posts = posts.filter(seen_posts(actor))
    items = list(posts.select_related("author", "alias", "on_behalf_of").order_by("position"))
    result = Page(items=items, number=number, size=page.size, total=total)
    for post in result.items:
        # Share the loaded topic (and its community and membership cache) with every post.
        post.topic = topic
    attach_actor_reactions(actor, result.items)
    attach_uploads(result.items)
    return result


def attach_uploads(posts: list[Post]) -> None:
    """Load every post's attachments in order (`post.attachments.all()`), in one query.

    Whether a post's files are shown follows its text (the page and the API decide that, as
    for the body); this only saves one query per post.
    """
    prefetch_related_objects(
        posts, Prefetch("attachments", queryset=Upload.objects.order_by("position", "pk"))
    )


def attach_actor_reactions(actor: Any, posts: list[Post]) -> None:
    """Set `post.actor_reactions` to the set of kinds the actor gave, in one query."""
    mine: dict[int, set[str]] = {post.pk: set() for post in posts}
    if getattr(actor, "is_authenticated", False) and posts:
        for post_id, kind in Reaction.objects.filter(user=actor, post__in=posts).values_list(
            "post_id", "kind"
        ):
            mine[post_id].add(kind)
    for post in posts:
        post.actor_reactions = mine[post.pk]  # type: ignore[attr-defined]


def attachments_unchanged(post: Post, choices: Sequence[AttachmentChoice]) -> bool:
    """Whether `choices` are exactly the post's attachments now (same files, order, words).

    An edit form sends its files back every time; saving them unchanged is not an edit.
    """
    current = Upload.objects.filter(post=post).order_by("position", "pk")
    return list(choices) == [
        AttachmentChoice(
            upload_id=upload.pk, alt_text=upload.alt_text, is_decorative=upload.is_decorative
        )
        for upload in current
    ]


def get_post(actor: Any, post_id: int) -> Post:
    """The post if the actor may read its topic; NotFoundError otherwise."""
    post = (
        Post.objects.select_related(
            "topic__community", "author", "alias", "on_behalf_of", "topic__author"
        )
        .filter(pk=post_id)
        .first()
    )
    if post is None or not permissions.can_read_topic(actor, post.topic):
        raise NotFoundError("Post not found.")
    if not permissions.can_see_post(actor, post):
        raise NotFoundError("Post not found.")
    if post.is_deleted and not (
        post.is_written_by(actor) or permissions.can_see_deleted(actor, post.topic)
    ):
        raise NotFoundError("Post not found.")
    return post


def quote_of(post: Post) -> str:
    """The post as a Markdown quote attributed to its author, ready for a reply box."""
    author = post.public_author_name or gettext("A former member")
    # The permalink in the attribution is how the quoted member is told (a "quote" line).
    return quote_markdown(author, post.body, url=post.get_absolute_url())


def post_page_number(post: Post, page_size: int) -> int:
    return (post.position - 1) // page_size + 1


def post_revisions(actor: Any, post: Post) -> list[PostRevision]:
    """A post's earlier versions, newest first.

    The words of a pending or hidden post, and so its history, are for its author and
    moderators only; everyone else gets "not found", as for a missing post, so the history
    page and API do not confirm what was held back.
    """
    if not permissions.can_read_post_text(actor, post):
        raise NotFoundError("Post not found.")
    return list(post.revisions.select_related("editor"))


def get_draft(actor: Any, key: str) -> Draft | None:
    if not getattr(actor, "is_authenticated", False):
        return None
    return Draft.objects.filter(user=actor, key=key).first()


def posts_after(actor: Any, topic: Topic, after: int) -> QuerySet[Post]:
    """The topic's posts with id > `after` that the actor sees on the page, oldest first.

    Deleted posts are left out unless the actor moderates the topic's community (moderators
    see deleted text on the page); positions still tell the reader where each post belongs.
    """
    posts = Post.objects.filter(topic=topic, pk__gt=min(after, MAX_ID))
    if not permissions.can_see_deleted(actor, topic):
        posts = posts.filter(seen_posts(actor), is_deleted=False)
    return posts.order_by("position")
