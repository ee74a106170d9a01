"""Who may review, decide, report, sanction, appeal and configure moderation.

`can_*` return a bool (for templates and queries); `check_can_*` raise PermissionDeniedError
with a stable code. A community moderator's powers end at their community's edge: every
check takes the community the thing belongs to, and None means the site-wide queue, which
only site staff work.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from carecircle.communities.models import Community, Membership
from carecircle.communities.permissions import (
    can_manage_community,
    can_moderate_community,
    membership_of,
)
from carecircle.core.errors import PermissionDeniedError
from carecircle.moderation.models import ModerationAction, ReviewItem

# What a verified professional (not a moderator) may decide on a medical-accuracy item.
PROFESSIONAL_DECISIONS = frozenset({"hide", "dismiss", "approve", "escalate"})
SANCTION_DECISIONS = frozenset({"warn", "suspend", "ban"})
REPORT_KINDS = ("post", "topic", "message", "member")


def _is_active(actor: Any) -> bool:
    return bool(getattr(actor, "is_authenticated", False) and actor.is_active)


def _is_site_staff(actor: Any) -> bool:
    return _is_active(actor) and bool(actor.is_site_staff)


def _is_professional_member(actor: Any, community: Community | None) -> bool:
    return (
        community is not None
        and _is_active(actor)
        and bool(actor.is_professional)
        and membership_of(actor, community) is not None
    )


def _is_restricted(actor: Any, community: Community | None) -> bool:
    """Whether an active ban or suspension (there, or site-wide) stops `actor` acting there:
    someone barred from writing in a community must not judge its members either."""
    from carecircle.moderation.enforcement import restriction_for

    return restriction_for(actor, community) is not None


def can_moderate(actor: Any, community: Community | None) -> bool:
    """Moderators and managers of `community` and site staff; None (site-wide): site staff.
    Nobody moderates where they are banned or suspended themselves."""
    if community is None:
        allowed = _is_site_staff(actor)
    else:
        allowed = can_moderate_community(actor, community)
    return allowed and not _is_restricted(actor, community)


def can_review_item(actor: Any, item: ReviewItem) -> bool:
    """Whether `actor` may open `item`: its community's moderators, site staff everywhere, and
    verified professionals who belong to the community for its medical-accuracy queue."""
    if not _is_active(actor):
        return False
    community = item.community
    if _is_restricted(actor, community):
        return False
    if _is_site_staff(actor):
        return True
    if community is None:
        return False
    if can_moderate_community(actor, community):
        return True
    return item.queue == ReviewItem.Queue.PROFESSIONAL and _is_professional_member(actor, community)


def item_sanction_scope(item: ReviewItem) -> Community | None:
    """The community a sanction taken from `item` applies in (None: the whole site)."""
    return item.community


def can_act_on_item(actor: Any, item: ReviewItem, decision: str) -> bool:
    """Whether `actor` may take `decision` on `item` (which they must be able to review)."""
    if not can_review_item(actor, item):
        return False
    community = item.community
    if can_moderate(actor, community) or _is_site_staff(actor):
        if decision in SANCTION_DECISIONS:
            return item.member is not None and can_sanction(
                actor, item.member, item_sanction_scope(item)
            )
        return True
    # A professional member, on a medical-accuracy item only (can_review_item made sure).
    return item.queue == ReviewItem.Queue.PROFESSIONAL and decision in PROFESSIONAL_DECISIONS


def _post_community(post: Any) -> Community:
    return post.topic.community  # type: ignore[no-any-return]


def can_report(actor: Any, kind: str, target: Any) -> bool:
    """A signed-in member may report what they can read and did not write themselves."""
    if not _is_active(actor) or kind not in REPORT_KINDS:
        return False
    if kind == "member":
        return bool(target.pk != actor.pk)
    from carecircle.moderation import queries

    return queries.can_read_target(actor, kind, target) and not queries.is_own_target(
        actor, kind, target
    )


def can_add_context_note(actor: Any, post: Any) -> bool:
    """Verified professionals who belong to the post's community, and its moderators."""
    community = _post_community(post)
    return can_moderate_community(actor, community) or _is_professional_member(actor, community)


def _is_staff_target(member: Any) -> bool:
    return bool(member.is_site_staff)


def _rank(user: Any, community: Community | None) -> int:
    """How far up `user` stands where a sanction would apply: member 0, community moderator 1,
    community manager 2, site staff 3, site admin 4."""
    if getattr(user, "is_site_admin", False):
        return 4
    if getattr(user, "is_site_staff", False):
        return 3
    if community is None:
        return 0
    membership = membership_of(user, community)
    if membership is None:
        return 0
    ranks: dict[str, int] = {Membership.Role.MANAGER: 2, Membership.Role.MODERATOR: 1}
    return ranks.get(membership.role, 0)


def can_sanction(actor: Any, member: Any, community: Community | None) -> bool:
    """Community moderators in their community, site staff anywhere; never oneself, and never
    someone of an equal or higher role there: a moderator cannot restrict another moderator or
    the manager, a manager can restrict moderators, site staff community roles, and only site
    admins restrict site staff (and other site admins)."""
    if not _is_active(actor) or member is None or member.pk == actor.pk:
        return False
    if not can_moderate(actor, community):
        return False
    mine, theirs = _rank(actor, community), _rank(member, community)
    if mine == 4:
        return True
    return mine > theirs


