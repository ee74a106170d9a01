"""Reads for moderation, already scoped to the actor and prefetched."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from carecircle.communities.models import Community, Membership
from carecircle.core.errors import NotFoundError, PermissionDeniedError
from carecircle.core.models import ModerationState
from carecircle.moderation import permissions
from carecircle.moderation.models import (
    ContextNote,
    CrisisResource,
    MemberNote,
    MemberTrust,
    ModerationAction,
    ModerationSettings,
    Report,
    ReviewItem,
    Sanction,
    TrustLevel,
)

# Decisions the member they are about sees on their notices page.
NOTICE_VERBS = (
    ModerationAction.Verb.REJECT,
    ModerationAction.Verb.HIDE,
    ModerationAction.Verb.UNHIDE,
    ModerationAction.Verb.AUTO_HIDE,
    ModerationAction.Verb.EDIT,
    ModerationAction.Verb.DELETE,
    ModerationAction.Verb.WARN,
    ModerationAction.Verb.SUSPEND,
    ModerationAction.Verb.BAN,
    ModerationAction.Verb.LIFT,
    ModerationAction.Verb.PRE_MODERATE,
    ModerationAction.Verb.APPEAL_UPHELD,
    ModerationAction.Verb.APPEAL_REJECTED,
)
_TRUST_ATTRIBUTE = "_moderation_trust_level"
logger = logging.getLogger(__name__)


# --- reading the things that can be reported -----------------------------------------------


def can_read_target(actor: Any, kind: str, target: Any) -> bool:
    """Whether `actor` can read the post, topic or message where it was written."""
    from carecircle.discussions.permissions import can_read_topic

    if kind == "post":
        if target.is_deleted or not can_read_topic(actor, target.topic):
            return False
        return target.moderation_state == ModerationState.VISIBLE or permissions.can_moderate(
            actor, target.topic.community
        )
    if kind == "topic":
        return can_read_topic(actor, target) and (
            target.moderation_state == ModerationState.VISIBLE
            or permissions.can_moderate(actor, target.community)
        )
    if kind == "message":
        from carecircle.messaging.permissions.reports import can_read_message_for_report

        return target.deleted_at is None and can_read_message_for_report(actor, target)
    if kind == "member":
        return bool(target.is_active)
    return False


def is_own_target(actor: Any, kind: str, target: Any) -> bool:
    if kind == "post":
        return bool(target.is_written_by(actor))
    if kind == "topic":
        return bool(target.is_started_by(actor))
    if kind == "message":
        return bool(target.author_id == actor.pk)
    return bool(target.pk == actor.pk)


# --- the review queue ------------------------------------------------------------------------


def _item_queryset() -> QuerySet[ReviewItem]:
    return ReviewItem.objects.select_related(
        "community",
        "post__topic__community",
        "post__author",
        "topic__community",
        "message__room__community",
        "message__author",
        "member",
        "appeal__action",
        "resolved_by",
    ).prefetch_related(
        Prefetch("reports", queryset=Report.objects.select_related("reporter", "custom_reason"))
    )


def review_items(
    actor: Any, *, community: Community | None, queue: str | None = None, status: str = "open"
) -> QuerySet[ReviewItem]:
    """Items of `community`'s queue (None: the site queue, with escalations) the actor reviews.

    Moderators see every queue; a professional member only the medical-accuracy queue.
    """
    items = _item_queryset()
    if community is None:
        permissions.check_can_moderate(actor, None)
        items = items.filter(Q(community__isnull=True) | Q(is_escalated=True))
    elif permissions.can_moderate(actor, community):
        items = items.filter(community=community)
    elif permissions._is_professional_member(actor, community):
        items = items.filter(community=community, queue=ReviewItem.Queue.PROFESSIONAL)
    else:
        raise PermissionDeniedError(
            _("Only this community's moderators can do that."), code="not_moderator"
        )
    if queue:
        items = items.filter(queue=queue)
    if status:
        items = items.filter(status=status)
    return items


def review_item_for(actor: Any, item_id: int) -> ReviewItem:
    """One review item, or NotFoundError for anyone who may not review it."""
    item = _item_queryset().filter(pk=item_id).first()
    if item is None or not permissions.can_review_item(actor, item):
        raise NotFoundError(_("That item was not found."))
    return item


def item_context(actor: Any, item: ReviewItem) -> dict[str, Any]:
    """What a reviewer needs beside the item: the author's history, sanctions, notes, other
    items and past decisions. A professional (not a moderator) sees the decisions only."""
    actions = list(
        ModerationAction.objects.filter(item=item).select_related("actor").order_by("created_at")
    )
    empty: dict[str, Any] = {
        "author_history": {},
        "sanctions": [],
        "notes": [],
        "other_items": [],
        "actions": actions,
    }
    member = item.member
    if member is None or not permissions.can_moderate(actor, item.community):
        return empty
    community = item.community
    from carecircle.discussions.models import Post

    posts = Post.objects.filter(author=member, alias__isnull=True)
    if community is not None:
        posts = posts.filter(topic__community=community)
    counts = posts.aggregate(
        total=Count("pk"),
        hidden=Count("pk", filter=Q(moderation_state=ModerationState.HIDDEN)),
        deleted=Count("pk", filter=Q(is_deleted=True)),
    )
    # A community's moderators see their own community's items only (site-wide items hold
    # private messages and other communities' escalations).
    own = Q() if community is None else Q(community=community)
    return {
        "author_history": {
            "joined_at": member.date_joined,
            "trust_level": trust_level_of(member),
            "posts": counts["total"],
            "hidden_posts": counts["hidden"],
            "deleted_posts": counts["deleted"],
            "items": ReviewItem.objects.filter(own, member=member).count(),
        },
        "sanctions": _sanctions_seen_by(member, community)[:20],
        "notes": list(
            MemberNote.objects.filter(member=member, community=community).select_related("author")[
                :20
            ]
        ),
        "other_items": list(ReviewItem.objects.filter(own, member=member).exclude(pk=item.pk)[:10]),
        "actions": actions,
    }


def _active_q() -> Q:
    now = timezone.now()
    return (
        Q(lifted_at__isnull=True, starts_at__lte=now)
        & ~Q(kind=Sanction.Kind.WARNING)
        & (Q(ends_at__isnull=True) | Q(ends_at__gt=now))
    )


def _sanctions_seen_by(member: Any, community: Community | None) -> list[Sanction]:
    """A member's sanctions as `community`'s moderators may see them: all of that community's,
    and site-wide ones only while in force (they restrict the member here too; their reasons
    and history belong to site staff). None: every sanction, for site staff."""
    sanctions = Sanction.objects.filter(member=member).select_related("community")
    if community is not None:
        sanctions = sanctions.filter(
            Q(community=community) | (Q(community__isnull=True) & _active_q())
        )
    found = list(sanctions)
    if community is not None:
        for sanction in found:
            if sanction.community_id is None:
                # That it is in force, not why: the reason was written for site staff.
                sanction.reason = ""
    return found


def _scope_q(community: Community | None) -> Q:
    """This community's rows and site-wide ones (None: every row)."""
    if community is None:
        return Q()
    return Q(community=community) | Q(community__isnull=True)


