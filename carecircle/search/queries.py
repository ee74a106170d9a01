"""Search, scoped to the searcher: the one entry point for the page, the API and the hints.

The engine only proposes candidates inside the searcher's scope (readable communities, kinds,
filters, no blocked authors). Each candidate is then loaded from its own table and checked
again with the read rules pages use, and its current text must still match the query; its
snippet is cut from that current text. So a row the index has not yet caught up with (a post
hidden, edited, moved or a profile field made private a moment ago) shows nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any, Literal

import snowballstemmer
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from carecircle.core.errors import ValidationFailed
from carecircle.core.markdown import html_to_text
from carecircle.core.models import ModerationState
from carecircle.search.engines import KindScope, Scope, get_engine
from carecircle.search.engines.base import COUNT_CAP, Hit, Sort
from carecircle.search.parsing import STOPWORDS, Clause, ParsedQuery, Term, parse_query
from carecircle.search.sealed import with_sealed_alternatives

KindFilter = Literal["all", "discussions", "topics", "members", "communities", "resources"]
KIND_FILTERS: dict[str, tuple[str, ...]] = {
    "all": ("topic", "post", "member", "community", "resource"),
    "discussions": ("topic", "post"),
    "topics": ("topic",),
    "members": ("member",),
    "communities": ("community",),
    "resources": ("resource",),
}
CONTENT_KINDS = ("topic", "post")
# Kinds that belong to one community's space (or the site's): a community filter narrows them
# to it rather than leaving them out.
LIBRARY_KINDS = ("resource",)
PAGE_SIZE = 20
MAX_PAGE = 50
MAX_QUERY_LENGTH = 500
# Below this many results the page offers "Did you mean …".
SUGGEST_BELOW = 3
# Reciprocal-rank fusion constant and how deep each list is read when meanings are fused in.
FUSION_K = 60
FUSION_DEPTH = 100
# A word in at least this many documents is "common": left out of the any-of-the-words
# fallback while rarer words remain (see _any_of_the_words).
COMMON_WORD_DOCUMENTS = 5000
# Date filters outside these years name nothing (and would overflow the date arithmetic).
EARLIEST_YEAR = 1900
LATEST_YEAR = 2999


@dataclass(frozen=True)
class SearchFilters:
    kind: KindFilter = "all"
    community: str = ""  # slug
    author: str = ""  # handle, without @
    after: date | None = None
    before: date | None = None
    solved: Literal["", "solved", "unsolved"] = ""  # question topics only when set
    mine_only: bool = False  # only communities the searcher belongs to
    sort: Sort = "relevance"


@dataclass
class Result:
    kind: str  # "topic", "post", "member", "community", "resource"
    url: str
    title: str  # topic title, member display name, community name
    snippet_html: str  # escaped text with <mark> around matched words; safe to render
    # topic/post: the community name and slug, the public author name, when, solved
    community_name: str = ""
    community_slug: str = ""
    author_name: str = ""
    created_at: Any = None
    is_question: bool = False
    is_solved: bool = False
    object_id: int = 0
    # A reply that is its topic's accepted answer (a reply in a solved topic is not, by itself).
    is_accepted_answer: bool = False
    # A verified professional or moderator added context under it (as on the topic page).
    has_context_note: bool = False
    # The post whose words the result shows (a topic's opening post), for the context check.
    post_id: int = 0


@dataclass
class SearchResults:
    query: str
    filters: SearchFilters
    results: list[Result]
    page: int
    total: int  # capped at COUNT_CAP + 1; `total_is_capped` says so
    # There are more than `total`: past COUNT_CAP, or the engine stopped counting sooner.
    total_is_capped: bool
    kind_totals: dict[str, int] = field(default_factory=dict)
    # Kinds whose number in kind_totals is "at least" (the engine stopped counting them).
    kind_totals_at_least: frozenset[str] = frozenset()
    suggestion: str = ""  # "Did you mean …": the whole corrected query, or ""
    expanded: list[str] = field(default_factory=list)  # synonyms also searched, for the page
    notes: list[str] = field(default_factory=list)
    has_next: bool = False


@dataclass(frozen=True)
class _Context:
    """What the searcher may read, computed once per search."""

    actor: Any
    readable_ids: frozenset[int]
    visible_ids: frozenset[int]
    blocked_ids: frozenset[int]
    member_of: frozenset[int]


def _signed_in(actor: Any) -> bool:
    return bool(getattr(actor, "is_authenticated", False) and actor.is_active)


def _context(actor: Any) -> _Context:
    from carecircle.communities.models import Membership
    from carecircle.communities.queries import readable_community_ids, visible_communities
    from carecircle.messaging.queries.blocks import blocked_by

    signed_in = _signed_in(actor)
    member_of: frozenset[int] = frozenset()
    if signed_in:
        member_of = frozenset(
            Membership.objects.filter(user=actor).values_list("community_id", flat=True)
        )
    return _Context(
        actor=actor,
        readable_ids=frozenset(readable_community_ids(actor).values_list("pk", flat=True)),
        visible_ids=frozenset(visible_communities(actor).values_list("pk", flat=True)),
        blocked_ids=frozenset(blocked_by(actor)) if signed_in else frozenset(),
        member_of=member_of,
    )


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone())


def _scope(context: _Context, filters: SearchFilters) -> Scope:
    """The engine scope for this searcher and these filters (ValidationFailed on bad filters)."""
    from carecircle.accounts.models import User
    from carecircle.communities.models import Community

    kinds = KIND_FILTERS.get(filters.kind)
    if kinds is None:
        raise ValidationFailed(_("Choose what to search for from the list."), field="kind")
    content_ids = set(context.readable_ids)
    community_row_ids = set(context.visible_ids)
    narrows_content = False
    # Library resources: the libraries of readable communities, and the site's own library.
    library_ids = set(context.readable_ids)
    includes_site_library = True
    # Filters that only posts answer (by whom, when, solved) leave resources out too.
    about_posts_only = False
    if filters.community:
        community = Community.objects.filter(slug=filters.community).only("pk").first()
        if community is None or community.pk not in context.visible_ids:
            raise ValidationFailed(
                _("We could not find that community. Choose one from the list."),
                field="community",
            )
        content_ids &= {community.pk}
        community_row_ids &= {community.pk}
        library_ids &= {community.pk}
        includes_site_library = False
        narrows_content = True
    if filters.mine_only:
        if not _signed_in(context.actor):
            raise ValidationFailed(
                _("Sign in to search only the communities you belong to."), field="mine_only"
            )
        content_ids &= context.member_of
        community_row_ids &= context.member_of
        library_ids &= context.member_of
        includes_site_library = False
    author_id: int | None = None
    if filters.author:
        handle = filters.author.strip().lstrip("@").lower()
        author = User.objects.filter(handle=handle, is_active=True).only("pk").first()
        if author is None:
            raise ValidationFailed(
                _("We could not find a member with that handle. Check the spelling."),
                field="author",
            )
        author_id = author.pk
        narrows_content = True
        about_posts_only = True
    for name, day in (("after", filters.after), ("before", filters.before)):
        if day is not None and not (EARLIEST_YEAR <= day.year <= LATEST_YEAR):
            raise ValidationFailed(
                _("Choose a date between %(first)d and %(last)d.")
                % {"first": EARLIEST_YEAR, "last": LATEST_YEAR},
                field=name,
            )
    if filters.after and filters.before and filters.after > filters.before:
        raise ValidationFailed(
            _("The “from” date must be on or before the “to” date."), field="after"
        )
    if filters.after or filters.before or filters.solved:
        narrows_content = True
        about_posts_only = True
    if narrows_content:
        # Filters about posts (where, by whom, when, solved) leave members and communities out;
        # a community filter keeps that community's library.
        kinds = tuple(
            kind
            for kind in kinds
            if kind in CONTENT_KINDS or (kind in LIBRARY_KINDS and not about_posts_only)
        )
    scopes: list[KindScope] = []
    for kind in kinds:
        if kind in CONTENT_KINDS:
            scopes.append(KindScope(kind, community_ids=tuple(sorted(content_ids))))
        elif kind == "community":
            scopes.append(KindScope(kind, community_ids=tuple(sorted(community_row_ids))))
        elif kind == "member":
            if _signed_in(context.actor):
                scopes.append(KindScope(kind, shared_with_user_id=context.actor.pk))
            else:
                scopes.append(KindScope(kind, audiences=(0,)))
        elif kind == "resource":
            scopes.append(
                KindScope(
                    kind,
                    community_ids=tuple(sorted(library_ids)),
                    include_no_community=includes_site_library,
                )
            )
    return Scope(
        kinds=tuple(scopes),
        exclude_author_ids=tuple(sorted(context.blocked_ids)),
        author_id=author_id,
        created_after=_day_start(filters.after) if filters.after else None,
        created_before=_day_start(filters.before + timedelta(days=1)) if filters.before else None,
        is_question=True if filters.solved else None,
        is_solved={"solved": True, "unsolved": False}.get(filters.solved),
    )


_WORD = re.compile(r"[^\W_]+")
_stemmer = snowballstemmer.stemmer("english")


@lru_cache(maxsize=50_000)
def _stem(word: str) -> str:
    # The pure-Python stemmer is slow and posts repeat their words: stem each word once.
    return str(_stemmer.stemWord(word))


def _stems(text: str) -> set[str]:
    words = {word.lower() for word in _WORD.findall(text)}
    return words | {_stem(word) for word in words}


def _text_matches(text: str, query: ParsedQuery, *, by_meaning: bool = False) -> bool:
    """Whether `text` still holds every clause of `query` (any alternative, all its words) and
    none of its exclusions.

    Words compare by their English stem or as typed, so what the engine matched by its own
    stemming is kept; a word that is gone from the text since it was indexed is not. Topics
    found by meaning alone pass through here too, so an excluded word keeps them out as well.
    """
    stems = _stems(text)

    def holds(term: Term) -> bool:
        return all(word in stems or _stem(word) in stems for word in term.words)

    if any(holds(term) for term in query.excluded):
        return False
    # A topic found by meaning alone need not share the words; it must not hold an excluded one.
    return by_meaning or all(
        any(holds(term) for term in clause.alternatives) for clause in query.clauses
    )


def _load_results(
    context: _Context,
    hits: list[Hit],
    query: ParsedQuery,
    *,
    by_meaning: frozenset[int] = frozenset(),
) -> list[Result]:
    """The hits still readable and still matching, as results, in the engine's order."""
    from carecircle.search.snippets import snippet_html

    # Short and common words ("of" from "lack of energy") found nothing on their own: marking
    # them would only scatter highlights.
    words = {word for word in query.words() if len(word) > 2 and word not in STOPWORDS}
    loaded: dict[tuple[str, int], Result] = {}
    ids_by_kind: dict[str, list[int]] = {}
    for hit in hits:
        ids_by_kind.setdefault(hit.kind, []).append(hit.object_id)
    for result in _load_topics(context, ids_by_kind.get("topic", []), query, by_meaning):
        loaded[("topic", result.object_id)] = result
    for result in _load_posts(context, ids_by_kind.get("post", []), query):
        loaded[("post", result.object_id)] = result
    for result in _load_members(context, ids_by_kind.get("member", []), query):
        loaded[("member", result.object_id)] = result
    for result in _load_communities(context, ids_by_kind.get("community", []), query):
        loaded[("community", result.object_id)] = result
    for result in _load_resources(context, ids_by_kind.get("resource", []), query):
        loaded[("resource", result.object_id)] = result
    ordered: list[Result] = []
    seen: set[tuple[str, int]] = set()
    for hit in hits:
        key = (hit.kind, hit.object_id)
        if key in loaded and key not in seen:
            seen.add(key)
            ordered.append(loaded[key])
    for result in ordered:
        result.snippet_html = snippet_html(result.snippet_html, words)
    _mark_context_notes(ordered)
    return ordered