def can_read_moderation_log(actor: Any, community: Community | None) -> bool:
    return can_moderate(actor, community)


def can_manage_moderation_settings(actor: Any, community: Community | None) -> bool:
    """Community managers for their community; site-wide settings: site admins and managers."""
    if community is None:
        return _is_active(actor) and bool(actor.is_site_admin or actor.is_site_manager)
    return can_manage_community(actor, community)


def can_set_trust_level(actor: Any, member: Any) -> bool:
    """Site staff, or a moderator of a community the member belongs to (not for oneself)."""
    if not _is_active(actor) or member is None or member.pk == actor.pk:
        return False
    if _is_site_staff(actor):
        return True
    if _is_staff_target(member):
        return False
    return Membership.objects.filter(
        user=actor,
        role__in=(Membership.Role.MODERATOR, Membership.Role.MANAGER),
        community__memberships__user=member,
    ).exists()


def can_appeal(actor: Any, action: ModerationAction) -> bool:
    """The member an appealable decision was about, once per decision."""
    if not _is_active(actor) or action.member_id != actor.pk or not action.is_appealable:
        return False
    from carecircle.moderation.models import Appeal

    return not Appeal.objects.filter(action=action).exists()


def can_see_member_notes(actor: Any, member: Any, community: Community | None) -> bool:
    return can_moderate(actor, community)


def can_decide_appeal(actor: Any, appeal: Any) -> bool:
    """Moderators of the decision's community (site staff for site decisions), but not the
    person who took the decision, unless they are a site admin."""
    action = appeal.action
    if not can_moderate(actor, action.community):
        return False
    # Nobody judges their own appeal, whatever their role.
    if appeal.member_id == actor.pk:
        return False
    return action.actor_id != actor.pk or bool(actor.is_site_admin)


def _deny(message: str, code: str) -> PermissionDeniedError:
    return PermissionDeniedError(message, code=code)


def _not_moderator() -> PermissionDeniedError:
    return _deny(_("Only this community's moderators can do that."), "not_moderator")


def check_can_moderate(actor: Any, community: Community | None) -> None:
    if not can_moderate(actor, community):
        if community is None:
            raise _deny(_("Only site staff can do that."), "not_site_staff")
        raise _not_moderator()


def check_can_review_item(actor: Any, item: ReviewItem) -> None:
    if not can_review_item(actor, item):
        raise _not_moderator()


def check_can_act_on_item(actor: Any, item: ReviewItem, decision: str) -> None:
    if can_act_on_item(actor, item, decision):
        return
    if decision in SANCTION_DECISIONS and can_moderate(actor, item.community):
        raise _deny(_("You cannot take that action against this member."), "cannot_sanction")
    if can_review_item(actor, item):
        raise _deny(
            _("Only moderators can take that decision. You can hide, approve or dismiss."),
            "not_moderator",
        )
    raise _not_moderator()


def check_can_report(actor: Any, kind: str, target: Any) -> None:
    if not can_report(actor, kind, target):
        raise _deny(_("You cannot report this."), "cannot_report")


def check_can_add_context_note(actor: Any, post: Any) -> None:
    if not can_add_context_note(actor, post):
        raise _deny(
            _("Only verified professionals in this community and its moderators can add context."),
            "not_professional",
        )


def check_can_sanction(actor: Any, member: Any, community: Community | None) -> None:
    if can_sanction(actor, member, community):
        return
    if member is not None and getattr(actor, "pk", None) == member.pk:
        raise _deny(_("You cannot take action against yourself."), "self_sanction")
    check_can_moderate(actor, community)
    if member is not None and member.is_site_staff:
        raise _deny(
            _("Site staff can only be restricted by a site administrator."), "cannot_sanction"
        )
    raise _deny(
        _("You cannot take action against someone with the same or a higher role here."),
        "cannot_sanction",
    )


def check_can_read_moderation_log(actor: Any, community: Community | None) -> None:
    if not can_read_moderation_log(actor, community):
        check_can_moderate(actor, community)


def check_can_manage_moderation_settings(actor: Any, community: Community | None) -> None:
    if not can_manage_moderation_settings(actor, community):
        raise _deny(_("Only managers can change moderation settings."), "not_manager")


def check_can_set_trust_level(actor: Any, member: Any) -> None:
    if not can_set_trust_level(actor, member):
        raise _deny(_("You cannot change this member's trust level."), "cannot_set_trust")


def check_can_appeal(actor: Any, action: ModerationAction) -> None:
    if can_appeal(actor, action):
        return
    if getattr(actor, "pk", None) == action.member_id and action.is_appealable:
        raise _deny(_("You have already appealed this decision."), "already_appealed")
    raise _deny(_("This decision cannot be appealed."), "not_appealable")


def check_can_see_member_notes(actor: Any, member: Any, community: Community | None) -> None:
    if not can_see_member_notes(actor, member, community):
        check_can_moderate(actor, community)


def check_can_decide_appeal(actor: Any, appeal: Any) -> None:
    if can_decide_appeal(actor, appeal):
        return
    if getattr(actor, "pk", None) == appeal.member_id and can_moderate(
        actor, appeal.action.community
    ):
        raise _deny(_("Another moderator must decide your own appeal."), "own_appeal")
    if can_moderate(actor, appeal.action.community):
        raise _deny(
            _("Another moderator must decide an appeal against your own decision."),
            "own_decision",
        )
    check_can_moderate(actor, appeal.action.community)