def _reviewable_q(actor: Any) -> Q | None:
    """Open items the actor reviews as one condition (None: nothing at all)."""
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return None
    if actor.is_site_staff:
        return Q()
    moderated = Membership.objects.filter(
        user=actor, role__in=(Membership.Role.MODERATOR, Membership.Role.MANAGER)
    ).values("community_id")
    condition = Q(community__in=moderated)
    if actor.is_professional:
        member_of = Membership.objects.filter(user=actor).values("community_id")
        condition |= Q(community__in=member_of, queue=ReviewItem.Queue.PROFESSIONAL)
    return condition


def moderated_communities(actor: Any) -> list[tuple[Community, int]]:
    """The communities the actor reviews, each with its count of open items they can see."""
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return []
    moderator_of = Membership.objects.filter(
        user=actor,
        community=OuterRef("pk"),
        role__in=(Membership.Role.MODERATOR, Membership.Role.MANAGER),
    )
    open_q = Q(review_items__status=ReviewItem.Status.OPEN)
    communities = Community.objects.annotate(is_moderator=Exists(moderator_of))
    if actor.is_site_staff:
        communities = communities.filter(
            Q(is_moderator=True) | Q(review_items__status=ReviewItem.Status.OPEN)
        ).distinct()
        count = Count("review_items", filter=open_q, distinct=True)
    elif actor.is_professional:
        member_of = Membership.objects.filter(user=actor, community=OuterRef("pk"))
        communities = communities.filter(Exists(member_of))
        count = Count(
            "review_items",
            filter=open_q
            & (Q(is_moderator=True) | Q(review_items__queue=ReviewItem.Queue.PROFESSIONAL)),
            distinct=True,
        )
    else:
        communities = communities.filter(is_moderator=True)
        count = Count("review_items", filter=open_q, distinct=True)
    return [
        (community, community.open_items)  # type: ignore[attr-defined]
        for community in communities.annotate(open_items=count).order_by("name")
    ]


