"""How a moderation decision reads to the member it is about ("Your post was hidden")."""

from __future__ import annotations

from django.utils.translation import gettext as _

from carecircle.moderation.models import ModerationAction


def _noun(target_key: str) -> str:
    kind = target_key.split(":", 1)[0]
    if kind == "message":
        return _("message")
    if kind == "topic":
        return _("topic")
    return _("post")


def member_headline(action: ModerationAction) -> str:
    """One plain sentence for the member's notices page and API, from the member's side."""
    verb = ModerationAction.Verb
    noun = _noun(action.target_key or "")
    about_content = {
        verb.APPROVE: _("Your %(thing)s was approved"),
        verb.REJECT: _("Your %(thing)s was not published"),
        verb.HIDE: _("Your %(thing)s was hidden"),
        verb.AUTO_HIDE: _("Your %(thing)s was hidden after reports, until a moderator checks it"),
        verb.UNHIDE: _("Your %(thing)s is visible again"),
        verb.EDIT: _("A moderator edited your %(thing)s"),
        verb.DELETE: _("Your %(thing)s was removed"),
        verb.CONTEXT_NOTE: _("A professional added context under your %(thing)s"),
    }
    about_member = {
        verb.LOCK: _("Your topic was locked"),
        verb.UNLOCK: _("Your topic was unlocked"),
        verb.MOVE: _("Your topic was moved to another community"),
        verb.WARN: _("You received a warning"),
        verb.SUSPEND: _("You were suspended for a while"),
        verb.BAN: _("You were banned"),
        verb.LIFT: _("A restriction on your account was lifted"),
        verb.PRE_MODERATE: _("Your posts now wait for a moderator's approval"),
        verb.SET_TRUST_LEVEL: _("Your trust level was changed"),
        verb.APPEAL_UPHELD: _("Your appeal was accepted"),
        verb.APPEAL_REJECTED: _("Your appeal was not accepted"),
    }
    if action.verb in about_content:
        return about_content[action.verb] % {"thing": noun}  # type: ignore[index]
    if action.verb in about_member:
        return str(about_member[action.verb])  # type: ignore[index]
    return str(action.get_verb_display())
