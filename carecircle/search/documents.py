"""What each source puts in the index: which rows, with which text and scope columns.

Only what everyone who may read the source may see goes in: visible, undeleted posts in
visible, undeleted topics; per profile audience only the fields that audience may see (the
accounts privacy policy decides); no anonymous writer's id.

Each kind has a batch builder (`*_documents_of(ids)`, a fixed number of queries per batch, for
the rebuild command) and a one-source builder the tasks call; both give the same rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db.models import Prefetch

from carecircle.core.markdown import html_to_text
from carecircle.core.models import ModerationState
from carecircle.search.sealed import seal_text

if TYPE_CHECKING:
    from carecircle.discussions.models import Post, Topic


@dataclass(frozen=True)
class DocumentData:
    kind: str
    object_id: int
    audience: int
    community_id: int | None
    topic_id: int | None
    author_id: int | None
    is_question: bool
    is_solved: bool
    created_at: datetime
    title: str
    body: str


# The profile audiences a member row is written for (a member's own view is never searched).
MEMBER_AUDIENCES = (0, 1, 2)


def topic_documents(topic_id: int) -> list[DocumentData]:
    """The rows for a topic and all its posts as they should be now ([] if none belong)."""
    return topic_documents_of([topic_id])


def topic_documents_of(topic_ids: Iterable[int]) -> list[DocumentData]:
    """The rows of several topics and their posts, in two queries whatever their number."""
    from carecircle.discussions.models import Post, Topic

    visible_posts = (
        Post.objects.filter(moderation_state=ModerationState.VISIBLE, is_deleted=False)
        .only("pk", "topic_id", "position", "author_id", "alias_id", "created_at", "body_html")
        .order_by("position")
    )
    topics = (
        Topic.objects.filter(
            pk__in=list(topic_ids), moderation_state=ModerationState.VISIBLE, is_deleted=False
        )
        .only(
            "pk",
            "community_id",
            "author_id",
            "author_alias_id",
            "title",
            "is_question",
            "accepted_post_id",
            "created_at",
        )
        .prefetch_related(Prefetch("posts", queryset=visible_posts, to_attr="visible_posts"))
        .order_by("pk")
    )
    rows: list[DocumentData] = []
    for topic in topics:
        rows.extend(_topic_rows(topic, topic.visible_posts))  # type: ignore[attr-defined]
    return rows


def _topic_rows(topic: Topic, posts: list[Post]) -> list[DocumentData]:
    """The topic row (title and opening post) and one row per visible reply."""
    is_question = bool(topic.is_question)
    # Solved means a question with an accepted answer; a plain topic cannot be solved.
    is_solved = is_question and topic.accepted_post_id is not None
    common: dict[str, Any] = {
        "community_id": topic.community_id,
        "topic_id": topic.pk,
        "is_question": is_question,
        "is_solved": is_solved,
    }
    first = next((post for post in posts if post.position == 1), None)
    rows = [
        DocumentData(
            kind="topic",
            object_id=topic.pk,
            audience=0,
            # An anonymous topic has no open author; the alias's user never gets here.
            author_id=None if topic.author_alias_id is not None else topic.author_id,
            created_at=topic.created_at,
            title=topic.title,
            body=html_to_text(first.body_html) if first is not None else "",
            **common,
        )
    ]
    rows.extend(
        DocumentData(
            kind="post",
            object_id=post.pk,
            audience=0,
            author_id=None if post.alias_id is not None else post.author_id,
            created_at=post.created_at,
            title="",
            body=html_to_text(post.body_html),
            **common,
        )
        for post in posts
        if post.position > 1
    )
    return rows


def member_documents(user_id: int) -> list[DocumentData]:
    """The member's three rows, one per audience (visitor, member, shared community): each
    holds only what that audience may see of the profile; [] if the member is not findable."""
    return member_documents_of([user_id])


def member_documents_of(user_ids: Iterable[int]) -> list[DocumentData]:
    """The rows of several members, in one query whatever their number."""
    from carecircle.accounts.models import User
    from carecircle.accounts.privacy import (
        HEALTH_FIELDS,
        Audience,
        build_visible_profile,
        searchable_text_of,
    )

    members = (
        User.objects.filter(pk__in=list(user_ids), is_active=True)
        .select_related("profile")
        .order_by("pk")
    )
    rows: list[DocumentData] = []
    for member in members:
        profile = getattr(member, "profile", None)
        if profile is not None and profile.is_hidden:
            # "Hide my whole profile": not listed anywhere, so not found either (an exact
            # @handle still reaches them where mentions look it up).
            continue
        title = f"{member.display_name} @{member.handle}"
        prefix = f"{member.display_name}\n@{member.handle}"
        for audience in MEMBER_AUDIENCES:
            # What `preview_profile(member, audience)` shows, with the profile already loaded.
            visible = build_visible_profile(Audience(audience), member, profile)
            # Health fields are encrypted at rest: they go in as keyed tokens (see sealed.py).
            health = [visible.values.pop(name) for name in HEALTH_FIELDS if name in visible.values]
            text = searchable_text_of(visible)
            # The name and handle are the title already.
            body = text[len(prefix) :].lstrip("\n") if text.startswith(prefix) else text
            sealed = seal_text(" ".join(_health_text(value) for value in health))
            body = f"{body}\n{sealed}".strip() if sealed else body
            rows.append(
                DocumentData(
                    kind="member",
                    object_id=member.pk,
                    audience=audience,
                    community_id=None,
                    topic_id=None,
                    # So that a searcher who blocked the member never finds them.
                    author_id=member.pk,
                    is_question=False,
                    is_solved=False,
                    created_at=member.date_joined,
                    title=title,
                    body=body,
                )
            )
    return rows


def _health_text(value: Any) -> str:
    if isinstance(value, list | tuple):
        return " ".join(str(item) for item in value)
    return str(value or "")


def community_documents(community_id: int) -> list[DocumentData]:
    """The community's row: its name and description ([] if it no longer exists)."""
    return community_documents_of([community_id])


