"""The resource library's pages: thin over queries and actions (see urls.py for the routes)."""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from carecircle.communities.models import Community
from carecircle.core.errors import DomainError
from carecircle.core.ids import parse_id
from carecircle.core.interfaces import page_errors
from carecircle.core.pagination import PageRequest, clamp_int, paginate
from carecircle.resources import actions, permissions, queries
from carecircle.resources.models import Resource

RESOURCE_FIELDS = (
    "kind",
    "title",
    "summary",
    "url",
    "source",
    "author",
    "publisher",
    "published_on",
    "tags",
    "reading_level",
    "upload_description",
)


def _errors_by_field(error: DomainError) -> dict[str, str]:
    """{"field": "message"} for every problem of `error`, the first per field."""
    details = [d for d in error.details if isinstance(d, dict) and "message" in d]
    if not details:
        details = [{"field": error.field, "message": str(error.message)}]
    errors: dict[str, str] = {}
    for detail in details:
        errors.setdefault(str(detail.get("field") or "form"), str(detail["message"]))
    return errors


def _library_url(community: Community | None) -> str:
    if community is None:
        return reverse("site_library")
    return reverse("community_library", args=[community.slug])


def _library_name(community: Community | None) -> str:
    if community is None:
        return _("Site library")
    return _("%(name)s library") % {"name": community.name}


# --- library list --------------------------------------------------------------------------


def _library(request: HttpRequest, community: Community | None) -> HttpResponse:
    actor = request.user
    filters = queries.LibraryFilters.from_params(request.GET)
    page = paginate(
        queries.library_resources(actor, community, filters),
        PageRequest.from_params(request.GET.get("page")),
    )
    is_curator = permissions.can_curate_library(actor, community)
    return render(
        request,
        "resources/library.html",
        {
            "community": community,
            "library_name": _library_name(community),
            "library_url": _library_url(community),
            "page": page,
            "filters": filters,
            "query_prefix": filters.as_query(),
            "categories": queries.library_categories(community),
            "tags": queries.library_tags(community),
            "kinds": Resource.Kind.choices,
            "reading_levels": Resource.ReadingLevel.choices,
            "is_curator": is_curator,
            "can_add": permissions.can_add_to_library(actor, community),
            "add_url": reverse("resource_create", args=[community.slug])
            if community
            else reverse("resource_create_site"),
            "categories_url": reverse("resource_categories", args=[community.slug])
            if community
            else reverse("resource_categories_site"),
            "my_suggestions": list(queries.suggestions_of(actor, community)[:20]),
        },
    )


@page_errors
@require_GET
def site_library(request: HttpRequest) -> HttpResponse:
    return _library(request, None)


@page_errors
@require_GET
def community_library(request: HttpRequest, slug: str) -> HttpResponse:
    return _library(request, queries.library_community(request.user, slug))


# --- one resource ----------------------------------------------------------------------------


_MARKDOWN_LABEL_SPECIAL = re.compile(r"([\\\[\]`*_<>])")


def cite_markdown(resource: Resource) -> str:
    """`[Title](/library/<id>/)`: what a member pastes into a post to cite the resource.

    Posts render Markdown without turning bare addresses into links, so a pasted bare link
    would read as plain text; this shows the title as a link and is still recognised as a
    citation (resources.citations). Site-relative, so it works whatever host the reader uses.
    """
    title = " ".join(resource.title.split())
    label = _MARKDOWN_LABEL_SPECIAL.sub(r"\\\1", title)
    return f"[{label}]({reverse('resource_detail', args=[resource.pk])})"


@page_errors
@require_GET
def resource_detail(request: HttpRequest, resource_id: int, slug: str = "") -> HttpResponse:
    actor = request.user
    resource = queries.get_resource(actor, resource_id)
    page = paginate(
        queries.citing_topics(actor, resource),
        PageRequest.from_params(request.GET.get("page"), 20),
    )
    cite_url = settings.SITE_URL.rstrip("/") + reverse("resource_detail", args=[resource.pk])
    return render(
        request,
        "resources/resource_detail.html",
        {
            "resource": resource,
            "community": resource.community,
            "library_name": _library_name(resource.community),
            "library_url": _library_url(resource.community),
            "page": page,
            "cite_url": cite_url,
            "cite_markdown": cite_markdown(resource),
            "files": list(resource.files.all()),
            "can_edit": permissions.can_edit_resource(actor, resource),
            "can_review": permissions.can_review_resource(actor, resource),
            "decisions": _decisions_for(resource),
            "review_values": {"decision": "", "note": ""},
            "review_errors": {},
        },
    )