def _mark_context_notes(results: list[Result]) -> None:
    """Set `has_context_note` on results whose post carries a professional's note (one query)."""
    from carecircle.moderation.models import ContextNote

    post_ids = [result.post_id for result in results if result.post_id]
    if not post_ids:
        return
    noted = set(
        ContextNote.objects.filter(post_id__in=post_ids, removed_at__isnull=True).values_list(
            "post_id", flat=True
        )
    )
    for result in results:
        result.has_context_note = result.post_id in noted


def _readable_topic(context: _Context, topic: Any) -> bool:
    return bool(
        topic.community_id in context.readable_ids
        and topic.moderation_state == ModerationState.VISIBLE
        and not topic.is_deleted
    )


def _by_blocked(context: _Context, author_id: int | None) -> bool:
    return author_id is not None and author_id in context.blocked_ids


def _load_topics(
    context: _Context, ids: list[int], query: ParsedQuery, by_meaning: frozenset[int]
) -> list[Result]:
    from carecircle.discussions.models import Post, Topic

    if not ids:
        return []
    topics = Topic.objects.filter(pk__in=ids).select_related("community", "author", "author_alias")
    openings = {
        post.topic_id: post
        for post in Post.objects.filter(topic_id__in=ids, position=1).only(
            "topic_id", "body_html", "moderation_state", "is_deleted"
        )
    }
    results = []
    for topic in topics:
        opening = openings.get(topic.pk)
        if (
            opening is None
            or not _readable_topic(context, topic)
            or opening.is_deleted
            or opening.moderation_state != ModerationState.VISIBLE
            or _by_blocked(context, topic.author_id)
        ):
            continue
        text = html_to_text(opening.body_html)
        if not _text_matches(f"{topic.title}\n{text}", query, by_meaning=topic.pk in by_meaning):
            continue
        result = _discussion_result("topic", topic.pk, topic, topic.get_absolute_url(), text)
        result.post_id = opening.pk
        results.append(result)
    return results


