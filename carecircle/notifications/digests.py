"""Daily and weekly digests: the popular discussions and the unanswered questions of the
communities a member belongs to, mailed once per period in the member's own morning.

Who gets one: a member whose `NotificationSettings.digest` is daily or weekly, whose account is
active and not in memory, and who has not paused email. `is_email_paused` ("stop sending me
notification emails", what the one-click unsubscribe of notification emails sets) stops digests
too: a member who asked for no more email from us should get none, and the digest has its own
unsubscribe scope for those who want only the digest gone. Unverified addresses need no check
here: sign-in requires a verified address (`ACCOUNT_EMAIL_VERIFICATION = "mandatory"`) and a
changed address replaces `User.email` only once confirmed (`ACCOUNT_CHANGE_EMAIL`), which is how
every other mail of the site treats them too.

When: the hourly job sends the digest of a member whose local clock has passed
`CARECIRCLE_DIGEST_HOUR` today (weekly digests: on their local Monday). A run missed for a few
hours still sends today's digest later today; a period that ended unsent is not sent afterwards.

Never twice: a `DigestRun(user, period)` row is inserted (and committed) before anything is
built. Its unique constraint makes a second worker, or a second run, skip the member. A failed
send deletes the claim so the next hourly run tries again; a digest with nothing to tell keeps
its claim (no email, and no rebuilding every hour until the period ends).

Privacy: like notification emails, a digest names no topic, no community and quotes no post
unless the member opted in with `email_includes_details`; then it lists titles, community names
and reply counts with links. Post text is never included.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from carecircle.communities.models import Membership
from carecircle.core.mail import UnfoldedHeadersEmail
from carecircle.core.models import ModerationState
from carecircle.discussions.models import Topic
from carecircle.messaging.models import MemberBlock
from carecircle.notifications.delivery.email import one_click_email
from carecircle.notifications.delivery.unsubscribe import make_url
from carecircle.notifications.models import (
    DigestFrequency,
    DigestRun,
    NotificationSettings,
    Watch,
    WatchLevel,
)
from carecircle.notifications.preferences import member_zone

logger = logging.getLogger(__name__)

#: How far back each digest looks.
PERIOD_LENGTH = {
    DigestFrequency.DAILY: timedelta(days=1),
    DigestFrequency.WEEKLY: timedelta(days=7),
}
#: An unanswered question stays worth a mention for a few days, even in a daily digest.
UNANSWERED_MIN_WINDOW = timedelta(days=3)
#: At most this many topics in each section.
SECTION_SIZE = 5


@dataclass(frozen=True)
class DueDigest:
    """One member whose digest for `period` is due and not yet claimed."""

    user: Any
    row: NotificationSettings
    frequency: str
    period: str


@dataclass(frozen=True)
class DigestTopic:
    title: str
    community_name: str
    url: str
    replies: int


@dataclass
class DigestContent:
    popular: list[DigestTopic] = field(default_factory=list)
    unanswered: list[DigestTopic] = field(default_factory=list)

    @property
    def topic_count(self) -> int:
        return len(self.popular) + len(self.unanswered)

    @property
    def is_empty(self) -> bool:
        return self.topic_count == 0


def period_key(frequency: str, local: datetime) -> str | None:
    """The claim key for the digest due at local time `local`, or None when none is due yet."""
    if local.hour < settings.CARECIRCLE_DIGEST_HOUR:
        return None
    if frequency == DigestFrequency.DAILY:
        return f"daily:{local.date().isoformat()}"
    if frequency == DigestFrequency.WEEKLY and local.isoweekday() == 1:
        year, week, _day = local.isocalendar()
        return f"weekly:{year}-W{week:02d}"
    return None


def _candidates() -> QuerySet[NotificationSettings]:
    return NotificationSettings.objects.filter(
        digest__in=[DigestFrequency.DAILY, DigestFrequency.WEEKLY],
        is_email_paused=False,
        user__is_active=True,
        user__memorialised_at__isnull=True,
    ).exclude(user__email="")


def due_digests(*, now: datetime) -> list[DueDigest]:
    """Members whose digest is due at `now` and unclaimed, in two queries however many there
    are: the distinct time zones first, then the members of the zones where it is time."""
    candidates = _candidates()
    zone_names = set(candidates.values_list("user__time_zone", flat=True).distinct())
    keys: dict[tuple[str, str], str] = {}  # (frequency, zone name) -> period key
    zones_by_key: dict[tuple[str, str], list[str]] = {}  # (frequency, key) -> zone names
    for name in zone_names:
        local = now.astimezone(member_zone(SimpleNamespace(time_zone=name)))
        for frequency in (DigestFrequency.DAILY, DigestFrequency.WEEKLY):
            key = period_key(frequency, local)
            if key is not None:
                keys[(frequency, name)] = key
                zones_by_key.setdefault((frequency, key), []).append(name)
    if not zones_by_key:
        return []
    due = Q()
    for (digest, key), names in zones_by_key.items():
        already = DigestRun.objects.filter(user_id=OuterRef("user_id"), period=key)
        due |= Q(~Exists(already), digest=digest, user__time_zone__in=names)
    rows = candidates.filter(due).select_related("user").order_by("user_id")
    return [
        DueDigest(
            user=row.user,
            row=row,
            frequency=row.digest,
            period=keys[(row.digest, row.user.time_zone)],
        )
        for row in rows
    ]


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _path(name: str, fallback: str) -> str:
    try:
        return reverse(name)
    except NoReverseMatch:
        return fallback


def _readable_topics(user: Any) -> QuerySet[Topic]:
    """Visible topics in the member's communities, minus those opened by members they muted
    or blocked. A community the member belongs to is one they may read whatever its
    visibility; anonymous topics stay (hiding them would hint at who wrote them)."""
    return (
        Topic.objects.filter(
            community_id__in=Membership.objects.filter(user_id=user.pk).values("community_id"),
            is_deleted=False,
            moderation_state=ModerationState.VISIBLE,
        )
        .exclude(author_id__in=MemberBlock.objects.filter(blocker_id=user.pk).values("blocked_id"))
        # Muted means "never tell me": a muted community or topic stays out of the digest.
        .exclude(
            community_id__in=Watch.objects.filter(
                user_id=user.pk, topic__isnull=True, level=WatchLevel.MUTED
            ).values("community_id")
        )
        .exclude(
            pk__in=Watch.objects.filter(
                user_id=user.pk, topic__isnull=False, level=WatchLevel.MUTED
            ).values("topic_id")
        )
        .select_related("community")
    )


def build_digest(*, user: Any, frequency: str, now: datetime) -> DigestContent:
    """What the member's digest tells for the period ending at `now` (two queries)."""
    since = now - PERIOD_LENGTH[DigestFrequency(frequency)]
    period_replies = Q(
        posts__position__gt=1,
        posts__is_deleted=False,
        posts__moderation_state=ModerationState.VISIBLE,
        posts__created_at__gte=since,
        posts__created_at__lt=now,
    )
    popular = (
        _readable_topics(user)
        .annotate(period_replies=Count("posts", filter=period_replies))
        .filter(period_replies__gt=0)
        .order_by("-period_replies", "-last_posted_at", "-pk")[:SECTION_SIZE]
    )
    question_since = now - max(PERIOD_LENGTH[DigestFrequency(frequency)], UNANSWERED_MIN_WINDOW)
    unanswered = (
        _readable_topics(user)
        .filter(
            is_question=True,
            accepted_post__isnull=True,
            reply_count=0,
            created_at__gte=question_since,
            created_at__lt=now,
        )
        # The member's own questions are not news to them.
        .exclude(author_id=user.pk)
        .exclude(author_alias__user_id=user.pk)
        .order_by("-created_at", "-pk")[:SECTION_SIZE]
    )

    def line(topic: Topic, replies: int) -> DigestTopic:
        return DigestTopic(
            title=topic.title,
            community_name=topic.community.name,
            url=_absolute(topic.get_absolute_url()),
            replies=replies,
        )

    return DigestContent(
        popular=[line(topic, topic.period_replies) for topic in popular],  # type: ignore[attr-defined]
        unanswered=[line(topic, 0) for topic in unanswered],
    )