def _decisions_for(resource: Resource) -> list[tuple[str, str]]:
    """The review choices that fit the resource's state, as (value, label)."""
    labels = {
        actions.Decision.APPROVE: _("Publish it in the library")
        if resource.status == Resource.Status.SUGGESTED
        else _("Publish it again"),
        actions.Decision.REJECT: _("Do not add it (say why below)"),
        actions.Decision.MARK_REVIEWED: _("I checked it today: it is still accurate"),
        actions.Decision.ARCHIVE: _("Archive it (take it out of the library)"),
    }
    return [
        (decision, str(labels[decision]))
        for decision in actions.Decision.ALL
        if actions.decision_applies(decision, resource.status)
    ]


# --- add, suggest, edit ----------------------------------------------------------------------


def _values_from(post: QueryDict) -> dict[str, Any]:
    """The form's values; a category or upload id that names no row (not ASCII digits, or
    past 64 bits) is passed on as 0, which the action refuses next to its field."""
    values: dict[str, Any] = {name: post.get(name, "") for name in RESOURCE_FIELDS}
    values["categories"] = [parse_id(raw) or 0 for raw in post.getlist("categories")[:50]]
    raw_upload = post.get("upload_id", "").strip()
    values["upload_id"] = (parse_id(raw_upload) or -1) if raw_upload else 0
    return values


def _values_of(resource: Resource) -> dict[str, Any]:
    upload = next(iter(resource.files.all()), None)
    return {
        "kind": resource.kind,
        "title": resource.title,
        "summary": resource.summary,
        "url": resource.url,
        "source": resource.source,
        "author": resource.author,
        "publisher": resource.publisher,
        "published_on": resource.published_on.isoformat() if resource.published_on else "",
        "tags": ", ".join(resource.tags or []),
        "reading_level": resource.reading_level,
        "upload_description": upload.alt_text if upload else "",
        "categories": [category.pk for category in resource.categories.all()],
        "upload_id": upload.pk if upload else 0,
    }


def _input_from(values: dict[str, Any]) -> actions.ResourceInput:
    return actions.ResourceInput(
        kind=values["kind"],
        title=values["title"],
        summary=values["summary"],
        url=values["url"],
        source=values["source"],
        author=values["author"],
        publisher=values["publisher"],
        published_on=values["published_on"],
        category_ids=values["categories"],
        tags=values["tags"],
        reading_level=values["reading_level"] or Resource.ReadingLevel.GENERAL,
        # 0: no file chosen; -1: an id that names no upload (refused by the action).
        upload_id=values["upload_id"] or None,
        upload_description=values["upload_description"],
    )


def _store_file(request: HttpRequest, values: dict[str, Any], errors: dict[str, str]) -> None:
    """Store a file sent with the form as the member's waiting upload (kept if the form comes
    back with an error, by its id in a hidden field)."""
    file = request.FILES.get("file")
    if file is None:
        return
    from carecircle.uploads.actions import create_upload

    try:
        upload = create_upload(actor=request.user, file=file)
    except DomainError as error:
        errors["file"] = str(error.message)
        return
    values["upload_id"] = upload.pk


def _chosen_upload(actor: Any, upload_id: int) -> Any:
    """The actor's own upload named by the form, to show its name again (or None)."""
    if not upload_id or upload_id < 0:
        return None
    from carecircle.uploads.models import Upload

    return Upload.objects.filter(pk=upload_id, owner_id=actor.pk).first()


