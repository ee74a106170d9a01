"""Notifications: what happened that a member should know about, how they want to hear of it,
and what they follow.

A `Notification` is one line in the member's bell. Several events about the same thing (three
replies in one topic) collapse into one unread line with a count (`group_key`). Rows hold ids and
a link, never the words of a post: the bell renders titles from the live objects, so a post that
is hidden or a community the member left no longer shows, and email and push bodies are written
from the kind alone unless the member opted in to details.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from carecircle.core.crypto import EncryptedTextField


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    #: A key of `carecircle.notifications.kinds.KINDS` (not choices: later apps add kinds).
    kind = models.CharField(max_length=40)
    #: The latest member who caused it; null for the system or an anonymous author.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    #: Shown instead of a name when there is no actor ("Anonymous member 3", "The moderators").
    actor_label = models.CharField(max_length=120, blank=True, default="")
    community = models.ForeignKey(
        "communities.Community", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    topic = models.ForeignKey(
        "discussions.Topic", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    post = models.ForeignKey(
        "discussions.Post", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    conversation = models.ForeignKey(
        "messaging.Conversation",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    #: Site-relative link the notification opens.
    url = models.CharField(max_length=300)
    #: Unread notifications with the same key collapse into one ("" never collapses).
    group_key = models.CharField(max_length=120, blank=True, default="")
    #: How many events this line stands for.
    count = models.PositiveIntegerField(default=1)
    #: Small, text-free extras (reaction kind, badge key, moderation action id).
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    #: When the latest event collapsed into it (the bell sorts by this).
    updated_at = models.DateTimeField(db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)
    #: When the email may go if the member has not read it in-app by then; null: no email.
    email_due_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    pushed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "group_key"],
                condition=Q(read_at__isnull=True) & ~Q(group_key=""),
                name="one_unread_notification_per_group",
            )
        ]
        indexes = [
            models.Index(fields=["recipient", "-updated_at"], name="notification_bell"),
            models.Index(
                fields=["recipient"],
                condition=Q(read_at__isnull=True),
                name="notification_unread",
            ),
            models.Index(
                fields=["email_due_at"],
                condition=Q(emailed_at__isnull=True, email_due_at__isnull=False),
                name="notification_email_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient_id}"


class DigestFrequency(models.TextChoices):
    OFF = "off", _("No digest")
    DAILY = "daily", _("Daily")
    WEEKLY = "weekly", _("Weekly")


class NotificationSettings(models.Model):
    """One member's choices. No row means every default (see `kinds.KINDS`)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="notification_settings",
    )
    #: Overrides of the kind defaults: {"reply": {"email": false, "push": true}, ...}.
    channels = models.JSONField(default=dict, blank=True)
    #: Opt-in: emails and pushes may say who wrote what, where, with an excerpt.
    email_includes_details = models.BooleanField(default=False)
    push_includes_details = models.BooleanField(default=False)
    #: Every notification email stopped at once (the one-click unsubscribe sets this).
    is_email_paused = models.BooleanField(default=False)
    #: No email or push between these local times (may wrap past midnight); both or neither.
    quiet_hours_start = models.TimeField(null=True, blank=True)
    quiet_hours_end = models.TimeField(null=True, blank=True)
    digest = models.CharField(max_length=10, choices=DigestFrequency, default=DigestFrequency.OFF)
    last_digest_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"notification settings of {self.user_id}"


class WatchLevel(models.TextChoices):
    WATCHING = "watching", _("Watching: tell me about every new post")
    NORMAL = "normal", _("Normal: only replies to me and mentions")
    MUTED = "muted", _("Muted: never notify me")


class Watch(models.Model):
    """A member's watch level for one community or one topic (exactly one of the two)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    community = models.ForeignKey(
        "communities.Community", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    topic = models.ForeignKey(
        "discussions.Topic", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    level = models.CharField(max_length=10, choices=WatchLevel, default=WatchLevel.NORMAL)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(community__isnull=False, topic__isnull=True)
                | Q(community__isnull=True, topic__isnull=False),
                name="watch_one_target",
            ),
            models.UniqueConstraint(
                fields=["user", "community"],
                condition=Q(topic__isnull=True),
                name="one_watch_per_community",
            ),
            models.UniqueConstraint(
                fields=["user", "topic"],
                condition=Q(topic__isnull=False),
                name="one_watch_per_topic",
            ),
        ]
        indexes = [
            models.Index(fields=["community", "level"], name="watch_community_level"),
            models.Index(fields=["topic", "level"], name="watch_topic_level"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.level} {self.community_id or self.topic_id}"


class PushSubscription(models.Model):
    """One browser or device that accepted web push for a member."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_subscriptions"
    )
    endpoint = models.URLField(max_length=800, unique=True)
    p256dh = models.CharField(max_length=200)
    auth = models.CharField(max_length=100)
    #: What the member sees in their list of devices ("Chrome on Android").
    label = models.CharField(max_length=120, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    failure_count = models.PositiveSmallIntegerField(default=0)

    def __str__(self) -> str:
        return f"push for {self.user_id}"


class PushKey(models.Model):
    """The site's VAPID key pair, generated on first use (one row, pk=1) unless set by env."""

    public_key = models.CharField(max_length=200)
    private_key = EncryptedTextField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return "VAPID key"


class DigestRun(models.Model):
    """A claim: this member's digest for this period was sent (or is being sent). Unique, so
    however many workers run the hourly job, a period's digest goes at most once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    #: "daily:2026-12-07" or "weekly:2026-W50" in the member's own time zone.
    period = models.CharField(max_length=24)
    sent_at = models.DateTimeField(auto_now_add=True)
    topic_count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "period"], name="one_digest_per_period")
        ]

    def __str__(self) -> str:
        return f"digest {self.period} for {self.user_id}"


class NotificationDelivery(models.Model):
    """A claim: one chunk of one event was delivered. The delivery task may run twice (a
    worker that died after its commit is retried); the second run finds the claim, made in the
    same transaction as the lines, and writes nothing. Claims older than the retry window are
    purged daily."""

    #: "<event uuid>:<chunk index>", made by `actions.notify` / `actions.notify_watchers`.
    key = models.CharField(max_length=80, unique=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"delivery {self.key}"
