from __future__ import annotations

import math
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from carecircle.bookmarks.queries import bookmark_state
from carecircle.caregivers.permissions import patients_who_allow_posting, person_posted_for
from carecircle.communities import permissions as community_permissions
from carecircle.communities import queries as community_queries
from carecircle.communities.models import Community
from carecircle.core.errors import DomainError, NotFoundError, ValidationFailed
from carecircle.core.interfaces import field_errors, page_errors
from carecircle.core.models import ModerationState
from carecircle.core.pagination import Page, PageRequest
from carecircle.core.visitor_cache import is_visitor_request, mark_visitor_cacheable
from carecircle.discussions import actions, permissions, queries, safety
from carecircle.discussions.models import Post, Reaction, Topic
from carecircle.discussions.queries import MAX_ID, posts_after
from carecircle.polls.forms import poll_form_context, poll_spec_from_form
from carecircle.polls.queries import poll_for_topic
from carecircle.uploads.attachments import AttachmentChoice
from carecircle.uploads.forms import attachment_rows, choices_for, choices_from_form


def _signed_out_with_text(request: HttpRequest, heading: str) -> HttpResponse:
    """A signed-out POST (expired session) keeps the member's text on screen, never drops it."""
    kept = [
        (name, request.POST.get(name, ""))
        for name in ("title", "body")
        if request.POST.get(name, "").strip()
    ]
    return render(
        request,
        "discussions/signed_out.html",
        {"kept": kept, "heading": heading, "next": request.META.get("HTTP_REFERER", "")},
        status=401,
    )


def _sign_in_first(next_url: str) -> HttpResponse:
    """Send a signed-out member to sign in, then back to `next_url` (a local path)."""
    parts = urlsplit(next_url or "/")
    local = parts.path + (f"?{parts.query}" if parts.query else "")
    return redirect(f"{reverse('account_login')}?{urlencode({'next': local or '/'})}")


def _topic_url(topic: Topic, page: int = 1, anchor: str = "") -> str:
    url = topic.get_absolute_url()
    if page > 1:
        url += f"?page={page}"
    return url + (f"#{anchor}" if anchor else "")


def _compose_errors(error: DomainError) -> dict[str, str]:
    """Every problem next to its own field.

    The attachment and poll checks list all they found in `details` (`alt_<id>`,
    `attachments`, `poll_*`), so a member fixes everything in one go.
    """
    errors = field_errors(error)
    for detail in error.details:
        if isinstance(detail, dict) and detail.get("field") and detail.get("message"):
            errors.setdefault(str(detail["field"]), str(detail["message"]))
    return errors


def _changed_attachments(
    request: HttpRequest, post: Post, choices: list[AttachmentChoice]
) -> list[AttachmentChoice] | None:
    """The edit's new attachments, or None to leave them as they are.

    Only the author's form shows the files (it says so with `attachments_shown`); sending
    them back unchanged is not an edit of the post.
    """
    if not post.is_written_by(request.user) or request.POST.get("attachments_shown") != "1":
        return None
    return None if queries.attachments_unchanged(post, choices) else choices


def _check_files(problems: dict[str, str]) -> None:
    """Refuse the post when a file sent with the form (without JavaScript) was not stored.

    The member would not notice a picture missing from their post: the form comes back with
    the reason under the picker, the files that were stored already chosen, and the text kept.
    """
    if problems:
        field, message = next(iter(problems.items()))
        raise ValidationFailed(
            message,
            code="upload_refused",
            field=field,
            details=[{"field": name, "message": text} for name, text in problems.items()],
        )