def _form(
    request: HttpRequest,
    *,
    community: Community | None,
    resource: Resource | None,
    values: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
) -> HttpResponse:
    actor = request.user
    is_curator = permissions.can_curate_library(actor, community)
    return render(
        request,
        "resources/resource_form.html",
        {
            "community": community,
            "resource": resource,
            "library_name": _library_name(community),
            "library_url": _library_url(community),
            "values": values,
            "errors": errors,
            "is_curator": is_curator,
            "categories": queries.library_categories(community),
            "kinds": Resource.Kind.choices,
            "reading_levels": Resource.ReadingLevel.choices,
            "upload": _chosen_upload(actor, values.get("upload_id") or 0),
        },
        status=status,
    )


def _create(request: HttpRequest, community: Community | None) -> HttpResponse:
    actor = request.user
    permissions.check_can_read_library(actor, community)
    permissions.check_can_add_to_library(actor, community)
    if request.method != "POST":
        values = _values_from(QueryDict())
        values["kind"] = Resource.Kind.ARTICLE
        values["reading_level"] = Resource.ReadingLevel.GENERAL
        return _form(request, community=community, resource=None, values=values, errors={})
    values = _values_from(request.POST)
    errors: dict[str, str] = {}
    _store_file(request, values, errors)
    if not errors:
        try:
            resource = actions.create_resource(
                actor=actor, community=community, data=_input_from(values)
            )
        except DomainError as error:
            errors = _errors_by_field(error)
            status = error.status if error.status in (403, 429) else 400
            return _form(
                request,
                community=community,
                resource=None,
                values=values,
                errors=errors,
                status=status,
            )
        if resource.status == Resource.Status.PUBLISHED:
            messages.success(request, _("The resource is in the library."))
        else:
            messages.success(
                request,
                _("Thank you. Your suggestion waits for a curator to review it."),
            )
        return redirect(resource.get_absolute_url())
    return _form(
        request, community=community, resource=None, values=values, errors=errors, status=400
    )


@page_errors
@login_required
@require_http_methods(["GET", "POST"])
def resource_create_site(request: HttpRequest) -> HttpResponse:
    return _create(request, None)


@page_errors
@login_required
@require_http_methods(["GET", "POST"])
def resource_create(request: HttpRequest, slug: str) -> HttpResponse:
    return _create(request, queries.library_community(request.user, slug))


@page_errors
@login_required
@require_http_methods(["GET", "POST"])
def resource_edit(request: HttpRequest, resource_id: int) -> HttpResponse:
    actor = request.user
    resource = queries.get_resource(actor, resource_id)
    permissions.check_can_edit_resource(actor, resource)
    community = resource.community
    if request.method != "POST":
        return _form(
            request, community=community, resource=resource, values=_values_of(resource), errors={}
        )
    values = _values_from(request.POST)
    errors: dict[str, str] = {}
    _store_file(request, values, errors)
    if not errors:
        try:
            actions.edit_resource(actor=actor, resource=resource, data=_input_from(values))
        except DomainError as error:
            errors = _errors_by_field(error)
        else:
            messages.success(request, _("Your changes are saved."))
            return redirect(resource.get_absolute_url())
    return _form(
        request, community=community, resource=resource, values=values, errors=errors, status=400
    )


# --- review ----------------------------------------------------------------------------------


@page_errors
@login_required
@require_POST
def resource_review(request: HttpRequest, resource_id: int) -> HttpResponse:
    actor = request.user
    resource = queries.get_resource(actor, resource_id)
    decision = request.POST.get("decision", "")
    note = request.POST.get("note", "")
    try:
        reviewed = actions.review_resource(
            actor=actor, resource=resource, decision=decision, note=note
        )
    except DomainError as error:
        if error.status == 403:
            raise
        page = paginate(queries.citing_topics(actor, resource), PageRequest.from_params(1, 20))
        return render(
            request,
            "resources/resource_detail.html",
            {
                "resource": resource,
                "community": resource.community,
                "library_name": _library_name(resource.community),
                "library_url": _library_url(resource.community),
                "page": page,
                "cite_url": settings.SITE_URL.rstrip("/")
                + reverse("resource_detail", args=[resource.pk]),
                "cite_markdown": cite_markdown(resource),
                "files": list(resource.files.all()),
                "can_edit": permissions.can_edit_resource(actor, resource),
                "can_review": True,
                "decisions": _decisions_for(resource),
                "review_values": {"decision": decision, "note": note},
                "review_errors": _errors_by_field(error),
            },
            status=error.status if error.status == 429 else 400,
        )
    messages.success(request, _review_message(decision))
    back = request.POST.get("next", "")
    if back == "queue":
        return redirect("resource_review_queue")
    if reviewed.status == Resource.Status.ARCHIVED:
        return redirect(_library_url(reviewed.community))
    return redirect(reviewed.get_absolute_url())


