"""JSON API for related discussions and similar topics: the same lists as the pages."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema

from carecircle.api.api import member_auth
from carecircle.api.schemas import ErrorOut
from carecircle.communities import queries as community_queries
from carecircle.discussions import queries as discussion_queries
from carecircle.search import related
from carecircle.search.related_views import MAX_TITLE_LENGTH, RELATED_LIMIT, check_similar_rate

router = Router(tags=["search"])


class RelatedCommunityOut(Schema):
    name: str
    slug: str


class RelatedTopicOut(Schema):
    id: int
    title: str
    url: str
    community: RelatedCommunityOut
    reply_count: int
    is_question: bool
    is_solved: bool


class RelatedTopicsOut(Schema):
    results: list[RelatedTopicOut]


class SimilarIn(Schema):
    title: str = Field(max_length=MAX_TITLE_LENGTH)
    community: str = Field("", description="A community's slug: only its topics when given.")


def related_topic_out(topic: Any) -> RelatedTopicOut:
    return RelatedTopicOut(
        id=topic.pk,
        title=topic.title,
        url=topic.get_absolute_url(),
        community=RelatedCommunityOut(name=topic.community.name, slug=topic.community.slug),
        reply_count=topic.reply_count,
        is_question=topic.is_question,
        is_solved=topic.accepted_post_id is not None,
    )


@router.get(
    "/topics/{topic_id}/related", response={200: RelatedTopicsOut, 401: ErrorOut, 404: ErrorOut}
)
def related_topics(request: HttpRequest, topic_id: int) -> RelatedTopicsOut:
    """Up to 5 discussions about the same things as this topic, only ones you may read."""
    topic = discussion_queries.get_topic(request.user, topic_id)
    topics = related.related_topics(request.user, topic, limit=RELATED_LIMIT)
    return RelatedTopicsOut(results=[related_topic_out(t) for t in topics])


@router.post(
    "/search/similar",
    response={200: RelatedTopicsOut, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    auth=member_auth,
)
def similar_topics(request: HttpRequest, payload: SimilarIn) -> RelatedTopicsOut:
    """Up to 5 topics like a title you are about to post (in `community` when given).

    POST, not GET, so the title never appears in a URL. Rate-limited per member.
    """
    check_similar_rate(request.user)
    community = (
        community_queries.get_community(request.user, payload.community)
        if payload.community
        else None
    )
    topics = related.similar_topics(request.user, payload.title, community=community)
    return RelatedTopicsOut(results=[related_topic_out(t) for t in topics])