@page_errors
@require_http_methods(["GET", "POST"])
def topic_create(request: HttpRequest, slug: str) -> HttpResponse:
    if not request.user.is_authenticated:
        if request.method == "POST":
            return _signed_out_with_text(request, _("Please sign in to post your topic"))
        return _sign_in_first(request.path)
    community = community_queries.get_community(request.user, slug)
    community_permissions.check_can_post_in_community(request.user, community)
    draft_key = f"topic:{community.pk}"
    errors: dict[str, str] = {}
    confirmation = None
    status = 200
    values = {"title": "", "body": "", "is_question": False, "voice": "me"}
    attachments: list[AttachmentChoice] = []
    if request.method == "POST":
        values = {
            "title": request.POST.get("title", ""),
            "body": request.POST.get("body", ""),
            "is_question": request.POST.get("is_question") == "on",
            "voice": request.POST.get("voice", "me"),
        }
        attachments, file_problems = choices_from_form(request)
        try:
            _check_files(file_problems)
            poll = poll_spec_from_form(request.POST)
            is_anonymous, on_behalf_of = _voice(request, community)
            topic = actions.create_topic(
                actor=request.user,
                community=community,
                title=str(values["title"]),
                body=str(values["body"]),
                is_question=bool(values["is_question"]),
                is_anonymous=is_anonymous,
                on_behalf_of=on_behalf_of,
                confirmed=request.POST.get("confirmed") == "1",
                attachments=attachments,
                poll=poll,
            )
        except DomainError as error:
            confirmation = safety.confirmation_for(error, is_public=community.is_public)
            errors = {} if confirmation else _compose_errors(error)
            # 400 for invalid input, 429 when posting too fast, as the reply form and the API.
            status = error.status
            actions.save_draft(
                actor=request.user,
                key=draft_key,
                title=str(values["title"]),
                body=str(values["body"]),
            )
        else:
            safety.remember_support(request, getattr(topic, "gate_result", None))
            if topic.moderation_state == ModerationState.PENDING:
                messages.info(
                    request,
                    _(
                        "Your topic is waiting for a moderator's approval. Only you and the "
                        "moderators can see it until then."
                    ),
                )
            else:
                messages.success(request, _("Your topic is posted."))
            response = redirect(topic.get_absolute_url())
            response.set_cookie("draft_saved", draft_key, max_age=60, samesite="Lax")
            return response
    else:
        draft = queries.get_draft(request.user, draft_key)
        if draft:
            values.update(title=draft.title, body=draft.body)
    return render(
        request,
        "discussions/topic_create.html",
        {
            "community": community,
            "values": values,
            "errors": errors,
            "confirmation": confirmation,
            "medical_notice": _medical_notice(community),
            "draft_key": draft_key,
            "has_draft": request.method == "GET" and bool(values["body"]),
            "attachment_rows": attachment_rows(request.user, attachments),
            # The "Add a poll" part is drawn again with what the member typed.
            "poll_form": poll_form_context(
                request.POST if request.method == "POST" else None, errors
            ),
            **_voice_context(request.user, community),
        },
        status=status,
    )


VISITOR_PAGE_SECONDS = 300


def _medical_notice(community: Community) -> str:
    """The community's "experiences, not medical advice" notice ("" when turned off)."""
    from carecircle.moderation import queries as moderation_queries

    return moderation_queries.medical_notice(community)


def _context_notes(posts: list[Post]) -> None:
    """Set `post.context_notes_shown` on every post (one query for the whole page)."""
    from carecircle.moderation import queries as moderation_queries

    ids = [post.pk for post in posts if not post.is_deleted]
    notes = moderation_queries.context_notes_for(ids) if ids else {}
    for post in posts:
        post.context_notes_shown = notes.get(post.pk, [])  # type: ignore[attr-defined]


def _record_read(request: HttpRequest, topic: Topic, posts: list[Post]) -> None:
    """Count the posts a signed-in member read here towards their trust level."""
    if not request.user.is_authenticated or not posts:
        return
    from carecircle.moderation import actions as moderation_actions

    moderation_actions.record_topic_read(
        user=request.user, topic_id=topic.pk, posts_seen=len(posts)
    )


def _read_notifications(request: HttpRequest, topic: Topic) -> None:
    """Opening a topic reads the member's notifications about it (replies, mentions, ...)."""
    if not request.user.is_authenticated:
        return
    from carecircle.notifications.actions import mark_read_for

    mark_read_for(actor=request.user, topic_id=topic.pk)


def _voice_context(actor: Any, community: Community) -> dict[str, Any]:
    """What a member may choose under "Post as": anonymously, or for someone they care for."""
    if not actor.is_authenticated:
        return {"can_post_anonymously": False, "post_for_choices": []}
    return {
        "can_post_anonymously": permissions.can_post_anonymously(actor, community),
        "post_for_choices": patients_who_allow_posting(actor, community),
    }


