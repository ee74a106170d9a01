"""Reads of the resource library, already scoped to what the actor may see."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Max, Prefetch, Q, QuerySet, TextField
from django.db.models.functions import Cast
from django.utils.translation import gettext as _

from carecircle.communities import queries as community_queries
from carecircle.communities.models import Community, Membership
from carecircle.communities.queries import get_community, readable_community_ids
from carecircle.core.errors import NotFoundError
from carecircle.core.ids import is_valid_id
from carecircle.core.models import ModerationState
from carecircle.discussions.models import Topic
from carecircle.resources import permissions
from carecircle.resources.actions import parse_tags
from carecircle.resources.models import Resource, ResourceCategory, ResourceCitation

# Library text filters longer than this are cut: they are LIKE patterns, not documents.
QUERY_MAX = 200
# The tag list under the filters reads at most this many resources' tags.
TAG_SCAN_MAX = 2000


@dataclass(frozen=True)
class LibraryFilters:
    """The list's filters as given (empty: no filter); unknown values simply match nothing."""

    category: str = ""  # a category slug
    tag: str = ""
    kind: str = ""
    reading_level: str = ""
    q: str = ""

    @classmethod
    def from_params(cls, params: Any) -> LibraryFilters:
        def value(name: str) -> str:
            return str(params.get(name, "") or "").strip()

        tags = parse_tags(value("tag"))
        return cls(
            category=value("category")[:80],
            tag=tags[0][:40] if tags else "",
            kind=value("kind")[:20],
            reading_level=value("reading_level")[:20],
            q=value("q")[:QUERY_MAX],
        )

    @property
    def is_active(self) -> bool:
        return any((self.category, self.tag, self.kind, self.reading_level, self.q))

    def as_query(self) -> str:
        """The filters as a query string prefix ("a=1&b=2&") for pagination links."""
        from urllib.parse import urlencode

        pairs = [
            (name, getattr(self, name))
            for name in ("category", "tag", "kind", "reading_level", "q")
            if getattr(self, name)
        ]
        return urlencode(pairs) + "&" if pairs else ""


def library_community(actor: Any, slug: str) -> Community:
    """The community whose library `slug` names, if the actor may see it (NotFoundError);
    reading a members-only library is then checked with `check_can_read_library`."""
    return get_community(actor, slug)


def _with_details(queryset: QuerySet[Resource]) -> QuerySet[Resource]:
    return queryset.select_related(
        "community", "last_reviewed_by", "added_by", "suggested_by"
    ).prefetch_related(
        # The API names each category's library by its community's slug: joined here, not
        # read once per category.
        Prefetch(
            "categories",
            queryset=ResourceCategory.objects.select_related("community").order_by(
                "position", "name"
            ),
        )
    )


def _filtered(queryset: QuerySet[Resource], filters: LibraryFilters) -> QuerySet[Resource]:
    if filters.category:
        queryset = queryset.filter(categories__slug=filters.category)
    if filters.tag:
        # Tags are stored as a JSON list of [\w-] words: the quoted word in the list's text
        # matches exactly that tag on SQLite and PostgreSQL alike (JSON `contains` is
        # PostgreSQL-only).
        queryset = queryset.annotate(tags_text=Cast("tags", TextField())).filter(
            tags_text__contains=f'"{filters.tag}"'
        )
    if filters.kind:
        queryset = queryset.filter(kind=filters.kind)
    if filters.reading_level:
        queryset = queryset.filter(reading_level=filters.reading_level)
    if filters.q:
        queryset = queryset.filter(Q(title__icontains=filters.q) | Q(summary__icontains=filters.q))
    return queryset


def library_resources(
    actor: Any, community: Community | None, filters: LibraryFilters | None = None
) -> QuerySet[Resource]:
    """The library's published resources matching `filters`, newest first, with categories.

    Raises PermissionDeniedError when the actor may not read the library.
    """
    permissions.check_can_read_library(actor, community)
    queryset = Resource.objects.filter(community=community, status=Resource.Status.PUBLISHED)
    queryset = _filtered(queryset, filters or LibraryFilters())
    return _with_details(queryset).order_by("-created_at", "-pk")


def readable_resources(actor: Any, filters: LibraryFilters | None = None) -> QuerySet[Resource]:
    """Published resources of every library the actor may read (the API's list)."""
    queryset = Resource.objects.filter(status=Resource.Status.PUBLISHED).filter(
        Q(community__isnull=True) | Q(community_id__in=readable_community_ids(actor))
    )
    queryset = _filtered(queryset, filters or LibraryFilters())
    return _with_details(queryset).order_by("-created_at", "-pk")


def library_categories(community: Community | None) -> list[ResourceCategory]:
    """The library's categories in their order (reading them needs no more than reading the
    library, which callers check)."""
    return list(ResourceCategory.objects.filter(community=community).order_by("position", "name"))


def library_tags(community: Community | None) -> list[str]:
    """Every tag used by the library's published resources, sorted (one query, bounded)."""
    tags: set[str] = set()
    rows = Resource.objects.filter(
        community=community, status=Resource.Status.PUBLISHED
    ).values_list("tags", flat=True)[:TAG_SCAN_MAX]
    for row in rows:
        tags.update(str(tag) for tag in row or [])
    return sorted(tags)


