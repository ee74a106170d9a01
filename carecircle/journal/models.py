"""The health journal: a member's own record of symptoms, medicines, measurements, mood and goals.

Everything a member writes here is encrypted at rest (`data` fields): the database holds only
the owner, the kind of entry and when it happened, which the charts and lists need to filter
by. What each `data` holds, per kind, is defined and validated in `payloads.py`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from carecircle.core.crypto import EncryptedJSONField, EncryptedTextField
from carecircle.core.models import TimeStampedModel


class EntryKind(models.TextChoices):
    SYMPTOM = "symptom", _("Symptom")
    MEASUREMENT = "measurement", _("Measurement")
    MOOD = "mood", _("Mood and energy")
    DIARY = "diary", _("Diary")
    GOAL_CHECK_IN = "goal_check_in", _("Goal check-in")


class EntrySource(models.TextChoices):
    WEB = "web", _("Written on the site")
    CHECK_IN = "check_in", _("Daily check-in")
    API = "api", _("Sent by an app")
    IMPORT = "import", _("Imported from a file")


class Goal(TimeStampedModel):
    """Something a member is working towards; `data` = payloads.GoalData."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Working on it")
        ACHIEVED = "achieved", _("Achieved")
        STOPPED = "stopped", _("Stopped")

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="journal_goals"
    )
    status = models.CharField(max_length=10, choices=Status, default=Status.ACTIVE)
    data = EncryptedJSONField(default=dict)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["owner", "status"], name="journal_goal_owner_status")]

    def __str__(self) -> str:
        return f"Goal {self.pk} of {self.owner_id}"


class JournalEntry(TimeStampedModel):
    """One dated observation: a symptom, a measurement, mood, a diary page or a goal check-in."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="journal_entries"
    )
    kind = models.CharField(max_length=16, choices=EntryKind)
    # When it happened (UTC; shown and entered in the member's own time zone).
    recorded_at = models.DateTimeField()
    data = EncryptedJSONField(default=dict)
    source = models.CharField(max_length=10, choices=EntrySource, default=EntrySource.WEB)
    goal = models.ForeignKey(
        Goal, null=True, blank=True, on_delete=models.CASCADE, related_name="check_ins"
    )

    class Meta:
        ordering = ["-recorded_at", "-id"]
        indexes = [
            models.Index(fields=["owner", "recorded_at"], name="journal_entry_owner_time"),
            models.Index(fields=["owner", "kind", "recorded_at"], name="journal_entry_owner_kind"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="goal_check_in", goal__isnull=False)
                | (~Q(kind="goal_check_in") & Q(goal__isnull=True)),
                name="journal_entry_goal_only_for_check_in",
            )
        ]
        verbose_name_plural = _("journal entries")

    def __str__(self) -> str:
        return f"{self.kind} {self.pk} of {self.owner_id}"


class Medication(TimeStampedModel):
    """A medicine or treatment, current or past; `data` = payloads.MedicationData.

    Start and stop dates live inside `data` (encrypted): the charts draw them as bands.
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="journal_medications"
    )
    data = EncryptedJSONField(default=dict)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Medication {self.pk} of {self.owner_id}"


class Part(models.TextChoices):
    """The parts of a journal a member can share, each on its own."""

    SYMPTOMS = "symptoms", _("Symptoms")
    MEDICATIONS = "medications", _("Medicines and treatments")
    MEASUREMENTS = "measurements", _("Measurements")
    MOOD = "mood", _("Mood and energy")
    DIARY = "diary", _("Diary")
    GOALS = "goals", _("Goals")


