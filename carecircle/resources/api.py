"""The resource library's JSON API: the same queries and actions as the pages.

`community` names a library by the community's slug; "site" (or null in a body) is the site
library. Reads are open to visitors for the site library and public communities.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status

from carecircle.api.api import member_auth
from carecircle.api.schemas import ErrorOut, MemberOut, PageMeta
from carecircle.communities.models import Community
from carecircle.core.errors import ValidationFailed
from carecircle.core.pagination import PageRequest, paginate
from carecircle.resources import actions, permissions, queries
from carecircle.resources.models import Resource, ResourceCategory

router = Router(tags=["resources"])

SITE = "site"


class CategoryOut(Schema):
    id: int
    community: str | None  # slug; null for the site library
    name: str
    slug: str
    position: int


class FileOut(Schema):
    upload_id: int
    name: str
    size: int
    mime_type: str
    url: str
    description: str


class PreviewOut(Schema):
    state: str
    title: str
    description: str
    site_name: str
    fetched_at: datetime | None


class ResourceOut(Schema):
    id: int
    community: str | None
    kind: str
    title: str
    summary: str
    url: str
    source: str
    author: str
    publisher: str
    published_on: date | None
    categories: list[CategoryOut]
    tags: list[str]
    reading_level: str
    status: str
    # Shown to the member who suggested it and to curators only; "" for anyone else.
    review_note: str
    last_reviewed_on: date | None
    last_reviewed_by: MemberOut | None
    preview: PreviewOut
    files: list[FileOut]
    # Discussions YOU may read that cite it: the `total` of /resources/{id}/citations.
    citation_count: int
    page_url: str
    cite_url: str
    can_edit: bool
    can_review: bool
    created_at: datetime
    updated_at: datetime


class ResourcePage(PageMeta):
    items: list[ResourceOut]


class ResourceIn(Schema):
    community: str | None = None  # slug; null or "site": the site library
    kind: str
    title: str
    summary: str = ""
    url: str = ""
    source: str = ""
    author: str = ""
    publisher: str = ""
    published_on: date | None = None
    category_ids: list[int] = []
    tags: list[str] = []
    reading_level: str = Resource.ReadingLevel.GENERAL
    upload_id: int | None = None  # a waiting upload of yours (POST /api/v1/uploads)
    upload_description: str = ""


class ResourcePatch(Schema):
    """Only the fields sent change."""

    kind: str | None = None
    title: str | None = None
    summary: str | None = None
    url: str | None = None
    source: str | None = None
    author: str | None = None
    publisher: str | None = None
    published_on: date | None = None
    category_ids: list[int] | None = None
    tags: list[str] | None = None
    reading_level: str | None = None
    upload_id: int | None = None
    upload_description: str | None = None


class ReviewIn(Schema):
    decision: str  # "approve", "reject", "mark_reviewed" or "archive"
    note: str = ""


class ResourceFilter(Schema):
    community: str | None = None  # slug or "site"; empty: every library you may read
    category: str | None = None  # category slug
    tag: str | None = None
    kind: str | None = None
    reading_level: str | None = None
    q: str | None = None  # words in the title or summary
    page: int = 1
    page_size: int = 20


class CitationOut(Schema):
    topic_id: int
    title: str
    url: str
    community: str
    cited_at: datetime


class CitationPage(PageMeta):
    items: list[CitationOut]


class CategoryIn(Schema):
    community: str | None = None
    name: str
    position: int | None = None


class CategoryPatch(Schema):
    name: str | None = None
    position: int | None = None


def _library(actor: Any, slug: str | None) -> Community | None:
    """The community named by `slug`, None for the site library (NotFoundError if hidden)."""
    if not slug or slug == SITE:
        return None
    return queries.library_community(actor, slug)


def category_out(category: ResourceCategory) -> CategoryOut:
    return CategoryOut(
        id=category.pk,
        community=category.community.slug if category.community else None,
        name=category.name,
        slug=category.slug,
        position=category.position,
    )


def _member(user: Any) -> MemberOut | None:
    if user is None:
        return None
    return MemberOut(
        handle=user.handle, display_name=user.display_name, is_professional=user.is_professional
    )


def resource_out(actor: Any, resource: Resource, citation_count: int | None = None) -> ResourceOut:
    """The API shape of one resource, as `actor` may see it (`citation_count`: when already
    counted for a whole page, see `queries.readable_citation_counts`)."""
    if citation_count is None:
        citation_count = queries.readable_citation_counts(actor, [resource.pk]).get(resource.pk, 0)
    is_curator = permissions.can_curate_library(actor, resource.community)
    sees_note = is_curator or (
        getattr(actor, "is_authenticated", False) and resource.suggested_by_id == actor.pk
    )
    return ResourceOut(
        id=resource.pk,
        community=resource.community.slug if resource.community else None,
        kind=resource.kind,
        title=resource.title,
        summary=resource.summary,
        url=resource.url,
        source=resource.source,
        author=resource.author,
        publisher=resource.publisher,
        published_on=resource.published_on,
        categories=[category_out(category) for category in resource.categories.all()],
        tags=list(resource.tags or []),
        reading_level=resource.reading_level,
        status=resource.status,
        review_note=resource.review_note if sees_note else "",
        last_reviewed_on=resource.last_reviewed_on,
        last_reviewed_by=_member(resource.last_reviewed_by),
        preview=PreviewOut(
            state=resource.preview_state,
            title=resource.preview_title,
            description=resource.preview_description,
            site_name=resource.preview_site_name,
            fetched_at=resource.preview_fetched_at,
        ),
        files=[
            FileOut(
                upload_id=upload.pk,
                name=upload.original_name,
                size=upload.stored_bytes,
                mime_type=upload.mime_type,
                url=reverse("upload_file", args=[upload.pk, "file"]),
                description=upload.alt_text,
            )
            for upload in resource.files.all()
        ],
        citation_count=citation_count,
        page_url=resource.get_absolute_url(),
        cite_url=settings.SITE_URL.rstrip("/") + reverse("resource_detail", args=[resource.pk]),
        can_edit=permissions.can_edit_resource(actor, resource),
        can_review=permissions.can_review_resource(actor, resource),
        created_at=resource.created_at,
        updated_at=resource.updated_at,
    )


def _fresh(actor: Any, resource_id: int) -> ResourceOut:
    return resource_out(actor, queries.get_resource(actor, resource_id))


@router.get("/resources", response={200: ResourcePage, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut})
def list_resources(request: HttpRequest, filters: Query[ResourceFilter]) -> ResourcePage:
    """Published resources, newest first: one library (`community`: slug or "site") or every
    library you may read; `category`, `tag`, `kind`, `reading_level` and `q` narrow them."""
    actor = request.user
    library_filters = queries.LibraryFilters.from_params(
        {name: getattr(filters, name) or "" for name in ("category", "tag", "kind", "q")}
        | {"reading_level": filters.reading_level or ""}
    )
    if filters.community:
        resources = queries.library_resources(
            actor, _library(actor, filters.community), library_filters
        )
    else:
        resources = queries.readable_resources(actor, library_filters)
    result = paginate(
        resources.prefetch_related("files"),
        PageRequest.from_params(filters.page, filters.page_size),
    )
    counts = queries.readable_citation_counts(actor, [resource.pk for resource in result.items])
    queries.attach_actor_memberships(actor, list(result.items))
    return ResourcePage(
        items=[
            resource_out(actor, resource, counts.get(resource.pk, 0)) for resource in result.items
        ],
        page=result.number,
        page_size=result.size,
        total=result.total,
        pages=result.page_count,
    )


@router.post(
    "/resources",
    response={201: ResourceOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    auth=member_auth,
)
def create_resource(request: HttpRequest, payload: ResourceIn) -> Status[ResourceOut]:
    """Add a resource (curators: published at once) or suggest one (members: `status` is
    "suggested" until a curator reviews it)."""
    actor = request.user
    community = _library(actor, payload.community)
    permissions.check_can_read_library(actor, community)
    resource = actions.create_resource(
        actor=actor,
        community=community,
        data=actions.ResourceInput(
            kind=payload.kind,
            title=payload.title,
            summary=payload.summary,
            url=payload.url,
            source=payload.source,
            author=payload.author,
            publisher=payload.publisher,
            published_on=payload.published_on,
            category_ids=payload.category_ids,
            tags=payload.tags,
            reading_level=payload.reading_level,
            upload_id=payload.upload_id,
            upload_description=payload.upload_description,
        ),
    )
    return Status(201, _fresh(actor, resource.pk))


@router.get("/resources/{resource_id}", response={200: ResourceOut, 404: ErrorOut})
def get_resource(request: HttpRequest, resource_id: int) -> ResourceOut:
    """One resource: published in a library you read, or a suggestion of yours (curators see
    every suggestion of their libraries)."""
    return _fresh(request.user, resource_id)


@router.patch(
    "/resources/{resource_id}",
    response={200: ResourceOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    auth=member_auth,
)
def update_resource(request: HttpRequest, resource_id: int, payload: ResourcePatch) -> ResourceOut:
    """Change a resource (curators; a member their own waiting suggestion)."""
    actor = request.user
    resource = queries.get_resource(actor, resource_id)
    sent = payload.dict(exclude_unset=True)
    current_upload = next(iter(resource.files.all()), None)
    data = actions.ResourceInput(
        kind=sent.get("kind", resource.kind),
        title=sent.get("title", resource.title),
        summary=sent.get("summary", resource.summary),
        url=sent.get("url", resource.url),
        source=sent.get("source", resource.source),
        author=sent.get("author", resource.author),
        publisher=sent.get("publisher", resource.publisher),
        published_on=sent.get("published_on", resource.published_on),
        category_ids=payload.category_ids
        if payload.category_ids is not None
        else [category.pk for category in resource.categories.all()],
        tags=payload.tags if payload.tags is not None else list(resource.tags or []),
        reading_level=sent.get("reading_level") or resource.reading_level,
        upload_id=sent.get("upload_id"),
        upload_description=sent.get("upload_description")
        or (current_upload.alt_text if current_upload else ""),
    )
    actions.edit_resource(actor=actor, resource=resource, data=data)
    return _fresh(actor, resource_id)


@router.delete(
    "/resources/{resource_id}",
    response={204: None, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    auth=member_auth,
)
def archive_resource(request: HttpRequest, resource_id: int) -> Status[None]:
    """Archive a resource (curators): it leaves the library; approving it brings it back."""
    resource = queries.get_resource(request.user, resource_id)
    actions.archive_resource(actor=request.user, resource=resource)
    return Status(204, None)


@router.post(
    "/resources/{resource_id}/review",
    response={200: ResourceOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    auth=member_auth,
)
def review_resource(request: HttpRequest, resource_id: int, payload: ReviewIn) -> ResourceOut:
    """A curator's review: approve, reject (with a note for the member), mark_reviewed
    (checked today), archive. The member who suggested it is notified of approve/reject."""
    actor = request.user
    resource = queries.get_resource(actor, resource_id)
    actions.review_resource(
        actor=actor, resource=resource, decision=payload.decision, note=payload.note
    )
    return _fresh(actor, resource_id)


@router.get("/resources/{resource_id}/citations", response={200: CitationPage, 404: ErrorOut})
def list_citations(
    request: HttpRequest, resource_id: int, page: int = 1, page_size: int = 20
) -> CitationPage:
    """Discussions you may read with a post citing this resource, latest citation first."""
    actor = request.user
    resource = queries.get_resource(actor, resource_id)
    result = paginate(
        queries.citing_topics(actor, resource), PageRequest.from_params(page, page_size)
    )
    return CitationPage(
        items=[
            CitationOut(
                topic_id=topic.pk,
                title=topic.title,
                url=topic.get_absolute_url(),
                community=topic.community.slug,
                cited_at=topic.cited_at,  # type: ignore[attr-defined]
            )
            for topic in result.items
        ],
        page=result.number,
        page_size=result.size,
        total=result.total,
        pages=result.page_count,
    )


@router.get("/resource-categories", response={200: list[CategoryOut], 403: ErrorOut, 404: ErrorOut})
def list_categories(request: HttpRequest, community: str | None = None) -> list[CategoryOut]:
    """A library's categories in order (`community`: slug, or "site"/empty for the site's)."""
    library = _library(request.user, community)
    permissions.check_can_read_library(request.user, library)
    return [category_out(category) for category in queries.library_categories(library)]


@router.post(
    "/resource-categories",
    response={201: CategoryOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    auth=member_auth,
)
def create_category(request: HttpRequest, payload: CategoryIn) -> Status[CategoryOut]:
    """Add a category to a library (its curators)."""
    library = _library(request.user, payload.community)
    permissions.check_can_read_library(request.user, library)
    category = actions.create_category(
        actor=request.user, community=library, name=payload.name, position=payload.position
    )
    return Status(201, category_out(category))


@router.patch(
    "/resource-categories/{category_id}",
    response={200: CategoryOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    auth=member_auth,
)
def update_category(request: HttpRequest, category_id: int, payload: CategoryPatch) -> CategoryOut:
    """Rename or move a category (the library's curators)."""
    category = queries.get_readable_category(request.user, category_id)
    if payload.name is None and payload.position is None:
        raise ValidationFailed(_("Send a name or a position."), code="nothing_to_change")
    updated = actions.edit_category(
        actor=request.user,
        category=category,
        name=payload.name if payload.name is not None else category.name,
        position=payload.position,
    )
    return category_out(updated)


@router.delete(
    "/resource-categories/{category_id}",
    response={204: None, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    auth=member_auth,
)
def delete_category(request: HttpRequest, category_id: int) -> Status[None]:
    """Remove a category (its resources stay in the library)."""
    actions.delete_category(
        actor=request.user, category=queries.get_readable_category(request.user, category_id)
    )
    return Status(204, None)