def get_resource(actor: Any, resource_id: int) -> Resource:
    """The resource if the actor may read it (published in a library they read, or their own
    or a curator's suggestion); NotFoundError otherwise."""
    resource = (
        _with_details(Resource.objects.filter(pk=resource_id)).prefetch_related("files").first()
        if is_valid_id(resource_id)
        else None
    )
    if resource is None:
        raise NotFoundError(_("Resource not found."), code="resource_not_found")
    permissions.check_can_read_resource(actor, resource)
    return resource


def get_category(community: Community | None, category_id: int) -> ResourceCategory:
    """A category of this library by id; NotFoundError otherwise."""
    category = (
        ResourceCategory.objects.filter(pk=category_id, community=community)
        .select_related("community")
        .first()
        if is_valid_id(category_id)
        else None
    )
    if category is None:
        raise NotFoundError(_("Category not found."), code="category_not_found")
    return category


def get_readable_category(actor: Any, category_id: int) -> ResourceCategory:
    """A category of a library the actor may read, by id; NotFoundError otherwise."""
    category = (
        ResourceCategory.objects.select_related("community").filter(pk=category_id).first()
        if is_valid_id(category_id)
        else None
    )
    if category is None or not permissions.can_read_library(actor, category.community):
        raise NotFoundError(_("Category not found."), code="category_not_found")
    return category


def _readable_citing(actor: Any, *, post: str, topic: str) -> Q:
    """The citing post (at the path `post`) and its topic (at `topic`, "" for the row itself)
    are visible, not deleted, and in a community the actor reads: the one rule the list of
    citing discussions and their counts share."""

    def at(path: str, field: str) -> str:
        return f"{path}__{field}" if path else field

    return Q(
        **{
            at(post, "is_deleted"): False,
            at(post, "moderation_state"): ModerationState.VISIBLE,
            at(topic, "is_deleted"): False,
            at(topic, "moderation_state"): ModerationState.VISIBLE,
            at(topic, "community_id__in"): readable_community_ids(actor),
        }
    )


def citing_topics(actor: Any, resource: Resource) -> QuerySet[Topic]:
    """Discussions with a post citing `resource` that the actor may read, latest citation first.

    Only visible, undeleted posts in visible, undeleted topics of communities the actor reads
    count: a citation in a members-only community is not revealed to outsiders, not even as a
    title. Each topic has `cited_at` (its latest citation) and its community selected.
    """
    return (
        Topic.objects.filter(
            _readable_citing(actor, post="posts", topic=""), posts__citations__resource=resource
        )
        .annotate(cited_at=Max("posts__citations__created_at"))
        .select_related("community")
        .order_by("-cited_at", "-pk")
    )


def readable_citation_counts(actor: Any, resource_ids: list[int]) -> dict[int, int]:
    """For each resource id, how many discussions the actor may read cite it: the total of
    `citing_topics` for each, in one query (ids without any are left out).

    This, not the stored `citation_count`, is what pages and the API show: the stored count
    includes citations in members-only communities and hidden or removed posts.
    """
    if not resource_ids:
        return {}
    rows = (
        ResourceCitation.objects.filter(
            _readable_citing(actor, post="post", topic="post__topic"),
            resource_id__in=resource_ids,
        )
        .order_by()
        .values("resource_id")
        .annotate(topics=Count("post__topic_id", distinct=True))
    )
    return {row["resource_id"]: row["topics"] for row in rows}


def attach_actor_memberships(actor: Any, resources: list[Resource]) -> None:
    """Read the actor's memberships of the resources' communities in one query and set them on
    each community object, so the per-resource permission checks (curator? may edit?) ask the
    database nothing more: each resource's selected community is its own object, whose
    membership would otherwise be looked up once per resource."""
    community_queries.attach_actor_memberships(
        [resource.community for resource in resources if resource.community is not None], actor
    )


def curated_libraries(actor: Any) -> tuple[bool, list[Community]]:
    """(whether the actor curates the site library, the communities whose library they curate)."""
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return False, []
    site = permissions.can_curate_library(actor, None)
    if actor.is_site_staff:
        candidates = list(Community.objects.all())
    else:
        roles = [Membership.Role.MODERATOR, Membership.Role.MANAGER]
        memberships = Membership.objects.filter(user=actor)
        if not actor.is_professional:
            memberships = memberships.filter(role__in=roles)
        candidates = list(
            Community.objects.filter(pk__in=memberships.values("community_id")).order_by("name")
        )
    return site, [c for c in candidates if permissions.can_curate_library(actor, c)]


def review_queue(actor: Any) -> QuerySet[Resource]:
    """Suggestions waiting in every library the actor curates, oldest first."""
    site, communities = curated_libraries(actor)
    library = Q(community_id__in=[c.pk for c in communities])
    if site:
        library |= Q(community__isnull=True)
    if not site and not communities:
        return Resource.objects.none()
    return _with_details(
        Resource.objects.filter(library, status=Resource.Status.SUGGESTED)
    ).order_by("created_at", "pk")


def suggestions_of(actor: Any, community: Community | None) -> QuerySet[Resource]:
    """The actor's own suggestions to this library that are not published (waiting or not
    added), newest first: shown on the library page so a member sees what became of them."""
    if not getattr(actor, "is_authenticated", False):
        return Resource.objects.none()
    return Resource.objects.filter(
        community=community,
        suggested_by=actor,
        status__in=(Resource.Status.SUGGESTED, Resource.Status.REJECTED),
    ).order_by("-created_at", "-pk")