def _voice(request: HttpRequest, community: Community) -> tuple[bool, Any]:
    """Read the "Post as" choice: (is_anonymous, the person posted for or None)."""
    voice = request.POST.get("voice", "me")
    if voice == "anonymous":
        return True, None
    if voice.startswith("for:"):
        return False, person_posted_for(request.user, community, voice.removeprefix("for:"))
    return False, None


def _visitor_cache_key(request: HttpRequest, topic: Topic) -> str | None:
    """A cache key for a visitor's view of this topic page, or None if it must be rendered.

    Visitors all see the same page (no forms, no CSRF token, no per-person state), so it is
    cached by the topic's content version; permission is still checked before serving it.
    """
    if (
        not is_visitor_request(request)
        or "messages" in request.COOKIES
        or settings.SESSION_COOKIE_NAME in request.COOKIES
        or set(request.GET) - {"page"}
    ):
        return None
    # At most one entry per page, and only pages 1..reply_count // size + 1: the pages
    # privacy erasure forgets. A page past that is rendered, not cached: the page itself is
    # clamped to the highest position (posts waiting for approval take positions without
    # counting as replies), so filing it under a smaller clamped number would serve its
    # posts as another page.
    last_page = topic.reply_count // settings.CARECIRCLE_PAGE_SIZE + 1
    page = PageRequest.from_params(request.GET.get("page")).number
    if page > last_page:
        return None
    language = translation.get_language() or ""
    return f"topic-page:{topic.pk}:{topic.content_version}:{page}:{language}"


@page_errors
def topic_detail(request: HttpRequest, topic_id: int, slug: str = "") -> HttpResponse:
    topic = queries.get_topic(request.user, topic_id)
    if slug != topic.slug:
        query = f"?{request.GET.urlencode()}" if request.GET else ""
        return HttpResponseRedirect(topic.get_absolute_url() + query)
    key = _visitor_cache_key(request, topic)
    if key is not None:
        html = cache.get(key)
        if html is not None:
            return mark_visitor_cacheable(HttpResponse(html))
    response = _render_topic(request, topic)
    if key is not None and response.status_code == 200:
        cache.set(
            key,
            response.content,
            getattr(response, "visitor_cache_seconds", VISITOR_PAGE_SECONDS),
        )
        mark_visitor_cacheable(response)
    return response


def _visitor_cache_seconds(poll: dict[str, Any] | None) -> int:
    """How long visitors may be served this page from the cache.

    A vote or an early close changes the topic's content version (a new cache key), but a
    poll that closes on its own at `closes_at` changes nothing in the database: its results
    may show from then on, so the cached page must not outlive that moment.
    """
    closes_at = (poll or {}).get("closes_at")
    if closes_at is None or (poll or {}).get("is_closed"):
        return VISITOR_PAGE_SECONDS
    left = math.ceil((closes_at - timezone.now()).total_seconds())
    return max(1, min(VISITOR_PAGE_SECONDS, left))


