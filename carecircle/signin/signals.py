"""Sign-in events from Django and allauth, handed to the actions (an interface, like a view)."""

from __future__ import annotations

from typing import Any

from allauth.account.signals import password_changed, password_reset, password_set
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest

from carecircle.signin import actions


@receiver(user_logged_in, dispatch_uid="signin.start_member_session")
def on_user_logged_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is None or not hasattr(request, "session"):
        return
    actions.start_member_session(actor=user, request=request)


@receiver(password_changed, dispatch_uid="signin.password_changed")
@receiver(password_set, dispatch_uid="signin.password_set")
def on_password_changed(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    # Someone who changes a password because it leaked expects every other device to be out.
    session = getattr(request, "session", None)
    actions.revoke_other_member_sessions(
        actor=user,
        current_session_key=session.session_key if session is not None else None,
        reason="password_changed",
    )


@receiver(password_reset, dispatch_uid="signin.password_reset")
def on_password_reset(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    # The reset happens in a browser that is not signed in: every session of the member ends.
    actions.revoke_other_member_sessions(
        actor=user, current_session_key=None, reason="password_reset"
    )
