"""Pages for private conversations, under /messages/.

Everything works with plain forms and links; carecircle/static/carecircle/conversation.js
makes the conversation page live over the page's socket (the same actions, the same checks).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from carecircle.accounts.queries import get_member
from carecircle.core.errors import DomainError, NotFoundError
from carecircle.core.http import private_no_store, safe_next
from carecircle.core.interfaces import field_errors, page_errors
from carecircle.core.pagination import PageRequest
from carecircle.discussions.safety import confirmation_for, pop_support, remember_support
from carecircle.messaging import forms
from carecircle.messaging.actions import conversations as actions
from carecircle.messaging.actions.common import attachments_of, clean_body
from carecircle.messaging.models import Conversation, MemberBlock, MessagingSettings, Participant
from carecircle.messaging.permissions import conversations as permissions
from carecircle.messaging.queries import conversations as queries
from carecircle.messaging.queries.blocks import blocks_made_by
from carecircle.uploads.attachments import AttachmentChoice
from carecircle.uploads.display import kind_label, public_name, thumbnail_url
from carecircle.uploads.forms import attachment_rows, choices_from_form, errors_from
from carecircle.uploads.models import Upload


def message_errors(error: DomainError) -> dict[str, str]:
    """Errors of a send by field: an attachment's problems each beside its own box."""
    if error.field == "attachments" or (error.field or "").startswith(("alt_", "captions_")):
        return errors_from(error)
    return field_errors(error)


def _detail_url(conversation_id: int, anchor: str = "") -> str:
    url = reverse("conversation_detail", kwargs={"conversation_id": conversation_id})
    return f"{url}#{anchor}" if anchor else url


# --- lists ---------------------------------------------------------------------------------


@login_required
@require_GET
def conversation_list(request: HttpRequest) -> HttpResponse:
    """The inbox: active conversations, most recent first."""
    page = queries.inbox(request.user, PageRequest.from_params(request.GET.get("page")))
    context = {"page": page, "request_count": queries.request_count(request.user)}
    return private_no_store(render(request, "messaging/conversation_list.html", context))


@login_required
@require_GET
def conversation_requests(request: HttpRequest) -> HttpResponse:
    """Message requests waiting for an answer, apart from the inbox."""
    page = queries.message_requests(request.user, PageRequest.from_params(request.GET.get("page")))
    # The page's total is the count `queries.request_count` would make again.
    context = {"page": page, "request_count": page.total}
    return private_no_store(render(request, "messaging/conversation_requests.html", context))


# --- starting ------------------------------------------------------------------------------


def _start_page(
    request: HttpRequest,
    *,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    status: int = 200,
    confirmation: dict[str, Any] | None = None,
) -> HttpResponse:
    context = {
        "values": values,
        "errors": errors or {},
        "max_members": permissions.max_members(),
        "confirmation": confirmation,
    }
    return private_no_store(
        render(request, "messaging/conversation_start.html", context, status=status)
    )


@login_required
@require_http_methods(["GET", "POST"])
def conversation_start(request: HttpRequest) -> HttpResponse:
    """Write to a member (`?to=handle`, from a profile or a post's byline) or a group."""
    if request.method == "GET":
        to = request.GET.get("to", "")
        handles = forms.handles_from(to)
        values = {"to": " ".join(f"@{h}" for h in handles), "title": "", "body": "",
                  "client_id": str(uuid.uuid4())}  # fmt: skip
        errors: dict[str, str] = {}
        if len(handles) == 1:
            try:
                member = get_member(handles[0])
            except NotFoundError as error:
                errors = {"to": str(error.message)}
            else:
                if not permissions.can_message(request.user, member):
                    errors = {"to": str(permissions.cannot_message().message)}
                else:
                    existing = Participant.objects.filter(
                        user_id=request.user.pk or 0,
                        state=Participant.State.ACTIVE,
                        conversation__direct_key=actions.direct_key(request.user, member),
                    ).values_list("conversation_id", flat=True)
                    if existing:
                        return redirect(_detail_url(existing[0], "compose"))
        return _start_page(request, values=values, errors=errors)
    values = {
        "to": request.POST.get("to", ""),
        "title": request.POST.get("title", ""),
        "body": request.POST.get("body", ""),
        "client_id": request.POST.get("client_id", "") or str(uuid.uuid4()),
    }
    try:
        members = forms.members_from(forms.handles_from(values["to"]))
        clean_body(values["body"])
        conversation = actions.start_conversation(
            actor=request.user,
            recipients=members,
            title=values["title"],
            body=values["body"],
            client_id=values["client_id"],
            confirmed=request.POST.get("confirmed") == "1",
        )
    except DomainError as error:
        # "Please check" keeps the text and the recipients, and "Send anyway" sends them again
        # with confirmed=1, as on the conversation page.
        confirmation = confirmation_for(
            error, audience=_("The people you are writing to will see them.")
        )
        return _start_page(
            request,
            values=values,
            errors={} if confirmation else field_errors(error),
            status=error.status,
            confirmation=confirmation,
        )
    remember_support(request, getattr(conversation, "gate_result", None))
    return redirect(_detail_url(conversation.pk, "latest"))