def _render_topic(
    request: HttpRequest,
    topic: Topic,
    *,
    reply_body: str = "",
    reply_attachments: list[AttachmentChoice] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
    page_number: int | str | None = None,
    voice: str = "me",
    confirmation: dict[str, Any] | None = None,
) -> HttpResponse:
    actor = request.user
    page = queries.topic_posts(
        actor, topic, PageRequest.from_params(page_number or request.GET.get("page"))
    )
    community = topic.community
    post_context = _post_context(actor, topic, page.items)
    can_moderate = post_context["can_moderate"]
    if request.method == "GET":
        _record_read(request, topic, page.items)
        _read_notifications(request, topic)
    draft_key = f"reply:{topic.pk}"
    if not reply_body and request.method == "GET":
        draft = queries.get_draft(actor, draft_key)
        reply_body = draft.body if draft else ""
        # Without JavaScript, "Quote" reloads the page with ?quote=<post id>.
        quoted = next(
            (
                p
                for p in page.items
                if str(p.pk) == request.GET.get("quote")
                and not p.is_deleted
                and p.moderation_state == ModerationState.VISIBLE
            ),
            None,
        )
        if quoted is not None:
            reply_body = (reply_body + "\n\n" if reply_body else "") + queries.quote_of(quoted)
    # The poll is drawn after the first post: no query on the topic's later pages.
    poll = poll_for_topic(actor, topic) if any(post.is_first for post in page.items) else None
    moderation_targets: list[Community] = []
    if can_moderate:
        moderation_targets = [
            c
            for c in community_queries.list_communities(actor)
            if c.pk != community.pk and community_permissions.can_moderate_community(actor, c)
        ]
    response = render(
        request,
        "discussions/topic_detail.html",
        {
            **post_context,
            "community": community,
            "page": page,
            "poll": poll,
            "attachment_rows": attachment_rows(actor, reply_attachments or []),
            "is_last_page": not page.has_next,
            "last_post_id": page.items[-1].pk if page.items else 0,
            "is_member": community_permissions.membership_of(actor, community) is not None,
            "reply_body": reply_body,
            "errors": errors or {},
            "draft_key": draft_key,
            "draft_saved": request.COOKIES.get("draft_saved", ""),
            "move_targets": moderation_targets,
            "voice": voice,
            "confirmation": confirmation,
            "support": safety.pop_support(request),
            "medical_notice": _medical_notice(community),
            **_voice_context(actor, community),
        },
        status=status,
    )
    response.visitor_cache_seconds = _visitor_cache_seconds(poll)  # type: ignore[attr-defined]
    return response


def _post_context(actor: Any, topic: Topic, posts: list[Post]) -> dict[str, Any]:
    """What the post partial needs to draw `posts` for this actor (the page and fragments)."""
    community = topic.community
    can_accept = permissions.can_accept_answer(actor, topic)
    can_moderate = community_permissions.can_moderate_community(actor, community)
    signed_in = actor.is_authenticated
    for post in posts:
        post.can_edit = permissions.can_edit_post(actor, post)  # type: ignore[attr-defined]
        post.can_delete = permissions.can_delete_post(actor, post)  # type: ignore[attr-defined]
        post.can_accept = can_accept and not post.is_first and not post.is_deleted  # type: ignore[attr-defined]
        is_mine = signed_in and post.is_written_by(actor)
        post.is_mine = is_mine  # type: ignore[attr-defined]
        # Hidden for review: a placeholder for readers; the author and moderators read it.
        post.is_withheld = (  # type: ignore[attr-defined]
            post.moderation_state != ModerationState.VISIBLE and not (is_mine or can_moderate)
        )
        post.can_report = (  # type: ignore[attr-defined]
            signed_in and not is_mine and not post.is_deleted
        )
    _context_notes(posts)
    # Sets `post.actor_bookmark` on every post; no query for visitors (their page is cached).
    bookmarks = bookmark_state(actor, topic, posts)
    return {
        "topic": topic,
        "topic_bookmark": bookmarks.topic_bookmark,
        "can_reply": permissions.can_reply(actor, topic),
        "can_moderate": can_moderate,
        "reaction_kinds": Reaction.Kind.choices,
        "can_react": actor.is_authenticated
        and community_permissions.can_reply_in_community(actor, community),
        "can_reveal": permissions.can_reveal_anonymous_author(actor, community),
    }


#: Posts per "show new replies" fragment; the page asks again for any still missing.
FRAGMENT_POSTS = 50


def _fragment_response(
    request: HttpRequest, topic: Topic, posts: list[Post], partial: str
) -> HttpResponse:
    for post in posts:
        # Share the loaded topic (and its community and membership cache) with every post.
        post.topic = topic
    queries.attach_actor_reactions(request.user, posts)
    queries.attach_uploads(posts)
    context = _post_context(request.user, topic, posts)
    size = settings.CARECIRCLE_PAGE_SIZE
    number = queries.post_page_number(posts[0], size) if posts else 1
    context["page"] = Page(items=posts, number=number, size=size, total=topic.reply_count + 1)
    if partial == "post":
        context["post"] = posts[0]
    response = render(request, f"discussions/topic_detail.html#{partial}", context)
    response["X-Robots-Tag"] = "noindex"
    return response


