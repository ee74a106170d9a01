"""What a member is shown around the moderation gate: the "please check" notice and crisis support.

Shared by discussions, messaging and the profile page so every place says the same thing.
The gate (carecircle.moderation.gate) decides; this module only words and carries the result.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _

from carecircle.core.errors import DomainError

SESSION_KEY = "carecircle_crisis_support"


def support_for(result: Any) -> dict[str, Any] | None:
    """The private support message for the author of `result` (a GateResult), or None.

    {"kind": "crisis", "message": ..., "resources": [{name, phone, url, description}]}: it is
    shown only to the author, on the page they land on and in the API answer.
    """
    if result is None or not getattr(result, "is_crisis", False):
        return None
    return {
        "kind": "crisis",
        "message": _(
            "Thank you for sharing this. It sounds like things may be really hard right now. "
            "You don't have to go through it alone: the people below are there to listen, "
            "any time. If you are in danger now, call your local emergency number."
        ),
        "resources": [
            {
                "name": resource.name,
                "phone": resource.phone,
                "url": resource.url,
                "description": resource.description,
            }
            for resource in getattr(result, "crisis_resources", []) or []
        ],
    }


def remember_support(request: HttpRequest, result: Any) -> None:
    """Keep crisis support for the next page this member sees (after the redirect)."""
    support = support_for(result)
    if support is not None:
        request.session[SESSION_KEY] = support


def pop_support(request: HttpRequest) -> dict[str, Any] | None:
    """The support waiting for this member, shown once (then gone)."""
    session = getattr(request, "session", None)
    if session is None or SESSION_KEY not in session:
        return None
    support: dict[str, Any] | None = session.pop(SESSION_KEY, None)
    return support


def is_confirmation(error: DomainError) -> bool:
    return error.code == "confirmation_needed"


def confirmation_for(
    error: DomainError, *, is_public: bool = False, audience: str | None = None
) -> dict[str, Any] | None:
    """The notice for a ConfirmationNeeded error, ready for components: None for other errors.

    {"personal": "You may be sharing personal details: a phone number (07•••••123).",
     "audience": "Anyone who can read this community will see them.",
     "misinformation": [explanations], "is_public": bool}
    """
    if not is_confirmation(error):
        return None
    details = list(error.details or [])
    is_public = is_public or any(d.get("kind") == "public_community" for d in details)
    personal = [
        _("%(what)s (%(shown)s)")
        % {"what": d.get("explanation") or d.get("label", ""), "shown": d.get("matched", "")}
        if d.get("matched")
        else str(d.get("explanation") or d.get("label", ""))
        for d in details
        if d.get("kind") == "personal_details"
    ]
    misinformation = [
        str(d.get("explanation") or d.get("matched") or d.get("label", ""))
        for d in details
        if d.get("kind") == "misinformation"
    ]
    notice: dict[str, Any] = {
        "personal": "",
        "audience": "",
        "misinformation": misinformation,
        "is_public": is_public,
        "message": str(error.message),
    }
    if personal:
        notice["personal"] = _("You may be sharing personal details: %(list)s.") % {
            "list": ", ".join(personal)
        }
        notice["audience"] = audience or (
            _(
                "This community is public: anyone on the internet, including people who are "
                "not members and search engines, can read what you post here."
            )
            if is_public
            else _("Anyone who can read this community will see them.")
        )
    return notice
