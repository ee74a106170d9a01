from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from carecircle.core.errors import DomainError
from carecircle.signin import actions
from carecircle.signin.middleware import describe_minutes
from carecircle.signin.queries import current_session_hash, sessions_of


@login_required
@require_GET
def signin_sessions(request: HttpRequest) -> HttpResponse:
    # This device first, then the others by when they were last seen.
    sessions = sorted(
        sessions_of(request.user, request.session.session_key),
        key=lambda s: not s.is_current,  # type: ignore[attr-defined]
    )
    return render(
        request,
        "signin/signin_sessions.html",
        {
            "sessions": sessions,
            "has_others": any(not s.is_current for s in sessions),  # type: ignore[attr-defined]
            "idle_duration": describe_minutes(int(settings.CARECIRCLE_SESSION_IDLE_MINUTES)),
            "max_duration": describe_minutes(int(settings.CARECIRCLE_SESSION_MAX_DAYS) * 24 * 60),
        },
    )


@login_required
@require_POST
def signin_session_revoke(request: HttpRequest, session_id: int) -> HttpResponse:
    try:
        revoked = actions.revoke_member_session(actor=request.user, session_id=session_id)
    except DomainError as error:
        messages.error(request, str(error.message))
        return redirect("signin_sessions")
    if revoked.session_key_hash == current_session_hash(request.session.session_key):
        return redirect("account_login")
    messages.success(request, _("%(device)s is signed out.") % {"device": revoked.device})
    return redirect("signin_sessions")


@login_required
@require_POST
def signin_sessions_revoke_others(request: HttpRequest) -> HttpResponse:
    try:
        count = actions.revoke_other_member_sessions(
            actor=request.user, current_session_key=request.session.session_key
        )
    except DomainError as error:
        messages.error(request, str(error.message))
        return redirect("signin_sessions")
    messages.success(
        request,
        ngettext(
            "%(count)d other session is signed out. Only this device is still signed in.",
            "%(count)d other sessions are signed out. Only this device is still signed in.",
            count,
        )
        % {"count": count},
    )
    return redirect("signin_sessions")