@page_errors
@never_cache
@require_GET
def topic_posts_after(request: HttpRequest, topic_id: int, post_id: int) -> HttpResponse:
    """The topic's posts after `post_id` as the topic page draws them for this viewer.

    The live topic page appends them when the reader asks for "new replies". At most
    FRAGMENT_POSTS posts; the header X-More-Posts says whether more follow.
    """
    if topic_id > MAX_ID:
        raise NotFoundError(_("Topic not found."))
    topic = queries.get_topic(request.user, topic_id)
    posts = list(
        posts_after(request.user, topic, post_id).select_related("author", "alias", "on_behalf_of")[
            : FRAGMENT_POSTS + 1
        ]
    )
    more = len(posts) > FRAGMENT_POSTS
    response = _fragment_response(request, topic, posts[:FRAGMENT_POSTS], "posts")
    response["X-More-Posts"] = "1" if more else "0"
    return response


@page_errors
@never_cache
@require_GET
def post_fragment(request: HttpRequest, post_id: int) -> HttpResponse:
    """One post as the topic page draws it for this viewer (after an edit, removal, restore).

    Like the page, a deleted post is a placeholder for readers and full text for moderators.
    """
    post = (
        Post.objects.select_related("author", "alias", "on_behalf_of").filter(pk=post_id).first()
        if post_id <= MAX_ID
        else None
    )
    if post is None:
        raise NotFoundError(_("Post not found."))
    topic = queries.get_topic(request.user, post.topic_id)
    post.topic = topic
    if not permissions.can_see_post(request.user, post):
        raise NotFoundError(_("Post not found."))
    return _fragment_response(request, topic, [post], "post")


@page_errors
@require_POST
def topic_reply(request: HttpRequest, topic_id: int) -> HttpResponse:
    if not request.user.is_authenticated:
        return _signed_out_with_text(request, _("Please sign in to post your reply"))
    topic = queries.get_topic(request.user, topic_id)
    body = request.POST.get("body", "")
    # Files sent with a reply that cannot be posted (locked topic, not a member) are not
    # stored: the action refuses the reply with its own reason.
    attachments, file_problems = (
        choices_from_form(request) if permissions.can_reply(request.user, topic) else ([], {})
    )
    reply_to = None
    if request.POST.get("reply_to"):
        try:
            reply_to = queries.get_post(request.user, int(request.POST["reply_to"]))
        except (DomainError, ValueError):
            reply_to = None
    try:
        _check_files(file_problems)
        is_anonymous, on_behalf_of = _voice(request, topic.community)
        post = actions.reply_to_topic(
            actor=request.user,
            topic=topic,
            body=body,
            reply_to=reply_to,
            is_anonymous=is_anonymous,
            on_behalf_of=on_behalf_of,
            confirmed=request.POST.get("confirmed") == "1",
            attachments=attachments,
        )
    except DomainError as error:
        actions.save_draft(actor=request.user, key=f"reply:{topic.pk}", body=body)
        last_page = 10**6
        confirmation = safety.confirmation_for(error, is_public=topic.community.is_public)
        return _render_topic(
            request,
            topic,
            reply_body=body,
            reply_attachments=attachments,
            voice=request.POST.get("voice", "me"),
            errors={} if confirmation else _compose_errors(error),
            status=error.status if error.status != 404 else 400,
            page_number=last_page,
            confirmation=confirmation,
        )
    safety.remember_support(request, getattr(post, "gate_result", None))
    if post.moderation_state == ModerationState.PENDING:
        messages.info(
            request,
            _(
                "Your reply is waiting for a moderator's approval. Only you and the moderators "
                "can see it until then."
            ),
        )
    page_number = queries.post_page_number(post, settings.CARECIRCLE_PAGE_SIZE)
    response = redirect(_topic_url(topic, page_number, f"post-{post.position}"))
    response.set_cookie("draft_saved", f"reply:{topic.pk}", max_age=60, samesite="Lax")
    return response


