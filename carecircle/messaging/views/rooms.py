"""Pages for community chat rooms, under /c/<slug>/chat/.

Every page works without JavaScript: the room page sends with a plain form and shows history
page by page; with JavaScript (room.js) it follows the room's stream and sends over the socket.
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from carecircle.communities import queries as community_queries
from carecircle.communities.models import Community
from carecircle.core.errors import DomainError, PermissionDeniedError
from carecircle.core.interfaces import page_errors
from carecircle.core.pagination import clamp_int
from carecircle.discussions.safety import confirmation_for, pop_support, remember_support
from carecircle.messaging import forms_rooms as forms
from carecircle.messaging.actions import rooms as actions
from carecircle.messaging.models import ChatRoom
from carecircle.messaging.permissions import rooms as permissions
from carecircle.messaging.queries import rooms as queries
from carecircle.uploads.attachments import AttachmentChoice
from carecircle.uploads.forms import attachment_rows, choices_from_form, errors_from

MAX_ID = 2**62


def _sign_in_first(request: HttpRequest) -> HttpResponse:
    return redirect(f"{reverse('account_login')}?{urlencode({'next': request.path})}")


def _room_url(room: ChatRoom, anchor: str = "") -> str:
    url = reverse("room_detail", kwargs={"slug": room.community.slug, "room": room.slug})
    return url + (f"#{anchor}" if anchor else "")


def _load(request: HttpRequest, slug: str, room: str) -> tuple[Community, ChatRoom]:
    community = community_queries.get_community(request.user, slug)
    return community, queries.get_room(request.user, community, room)


def _form_error(form: Any, error: DomainError) -> None:
    form.add_error(error.field if error.field in form.fields else None, str(error.message))


def _send_errors(error: DomainError) -> dict[str, str]:
    """Errors of a send by field: an attachment's problems each beside its own box, the
    rest beside the message box (a stale client id above the form)."""
    if error.field == "attachments" or (error.field or "").startswith(("alt_", "captions_")):
        return errors_from(error)
    return {"body" if error.field != "client_id" else "form": str(error.message)}


def _report_url_prefix() -> str:
    """Where "Report" links go: the unified report form ("" hides the links)."""
    try:
        return reverse("report_create", kwargs={"kind": "message", "target_id": 0}).replace(
            "/0/", "/"
        )
    except NoReverseMatch:
        return ""


# --- rooms ---------------------------------------------------------------------------------------


@page_errors
def room_list(request: HttpRequest, slug: str) -> HttpResponse:
    if not request.user.is_authenticated:
        return _sign_in_first(request)
    community = community_queries.get_community(request.user, slug)
    rooms = queries.community_rooms(request.user, community)
    return render(
        request,
        "messaging/room_list.html",
        {
            "community": community,
            "rooms": rooms,
            "can_manage": permissions.can_manage_rooms(request.user, community),
        },
    )


@page_errors
@require_http_methods(["GET", "POST"])
def room_create(request: HttpRequest, slug: str) -> HttpResponse:
    if not request.user.is_authenticated:
        return _sign_in_first(request)
    community = community_queries.get_community(request.user, slug)
    permissions.check_can_manage_rooms(request.user, community)
    form = forms.RoomForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            room = actions.create_room(actor=request.user, community=community, **form.cleaned_data)
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("The room is open."))
            return redirect(_room_url(room))
    return render(
        request,
        "messaging/room_form.html",
        {"community": community, "room": None, "form": form},
        status=400 if form.errors else 200,
    )


@page_errors
@require_http_methods(["GET", "POST"])
def room_edit(request: HttpRequest, slug: str, room: str) -> HttpResponse:
    if not request.user.is_authenticated:
        return _sign_in_first(request)
    community, chat_room = _load(request, slug, room)
    permissions.check_can_manage_rooms(request.user, community)
    initial = {
        "name": chat_room.name,
        "description": chat_room.description,
        "retention_days": chat_room.retention_days,
    }
    operation = request.POST.get("operation", "save")
    form = forms.RoomForm(request.POST if operation == "save" else None, initial=initial)
    if request.method == "POST" and operation in ("archive", "reopen"):
        actions.set_room_archived(
            actor=request.user, room=chat_room, is_archived=operation == "archive"
        )
        if operation == "archive":
            messages.success(request, _("The room is archived. Members can still read it."))
        else:
            messages.success(request, _("The room is open again."))
        return redirect(_room_url(chat_room))
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_room(actor=request.user, room=chat_room, **form.cleaned_data)
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Room settings saved."))
            return redirect(_room_url(chat_room))
    return render(
        request,
        "messaging/room_form.html",
        {"community": community, "room": chat_room, "form": form},
        status=400 if form.errors else 200,
    )


def _render_room(
    request: HttpRequest,
    community: Community,
    room: ChatRoom,
    *,
    body: str = "",
    errors: dict[str, str] | None = None,
    status: int = 200,
    confirmation: dict[str, Any] | None = None,
    attachments: list[AttachmentChoice] | None = None,
) -> HttpResponse:
    actor = request.user
    before = request.GET.get("before")
    before_id = clamp_int(before, default=0, minimum=0, maximum=MAX_ID) if before else None
    blocked, blockers = queries.block_relations(actor)
    page = queries.room_messages(actor, room, before=before_id or None, hide_authors=blocked)
    state, past_sessions = queries.room_sessions(room)
    can_write = permissions.can_write_in_room(actor, room)
    can_moderate = permissions.can_moderate_room(actor, room)
    restriction = (
        queries.active_restriction(room, actor) if can_write and not can_moderate else None
    )
    return render(
        request,
        "messaging/room_detail.html",
        {
            "community": community,
            "room": room,
            "page": page,
            "is_latest": not page.has_newer,
            "state": state,
            "past_sessions": past_sessions,
            "presence": queries.room_presence(actor, room.pk, blockers=blockers),
            "can_write": can_write,
            "can_moderate": can_moderate,
            "can_manage": permissions.can_manage_rooms(actor, community),
            "restriction": restriction,
            "stream": actions.room_stream(room.pk),
            "body": body,
            "errors": errors or {},
            # The uploads chosen before an error, shown again with what was typed for them.
            "attachment_rows": attachment_rows(actor, attachments or []),
            "client_id": request.POST.get("client_id") if errors else uuid.uuid4(),
            "report_url_prefix": _report_url_prefix(),
            "confirmation": confirmation,
            "support": pop_support(request),
        },
        status=status,
    )


@page_errors
def room_detail(request: HttpRequest, slug: str, room: str) -> HttpResponse:
    if not request.user.is_authenticated:
        return _sign_in_first(request)
    community, chat_room = _load(request, slug, room)
    return _render_room(request, community, chat_room)


@page_errors
@require_POST
def room_send(request: HttpRequest, slug: str, room: str) -> HttpResponse:
    body = request.POST.get("body", "")
    if not request.user.is_authenticated:
        # An expired session keeps the member's words on screen.
        return render(
            request,
            "messaging/room_signed_out.html",
            {"body": body, "next": request.path.rsplit("send", 1)[0]},
            status=401,
        )
    community, chat_room = _load(request, slug, room)
    # Files sent with the form (no script) are stored first, so an error below keeps them.
    attachments, file_errors = choices_from_form(request)
    if file_errors:
        return _render_room(
            request,
            community,
            chat_room,
            body=body,
            errors=file_errors,
            status=400,
            attachments=attachments,
        )
    try:
        message = actions.send_room_message(
            actor=request.user,
            room=chat_room,
            body=body,
            client_id=request.POST.get("client_id") or None,
            confirmed=request.POST.get("confirmed") == "1",
            attachments=attachments,
        )
    except DomainError as error:
        confirmation = confirmation_for(error, audience=_("Everyone in this room will see them."))
        return _render_room(
            request,
            community,
            chat_room,
            body=body,
            errors={} if confirmation else _send_errors(error),
            status=error.status,
            confirmation=confirmation,
            attachments=attachments,
        )
    remember_support(request, getattr(message, "gate_result", None))
    return redirect(_room_url(chat_room, f"message-{message.pk}"))


@page_errors
@require_http_methods(["GET", "POST"])
def room_moderate(request: HttpRequest, slug: str, room: str) -> HttpResponse:
    if not request.user.is_authenticated:
        return _sign_in_first(request)
    community, chat_room = _load(request, slug, room)
    permissions.check_can_moderate_room(request.user, chat_room)
    operation = request.POST.get("operation", "")
    slow_form = forms.SlowModeForm(
        request.POST if operation == "slow_mode" else None,
        initial={"seconds": str(chat_room.slow_mode_seconds)},
    )
    current = str(chat_room.slow_mode_seconds)
    choices: list[tuple[str, Any]] = list(forms.SLOW_MODE_CHOICES)
    if current not in dict(choices):
        choices.append((current, _("One message every %(seconds)s seconds") % {"seconds": current}))
    slow_form.fields["seconds"].choices = choices  # type: ignore[attr-defined]
    mute_form = forms.MuteForm(request.POST if operation == "mute" else None)
    if request.method == "POST":
        try:
            if operation == "slow_mode" and slow_form.is_valid():
                actions.set_room_slow_mode(
                    actor=request.user, room=chat_room, seconds=slow_form.cleaned_data["seconds"]
                )
                messages.success(request, _("Slow mode is updated."))
                return redirect("room_moderate", slug=community.slug, room=chat_room.slug)
            if operation == "mute" and mute_form.is_valid():
                member = community_queries.get_member(
                    request.user, community, mute_form.cleaned_data["handle"]
                )
                actions.restrict_room_member(
                    actor=request.user,
                    room=chat_room,
                    member=member,
                    minutes=mute_form.cleaned_data["minutes"],
                    reason=mute_form.cleaned_data["reason"],
                )
                messages.success(
                    request,
                    _("%(name)s cannot write in this room for now.")
                    % {"name": member.display_name},
                )
                return redirect("room_moderate", slug=community.slug, room=chat_room.slug)
            if operation == "unmute":
                member = community_queries.get_member(
                    request.user, community, request.POST.get("handle", "")
                )
                actions.lift_room_restriction(actor=request.user, room=chat_room, member=member)
                messages.success(
                    request, _("%(name)s can write again.") % {"name": member.display_name}
                )
                return redirect("room_moderate", slug=community.slug, room=chat_room.slug)
        except PermissionDeniedError:
            raise
        except DomainError as error:
            if operation == "slow_mode":
                _form_error(slow_form, error)
            else:
                if error.field == "member":
                    error.field = "handle"
                _form_error(mute_form, error)
    return render(
        request,
        "messaging/room_moderate.html",
        {
            "community": community,
            "room": chat_room,
            "slow_form": slow_form,
            "mute_form": mute_form,
            "restrictions": queries.room_restrictions(chat_room),
        },
        status=400 if (slow_form.errors or mute_form.errors) else 200,
    )


@page_errors
@require_http_methods(["GET", "POST"])
def room_message_delete(
    request: HttpRequest, slug: str, room: str, message_id: int
) -> HttpResponse:
    if not request.user.is_authenticated:
        return _sign_in_first(request)
    community, chat_room = _load(request, slug, room)
    message = queries.get_room_message(request.user, chat_room, message_id)
    permissions.check_can_delete_room_message(request.user, message, chat_room)
    if request.method == "POST":
        actions.delete_room_message(actor=request.user, message=message)
        messages.success(request, _("The message is deleted."))
        return redirect(_room_url(chat_room, f"message-{message.pk}"))
    return render(
        request,
        "messaging/room_message_delete.html",
        {"community": community, "room": chat_room, "message": message},
    )


# --- sessions ------------------------------------------------------------------------------------


@page_errors
@require_http_methods(["GET", "POST"])
def room_session_create(request: HttpRequest, slug: str, room: str) -> HttpResponse:
    if not request.user.is_authenticated:
        return _sign_in_first(request)
    community, chat_room = _load(request, slug, room)
    permissions.check_can_manage_rooms(request.user, community)
    form = forms.SessionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.schedule_session(actor=request.user, room=chat_room, **form.cleaned_data)
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("The session is scheduled."))
            return redirect(_room_url(chat_room, "sessions"))
    return render(
        request,
        "messaging/room_session_create.html",
        {"community": community, "room": chat_room, "form": form},
        status=400 if form.errors else 200,
    )


@page_errors
@require_POST
def room_session_cancel(
    request: HttpRequest, slug: str, room: str, session_id: int
) -> HttpResponse:
    if not request.user.is_authenticated:
        return _sign_in_first(request)
    community, chat_room = _load(request, slug, room)
    session = queries.get_session(request.user, chat_room, session_id)
    try:
        actions.cancel_session(actor=request.user, session=session)
    except PermissionDeniedError:
        raise
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The session is cancelled."))
    return redirect(_room_url(chat_room, "sessions"))


@page_errors
def room_transcript(request: HttpRequest, slug: str, room: str, session_id: int) -> HttpResponse:
    if not request.user.is_authenticated:
        return _sign_in_first(request)
    community, chat_room = _load(request, slug, room)
    session = queries.get_session(request.user, chat_room, session_id)
    transcript = queries.session_transcript(request.user, session)
    return render(
        request,
        "messaging/room_transcript.html",
        {
            "community": community,
            "room": chat_room,
            "session": session,
            "transcript": transcript,
            "can_publish": permissions.can_publish_transcript(request.user, session, chat_room),
        },
    )


@page_errors
@require_POST
def room_publish(request: HttpRequest, slug: str, room: str, session_id: int) -> HttpResponse:
    if not request.user.is_authenticated:
        return _sign_in_first(request)
    community, chat_room = _load(request, slug, room)
    session = queries.get_session(request.user, chat_room, session_id)
    try:
        topic = actions.publish_session_transcript(actor=request.user, session=session)
    except PermissionDeniedError:
        raise
    except DomainError as error:
        messages.error(request, str(error.message))
        return redirect(
            "room_transcript", slug=community.slug, room=chat_room.slug, session_id=session.pk
        )
    messages.success(request, _("The transcript is published as a topic."))
    return redirect(topic.get_absolute_url())


ROOM = "c/<slug:slug>/chat/<slug:room>/"

urlpatterns: list[URLPattern] = [
    path("c/<slug:slug>/chat/", room_list, name="room_list"),
    path("c/<slug:slug>/chat/new/", room_create, name="room_create"),
    path(ROOM, room_detail, name="room_detail"),
    path(ROOM + "send", room_send, name="room_send"),
    path(ROOM + "edit/", room_edit, name="room_edit"),
    path(ROOM + "moderate/", room_moderate, name="room_moderate"),
    path(ROOM + "sessions/new/", room_session_create, name="room_session_create"),
    path(ROOM + "sessions/<int:session_id>/", room_transcript, name="room_transcript"),
    path(ROOM + "sessions/<int:session_id>/publish", room_publish, name="room_publish"),
    path(
        ROOM + "sessions/<int:session_id>/cancel", room_session_cancel, name="room_session_cancel"
    ),
    path(
        ROOM + "messages/<int:message_id>/delete/",
        room_message_delete,
        name="room_message_delete",
    ),
]