def _load_posts(context: _Context, ids: list[int], query: ParsedQuery) -> list[Result]:
    from carecircle.discussions.models import Post

    if not ids:
        return []
    posts = Post.objects.filter(pk__in=ids).select_related(
        "topic__community", "topic__author", "topic__author_alias", "author", "alias"
    )
    results = []
    for post in posts:
        if (
            post.is_deleted
            or post.moderation_state != ModerationState.VISIBLE
            or not _readable_topic(context, post.topic)
            or _by_blocked(context, post.author_id)
        ):
            continue
        text = html_to_text(post.body_html)
        if not _text_matches(text, query):
            continue
        result = _discussion_result("post", post.pk, post.topic, post.get_absolute_url(), text)
        result.author_name = post.public_author_name
        result.created_at = post.created_at
        result.post_id = post.pk
        result.is_accepted_answer = post.topic.accepted_post_id == post.pk
        results.append(result)
    return results


def _discussion_result(kind: str, object_id: int, topic: Any, url: str, text: str) -> Result:
    return Result(
        kind=kind,
        url=url,
        title=topic.title,
        snippet_html=text,
        community_name=topic.community.name,
        community_slug=topic.community.slug,
        author_name=topic.public_author_name,
        created_at=topic.created_at,
        is_question=topic.is_question,
        is_solved=topic.accepted_post_id is not None,
        object_id=object_id,
    )


