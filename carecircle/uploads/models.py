"""Files members attach to posts, messages and library resources.

An upload is stored already processed (images re-encoded without metadata, in several widths)
and is never reachable by an unguessable address alone: every request for its bytes goes
through `permissions.can_read_upload`, which follows what it is attached to.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Upload(models.Model):
    class Kind(models.TextChoices):
        IMAGE = "image", _("image")
        VIDEO = "video", _("video")
        DOCUMENT = "document", _("document")

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="uploads"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    # What libmagic found in the bytes (never what the browser or the file name claimed).
    mime_type = models.CharField(max_length=100)
    # The name shown and offered on download: cleaned of paths and control characters.
    original_name = models.CharField(max_length=200)
    sha256 = models.CharField(max_length=64)
    # Storage names (never URLs): the main file, and for images the resized WebP copies.
    file = models.CharField(max_length=300)
    # [{"width": 640, "name": "uploads/…/640.webp", "bytes": 51234}, …] narrowest first.
    variants = models.JSONField(default=list, blank=True)
    poster = models.CharField(max_length=300, blank=True)
    captions = models.CharField(max_length=300, blank=True)
    captions_language = models.CharField(max_length=20, blank=True)
    # Every stored byte of this upload (main file, copies, poster, captions): what the quota counts.
    stored_bytes = models.PositiveBigIntegerField(default=0)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    duration_seconds = models.FloatField(null=True, blank=True)
    alt_text = models.CharField(
        _("description for people who cannot see it"), max_length=1000, blank=True
    )
    is_decorative = models.BooleanField(_("decorative only"), default=False)
    # At most one of these is set once the upload is attached; none while it waits in a form.
    post = models.ForeignKey(
        "discussions.Post",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="attachments",
    )
    message = models.ForeignKey(
        "messaging.Message",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="attachments",
    )
    resource = models.ForeignKey(
        "resources.Resource",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="files",
    )
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    attached_at = models.DateTimeField(null=True, blank=True)
    # False while a background task still makes a video's poster or reads its duration.
    is_processed = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(post__isnull=True, message__isnull=True)
                | Q(post__isnull=True, resource__isnull=True)
                | Q(message__isnull=True, resource__isnull=True),
                name="upload_attached_once",
            ),
        ]
        indexes = [
            models.Index(fields=["owner", "created_at"], name="uploads_owner_time"),
            models.Index(
                fields=["created_at"],
                condition=Q(post__isnull=True, message__isnull=True, resource__isnull=True),
                name="uploads_unattached",
            ),
        ]

    def __str__(self) -> str:
        return f"upload {self.pk}"

    @property
    def is_attached(self) -> bool:
        return (
            self.post_id is not None or self.message_id is not None or self.resource_id is not None
        )


class PendingFileDeletion(models.Model):
    """A stored file whose upload row is gone and which must still be deleted.

    Written in the same transaction as the deletion of the row, so a file is never forgotten:
    the step after commit deletes the file and this row; if the storage is down then (an S3
    outage during an erasure, say), the hourly cleanup job tries again until it succeeds.
    """

    name = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)
    attempts = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["created_at"], name="uploads_pending_deletion_time")]

    def __str__(self) -> str:
        return f"pending deletion of {self.name}"
