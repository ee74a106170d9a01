"""Audit events in plain language, for the member's "Activity on my data" page."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

# What the member reads for each verb. `{reason}` is a staff-written reason from the event.
SENTENCES: dict[str, Any] = {
    "consent.accept": _("You accepted a document (%(kind)s, version %(version)s)."),
    "consent.withdraw": _("You withdrew a consent (%(kind)s, version %(version)s)."),
    "export.request": _("You asked for a copy of your data."),
    "export.ready": _("Your copy of your data was prepared."),
    "member.memorialise": _("Your account was marked as in memory at your family's request."),
    "member.unmemorialise": _("The in-memory mark on your account was removed."),
    "member.site_roles": _("A site administrator changed your site roles."),
    "member.professional_verify": _("The site team verified you as a health professional."),
    "member.professional_withdraw": _(
        "The site team withdrew your health professional verification."
    ),
    "post.reveal_anonymous_author": _(
        "A site administrator or community manager looked up who wrote one of your anonymous "
        "posts, giving this reason: %(reason)s"
    ),
    "profile.update": _("Your profile was changed."),
    "profile.view_sensitive": _(
        "Someone you chose to share with was shown the health parts of your profile."
    ),
    "caregiver.request": _("A caregiver link with you was requested."),
    "caregiver.accept": _("A caregiver link with you was accepted."),
    "caregiver.decline": _("A caregiver link request was declined."),
    "caregiver.update_sharing": _("You changed what your caregiver can see or do."),
    "caregiver.end": _("A caregiver link with you was ended."),
    "session.revoke": _("One of your signed-in sessions was signed out."),
    "session.revoke_others": _("All your other signed-in sessions were signed out."),
    "post.delete_by_moderator": _("A moderator hid one of your posts."),
    "post.restore": _("A moderator restored one of your posts."),
    "membership.role": _("A community manager changed your role in a community."),
    "message.report": _("You reported a message."),
    "message.report_viewed": _("A moderator read a message of yours that someone reported."),
    "message.delete_by_moderator": _("A moderator deleted one of your messages."),
    "chat.message_delete": _("A moderator deleted one of your chat room messages."),
    "chat.room_mute": _("A moderator paused your writing in a chat room."),
    "chat.room_unmute": _("A moderator let you write in a chat room again."),
    "member.remove": _("A community manager removed you from a community."),
    "member.suspend": _("A moderator suspended your account."),
    "profile.view_private": _("A staff member looked at the private parts of your profile."),
}


class _Defaulting(dict):  # type: ignore[type-arg]
    def __missing__(self, key: str) -> str:
        return "?"


def describe(event: Any) -> str:
    """One plain sentence for an audit event about the member."""
    template = SENTENCES.get(event.verb)
    data = _Defaulting(event.data if isinstance(event.data, dict) else {})
    if template is None:
        return str(_("Something was recorded about your account (%(code)s).")) % {
            "code": event.verb
        }
    return str(template) % data
