"""Reports, the review queue, sanctions, appeals, notes, watched words and trust levels."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from carecircle.communities.models import Community
from carecircle.core.crypto import EncryptedTextField

USER = settings.AUTH_USER_MODEL


class TrustLevel(models.IntegerChoices):
    NEW = 0, _("New member")
    BASIC = 1, _("Basic member")
    MEMBER = 2, _("Member")
    TRUSTED = 3, _("Trusted member")
    LEADER = 4, _("Leader")


class ModerationSettings(models.Model):
    """A community's moderation policy, editable by its managers (created on first use)."""

    community = models.OneToOneField(
        Community, on_delete=models.CASCADE, related_name="moderation_settings"
    )
    premoderate_first_posts = models.PositiveSmallIntegerField(
        _("new members' first posts wait for approval"),
        default=0,
        help_text=_("How many of a new member's first posts a moderator approves. 0 turns it off."),
    )
    auto_hide_reports = models.PositiveSmallIntegerField(
        _("reports that hide a post"),
        default=3,
        help_text=_(
            "A post reported by this many trusted members is hidden until a moderator reviews "
            "it. 0 turns it off."
        ),
    )
    auto_hide_trust_level = models.PositiveSmallIntegerField(
        _("trust level whose reports count"), choices=TrustLevel.choices, default=TrustLevel.MEMBER
    )
    new_member_posts_per_day = models.PositiveSmallIntegerField(
        _("posts a day for new members"), default=10
    )
    show_medical_notice = models.BooleanField(_("show the medical advice notice"), default=True)
    medical_notice = models.TextField(
        _("medical advice notice"),
        blank=True,
        max_length=600,
        help_text=_("Shown on every page of the community. Leave empty for the site's wording."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"moderation settings of {self.community_id}"


class CrisisResource(models.Model):
    """A helpline or emergency number shown privately to a member whose words suggest crisis."""

    country = models.CharField(
        _("country"),
        max_length=2,
        blank=True,
        help_text=_("Two-letter country code; empty for every country."),
    )
    name = models.CharField(_("name"), max_length=120)
    phone = models.CharField(_("phone or text number"), max_length=40, blank=True)
    url = models.URLField(_("web address"), blank=True)
    description = models.CharField(_("description"), max_length=300, blank=True)
    is_emergency = models.BooleanField(_("emergency number"), default=False)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-is_emergency", "position", "name"]

    def __str__(self) -> str:
        return self.name


class ReportReason(models.Model):
    """A community's own report reason, besides the built-in ones."""

    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="report_reasons"
    )
    label = models.CharField(_("reason"), max_length=80)
    description = models.CharField(_("description"), max_length=300, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["label"]
        constraints = [
            models.UniqueConstraint(fields=["community", "label"], name="one_reason_per_label")
        ]

    def __str__(self) -> str:
        return self.label


class ReviewItem(models.Model):
    """One piece of content (or one member) waiting for a moderator, with all its reports."""

    class Queue(models.TextChoices):
        GENERAL = "general", _("Reports")
        PROFESSIONAL = "professional", _("Medical accuracy")
        SAFEGUARDING = "safeguarding", _("Safeguarding")
        APPROVAL = "approval", _("Waiting for approval")
        APPEALS = "appeals", _("Appeals")

    class Kind(models.TextChoices):
        POST = "post", _("Post")
        TOPIC = "topic", _("Topic")
        MESSAGE = "message", _("Message")
        MEMBER = "member", _("Member")
        APPEAL = "appeal", _("Appeal")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        RESOLVED = "resolved", _("Resolved")

    class Source(models.TextChoices):
        REPORT = "report", _("Member report")
        WATCHED_WORD = "watched_word", _("Watched word")
        CRISIS_SCREEN = "crisis_screen", _("Crisis screening")
        MISINFORMATION_SCREEN = "misinformation_screen", _("Misinformation screening")
        PRE_MODERATION = "pre_moderation", _("Pre-moderation")
        APPEAL = "appeal", _("Appeal")

    # Empty community: the site-wide queue (private messages, members, escalations).
    community = models.ForeignKey(
        Community, null=True, blank=True, on_delete=models.CASCADE, related_name="review_items"
    )
    queue = models.CharField(max_length=20, choices=Queue.choices, default=Queue.GENERAL)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    source = models.CharField(max_length=30, choices=Source.choices, default=Source.REPORT)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    # "post:12", "message:5", "member:3", "appeal:9": one open item per queue and target.
    target_key = models.CharField(max_length=40)
    post = models.ForeignKey(
        "discussions.Post", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    topic = models.ForeignKey(
        "discussions.Topic", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    message = models.ForeignKey(
        "messaging.Message", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # The member reported, or the author of the content (empty for anonymous content).
    member = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    appeal = models.ForeignKey(
        "Appeal", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    is_urgent = models.BooleanField(default=False)
    # Escalated items also appear in the site-wide queue for site staff.
    is_escalated = models.BooleanField(default=False)
    is_auto_hidden = models.BooleanField(default=False)
    report_count = models.PositiveIntegerField(default=0)
    # Screening and watched-word findings: [{"source": ..., "label": ..., "matched": ...}]
    flags = models.JSONField(default=list, blank=True)
    # The safeguarding follow-up checklist: {"step_code": "done_at iso" | ""}
    checklist = models.JSONField(default=dict, blank=True)
    # The words as they were when first queued, kept if the author edits or deletes them.
    body_snapshot = EncryptedTextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolution = models.CharField(max_length=30, blank=True)

    class Meta:
        ordering = ["-is_urgent", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["queue", "target_key"],
                condition=Q(status="open"),
                name="one_open_item_per_target",
            )
        ]
        indexes = [
            models.Index(fields=["community", "status", "queue"], name="moderation_item_queue"),
            models.Index(fields=["status", "is_escalated"], name="moderation_item_escalated"),
        ]

    def __str__(self) -> str:
        return f"review item {self.pk} ({self.queue}, {self.target_key})"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class Report(models.Model):
    """One member's report of content or of another member."""

    class Reason(models.TextChoices):
        SPAM = "spam", _("Spam or advertising")
        ABUSIVE = "abusive", _("Abusive, harassing or threatening")
        OFF_TOPIC = "off_topic", _("Off-topic")
        PRIVATE_INFORMATION = "private_information", _("Shares someone's private information")
        MEDICALLY_INACCURATE = "medically_inaccurate", _("Medically inaccurate or harmful advice")
        CRISIS = "crisis", _("The writer may be in crisis")
        OTHER = "other", _("Something else")
        CUSTOM = "custom", _("A reason of this community")

    item = models.ForeignKey(ReviewItem, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.CharField(max_length=30, choices=Reason.choices)
    custom_reason = models.ForeignKey(
        ReportReason, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = EncryptedTextField(blank=True)
    # The reporter's trust level when they reported: only trusted reports auto-hide.
    reporter_trust_level = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["item", "reporter"], name="one_report_per_item_and_reporter"
            )
        ]

    def __str__(self) -> str:
        return f"report {self.pk} ({self.reason})"


class ModerationAction(models.Model):
    """The moderation log: every decision, who took it, about whom and why."""

    class Verb(models.TextChoices):
        APPROVE = "approve", _("Approved")
        REJECT = "reject", _("Rejected (not published)")
        DISMISS = "dismiss", _("Dismissed the reports")
        HIDE = "hide", _("Hid")
        UNHIDE = "unhide", _("Made visible again")
        AUTO_HIDE = "auto_hide", _("Hidden after reports")
        EDIT = "edit", _("Edited")
        LOCK = "lock", _("Locked the topic")
        UNLOCK = "unlock", _("Unlocked the topic")
        MOVE = "move", _("Moved the topic")
        DELETE = "delete", _("Deleted")
        WARN = "warn", _("Warned")
        SUSPEND = "suspend", _("Suspended")
        BAN = "ban", _("Banned")
        LIFT = "lift", _("Lifted a sanction")
        ESCALATE = "escalate", _("Escalated to site staff")
        CONTEXT_NOTE = "context_note", _("Added professional context")
        SET_TRUST_LEVEL = "set_trust_level", _("Set the trust level")
        PRE_MODERATE = "pre_moderate", _("Put on pre-moderation")
        SLOW_MODE = "slow_mode", _("Set slow mode")
        APPEAL_UPHELD = "appeal_upheld", _("Upheld an appeal")
        APPEAL_REJECTED = "appeal_rejected", _("Rejected an appeal")
        SAFEGUARDING = "safeguarding", _("Completed a safeguarding follow-up")

    # Empty actor: the system (auto-hide, screening).
    actor = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    community = models.ForeignKey(
        Community, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # The member the action is about (the author, or the sanctioned member).
    member = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    item = models.ForeignKey(
        ReviewItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="actions"
    )
    verb = models.CharField(max_length=30, choices=Verb.choices)
    target_key = models.CharField(max_length=40, blank=True)
    # Shown to the member: why, and which guideline.
    reason = models.TextField(blank=True, max_length=2000)
    guideline = models.CharField(max_length=300, blank=True)
    is_appealable = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["community", "created_at"], name="moderation_log_community"),
            models.Index(fields=["member", "created_at"], name="moderation_log_member"),
        ]

    def __str__(self) -> str:
        return f"{self.verb} {self.target_key} by {self.actor_id}"


class Sanction(models.Model):
    """A restriction on a member, in one community or (empty community) on the whole site."""

    class Kind(models.TextChoices):
        WARNING = "warning", _("Warning")
        PRE_MODERATION = "pre_moderation", _("Posts wait for approval")
        SUSPENSION = "suspension", _("Suspended")
        BAN = "ban", _("Banned")

    member = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="sanctions")
    community = models.ForeignKey(
        Community, null=True, blank=True, on_delete=models.CASCADE, related_name="sanctions"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    action = models.ForeignKey(
        ModerationAction, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(blank=True, max_length=2000)
    starts_at = models.DateTimeField(default=timezone.now)
    # Empty: until lifted (bans, pre-moderation); warnings end when given.
    ends_at = models.DateTimeField(null=True, blank=True)
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-starts_at"]
        indexes = [models.Index(fields=["member", "kind"], name="moderation_sanction_member")]

    def __str__(self) -> str:
        return f"{self.kind} of {self.member_id} in {self.community_id or 'site'}"

    def is_active_at(self, moment: object = None) -> bool:
        now = moment or timezone.now()
        if self.kind == self.Kind.WARNING or self.lifted_at is not None:
            return False
        return self.starts_at <= now and (self.ends_at is None or self.ends_at > now)  # type: ignore[operator]


class Appeal(models.Model):
    """A sanctioned member asking for one decision to be looked at again (once per action)."""

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting for a decision")
        UPHELD = "upheld", _("Decision reversed")
        REJECTED = "rejected", _("Decision kept")

    action = models.OneToOneField(ModerationAction, on_delete=models.CASCADE, related_name="appeal")
    member = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    text = EncryptedTextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision = models.TextField(blank=True, max_length=2000)

    def __str__(self) -> str:
        return f"appeal {self.pk} of action {self.action_id}"


class MemberNote(models.Model):
    """A moderator's note about a member, seen only by moderators (of that community)."""

    member = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    community = models.ForeignKey(
        Community, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    author = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    body = EncryptedTextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"note on {self.member_id}"


class ContextNote(models.Model):
    """A verified professional's or moderator's note shown under a post, with a resource link."""

    post = models.ForeignKey(
        "discussions.Post", on_delete=models.CASCADE, related_name="context_notes"
    )
    author = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    body = models.TextField(max_length=1000)
    resource_url = models.URLField(blank=True)
    resource_title = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"context note on post {self.post_id}"


class WatchedWord(models.Model):
    """A word or pattern, site-wide or in one community, and what happens when a post uses it."""

    class Action(models.TextChoices):
        BLOCK = "block", _("Block with a message")
        REQUIRE_APPROVAL = "require_approval", _("Hold for approval")
        FLAG = "flag", _("Flag for review")
        REPLACE = "replace", _("Replace")

    community = models.ForeignKey(
        Community, null=True, blank=True, on_delete=models.CASCADE, related_name="watched_words"
    )
    pattern = models.CharField(_("word or pattern"), max_length=200)
    is_regex = models.BooleanField(_("regular expression"), default=False)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    replacement = models.CharField(_("replacement"), max_length=200, blank=True)
    message = models.CharField(
        _("message to the author"),
        max_length=300,
        blank=True,
        help_text=_("Shown when a post is blocked."),
    )
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pattern"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "pattern"],
                condition=Q(community__isnull=False),
                name="one_watched_word_per_community",
            ),
            models.UniqueConstraint(
                fields=["pattern"],
                condition=Q(community__isnull=True),
                name="one_site_watched_word",
            ),
        ]

    def __str__(self) -> str:
        return self.pattern


class MemberTrust(models.Model):
    """A member's activity counters and trust level (computed, or set by hand)."""

    user = models.OneToOneField(USER, on_delete=models.CASCADE, related_name="trust")
    level = models.PositiveSmallIntegerField(choices=TrustLevel.choices, default=TrustLevel.NEW)
    # Set by a moderator: wins over the computed level until cleared.
    manual_level = models.PositiveSmallIntegerField(
        choices=TrustLevel.choices, null=True, blank=True
    )
    days_visited = models.PositiveIntegerField(default=0)
    last_visited_on = models.DateField(null=True, blank=True)
    topics_entered = models.PositiveIntegerField(default=0)
    posts_read = models.PositiveIntegerField(default=0)
    posts_created = models.PositiveIntegerField(default=0)
    likes_received = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"trust {self.level} of {self.user_id}"

    @property
    def effective_level(self) -> int:
        return self.manual_level if self.manual_level is not None else self.level


class SafetyNotice(models.Model):
    """What the author of a post or message was shown privately (crisis resources) and when."""

    class Kind(models.TextChoices):
        CRISIS = "crisis", _("Crisis support")
        MISINFORMATION = "misinformation", _("Guidelines reminder")

    member = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    target_key = models.CharField(max_length=40)
    created_at = models.DateTimeField(auto_now_add=True)
    seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} notice for {self.member_id}"