def community_documents_of(community_ids: Iterable[int]) -> list[DocumentData]:
    """The rows of several communities, in one query."""
    from carecircle.communities.models import Community

    communities = (
        Community.objects.filter(pk__in=list(community_ids))
        .only("pk", "name", "description", "created_at")
        .order_by("pk")
    )
    return [
        DocumentData(
            kind="community",
            object_id=community.pk,
            audience=0,
            community_id=community.pk,
            topic_id=None,
            author_id=None,
            is_question=False,
            is_solved=False,
            created_at=community.created_at,
            title=community.name,
            body=community.description,
        )
        for community in communities
    ]


def resource_documents(resource_id: int) -> list[DocumentData]:
    """The library resource's row ([] unless it is published)."""
    return resource_documents_of([resource_id])


def resource_documents_of(resource_ids: Iterable[int]) -> list[DocumentData]:
    """The rows of several library resources, in two queries whatever their number.

    Only published resources: a suggestion waiting for review, a rejected or an archived one
    is not in the library. The title weighs most; the summary, source, author, publisher, tags
    and category names are the body. community_id is None for the site's own library.
    """
    from carecircle.resources.models import Resource, ResourceCategory

    resources = (
        Resource.objects.filter(pk__in=list(resource_ids), status=Resource.Status.PUBLISHED)
        .only(
            "pk",
            "community_id",
            "title",
            "summary",
            "source",
            "author",
            "publisher",
            "tags",
            "created_at",
        )
        .prefetch_related(
            Prefetch("categories", queryset=ResourceCategory.objects.only("pk", "name"))
        )
        .order_by("pk")
    )
    return [
        DocumentData(
            kind="resource",
            object_id=resource.pk,
            audience=0,
            community_id=resource.community_id,
            topic_id=None,
            # Who added or suggested it is not its author; blocking them hides nothing here.
            author_id=None,
            is_question=False,
            is_solved=False,
            created_at=resource.created_at,
            title=resource.title,
            body=resource_text(resource),
        )
        for resource in resources
    ]


def resource_text(resource: Any) -> str:
    """The searchable words of a resource besides its title (categories must be loaded)."""
    parts = [
        resource.summary,
        resource.source,
        resource.author,
        resource.publisher,
        " ".join(str(tag) for tag in resource.tags or []),
        " ".join(category.name for category in resource.categories.all()),
    ]
    return "\n".join(part.strip() for part in parts if part and part.strip())