def open_item_count(actor: Any) -> int:
    """How many open items wait for the actor (the navigation badge): one query."""
    condition = _reviewable_q(actor)
    if condition is None:
        return 0
    return ReviewItem.objects.filter(condition, status=ReviewItem.Status.OPEN).count()


# --- the log, notices and members -------------------------------------------------------------


def moderation_log(
    actor: Any, *, community: Community | None, member: Any = None
) -> QuerySet[ModerationAction]:
    """Decisions in `community` (None: every decision, for site staff), newest first."""
    permissions.check_can_read_moderation_log(actor, community)
    actions = ModerationAction.objects.select_related("actor", "member", "community", "item")
    if community is not None:
        actions = actions.filter(community=community)
    if member is not None:
        actions = actions.filter(member=member)
    return actions


def member_notices(actor: Any) -> QuerySet[ModerationAction]:
    """Decisions about the actor, newest first, with any appeal they made."""
    if not getattr(actor, "is_authenticated", False):
        return ModerationAction.objects.none()
    return ModerationAction.objects.filter(member=actor, verb__in=NOTICE_VERBS).select_related(
        "community", "appeal"
    )


def member_moderation(actor: Any, member: Any, community: Community | None) -> dict[str, Any]:
    """A member's sanctions, notes, trust and recent decisions, as `community`'s moderators
    (None: site staff, everything) may see them."""
    permissions.check_can_see_member_notes(actor, member, community)
    notes = MemberNote.objects.filter(member=member).select_related("author", "community")
    actions = ModerationAction.objects.filter(member=member).select_related("actor", "community")
    if community is not None:
        # This community's notes and decisions only: site-wide ones are site staff's.
        notes = notes.filter(community=community)
        actions = actions.filter(community=community)
    trust = MemberTrust.objects.filter(user=member).first()
    return {
        "member": member,
        "sanctions": _sanctions_seen_by(member, community),
        "active_sanctions": active_sanctions(member, community),
        "notes": list(notes),
        "trust": trust,
        "trust_level": trust_level_of(member),
        "actions": list(actions[:50]),
        "can_sanction": permissions.can_sanction(actor, member, community),
        "can_set_trust_level": permissions.can_set_trust_level(actor, member),
    }


def active_sanctions(member: Any, community: Community | None) -> list[Sanction]:
    """Sanctions in force now (warnings never are): in `community` and site-wide ones, or with
    community None every one of the member's."""
    now = timezone.now()
    sanctions = (
        Sanction.objects.filter(member=member, lifted_at__isnull=True, starts_at__lte=now)
        .exclude(kind=Sanction.Kind.WARNING)
        .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now))
        .select_related("community")
    )
    return list(sanctions.filter(_scope_q(community)))