def _load_members(context: _Context, ids: list[int], query: ParsedQuery) -> list[Result]:
    from django.urls import reverse

    from carecircle.accounts.models import User
    from carecircle.accounts.privacy import searchable_text_of, visible_profiles

    if not ids:
        return []
    members = [
        member
        for member in User.objects.filter(pk__in=ids, is_active=True)
        if member.pk not in context.blocked_ids
    ]
    # The profile as this searcher sees it now: a field made private a moment ago is not in it.
    profiles = visible_profiles(context.actor, members)
    results = []
    for member in members:
        if profiles[member.pk].is_hidden:
            continue
        text = searchable_text_of(profiles[member.pk])
        if not _text_matches(text, query):
            continue
        results.append(
            Result(
                kind="member",
                url=reverse("member_profile", kwargs={"handle": member.handle}),
                title=member.display_name,
                snippet_html=text,
                object_id=member.pk,
            )
        )
    return results


def _load_communities(context: _Context, ids: list[int], query: ParsedQuery) -> list[Result]:
    from carecircle.communities.models import Community

    wanted = [pk for pk in ids if pk in context.visible_ids]
    if not wanted:
        return []
    results = []
    for community in Community.objects.filter(pk__in=wanted):
        text = f"{community.name}\n{community.description}"
        if not _text_matches(text, query):
            continue
        results.append(
            Result(
                kind="community",
                url=community.get_absolute_url(),
                title=community.name,
                snippet_html=community.description,
                community_name=community.name,
                community_slug=community.slug,
                object_id=community.pk,
            )
        )
    return results


