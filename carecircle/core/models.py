from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> int:
        raise AuditLogIsAppendOnly

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AuditLogIsAppendOnly


class AuditLogIsAppendOnly(Exception):
    """Audit events are never changed or deleted; the hash chain would show it if they were."""


class AuditEvent(models.Model):
    """An append-only record of something that matters: who did what to which object, when.

    Each event carries the hash of the one before it (a hash chain over the immutable columns),
    so an edited, inserted or deleted row is detectable: see `carecircle.core.audit.verify_chain`.
    `actor` and `subject` are nulled when those accounts are erased, which is why the chain covers
    the `*_ref` copies of their ids instead; no personal data is ever put into `data`.
    """

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_ref = models.BigIntegerField(null=True, blank=True, editable=False)
    # The member whose data this is about: they see these events on their privacy page.
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    subject_ref = models.BigIntegerField(null=True, blank=True, editable=False, db_index=True)
    verb = models.CharField(max_length=64, db_index=True)
    target_type = models.CharField(max_length=64)
    target_id = models.CharField(max_length=64)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(db_index=True)
    prev_hash = models.CharField(max_length=64, editable=False)
    hash = models.CharField(max_length=64, unique=True, editable=False)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("audit event")
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"{self.verb} {self.target_type}:{self.target_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise AuditLogIsAppendOnly
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AuditLogIsAppendOnly


class ScheduledRun(models.Model):
    """One periodic job enqueued for one time slot (see `carecircle.core.schedule`).

    The unique (name, slot) pair is the claim: several schedulers may run at once, and only the
    one whose insert succeeds enqueues the job, in the same transaction.
    """

    name = models.CharField(max_length=100)
    slot = models.DateTimeField()
    enqueued_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["name", "slot"], name="one_scheduled_run_per_slot")
        ]

    def __str__(self) -> str:
        return f"{self.name} at {self.slot.isoformat()}"


class ModerationState(models.TextChoices):
    """Whether a post or message is shown to others (`moderation_state` on both)."""

    VISIBLE = "visible", _("Visible")
    PENDING = "pending", _("Waiting for approval")
    HIDDEN = "hidden", _("Hidden by moderators")
