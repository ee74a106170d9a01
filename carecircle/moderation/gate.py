"""The one gate every piece of member writing passes: topics, posts, messages, profiles.

`screen_content` runs before anything is saved and may refuse (suspended, new-member limits,
a blocked word) or ask the author to confirm (personal details, risky medical claims). What it
returns says how to save (the text after replacements, visible or pending). `after_content_saved`
runs inside the caller's transaction, once the row exists, and queues what moderators must see.
Crisis words never block: the author is shown helplines privately and safeguarding is told.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from carecircle.communities.models import Community
from carecircle.core.errors import ConfirmationNeeded, RateLimitedError, ValidationFailed
from carecircle.core.models import ModerationState
from carecircle.moderation import enforcement, permissions, queries
from carecircle.moderation.models import (
    CrisisResource,
    MemberTrust,
    ReviewItem,
    SafetyNotice,
    TrustLevel,
)

KINDS = ("topic", "post", "message", "profile")
# Web addresses a reader could follow: a scheme, "www.", or a bare domain (not an email's).
LINK_PATTERN = re.compile(
    r"(https?://|www\.|(?<![@\w.-])[a-z0-9-]+\.(com|org|net|info|io|co|uk|us|biz|ru|xyz|shop)\b)",
    re.IGNORECASE,
)


@dataclass
class GateResult:
    text: str
    moderation_state: str
    flags: list[dict] = field(default_factory=list)
    is_crisis: bool = False
    misinformation: list[dict] = field(default_factory=list)
    crisis_resources: list[CrisisResource] = field(default_factory=list)
    # What made it pending ("pre_moderation" or "watched_word"), and the crisis findings.
    pending_source: str = ""
    crisis: list[dict] = field(default_factory=list)
    # An edit of existing writing (not counted again as a post written).
    is_edit: bool = False


def _posts_last_day(actor: Any) -> int:
    from carecircle.discussions.models import Post

    since = timezone.now() - timedelta(hours=24)
    return Post.objects.filter(
        Q(author_id=actor.pk) | Q(alias__user_id=actor.pk), created_at__gte=since
    ).count()


def _visible_posts_in(actor: Any, community: Community) -> int:
    from carecircle.discussions.models import Post

    return Post.objects.filter(
        Q(author_id=actor.pk) | Q(alias__user_id=actor.pk),
        topic__community=community,
        moderation_state=ModerationState.VISIBLE,
        is_deleted=False,
    ).count()


def _check_new_member_limits(
    actor: Any, community: Community | None, text: str, kind: str, is_edit: bool
) -> None:
    if kind == "profile" or queries.trust_level_of(actor) > TrustLevel.NEW:
        return
    if LINK_PATTERN.search(text):
        raise ValidationFailed(
            _(
                "New members cannot post links yet. Please take the link out; you can share "
                "links once you have been here a little longer."
            ),
            code="links_not_allowed",
            field="body",
        )
    if is_edit or kind not in ("topic", "post"):
        return
    limit = (
        queries.settings_for(community).new_member_posts_per_day if community is not None else 10
    )
    if limit and _posts_last_day(actor) >= limit:
        raise RateLimitedError(
            _(
                "New members can write %(count)d posts a day. You can post again tomorrow; "
                "your text is kept below."
            )
            % {"count": limit},
            code="daily_limit",
        )


def _finding_dicts(findings: list[Any]) -> list[dict]:
    return [finding.as_dict() for finding in findings]


def screen_content(
    *,
    actor: Any,
    community: Community | None,
    text: str,
    kind: str,
    confirmed: bool = False,
    is_public: bool = False,
    is_edit: bool = False,
) -> GateResult:
    """Check and prepare text before it is saved; raises for what must not be saved as is."""
    from carecircle.moderation.screening import screen_text
    from carecircle.moderation.screening.watched import apply_watched_words

    enforcement.check_not_restricted(actor, community)
    # Moderators are trusted with their own community: no new-member limits, no approval.
    is_moderator = permissions.can_moderate(actor, community)
    if not is_moderator:
        _check_new_member_limits(actor, community, text, kind, is_edit)

    result = GateResult(text=text, moderation_state=ModerationState.VISIBLE, is_edit=is_edit)
    outcome = apply_watched_words(text, queries.watched_rules(community))
    if outcome.blocked_by is not None:
        raise ValidationFailed(
            outcome.blocked_by.message
            or _("Your post uses words this community does not allow. Please reword it."),
            code="watched_word",
            field="body",
        )
    result.text = outcome.text
    if outcome.approval_by and not is_moderator:
        result.moderation_state = ModerationState.PENDING
        result.pending_source = ReviewItem.Source.WATCHED_WORD
    result.flags = [
        {"source": ReviewItem.Source.WATCHED_WORD, "label": rule.pattern, "rule": rule.pk}
        for rule in [*outcome.flagged_by, *outcome.approval_by]
    ]

    if kind in ("topic", "post") and not is_edit and not is_moderator and community is not None:
        first_posts = queries.settings_for(community).premoderate_first_posts
        if enforcement.is_premoderated(actor, community) or (
            first_posts and _visible_posts_in(actor, community) < first_posts
        ):
            result.moderation_state = ModerationState.PENDING
            result.pending_source = result.pending_source or ReviewItem.Source.PRE_MODERATION

    screening = screen_text(result.text)
    result.crisis = _finding_dicts(screening.crisis)
    result.misinformation = _finding_dicts(screening.misinformation)
    if screening.crisis:
        result.is_crisis = True
        result.crisis_resources = queries.crisis_resources()
    needs_confirming = _finding_dicts(screening.personal_details) + result.misinformation
    if needs_confirming and not confirmed:
        details = list(needs_confirming)
        if is_public:
            details.append(
                {
                    "kind": "public_community",
                    "label": "public_community",
                    "matched": "",
                    "explanation": _("Anyone on the internet can read this community."),
                }
            )
        raise ConfirmationNeeded(
            _(
                "Before this is posted, please check it: it seems to share personal details "
                "or medical claims that could harm someone. Change it, or send it again to "
                "confirm."
            ),
            code="confirmation_needed",
            field="body",
            details=details,
        )
    return result


def _target(
    kind: str, actor: Any, post: Any, topic: Any, message: Any
) -> tuple[str, str, dict[str, Any], Any]:
    """(item kind, target key, item fields, member) for what was just saved."""
    if kind == "message" and message is not None:
        author = message.author
        return "message", f"message:{message.pk}", {"message": message}, author
    if kind == "profile":
        return "member", f"member:{actor.pk}", {}, actor
    if topic is None and post is not None:
        topic = post.topic
    # Anonymous writing is queued without its author: moderators must not learn who it was.
    # The item is about the post's author, whoever saved this text.
    anonymous = post is not None and post.alias_id is not None
    author = post.author if post is not None else actor
    member = None if anonymous else author
    if kind == "topic" and topic is not None:
        return "topic", f"topic:{topic.pk}", {"topic": topic, "post": post}, member
    return "post", f"post:{post.pk}", {"post": post, "topic": topic}, member


def _is_moderator_editing_others(
    actor: Any, community: Community | None, kind: str, post: Any, message: Any
) -> bool:
    if kind in ("topic", "post") and post is not None:
        written_by_actor = post.is_written_by(actor)
    elif kind == "message" and message is not None:
        written_by_actor = message.author_id == getattr(actor, "pk", None)
    else:
        return False
    return not written_by_actor and permissions.can_moderate(actor, community)


def after_content_saved(
    *,
    actor: Any,
    community: Community | None,
    result: GateResult,
    kind: str,
    post: Any = None,
    topic: Any = None,
    message: Any = None,
) -> None:
    """Queue what the gate found, inside the caller's transaction (the row exists now)."""
    from carecircle.moderation.actions.common import queue_item

    if _is_moderator_editing_others(actor, community, kind, post, message):
        # A moderator's correction of someone else's words: nothing to queue about the author
        # (the moderator chose these words), no crisis notice for the moderator, no post counted.
        return
    item_kind, key, fields, member = _target(kind, actor, post, topic, message)

    def queue(queue: str, source: str, flags: list[dict], **extra: Any) -> None:
        # Every item about this writing shares its target, member and snapshot.
        queue_item(
            community=community,
            queue=queue,
            kind=item_kind,
            source=source,
            target_key=key,
            member=member,
            snapshot=result.text,
            flags=flags,
            **fields,
            **extra,
        )

    if result.moderation_state == ModerationState.PENDING:
        queue(
            ReviewItem.Queue.APPROVAL,
            result.pending_source or ReviewItem.Source.PRE_MODERATION,
            result.flags,
        )
    elif result.flags:
        queue(ReviewItem.Queue.GENERAL, ReviewItem.Source.WATCHED_WORD, result.flags)
    if result.misinformation:
        source = ReviewItem.Source.MISINFORMATION_SCREEN
        queue(
            ReviewItem.Queue.PROFESSIONAL,
            source,
            [{"source": source, **finding} for finding in result.misinformation],
        )
    if result.is_crisis:
        source = ReviewItem.Source.CRISIS_SCREEN
        queue(
            ReviewItem.Queue.SAFEGUARDING,
            source,
            [{"source": source, **finding} for finding in result.crisis],
            is_urgent=True,
        )
        SafetyNotice.objects.create(
            member_id=actor.pk, kind=SafetyNotice.Kind.CRISIS, target_key=key
        )
    if kind in ("topic", "post") and not result.is_edit and getattr(actor, "pk", None) is not None:
        # Trust counts posts written; the daily recompute checks the real number again.
        trust, _created = MemberTrust.objects.get_or_create(user_id=actor.pk)
        MemberTrust.objects.filter(pk=trust.pk).update(posts_created=F("posts_created") + 1)