# --- one conversation ----------------------------------------------------------------------


def _detail_page(
    request: HttpRequest,
    conversation_id: int,
    *,
    errors: dict[str, str] | None = None,
    body: str = "",
    status: int = 200,
    confirmation: dict[str, Any] | None = None,
    attachments: list[AttachmentChoice] | None = None,
) -> HttpResponse:
    actor = request.user
    place = queries.get_place(actor, conversation_id)
    conversation = place.conversation
    participants = queries.participants_of(conversation)
    window = queries.conversation_messages(actor, conversation, before=request.GET.get("before"))
    is_active = place.state == Participant.State.ACTIVE
    if is_active and window.items and not window.has_newer and status == 200:
        newest = window.items[-1].pk
        if newest > place.last_read_message_id:
            place.last_read_message_id = actions.mark_read(
                actor=actor, conversation=conversation, message_id=newest
            )
    me = next((p for p in participants if p.user_id == actor.pk), None)
    actor_shares = bool(getattr(me, "shares_receipts", True))
    own = [m for m in window.items if m.author_id == actor.pk and m.deleted_at is None]
    seen_message_id = own[-1].pk if own else 0
    # "Seen" sits directly under the member's own last message, so only while it is the last.
    seen_shown = bool(window.items) and window.items[-1].pk == seen_message_id
    others = [p for p in participants if p.user_id != actor.pk]
    other = others[0].user if conversation.kind == Conversation.Kind.DIRECT and others else None
    context = {
        "confirmation": confirmation,
        "support": pop_support(request),
        "conversation": conversation,
        "place": place,
        "is_request": place.state == Participant.State.REQUESTED,
        "is_group": conversation.kind == Conversation.Kind.GROUP,
        "participants": participants,
        "others": others,
        "other": other,
        "name": conversation.title or ", ".join(p.user.display_name for p in others),
        "window": window,
        "oldest_id": window.items[0].pk if window.items else 0,
        "newest_id": window.items[-1].pk if window.items else 0,
        "can_write": is_active
        and permissions.can_write(actor, conversation, place, participants=participants),
        "seen_message_id": seen_message_id,
        "seen_by": queries.seen_by(actor, participants, seen_message_id, actor_shares=actor_shares)
        if seen_shown
        else [],
        "actor_shares": actor_shares,
        "errors": errors or {},
        "body": body,
        # The uploads chosen before an error, shown again with what was typed for them.
        "attachment_rows": attachment_rows(actor, attachments or []),
        "client_id": str(uuid.uuid4()),
        "max_members": permissions.max_members(),
        "texts": _live_texts(),
    }
    return private_no_store(
        render(request, "messaging/conversation_detail.html", context, status=status)
    )


def _live_texts() -> dict[str, str]:
    """Words conversation.js shows, translated here like the rest of the page."""
    return {
        "sending": _("Sending…"),
        "failed": _("Not sent."),
        "typing": _("%(name)s is typing…"),
        "new_message": _("New message from %(name)s"),
        "seen": _("Seen"),
        "seen_by": _("Seen by %(names)s"),
        "your_message": _("your message"),
        "deleted": _("This message was deleted."),
        "removed": _("This message was removed by a moderator."),
        "former_member": _("A former member"),
        "reload": _("There are more new messages than fit here. Reload the page to see them."),
        "closed": _("You are no longer in this conversation."),
        "offline": _("Connection lost. Your messages will be sent when it is back."),
    }