@page_errors
@require_POST
def topic_moderate(request: HttpRequest, topic_id: int) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("account_login")
    topic = queries.get_topic(request.user, topic_id)
    operation = request.POST.get("operation", "")
    try:
        if operation in ("pin", "unpin"):
            actions.set_topic_pinned(actor=request.user, topic=topic, is_pinned=operation == "pin")
        elif operation in ("lock", "unlock"):
            actions.set_topic_locked(actor=request.user, topic=topic, is_locked=operation == "lock")
        elif operation == "move":
            destination = community_queries.get_community(
                request.user, request.POST.get("destination", "")
            )
            actions.move_topic(actor=request.user, topic=topic, destination=destination)
        elif operation == "slow_mode":
            try:
                seconds = int(request.POST.get("slow_mode_seconds", "") or 0)
            except ValueError:
                raise ValidationFailed(
                    _("Please enter a number of seconds."), field="slow_mode_seconds"
                ) from None
            actions.set_topic_slow_mode(actor=request.user, topic=topic, seconds=seconds)
        else:
            raise ValidationFailed(_("Unknown moderation action."), field="operation")
    except DomainError as error:
        if error.status == 403:
            raise
        messages.error(request, str(error.message))
    else:
        labels = {
            "pin": _("Topic pinned."),
            "unpin": _("Topic unpinned."),
            "lock": _("Topic locked."),
            "unlock": _("Topic unlocked."),
            "move": _("Topic moved."),
            "slow_mode": _("Slow mode is on for this topic.")
            if topic.slow_mode_seconds
            else _("Slow mode is off for this topic."),
        }
        messages.success(request, labels[operation])
    return redirect(topic.get_absolute_url())


@page_errors
def post_permalink(request: HttpRequest, post_id: int) -> HttpResponse:
    post = queries.get_post(request.user, post_id)
    page_number = queries.post_page_number(post, settings.CARECIRCLE_PAGE_SIZE)
    return redirect(_topic_url(post.topic, page_number, f"post-{post.position}"))


@page_errors
@require_http_methods(["GET", "POST"])
def post_edit(request: HttpRequest, post_id: int) -> HttpResponse:
    if not request.user.is_authenticated:
        if request.method == "POST":
            return _signed_out_with_text(request, _("Please sign in to save your edit"))
        return _sign_in_first(request.path)
    post = queries.get_post(request.user, post_id)
    permissions.check_can_edit_post(request.user, post)
    errors: dict[str, str] = {}
    confirmation = None
    status = 200
    values = {"body": post.body, "title": post.topic.title, "reason": ""}
    # The author changes the post's files; a moderator editing someone's words leaves them
    # as they are (removing a picture is a moderation decision: hide or delete the post).
    edits_files = post.is_written_by(request.user)
    attachments = choices_for(post.attachments.order_by("position", "pk")) if edits_files else []
    if request.method == "POST":
        values = {
            "body": request.POST.get("body", ""),
            "title": request.POST.get("title", post.topic.title),
            "reason": request.POST.get("reason", ""),
        }
        file_problems: dict[str, str] = {}
        if edits_files:
            attachments, file_problems = choices_from_form(request)
        try:
            _check_files(file_problems)
            actions.edit_post(
                actor=request.user,
                post=post,
                body=values["body"],
                title=values["title"] if post.is_first else None,
                reason=values["reason"],
                confirmed=request.POST.get("confirmed") == "1",
                attachments=_changed_attachments(request, post, attachments),
            )
        except DomainError as error:
            confirmation = safety.confirmation_for(error, is_public=post.topic.community.is_public)
            errors = {} if confirmation else _compose_errors(error)
            status = error.status if error.status in (422, 429) else 400
        else:
            safety.remember_support(request, getattr(post, "gate_result", None))
            if post.moderation_state != ModerationState.VISIBLE and post.is_written_by(
                request.user
            ):
                messages.info(
                    request,
                    _("Your changes are saved. The post is hidden while moderators review it."),
                )
            else:
                messages.success(request, _("Your changes are saved."))
            return redirect(post.get_absolute_url())
    return render(
        request,
        "discussions/post_edit.html",
        {
            "post": post,
            "values": values,
            "errors": errors,
            "confirmation": confirmation,
            "edits_files": edits_files,
            "attachment_rows": attachment_rows(request.user, attachments, post=post),
        },
        status=status,
    )