def summary(content: DigestContent) -> str:
    """The counts-only sentence: no title, no community name."""
    popular = ngettext(
        "%(count)d popular discussion", "%(count)d popular discussions", len(content.popular)
    ) % {"count": len(content.popular)}
    unanswered = ngettext(
        "%(count)d unanswered question", "%(count)d unanswered questions", len(content.unanswered)
    ) % {"count": len(content.unanswered)}
    if content.popular and content.unanswered:
        return _("%(popular)s and %(unanswered)s in your communities.") % {
            "popular": popular,
            "unanswered": unanswered,
        }
    return _("%(things)s in your communities.") % {
        "things": popular if content.popular else unanswered
    }


def digest_message(
    *, user: Any, row: NotificationSettings, frequency: str, content: DigestContent
) -> UnfoldedHeadersEmail:
    """The digest email: generic subject, text and HTML, one-click unsubscribe headers."""
    site_name = settings.SITE_NAME
    if frequency == DigestFrequency.WEEKLY:
        subject = _("Your weekly %(site)s digest") % {"site": site_name}
    else:
        subject = _("Your daily %(site)s digest") % {"site": site_name}
    unsubscribe_url = make_url(user, "digest")
    includes_details = bool(row.email_includes_details)
    context = {
        "member": user,
        "subject": subject,
        "site_name": site_name,
        "frequency": frequency,
        "is_weekly": frequency == DigestFrequency.WEEKLY,
        "includes_details": includes_details,
        "summary": summary(content),
        # Without the opt-in the templates never receive a title or a community name.
        "popular": content.popular if includes_details else [],
        "unanswered": content.unanswered if includes_details else [],
        "site_url": _absolute("/"),
        "settings_url": _absolute(_path("notification_settings", "/notifications/settings/")),
        "unsubscribe_url": unsubscribe_url,
        "LANGUAGE_CODE": get_language() or settings.LANGUAGE_CODE,
    }
    return one_click_email(
        template="notifications/email/digest",
        context=context,
        subject=subject,
        to=user.email,
        unsubscribe_url=unsubscribe_url,
    )


