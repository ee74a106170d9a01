"""A member's private bookmarks of topics and posts, with a note and an optional reminder."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from carecircle.core.crypto import EncryptedTextField


class Bookmark(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="bookmarks"
    )
    topic = models.ForeignKey(
        "discussions.Topic", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    post = models.ForeignKey(
        "discussions.Post", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # Only its owner ever reads it, and it may say something about their health.
    note = EncryptedTextField(_("private note"), blank=True)
    remind_at = models.DateTimeField(_("remind me on"), null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(Q(topic__isnull=False) & Q(post__isnull=True))
                | (Q(topic__isnull=True) & Q(post__isnull=False)),
                name="bookmark_topic_or_post",
            ),
            models.UniqueConstraint(
                fields=["user", "topic"],
                condition=Q(topic__isnull=False),
                name="bookmark_topic_once",
            ),
            models.UniqueConstraint(
                fields=["user", "post"],
                condition=Q(post__isnull=False),
                name="bookmark_post_once",
            ),
        ]
        indexes = [
            models.Index(fields=["user", "created_at"], name="bookmarks_user_time"),
            models.Index(
                fields=["remind_at"],
                condition=Q(remind_at__isnull=False, reminded_at__isnull=True),
                name="bookmarks_due",
            ),
        ]

    def __str__(self) -> str:
        return f"bookmark {self.pk}"