def _review_message(decision: str) -> str:
    return {
        actions.Decision.APPROVE: _("The resource is published in the library."),
        actions.Decision.REJECT: _("The suggestion is not added. The member who sent it is told."),
        actions.Decision.MARK_REVIEWED: _("Marked as reviewed today."),
        actions.Decision.ARCHIVE: _("The resource is archived."),
    }.get(decision, _("Saved."))


@page_errors
@login_required
@require_GET
def resource_review_queue(request: HttpRequest) -> HttpResponse:
    actor = request.user
    site, communities = queries.curated_libraries(actor)
    page = paginate(queries.review_queue(actor), PageRequest.from_params(request.GET.get("page")))
    return render(
        request,
        "resources/resource_review_queue.html",
        {
            "page": page,
            "curates_site": site,
            "curated_communities": communities,
            "is_curator": site or bool(communities),
        },
    )


# --- categories ------------------------------------------------------------------------------


def _categories(request: HttpRequest, community: Community | None) -> HttpResponse:
    actor = request.user
    permissions.check_can_read_library(actor, community)
    permissions.check_can_manage_categories(actor, community)
    errors: dict[str, str] = {}
    values = {"name": "", "position": ""}
    editing: dict[int, dict[str, str]] = {}
    status = 200
    if request.method == "POST":
        operation = request.POST.get("operation", "")
        category_id = parse_id(request.POST.get("category")) or 0
        name = request.POST.get("name", "")
        position_raw = request.POST.get("position", "").strip()
        position = (
            clamp_int(position_raw, default=0, minimum=0, maximum=1000) if position_raw else None
        )
        try:
            if operation == "add":
                values = {"name": name, "position": position_raw}
                actions.create_category(
                    actor=actor, community=community, name=name, position=position
                )
                messages.success(request, _("Category added."))
            elif operation == "edit":
                editing[category_id] = {"name": name, "position": position_raw}
                category = queries.get_category(community, category_id)
                actions.edit_category(actor=actor, category=category, name=name, position=position)
                messages.success(request, _("Category saved."))
            elif operation == "delete":
                category = queries.get_category(community, category_id)
                actions.delete_category(actor=actor, category=category)
                messages.success(request, _("Category removed."))
            else:
                errors["form"] = _("Choose what to do.")
        except DomainError as error:
            if error.status == 403:
                raise
            errors = _errors_by_field(error)
            if operation == "edit":
                errors = {f"{key}_{category_id}": value for key, value in errors.items()}
            status = error.status if error.status in (404, 429) else 400
        else:
            if not errors:
                return redirect(request.path)
    categories = queries.library_categories(community)
    rows = [
        {
            "category": category,
            "name": editing.get(category.pk, {}).get("name", category.name),
            "position": editing.get(category.pk, {}).get("position", str(category.position)),
            "error_name": errors.get(f"name_{category.pk}", ""),
        }
        for category in categories
    ]
    return render(
        request,
        "resources/resource_categories.html",
        {
            "community": community,
            "library_name": _library_name(community),
            "library_url": _library_url(community),
            "rows": rows,
            "values": values,
            "errors": errors,
        },
        status=status,
    )


@page_errors
@login_required
@require_http_methods(["GET", "POST"])
def resource_categories_site(request: HttpRequest) -> HttpResponse:
    return _categories(request, None)


@page_errors
@login_required
@require_http_methods(["GET", "POST"])
def resource_categories(request: HttpRequest, slug: str) -> HttpResponse:
    return _categories(request, queries.library_community(request.user, slug))