def _load_resources(context: _Context, ids: list[int], query: ParsedQuery) -> list[Result]:
    """Published resources of libraries the searcher may read (the site's, or a readable
    community's: `resources.queries.readable_resources`' rule), whose words still match."""
    from carecircle.resources.models import Resource, ResourceCategory
    from carecircle.search.documents import resource_text

    if not ids:
        return []
    resources = (
        Resource.objects.filter(pk__in=ids, status=Resource.Status.PUBLISHED)
        .select_related("community")
        .prefetch_related(
            Prefetch("categories", queryset=ResourceCategory.objects.only("pk", "name"))
        )
    )
    results = []
    for resource in resources:
        community = resource.community
        if community is not None and community.pk not in context.readable_ids:
            continue
        text = resource_text(resource)
        if not _text_matches(f"{resource.title}\n{text}", query):
            continue
        results.append(
            Result(
                kind="resource",
                url=resource.get_absolute_url(),
                title=resource.title,
                snippet_html=resource.summary or text,
                community_name=community.name if community is not None else "",
                community_slug=community.slug if community is not None else "",
                created_at=resource.created_at,
                object_id=resource.pk,
            )
        )
    return results


def _fuse(text_hits: list[Hit], semantic_ids: list[int]) -> list[Hit]:
    """Reciprocal-rank fusion of full-text hits and topics near in meaning (topics only)."""
    scores: dict[tuple[str, int], float] = {}
    by_key: dict[tuple[str, int], Hit] = {}
    for rank, hit in enumerate(text_hits):
        key = (hit.kind, hit.object_id)
        scores[key] = scores.get(key, 0.0) + 1.0 / (FUSION_K + rank + 1)
        by_key.setdefault(key, hit)
    for rank, topic_id in enumerate(semantic_ids):
        key = ("topic", topic_id)
        scores[key] = scores.get(key, 0.0) + 1.0 / (FUSION_K + rank + 1)
        by_key.setdefault(
            key, Hit(document_id=0, kind="topic", object_id=topic_id, audience=0, score=0.0)
        )
    ordered = sorted(scores, key=lambda key: scores[key], reverse=True)
    return [by_key[key] for key in ordered]


def _semantic_allowed(filters: SearchFilters) -> bool:
    return (
        filters.sort == "relevance"
        and "topic" in KIND_FILTERS.get(filters.kind, ())
        and not (filters.author or filters.after or filters.before or filters.solved)
    )


def _semantic_ids(context: _Context, text: str, filters: SearchFilters, scope: Scope) -> list[int]:
    from carecircle.search import related

    topic_scope = next((kind for kind in scope.kinds if kind.kind == "topic"), None)
    if topic_scope is None or not topic_scope.community_ids:
        return []
    from carecircle.discussions.models import Topic

    near = related.semantic_topic_ids(context.actor, text, limit=FUSION_DEPTH)
    # The filters (a community, only mine) narrow the topics near in meaning as they narrow the
    # words; readability is checked again when results load.
    inside = set(
        Topic.objects.filter(pk__in=near, community_id__in=topic_scope.community_ids).values_list(
            "pk", flat=True
        )
    )
    return [topic_id for topic_id in near if topic_id in inside]


