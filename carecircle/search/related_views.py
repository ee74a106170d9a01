"""Related discussions under a topic, and the "similar topics already exist" hint.

The topic page only carries a placeholder that htmx fills when it scrolls into view, so the
page itself runs no query for it; without JavaScript the same URL is a page of its own. The
hint is POSTed, not fetched with GET: a title being typed may be health information, and
query strings land in logs.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from carecircle.communities import queries as community_queries
from carecircle.core.errors import PermissionDeniedError, RateLimitedError
from carecircle.core.http import private_no_store
from carecircle.core.interfaces import page_errors
from carecircle.core.ratelimit import check_rate
from carecircle.discussions import queries as discussion_queries
from carecircle.search import related

RELATED_LIMIT = 5
# A member typing a title sends one request per pause; a few dozen a minute is plenty.
DEFAULT_SIMILAR_RATE = "30/m"
MAX_TITLE_LENGTH = 200


def check_similar_rate(user: object) -> None:
    """Count one similar-topics lookup for the member; RateLimitedError past the rate."""
    rate = getattr(settings, "CARECIRCLE_SIMILAR_TOPICS_RATE", DEFAULT_SIMILAR_RATE)
    check_rate(scope="similar-topics", key=f"member:{getattr(user, 'pk', '')}", rate=rate)


@page_errors
@require_GET
def related_topics(request: HttpRequest, topic_id: int) -> HttpResponse:
    """Related discussions: the list alone for htmx, a whole page without JavaScript."""
    topic = discussion_queries.get_topic(request.user, topic_id)
    topics = related.related_topics(request.user, topic, limit=RELATED_LIMIT)
    context = {"topic": topic, "related": topics}
    if request.htmx:  # type: ignore[attr-defined]
        return private_no_store(render(request, "search/related_topics.html#related_list", context))
    return private_no_store(render(request, "search/related_topics.html", context))


@page_errors
@require_POST
def similar_topics(request: HttpRequest) -> HttpResponse:
    """Topics like the title being typed on the new-topic form (members only)."""
    if not request.user.is_authenticated:
        raise PermissionDeniedError(_("Please sign in to start a topic."), code="not_authenticated")
    title = request.POST.get("title", "")[:MAX_TITLE_LENGTH]
    slug = request.POST.get("community", "")
    context: dict[str, object] = {"title": title, "similar": [], "rate_message": ""}
    status = 200
    try:
        check_similar_rate(request.user)
    except RateLimitedError as error:
        context["rate_message"] = str(error.message)
        status = 429
    else:
        community = community_queries.get_community(request.user, slug) if slug else None
        context["community"] = community
        context["similar"] = related.similar_topics(request.user, title, community=community)
    if request.htmx:  # type: ignore[attr-defined]
        return private_no_store(
            render(request, "search/similar_topics.html#similar_list", context, status=status)
        )
    return private_no_store(render(request, "search/similar_topics.html", context, status=status))
