"""The search page: one GET form (words, tabs, filters), results, and helpful empty states.

Plain links and a plain form: it works the same without JavaScript. Results are personal (what
this searcher may read) and the words may be health information, so nothing here is cached or
indexed by search engines.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from allauth.core.internal.httpkit import get_client_ip
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET

from carecircle.communities.queries import list_communities
from carecircle.core.errors import DomainError, RateLimitedError
from carecircle.core.http import private_no_store
from carecircle.core.ratelimit import check_rate
from carecircle.search import queries
from carecircle.search.engines.base import COUNT_CAP
from carecircle.search.forms import KINDS, SearchPageForm, kind_labels, page_number

# Generous: a person refining a search types a few a minute; a scraper types thousands.
DEFAULT_SEARCH_RATE = "60/m"
# The names of the parameters the form sends, in the order links repeat them.
PARAMETERS = ("q", "kind", "community", "author", "after", "before", "solved", "mine", "sort")
# The names `queries.search` gives fields in its errors, where the form's differ.
FIELD_NAMES = {"mine_only": "mine"}
FILTER_PARAMETERS = ("community", "author", "after", "before", "solved", "mine", "sort")


def check_search_rate(request: HttpRequest) -> None:
    """Count one search for the member (or, for a visitor, the address); RateLimitedError."""
    user = request.user
    if user.is_authenticated:
        key = f"member:{user.pk}"
    else:
        key = f"address:{get_client_ip(request) or 'unknown'}"
    try:
        rate = getattr(settings, "CARECIRCLE_SEARCH_RATE", DEFAULT_SEARCH_RATE)
        check_rate(scope="search", key=key, rate=rate)
    except RateLimitedError as error:
        raise RateLimitedError(
            _("That is a lot of searches in a short time. Please wait a minute and try again.")
        ) from error


def tab_count(kind_totals: dict[str, int], kind: str) -> int | None:
    """The number on one tab, from the engine's per-kind totals (None: not counted).

    The engine counts only the kinds searched (a tab, or a filter about posts, leaves others
    out): a tab shows a number only when every kind it holds was counted.
    """
    if kind in kind_totals:
        return kind_totals[kind]
    parts = queries.KIND_FILTERS[kind]
    if not all(part in kind_totals for part in parts):
        return None
    return sum(kind_totals[part] for part in parts)


def count_text(count: int | None, *, at_least: bool = False) -> str:
    """A tab's number: "12", "1,000+" past the counting cap, "240+" when counting stopped
    sooner (`at_least`), "" when not counted."""
    if count is None:
        return ""
    if count > COUNT_CAP:
        return number_format(COUNT_CAP, force_grouping=True) + "+"
    if at_least:
        return number_format(count, force_grouping=True) + "+"
    return number_format(count, force_grouping=True)


def result_kind_labels() -> dict[str, str]:
    return {
        "topic": _("Discussion"),
        "post": _("Reply"),
        "member": _("Member"),
        "community": _("Community"),
        "resource": _("Library resource"),
    }


class Links:
    """Links to this page with the searcher's parameters, changing only some."""

    def __init__(self, data: Any) -> None:
        self.kept = {
            name: data.get(name, "").strip()
            for name in PARAMETERS
            if (data.get(name) or "").strip()
        }

    def to(self, **changes: Any) -> str:
        values = {**self.kept, **{k: v for k, v in changes.items()}}
        if values.get("kind") == "all":
            values.pop("kind")
        if values.get("page") == 1:
            values.pop("page")
        pairs = [(name, values[name]) for name in (*PARAMETERS, "page") if values.get(name)]
        return "?" + urlencode(pairs) if pairs else "?"

    def without_filters(self) -> str:
        return self.to(**dict.fromkeys(FILTER_PARAMETERS, ""))

    def words_only(self) -> str:
        """This page with only the words: no tab, no filters."""
        return "?" + urlencode({"q": self.kept["q"]}) if self.kept.get("q") else "?"


def total_text(results: queries.SearchResults) -> str:
    """The line above the results; "" when nothing matched (the empty state says so)."""
    if results.total > COUNT_CAP:
        return _("More than %(count)s results") % {
            "count": number_format(COUNT_CAP, force_grouping=True)
        }
    if results.total_is_capped:
        # Counting stopped sooner (PostgreSQL, very common words): there are at least these.
        return _("At least %(count)s results") % {
            "count": number_format(results.total, force_grouping=True)
        }
    if results.total == 0:
        return ""
    count = number_format(results.total, force_grouping=True)
    if results.has_next:
        # Hits on later pages are checked only when shown, so the total is an estimate.
        return _("About %(count)s results") % {"count": count}
    return ngettext("%(count)s result", "%(count)s results", results.total) % {"count": count}


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    """Results for `q` with the chosen tab and filters, only what the searcher may read."""
    actor = request.user
    communities = list_communities(actor)
    form = SearchPageForm(request.GET, communities=communities, is_member=actor.is_authenticated)
    page = page_number(request.GET.get("page"))
    links = Links(request.GET)
    results: queries.SearchResults | None = None
    rate_message = ""
    status = 200
    if form.is_valid() and form.cleaned_data["q"]:
        try:
            check_search_rate(request)
            results = queries.search(actor, form.cleaned_data["q"], form.filters(), page=page)
        except RateLimitedError as error:
            rate_message, status = str(error.message), 429
        except DomainError as error:
            # A filter the search could not use (an unknown author): shown next to its field.
            name = FIELD_NAMES.get(error.field or "", error.field)
            form.add_error(name if name in form.fields else None, str(error.message))
    if form.errors:
        status = 400
    kind = form.cleaned_data.get("kind", "all")
    kind = "discussions" if kind == "topics" else kind
    labels = result_kind_labels()
    totals = results.kind_totals if results is not None else {}
    tabs = []
    for key, label in kind_labels().items():
        if key not in KINDS:
            continue
        count = None
        at_least = False
        if results is not None:
            if key == kind:
                count, at_least = results.total, results.total_is_capped
            else:
                count = tab_count(totals, key)
                at_least = not results.kind_totals_at_least.isdisjoint(queries.KIND_FILTERS[key])
        tabs.append(
            {
                "kind": key,
                "label": label,
                "url": links.to(kind=key, page=1),
                "count": count,
                "count_text": count_text(count, at_least=at_least),
                "is_current": key == kind,
            }
        )
    context: dict[str, Any] = {
        "form": form,
        "query": (request.GET.get("q") or "").strip(),
        "results": results,
        "tabs": tabs,
        "entries": [
            (result, labels.get(result.kind, "")) for result in (results.results if results else [])
        ],
        "rate_message": rate_message,
        # Closed unless a filter needs fixing: open, it pushes the results far down a phone.
        "filters_open": form.has_filter_errors,
        "filter_count": form.filter_count,
        "is_narrowed": form.narrowing_filter_count > 0,
        "clear_filters_url": links.without_filters(),
        "words_only_url": links.words_only(),
        "total_text": total_text(results) if results is not None else "",
    }
    if results is not None:
        context["suggestion_url"] = (
            links.to(q=results.suggestion, page=1) if results.suggestion else ""
        )
        context["first_page_url"] = links.to(page=1)
        context["previous_url"] = links.to(page=results.page - 1) if results.page > 1 else ""
        context["next_url"] = (
            links.to(page=results.page + 1)
            if results.has_next and results.page < queries.MAX_PAGE
            else ""
        )
    return private_no_store(render(request, "search/search.html", context, status=status))