def _run(
    engine: Any,
    query: ParsedQuery,
    scope: Scope,
    filters: SearchFilters,
    offset: int,
    semantic: list[int],
) -> tuple[Any, list[Hit], int]:
    """The engine's answer, the hits for this page (+1 to tell a next page) and the total."""
    if semantic:
        depth = offset + PAGE_SIZE + FUSION_DEPTH
        found = engine.search(query, scope, sort="relevance", limit=depth, count_kinds=True)
        candidates = _fuse(found.hits, semantic)
        return found, candidates[offset : offset + PAGE_SIZE + 1], max(found.total, len(candidates))
    found = engine.search(
        query, scope, sort=filters.sort, limit=PAGE_SIZE + 1, offset=offset, count_kinds=True
    )
    return found, found.hits, found.total


def _has_several_words(query: ParsedQuery) -> bool:
    """Whether loosening `query` could find more: two clauses, or a clause of several words."""
    return len(query.clauses) > 1 or any(
        len(term.words) > 1 and not term.is_phrase
        for clause in query.clauses
        for term in clause.alternatives
    )


def _any_of_the_words(query: ParsedQuery, engine: Any) -> ParsedQuery:
    """`query` loosened to one clause: any word or phrase of any clause (exclusions kept).

    Words found in very many documents are left out while rarer ones remain: relevance ranks
    the newest matches, and "anyone" or "loss" would fill them all, hiding the older thread
    that holds the rare words the searcher meant.
    """
    alternatives: list[Term] = []
    for clause in query.clauses:
        for term in clause.alternatives:
            if term.is_phrase or len(term.words) == 1:
                alternatives.append(term)
            else:
                alternatives.extend(Term((word,)) for word in term.words)
    alternatives = list(dict.fromkeys(alternatives))
    single = [term.words[0] for term in alternatives if len(term.words) == 1]
    if single:
        frequency = engine.document_frequency(single)
        common = {word for word in single if frequency.get(word, 0) >= COMMON_WORD_DOCUMENTS}
        kept = [
            term for term in alternatives if not (len(term.words) == 1 and term.words[0] in common)
        ]
        if kept:
            alternatives = kept
    typed = " ".join(clause.typed for clause in query.clauses if clause.typed)
    return ParsedQuery(
        clauses=(Clause(alternatives=tuple(alternatives), typed=typed),),
        excluded=query.excluded,
        notes=query.notes,
    )


def _honest_counts(
    found: Any,
    shown_hits: list[Hit],
    results: list[Result],
    total: int,
    has_next: bool,
    page: int,
) -> tuple[int, dict[str, int]]:
    """The total and per-kind counts, never counting a hit that failed its re-check.

    The engine counts index rows; a row not yet caught up with a hide, a move or a field made
    private is dropped on reload, and must not be counted either, or the number would confirm
    a guessed word. When everything fits on the first page the counts are exactly the results
    shown; otherwise what this page dropped is taken off ("about N").
    """
    kind_totals = dict(found.kind_totals or {})
    if page == 1 and not has_next:
        shown: dict[str, int] = {}
        for result in results:
            shown[result.kind] = shown.get(result.kind, 0) + 1
        return len(results), {kind: shown.get(kind, 0) for kind in kind_totals} | shown
    kept = {(result.kind, result.object_id) for result in results}
    dropped: dict[str, int] = {}
    for hit in shown_hits:
        if (hit.kind, hit.object_id) not in kept:
            dropped[hit.kind] = dropped.get(hit.kind, 0) + 1
    for kind, count in dropped.items():
        if kind in kind_totals:
            kind_totals[kind] = max(0, kind_totals[kind] - count)
    return max(len(results), total - sum(dropped.values())), kind_totals


def _embeddings_available() -> bool:
    try:
        from carecircle.search.embeddings import is_available
    except ImportError:
        return False
    return is_available()


