"""Pages: the member's bookmarks, the bookmark button's target, editing and removing one.

Every page here is the member's own, so none is kept by a shared cache. All of it works with
plain forms and links; htmx only swaps the button in place.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from carecircle.bookmarks import actions, forms, queries
from carecircle.bookmarks.models import Bookmark
from carecircle.core.errors import DomainError, NotFoundError
from carecircle.core.http import private_no_store
from carecircle.core.interfaces import field_errors, page_errors
from carecircle.core.pagination import PageRequest, paginate
from carecircle.discussions.queries import MAX_ID, get_post, get_topic
from carecircle.notifications.views import site_relative

#: The filter links of the list page, in order: (value of ?show=, label).
FILTER_LABELS = (
    ("all", gettext_lazy("All")),
    ("reminders", gettext_lazy("With reminders")),
    ("topics", gettext_lazy("Topics")),
    ("posts", gettext_lazy("Posts")),
)


def _next(request: HttpRequest, default: str) -> str:
    return site_relative(request.POST.get("next", "")) or default


def _filter_labels() -> list[tuple[str, str]]:
    return [(key, str(label)) for key, label in FILTER_LABELS]


@login_required
@require_GET
def bookmark_list(request: HttpRequest) -> HttpResponse:
    """The member's bookmarks, newest first; `?show=reminders|topics|posts` narrows them."""
    show = request.GET.get("show", "all")
    if show not in queries.FILTERS:
        show = "all"
    page = paginate(
        queries.bookmarks_for(request.user, show=show),
        PageRequest.from_params(request.GET.get("page")),
    )
    queries.attach_availability(request.user, page.items)
    context: dict[str, Any] = {
        "page": page,
        "show": show,
        "filters": _filter_labels(),
        "query_prefix": f"show={show}&" if show != "all" else "",
        "next_url": request.get_full_path(),
    }
    return private_no_store(render(request, "bookmarks/bookmark_list.html", context))


def _button_label(kind: str, target: Any) -> str:
    """The words a screen reader hears after "Bookmark", as on the topic page."""
    if kind == "topic":
        return _("this topic")
    return _("post #%(number)s") % {"number": target.position}


def _button(request: HttpRequest, kind: str, target: Any, bookmark: Bookmark | None) -> Any:
    context = {
        "kind": kind,
        "target_id": target.pk,
        "bookmark": bookmark,
        "next": site_relative(request.POST.get("next", "")),
        "label": _button_label(kind, target),
    }
    return private_no_store(render(request, "bookmarks/components/button.html", context))


def _set_bookmarked(request: HttpRequest, kind: str, target: Any) -> HttpResponse:
    wanted = request.POST.get("bookmarked", "1") != "0"
    arguments = {"topic": target} if kind == "topic" else {"post": target}
    try:
        bookmark = actions.set_bookmarked(actor=request.user, is_bookmarked=wanted, **arguments)
    except NotFoundError:
        raise
    except DomainError as error:
        if request.htmx:  # type: ignore[attr-defined]
            return private_no_store(HttpResponse(str(error.message), status=error.status))
        messages.error(request, str(error.message))
        return redirect(_next(request, target.get_absolute_url()))
    if request.htmx:  # type: ignore[attr-defined]
        return _button(request, kind, target, bookmark)
    if bookmark is not None:
        messages.success(request, _("Bookmarked. Find it under Bookmarks."))
    else:
        messages.success(request, _("Bookmark removed."))
    return redirect(_next(request, target.get_absolute_url()))


@login_required
@require_POST
@page_errors
def bookmark_topic(request: HttpRequest, topic_id: int) -> HttpResponse:
    """Bookmark a topic (`bookmarked=1`, the default) or remove its bookmark (`bookmarked=0`)."""
    topic = get_topic(request.user, min(topic_id, MAX_ID))
    return _set_bookmarked(request, "topic", topic)


@login_required
@require_POST
@page_errors
def bookmark_post(request: HttpRequest, post_id: int) -> HttpResponse:
    """Bookmark a post (`bookmarked=1`, the default) or remove its bookmark (`bookmarked=0`)."""
    post = get_post(request.user, min(post_id, MAX_ID))
    return _set_bookmarked(request, "post", post)


@login_required
@require_http_methods(["GET", "POST"])
@page_errors
def bookmark_edit(request: HttpRequest, bookmark_id: int) -> HttpResponse:
    """Change a bookmark's private note and reminder (typed in the member's time zone)."""
    bookmark = queries.get_bookmark(request.user, bookmark_id)
    errors: dict[str, str] = {}
    values = {
        "note": bookmark.note,
        "remind_at": forms.local_value(bookmark.remind_at, request.user),
    }
    status = 200
    if request.method == "POST":
        values = {
            "note": request.POST.get("note", ""),
            "remind_at": request.POST.get("remind_at", ""),
        }
        try:
            remind_at = forms.parse_remind_at(values["remind_at"], request.user)
            actions.edit_bookmark(
                actor=request.user, bookmark=bookmark, note=values["note"], remind_at=remind_at
            )
        except NotFoundError:
            raise
        except DomainError as error:
            errors = field_errors(error)
            status = error.status
        else:
            messages.success(request, _("Bookmark saved."))
            return redirect(_next(request, reverse("bookmark_list")))
    context = {
        "bookmark": bookmark,
        "values": values,
        "errors": errors,
        "note_max_length": actions.NOTE_MAX_LENGTH,
        "next_url": site_relative(request.POST.get("next", "") or request.GET.get("next", "")),
    }
    return private_no_store(render(request, "bookmarks/bookmark_edit.html", context, status=status))


@login_required
@require_POST
@page_errors
def bookmark_delete(request: HttpRequest, bookmark_id: int) -> HttpResponse:
    """Remove one of the member's bookmarks, readable target or not."""
    bookmark = queries.get_bookmark(request.user, bookmark_id)
    try:
        actions.delete_bookmark(actor=request.user, bookmark=bookmark)
    except NotFoundError:
        raise
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Bookmark removed."))
    return redirect(_next(request, reverse("bookmark_list")))