class JournalShare(TimeStampedModel):
    """The owner lets one audience read chosen parts of their journal, until revoked.

    Exactly one audience is set: an active caregiver link (ends with the link), one member, or
    one community (its current members read it, e.g. a chart linked from a post).
    """

    class Audience(models.TextChoices):
        CAREGIVER = "caregiver", _("My caregiver")
        MEMBER = "member", _("A member")
        COMMUNITY = "community", _("A community")

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="journal_shares"
    )
    audience = models.CharField(max_length=10, choices=Audience)
    caregiver_link = models.ForeignKey(
        "caregivers.CaregiverLink",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="journal_shares",
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="journal_shares_received",
    )
    community = models.ForeignKey(
        "communities.Community",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="journal_shares",
    )
    parts = models.JSONField(default=list)
    # Only entries on or after this day are shared (None: the whole journal).
    since = models.DateField(null=True, blank=True)
    title = models.CharField(_("title"), max_length=120, blank=True, default="")
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(
                        audience="caregiver",
                        caregiver_link__isnull=False,
                        member__isnull=True,
                        community__isnull=True,
                    )
                    | Q(
                        audience="member",
                        caregiver_link__isnull=True,
                        member__isnull=False,
                        community__isnull=True,
                    )
                    | Q(
                        audience="community",
                        caregiver_link__isnull=True,
                        member__isnull=True,
                        community__isnull=False,
                    )
                ),
                name="journal_share_one_audience",
            )
        ]

    def __str__(self) -> str:
        return f"Share {self.pk} of {self.owner_id} ({self.audience})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class Stage(models.TextChoices):
    NEWLY_DIAGNOSED = "newly_diagnosed", _("Newly diagnosed (under a year)")
    IN_TREATMENT = "in_treatment", _("In treatment")
    LIVING_WITH = "living_with", _("Living with it long-term")
    REMISSION = "remission", _("In remission or recovered")
    NOT_DIAGNOSED = "not_diagnosed", _("Waiting for a diagnosis")


class JournalPreferences(models.Model):
    """A member's opt-ins: anonymous community figures and "people like me" matching.

    Both are off until the member turns them on. `match_fields` lists what a match may use and
    show ("conditions", "treatments", "stage"); nothing else of the journal is ever used.
    """

    member = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="journal_preferences"
    )
    contributes_to_insights = models.BooleanField(
        _("add my journal to anonymous community figures"), default=False
    )
    contributes_since = models.DateTimeField(null=True, blank=True)
    is_matchable = models.BooleanField(_("suggest me to people like me"), default=False)
    match_fields = models.JSONField(default=list, blank=True)
    # Health information, so encrypted like the rest of the journal.
    stage = EncryptedTextField(_("stage"), choices=Stage, blank=True, default="")
    # When the member's match tokens were last rebuilt: the values "people like me" matches on
    # change at most once a day, so nobody can probe others' conditions by cycling their own.
    tokens_refreshed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = _("journal preferences")

    def __str__(self) -> str:
        return f"Journal preferences of {self.member_id}"


class InsightSnapshot(models.Model):
    """Figures for one community (or the whole site when `community` is None), already
    suppressed below k contributors; written only by the insights task, read by pages and API."""

    community = models.OneToOneField(
        "communities.Community",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="journal_insights",
    )
    computed_at = models.DateTimeField()
    k = models.PositiveIntegerField()
    # The published figures (see insights.py for their shape); never a raw count below k.
    figures = models.JSONField(default=dict)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["community"],
                condition=Q(community__isnull=True),
                name="journal_one_site_snapshot",
            )
        ]

    def __str__(self) -> str:
        return f"Insights for {self.community_id or 'site'}"


class MatchToken(models.Model):
    """A keyed hash of one shareable matching value (a condition, a treatment, a stage) of a
    member who opted in to "people like me"; matching is an indexed join, with no plain health
    words stored outside the encrypted fields. Written only by the matching task."""

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="journal_match_tokens"
    )
    field = models.CharField(max_length=12)
    token = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["member", "field", "token"], name="journal_match_token_unique"
            )
        ]
        indexes = [models.Index(fields=["field", "token"], name="journal_match_token_lookup")]

    def __str__(self) -> str:
        return f"Match token of {self.member_id} ({self.field})"
