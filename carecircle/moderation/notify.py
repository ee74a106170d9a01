"""Emails to members about moderators' decisions: the reason and how to appeal, never the
words of their post (an email can be read over a shoulder or forwarded)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from carecircle.moderation.models import ModerationAction, Sanction

logger = logging.getLogger(__name__)


def _subject(action: ModerationAction) -> str:
    verb = ModerationAction.Verb
    subjects = {
        verb.SUSPEND: _("Your account has been suspended for a while"),
        verb.BAN: _("You have been banned"),
        verb.WARN: _("A warning from the moderators"),
        verb.LIFT: _("A restriction on your account has ended"),
        verb.APPEAL_UPHELD: _("Your appeal was accepted"),
        verb.APPEAL_REJECTED: _("Your appeal was decided"),
        verb.UNHIDE: _("Your post is visible again"),
        verb.PRE_MODERATE: _("Your posts will be checked before they appear"),
    }
    return subjects.get(action.verb, _("The moderators changed something you wrote"))  # type: ignore[call-overload]


def notices_url() -> str:
    try:
        path = reverse("my_moderation_notices")
    except NoReverseMatch:
        path = "/account/moderation/"
    return settings.SITE_URL.rstrip("/") + path


def send_moderation_notice(*, action_id: int) -> bool:
    """Email the member a decision was about; False when there is nobody to tell."""
    action = (
        ModerationAction.objects.select_related("member", "community").filter(pk=action_id).first()
    )
    member = action.member if action is not None else None
    if action is None or member is None or not member.is_active:
        return False
    if member.memorialised_at is not None:
        return False
    sanction = Sanction.objects.filter(action=action).first()
    context = {
        "member": member,
        "action": action,
        "verb": action.get_verb_display(),
        "community": action.community,
        "reason": action.reason,
        "guideline": action.guideline,
        # A warning "ends" the moment it is given: nothing lasts, so no end date to tell.
        "ends_at": sanction.ends_at
        if sanction is not None and sanction.kind != Sanction.Kind.WARNING
        else None,
        "is_appealable": action.is_appealable,
        "notices_url": notices_url(),
        "site_name": settings.SITE_NAME,
    }
    message = EmailMultiAlternatives(
        subject=_subject(action),
        body=render_to_string("moderation/email/notice.txt", context),
        to=[member.email],
    )
    message.attach_alternative(
        render_to_string("moderation/email/notice.html", context), "text/html"
    )
    try:
        message.send()
    except OSError:
        # The decision is saved and on the member's notices page; a mail outage changes nothing.
        logger.exception(
            "Could not email member %s about moderation action %s", member.pk, action_id
        )
        return False
    return True