def trust_level_of(user: Any) -> int:
    """The level that counts: set by hand or computed; professionals at least MEMBER, site
    staff LEADER, visitors NEW. Cached on the user object."""
    if not getattr(user, "is_authenticated", False) or getattr(user, "pk", None) is None:
        return TrustLevel.NEW
    if user.is_site_staff:
        return TrustLevel.LEADER
    cached = user.__dict__.get(_TRUST_ATTRIBUTE)
    if cached is None:
        trust = MemberTrust.objects.filter(user_id=user.pk).only("level", "manual_level").first()
        cached = trust.effective_level if trust is not None else TrustLevel.NEW
        if user.is_professional:
            cached = max(cached, TrustLevel.MEMBER)
        user.__dict__[_TRUST_ATTRIBUTE] = cached
    return int(cached)


def forget_trust_level(user: Any) -> None:
    if user is not None:
        user.__dict__.pop(_TRUST_ATTRIBUTE, None)


# --- what members see -----------------------------------------------------------------------


def crisis_resources(country: str = "") -> list[CrisisResource]:
    """Helplines for `country` (default: the site's region); the country-less entries stand in
    when that country has no emergency number of its own."""
    country = (country or settings.CARECIRCLE_DEFAULT_REGION or "").upper()[:2]
    rows = list(CrisisResource.objects.filter(Q(country=country) | Q(country="")))
    local = [row for row in rows if row.country]
    general = [row for row in rows if not row.country]
    if any(row.is_emergency for row in local):
        general = [row for row in general if not row.is_emergency]
    chosen = local + general
    chosen.sort(key=lambda row: (not row.is_emergency, not row.country, row.position, row.name))
    return chosen


def default_medical_notice() -> str:
    return _(
        "Posts here share members' own experiences and are not medical advice. Talk to your "
        "doctor, nurse or pharmacist before changing any treatment. In an emergency, call your "
        "local emergency number."
    )


def medical_notice(community: Community) -> str:
    """The notice shown on the community's pages, or "" when its managers turned it off."""
    policy = settings_for(community)
    if not policy.show_medical_notice:
        return ""
    return policy.medical_notice.strip() or default_medical_notice()


def context_notes_for(post_ids: list[int]) -> dict[int, list[ContextNote]]:
    """Professional context notes under these posts (not removed), by post id."""
    found: dict[int, list[ContextNote]] = {}
    if not post_ids:
        return found
    notes = ContextNote.objects.filter(post_id__in=post_ids, removed_at__isnull=True)
    for note in notes.select_related("author").order_by("created_at", "pk"):
        found.setdefault(note.post_id, []).append(note)
    return found


def settings_for(community: Community) -> ModerationSettings:
    """The community's moderation policy; unsaved defaults when its managers never saved one."""
    cached = community.__dict__.get("_moderation_settings")
    if cached is None:
        cached = ModerationSettings.objects.filter(community=community).first()
        if cached is None:
            cached = ModerationSettings(community=community)
        community.__dict__["_moderation_settings"] = cached
    return cached  # type: ignore[no-any-return]


def watched_rules(community: Community | None) -> list[Any]:
    """Site-wide and `community`'s watched words as screening rules.

    Stored rules are checked again against today's safety rules: one saved before a check was
    tightened is skipped (and logged for the staff to fix), never run on members' posts."""
    from carecircle.moderation.models import WatchedWord
    from carecircle.moderation.screening.watched import WatchedRule, is_safe

    words = WatchedWord.objects.filter(_scope_q(community) if community else Q(community=None))
    rules = []
    for word in words.order_by("pk"):
        if not is_safe(word.pattern, word.is_regex):
            logger.warning(
                "Watched word %s fails the pattern safety checks and is skipped", word.pk
            )
            continue
        rules.append(
            WatchedRule(
                pk=word.pk,
                pattern=word.pattern,
                is_regex=word.is_regex,
                action=word.action,
                replacement=word.replacement,
                message=word.message,
            )
        )
    return rules