@page_errors
@require_http_methods(["GET", "POST"])
def post_delete(request: HttpRequest, post_id: int) -> HttpResponse:
    if not request.user.is_authenticated:
        return _sign_in_first(request.path)
    post = queries.get_post(request.user, post_id)
    permissions.check_can_delete_post(request.user, post)
    if request.method == "POST":
        actions.delete_post(actor=request.user, post=post)
        if post.is_first:
            messages.success(request, _("Your topic is deleted."))
            return redirect(post.topic.community.get_absolute_url())
        messages.success(request, _("The post is deleted."))
        return redirect(post.topic.get_absolute_url())
    return render(request, "discussions/post_delete.html", {"post": post})


@page_errors
@require_POST
def post_restore(request: HttpRequest, post_id: int) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("account_login")
    post = queries.get_post(request.user, post_id)
    actions.restore_post(actor=request.user, post=post)
    messages.success(request, _("The post is restored."))
    return redirect(post.get_absolute_url())


@page_errors
def post_history(request: HttpRequest, post_id: int) -> HttpResponse:
    post = queries.get_post(request.user, post_id)
    return render(
        request,
        "discussions/post_history.html",
        {"post": post, "revisions": queries.post_revisions(request.user, post)},
    )


@page_errors
@require_POST
def post_react(request: HttpRequest, post_id: int) -> HttpResponse:
    if not request.user.is_authenticated:
        return _sign_in_first(request.META.get("HTTP_REFERER", "/"))
    post = queries.get_post(request.user, post_id)
    kind = request.POST.get("kind", "")
    try:
        actions.toggle_reaction(actor=request.user, post=post, kind=kind)
    except DomainError as error:
        if error.status == 403:
            raise
        messages.error(request, str(error.message))
    if request.htmx:  # type: ignore[attr-defined]
        queries.attach_actor_reactions(request.user, [post])
        return render(
            request,
            "discussions/topic_detail.html#reactions",
            {
                "post": post,
                "reaction_kinds": Reaction.Kind.choices,
                "can_react": True,
            },
        )
    return redirect(post.get_absolute_url())


@page_errors
@require_POST
def post_accept(request: HttpRequest, post_id: int) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("account_login")
    post = queries.get_post(request.user, post_id)
    topic = post.topic
    clear = request.POST.get("clear") == "yes"
    try:
        actions.accept_answer(actor=request.user, topic=topic, post=None if clear else post)
    except DomainError as error:
        if error.status == 403:
            raise
        messages.error(request, str(error.message))
    else:
        messages.success(
            request, _("Accepted answer cleared.") if clear else _("Answer accepted. Thank you!")
        )
    return redirect(post.get_absolute_url())


@require_POST
def draft_save(request: HttpRequest) -> HttpResponse:
    """htmx autosave of a draft; answers 204 so nothing on the page changes."""
    if request.user.is_authenticated:
        key = request.POST.get("draft_key", "")
        if key.startswith(("reply:", "topic:")):
            actions.save_draft(
                actor=request.user,
                key=key,
                body=request.POST.get("body", ""),
                title=request.POST.get("title", ""),
            )
    return HttpResponse(status=204)


__all__ = ["Post"]


@page_errors
@require_http_methods(["GET", "POST"])
def post_reveal_author(request: HttpRequest, post_id: int) -> HttpResponse:
    if not request.user.is_authenticated:
        return _sign_in_first(request.path)
    post = queries.get_post(request.user, post_id)
    permissions.check_can_reveal_anonymous_author(request.user, post.topic.community)
    errors: dict[str, str] = {}
    reason = ""
    revealed = None
    status = 200
    if request.method == "POST":
        reason = request.POST.get("reason", "")
        try:
            member = actions.reveal_anonymous_author(actor=request.user, post=post, reason=reason)
        except DomainError as error:
            errors = field_errors(error)
            status = error.status
        else:
            revealed = {"member": member}
    response = render(
        request,
        "discussions/post_reveal_author.html",
        {"post": post, "reason": reason, "errors": errors, "revealed": revealed},
        status=status,
    )
    # The answer names a member: never keep it in any cache or browser history.
    response["Cache-Control"] = "no-store"
    return response