def search(
    actor: Any,
    text: str,
    filters: SearchFilters,
    *,
    page: int = 1,
    use_embeddings: bool | None = None,
) -> SearchResults:
    """One page of results for `text`, only what `actor` may read; empty text gives none.

    `use_embeddings`: fuse in topics near in meaning (None: when the optional model is
    installed). Raises ValidationFailed (with the field) for filters that name nothing.
    """
    from carecircle.search import suggestions, synonyms

    page = min(max(page, 1), MAX_PAGE)
    notes: list[str] = []
    text = text or ""
    if len(text) > MAX_QUERY_LENGTH:
        text = text[:MAX_QUERY_LENGTH]
        notes.append(_("Your search was long, so only its first 500 characters were used."))
    parsed = parse_query(text)
    notes.extend(parsed.notes)
    empty = SearchResults(
        query=text,
        filters=filters,
        results=[],
        page=page,
        total=0,
        total_is_capped=False,
        notes=notes,
    )
    context = _context(actor)
    scope = _scope(context, filters)
    if parsed.is_empty:
        if text.strip():
            notes.append(_("Add a word to look for: a search cannot only leave words out."))
        return empty
    expanded = synonyms.expand(parsed)
    engine = get_engine()
    query = expanded
    if any(kind.kind == "member" for kind in scope.kinds):
        query = with_sealed_alternatives(expanded)
    offset = (page - 1) * PAGE_SIZE
    if use_embeddings is None:
        use_embeddings = _embeddings_available()
    semantic = (
        _semantic_ids(context, text, filters, scope)
        if use_embeddings and _semantic_allowed(filters)
        else []
    )
    found, window, total = _run(engine, query, scope, filters, offset, semantic)
    content_scope = replace(
        scope,
        kinds=tuple(kind for kind in scope.kinds if kind.kind in CONTENT_KINDS + LIBRARY_KINDS),
    )
    if found.total == 0 and _has_several_words(expanded) and content_scope.kinds:
        # No document has every word: "has anyone had hair loss on metformin" should still
        # find the metformin hair loss thread that never says "anyone". Rank by how many of
        # the words each document holds instead (both engines score more matches higher).
        # Discussions and library resources only: a member or community must still hold every
        # word, so that finding one never hints that a word the searcher may not see is in
        # their profile.
        expanded = _any_of_the_words(expanded, engine)
        query = expanded
        found, window, total = _run(engine, query, content_scope, filters, offset, semantic)
        if found.total:
            notes.append(_("No result has all of your words, so these have some of them."))
    has_next = len(window) > PAGE_SIZE and page < MAX_PAGE
    # Topics only near in meaning: found by no word, so their words are not checked.
    by_meaning = frozenset(hit.object_id for hit in window if hit.document_id == 0)
    results = _load_results(context, window[:PAGE_SIZE], expanded, by_meaning=by_meaning)
    total, kind_totals = _honest_counts(found, window[:PAGE_SIZE], results, total, has_next, page)
    # Counting stopped early (a page past what was found makes the engine read further).
    stopped = frozenset(found.stopped_kinds) & frozenset(kind_totals)
    suggestion = ""
    if page == 1 and total < SUGGEST_BELOW:
        suggestion = suggestions.suggest(text)
        if suggestion and suggestion != text:
            # Only offer a spelling that finds something for this searcher, here.
            corrected = synonyms.expand(parse_query(suggestion))
            if corrected.is_empty or not engine.search(corrected, scope, limit=0).total:
                suggestion = ""
    return SearchResults(
        query=text,
        filters=filters,
        results=results,
        page=page,
        total=min(total, COUNT_CAP + 1),
        total_is_capped=total > COUNT_CAP or bool(stopped),
        kind_totals=kind_totals,
        kind_totals_at_least=stopped,
        suggestion=suggestion if suggestion and suggestion != text else "",
        expanded=synonyms.also_searched(parsed, expanded),
        notes=notes,
        has_next=has_next,
    )