def _claim(*, user: Any, period: str) -> DigestRun | None:
    try:
        with transaction.atomic():
            return DigestRun.objects.create(user=user, period=period)
    except IntegrityError:
        return None


def send_digest(due: DueDigest, *, now: datetime) -> bool:
    """Claim, build and send one member's digest; True when an email went."""
    claim = _claim(user=due.user, period=due.period)
    if claim is None:
        return False  # another worker or an earlier run has this period
    try:
        content = build_digest(user=due.user, frequency=due.frequency, now=now)
        if content.is_empty:
            return False
        message = digest_message(
            user=due.user, row=due.row, frequency=due.frequency, content=content
        )
        message.send()
    except OSError:
        # SMTP errors are OSErrors: let the next hourly run try this period again.
        DigestRun.objects.filter(pk=claim.pk).delete()
        logger.warning("Could not send the %s digest to member %s", due.period, due.user.pk)
        return False
    except Exception:
        DigestRun.objects.filter(pk=claim.pk).delete()
        raise
    DigestRun.objects.filter(pk=claim.pk).update(topic_count=content.topic_count)
    NotificationSettings.objects.filter(pk=due.row.pk).update(last_digest_at=now)
    return True


def send_digests(*, now: datetime | None = None) -> int:
    """Send every digest due at `now` (the hourly job); returns how many emails went."""
    now = now or timezone.now()
    sent = 0
    for due in due_digests(now=now):
        if send_digest(due, now=now):
            sent += 1
    return sent