@login_required
@require_GET
@page_errors
def conversation_detail(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """A conversation: its latest messages (older ones by link), and the box to write in."""
    return _detail_page(request, conversation_id)


@login_required
@require_POST
@page_errors
def conversation_send(request: HttpRequest, conversation_id: int) -> HttpResponse:
    conversation = queries.get_conversation(request.user, conversation_id)
    body = request.POST.get("body", "")
    # Files sent with the form (no script) are stored first, so an error below keeps them.
    attachments, file_errors = choices_from_form(request)
    if file_errors:
        return _detail_page(
            request,
            conversation_id,
            errors=file_errors,
            body=body,
            status=400,
            attachments=attachments,
        )
    try:
        message = actions.send_message(
            actor=request.user,
            conversation=conversation,
            body=body,
            client_id=request.POST.get("client_id") or None,
            confirmed=request.POST.get("confirmed") == "1",
            attachments=attachments,
        )
    except DomainError as error:
        confirmation = confirmation_for(
            error, audience=_("Everyone in this conversation will see them.")
        )
        return _detail_page(
            request,
            conversation_id,
            errors={} if confirmation else message_errors(error),
            body=body,
            status=error.status,
            confirmation=confirmation,
            attachments=attachments,
        )
    remember_support(request, getattr(message, "gate_result", None))
    return redirect(_detail_url(conversation_id, f"message-{message.pk}"))


@login_required
@require_POST
@page_errors
def conversation_answer(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """Accept or decline a message request."""
    conversation = queries.get_conversation(request.user, conversation_id)
    if request.POST.get("answer") == "accept":
        actions.accept_request(actor=request.user, conversation=conversation)
        messages.success(request, _("Request accepted. You can reply now."))
        return redirect(_detail_url(conversation_id, "compose"))
    actions.decline_request(actor=request.user, conversation=conversation)
    messages.success(request, _("Request declined. The sender is not told."))
    return redirect("conversation_requests")


@login_required
@require_POST
@page_errors
def conversation_leave(request: HttpRequest, conversation_id: int) -> HttpResponse:
    conversation = queries.get_conversation(request.user, conversation_id)
    actions.leave_conversation(actor=request.user, conversation=conversation)
    messages.success(request, _("You left the conversation."))
    return redirect("conversation_list")


@login_required
@require_POST
@page_errors
def conversation_mute(request: HttpRequest, conversation_id: int) -> HttpResponse:
    conversation = queries.get_conversation(request.user, conversation_id)
    is_muted = request.POST.get("muted") == "yes"
    actions.set_conversation_muted(actor=request.user, conversation=conversation, is_muted=is_muted)
    messages.success(
        request,
        _("Conversation muted: it no longer counts in your unread badge.")
        if is_muted
        else _("Conversation unmuted."),
    )
    return redirect(_detail_url(conversation_id))


@login_required
@require_POST
@page_errors
def conversation_add(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """Add people to a group conversation."""
    conversation = queries.get_conversation(request.user, conversation_id)
    to = request.POST.get("to", "")
    try:
        members = forms.members_from(forms.handles_from(to))
        added = actions.add_people(actor=request.user, conversation=conversation, members=members)
    except DomainError as error:
        if error.status == 404:
            raise
        response = _detail_page(
            request, conversation_id, errors={"add": str(error.message)}, status=error.status
        )
        return response
    messages.success(
        request,
        _("Added: %(names)s.") % {"names": ", ".join(p.user.display_name for p in added)},
    )
    return redirect(_detail_url(conversation_id))


# --- one message ---------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
@page_errors
def conversation_message_edit(
    request: HttpRequest, conversation_id: int, message_id: int
) -> HttpResponse:
    conversation = queries.get_conversation(request.user, conversation_id)
    message = queries.get_message(request.user, conversation, message_id)
    place = queries.get_place(request.user, conversation_id)
    permissions.check_can_change_message(request.user, message, place)
    files = attachments_of(message)
    body = message.body
    removing: list[str] = []
    errors: dict[str, str] = {}
    confirmation: dict[str, Any] | None = None
    status = 200
    if request.method == "POST":
        body = request.POST.get("body", "")
        removing = request.POST.getlist("remove_attachments")
        try:
            edited = actions.edit_message(
                actor=request.user,
                message=message,
                body=body,
                confirmed=request.POST.get("confirmed") == "1",
                remove_attachments=removing,
            )
        except DomainError as error:
            confirmation = confirmation_for(
                error, audience=_("Everyone in this conversation will see them.")
            )
            errors = {} if confirmation else _edit_errors(error)
            status = error.status
        else:
            remember_support(request, getattr(edited, "gate_result", None))
            messages.success(request, _("Your message is changed."))
            return redirect(_detail_url(conversation_id, f"message-{message.pk}"))
    context = {
        "conversation": conversation,
        "message": message,
        "body": body,
        "files": [_file_row(upload, request.user, removing) for upload in files],
        "errors": errors,
        "confirmation": confirmation,
    }
    return private_no_store(
        render(request, "messaging/conversation_message_edit.html", context, status=status)
    )


def _edit_errors(error: DomainError) -> dict[str, str]:
    """An edit's errors by field: any problem with the files goes beside the file list."""
    if error.field == "attachments" or (error.field or "").startswith(("alt_", "captions_")):
        return {"remove_attachments": str(error.message)}
    return field_errors(error)


def _file_row(upload: Upload, reader: Any, removing: list[str]) -> dict[str, Any]:
    """One of the message's files on the edit page, with whether "Remove" stays ticked."""
    return {
        "id": upload.pk,
        "name": public_name(upload, reader),
        "kind_label": kind_label(upload),
        "thumbnail_url": thumbnail_url(upload),
        "alt_text": upload.alt_text,
        "is_checked": str(upload.pk) in removing,
    }


@login_required
@require_http_methods(["GET", "POST"])
@page_errors
def conversation_message_delete(
    request: HttpRequest, conversation_id: int, message_id: int
) -> HttpResponse:
    conversation = queries.get_conversation(request.user, conversation_id)
    message = queries.get_message(request.user, conversation, message_id)
    place = queries.get_place(request.user, conversation_id)
    permissions.check_can_change_message(request.user, message, place)
    if request.method == "POST":
        actions.delete_message(actor=request.user, message=message)
        messages.success(request, _("Your message is deleted."))
        return redirect(_detail_url(conversation_id, f"message-{message.pk}"))
    context = {"conversation": conversation, "message": message}
    return private_no_store(render(request, "messaging/conversation_message_delete.html", context))


# --- blocking and settings -----------------------------------------------------------------


@login_required
@require_POST
@page_errors
def conversation_block(request: HttpRequest, handle: str) -> HttpResponse:
    """Mute, block or lift either for a member (from their profile or the settings page)."""
    member = get_member(handle)
    level = request.POST.get("level", "")
    name = member.display_name
    if level == "none":
        actions.unblock_member(actor=request.user, member=member)
        messages.success(request, _("%(name)s is no longer muted or blocked.") % {"name": name})
    else:
        try:
            actions.block_member(actor=request.user, member=member, level=level)
        except DomainError as error:
            messages.error(request, str(error.message))
        else:
            messages.success(
                request,
                _("You blocked %(name)s. They can no longer message or mention you, or see "
                  "when you are online. They are not told.") % {"name": name}
                if level == MemberBlock.Level.BLOCK
                else _("You muted %(name)s. Their messages no longer raise your unread badge "
                       "and their requests wait quietly. They are not told.") % {"name": name},
            )  # fmt: skip
    return redirect(safe_next(request) or member.get_absolute_url())


@login_required
@require_http_methods(["GET", "POST"])
def messaging_settings(request: HttpRequest) -> HttpResponse:
    """Who needs permission to message the member, read receipts, and whom they muted or
    blocked."""
    chosen = queries.settings_of(request.user)
    values = {
        "requests_from": chosen.requests_from,
        "shares_read_receipts": chosen.shares_read_receipts,
    }
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        requests_from = request.POST.get("requests_from", "")
        shares = request.POST.get("shares_read_receipts") == "on"
        values = {"requests_from": requests_from, "shares_read_receipts": shares}
        try:
            actions.update_messaging_settings(
                actor=request.user, requests_from=requests_from, shares_read_receipts=shares
            )
        except DomainError as error:
            errors, status = field_errors(error), error.status
        else:
            messages.success(request, _("Your messaging settings are saved."))
            return redirect("messaging_settings")
    context = {
        "values": values,
        "errors": errors,
        "choices": MessagingSettings.RequestsFrom.choices,
        "blocks": blocks_made_by(request.user),
    }
    return private_no_store(
        render(request, "messaging/messaging_settings.html", context, status=status)
    )


urlpatterns: list[URLPattern] = [
    path("messages/", conversation_list, name="conversation_list"),
    path("messages/requests/", conversation_requests, name="conversation_requests"),
    path("messages/new/", conversation_start, name="conversation_start"),
    path("messages/settings/", messaging_settings, name="messaging_settings"),
    path("messages/people/<str:handle>/block/", conversation_block, name="conversation_block"),
    path("messages/<int:conversation_id>/", conversation_detail, name="conversation_detail"),
    path("messages/<int:conversation_id>/send/", conversation_send, name="conversation_send"),
    path("messages/<int:conversation_id>/answer/", conversation_answer, name="conversation_answer"),
    path("messages/<int:conversation_id>/leave/", conversation_leave, name="conversation_leave"),
    path("messages/<int:conversation_id>/mute/", conversation_mute, name="conversation_mute"),
    path("messages/<int:conversation_id>/add/", conversation_add, name="conversation_add"),
    path(
        "messages/<int:conversation_id>/m/<int:message_id>/edit/",
        conversation_message_edit,
        name="conversation_message_edit",
    ),
    path(
        "messages/<int:conversation_id>/m/<int:message_id>/delete/",
        conversation_message_delete,
        name="conversation_message_delete",
    ),
]
