"""The search JSON API: the same search, parameters and checks as the page.

Visitors may search too; they find only public content.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import Router

from carecircle.api.schemas import ErrorOut
from carecircle.communities.queries import list_communities
from carecircle.core.errors import ValidationFailed
from carecircle.core.http import private_no_store
from carecircle.search import queries
from carecircle.search.forms import SearchForm, page_number
from carecircle.search.queries import CONTENT_KINDS, LIBRARY_KINDS
from carecircle.search.schemas import SearchCommunityOut, SearchOut, SearchResultOut
from carecircle.search.views import check_search_rate

router = Router(tags=["search"])


def result_out(result: queries.Result) -> SearchResultOut:
    return SearchResultOut(
        kind=result.kind,
        id=result.object_id,
        url=result.url,
        title=result.title,
        snippet_html=result.snippet_html,
        community=(
            SearchCommunityOut(name=result.community_name, slug=result.community_slug)
            if result.kind in (*CONTENT_KINDS, *LIBRARY_KINDS) and result.community_slug
            else None
        ),
        author_name=result.author_name,
        created_at=result.created_at,
        is_question=result.is_question,
        is_solved=result.is_solved,
    )


def search_out(results: queries.SearchResults) -> SearchOut:
    return SearchOut(
        query=results.query,
        page=results.page,
        total=results.total,
        total_is_capped=results.total_is_capped,
        has_next=results.has_next and results.page < queries.MAX_PAGE,
        kind_totals=results.kind_totals,
        kind_totals_at_least=sorted(results.kind_totals_at_least),
        suggestion=results.suggestion,
        expanded=results.expanded,
        notes=results.notes,
        results=[result_out(result) for result in results.results],
    )


@router.get("/search", response={200: SearchOut, 400: ErrorOut, 401: ErrorOut, 429: ErrorOut})
def search(
    request: HttpRequest,
    response: HttpResponse,
    q: str = "",
    kind: str = "all",
    community: str = "",
    author: str = "",
    after: str = "",
    before: str = "",
    solved: str = "",
    mine: bool = False,
    sort: str = "relevance",
    page: int = 1,
) -> SearchOut:
    """Search discussions, members, communities and library resources: only what you may read.

    `q` understands "quoted phrases", -excluded words and OR. `kind`: all, discussions,
    topics (first posts only), members, communities or resources (published library
    resources: a resource result's `community` is null for the site library). `community`:
    a slug (its library too); `author`: a handle; `after`/`before`: dates (YYYY-MM-DD,
    inclusive); `author`, dates and `solved` find discussions only; `solved`: solved or
    unsolved (questions only); `mine`: only communities you belong to (and their libraries,
    not the site's); `sort`: relevance, newest or oldest. 20 results a page, at most 50
    pages. An empty `q` finds nothing.
    """
    # What the searcher may read, and words that may be health information: never kept.
    private_no_store(response)
    actor = request.user
    data = {
        "q": q,
        "kind": kind,
        "community": community,
        "author": author,
        "after": after,
        "before": before,
        "solved": solved,
        "sort": sort,
    }
    if mine:
        data["mine"] = "on"
    form = SearchForm(data, communities=list_communities(actor), is_member=actor.is_authenticated)
    if not form.is_valid():
        name, errors = next(iter(form.errors.items()))
        raise ValidationFailed(errors[0], field=None if name == "__all__" else name)
    number = page_number(page)
    text = form.cleaned_data["q"]
    if not text:
        return search_out(queries.SearchResults(text, form.filters(), [], number, 0, False))
    check_search_rate(request)
    return search_out(queries.search(actor, text, form.filters(), page=number))
