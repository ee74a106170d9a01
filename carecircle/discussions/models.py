from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from carecircle.communities.models import Community
from carecircle.core.models import ModerationState, TimeStampedModel


class TopicAlias(models.Model):
    """The stable anonymous name of one member in one topic ("Anonymous member 3").

    Anonymous topics and posts have no `author`: the only link to the person is `user` here,
    which no page or API shows; staff can reveal it only by recording a reason (audited, and the
    member is told). `user` is nulled when the member's account is erased; the alias stays.
    """

    topic = models.ForeignKey("Topic", on_delete=models.CASCADE, related_name="aliases")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    number = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["topic", "user"], name="one_alias_per_member"),
            models.UniqueConstraint(fields=["topic", "number"], name="alias_number_unique"),
        ]

    def __str__(self) -> str:
        return str(self.label)

    @property
    def label(self) -> str:
        return _("Anonymous member %(number)d") % {"number": self.number}


def _is_by(user: object, author_id: int | None, alias: TopicAlias | None) -> bool:
    """Whether `user` is the open author (`author_id`) or the person behind `alias`."""
    user_id = getattr(user, "pk", None)
    if user_id is None:
        return False
    if author_id is not None:
        return bool(author_id == user_id)
    return alias is not None and alias.user_id == user_id


def _public_name(author: Any, alias: TopicAlias | None) -> str:
    """The name shown for a topic or post: its alias, else its author's, else "" (erased)."""
    if alias is not None:
        return str(alias.label)
    return str(author.display_name) if author is not None else ""


class Topic(TimeStampedModel):
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="topics")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="topics"
    )
    author_alias = models.ForeignKey(
        TopicAlias, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A caregiver posting for the person they care for: `author` is the carer.
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    title = models.CharField(_("title"), max_length=200)
    is_question = models.BooleanField(
        _("this is a question"),
        default=False,
        help_text=_("Questions can have an accepted answer."),
    )
    is_pinned = models.BooleanField(default=False)
    is_locked = models.BooleanField(default=False)
    is_deleted = models.BooleanField(default=False)
    # Mirrors the first post: a pending or hidden topic is listed for its author and moderators.
    moderation_state = models.CharField(
        max_length=10, choices=ModerationState.choices, default=ModerationState.VISIBLE
    )
    # Seconds a member waits between replies in this topic; 0 is off. Moderators are exempt.
    slow_mode_seconds = models.PositiveIntegerField(_("slow mode (seconds)"), default=0)
    accepted_post = models.ForeignKey(
        "Post", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reply_count = models.PositiveIntegerField(default=0)
    # Bumped by every action that changes how the topic's posts render (replies, edits,
    # deletions, reactions, answers), so rendered pages can be cached by version.
    content_version = models.PositiveIntegerField(default=0)
    last_posted_at = models.DateTimeField(db_index=True)
    last_poster = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        indexes = [
            models.Index(
                fields=["community", "is_deleted", "-is_pinned", "-last_posted_at"],
                name="topic_listing",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def slug(self) -> str:
        return slugify(self.title)[:60] or "topic"

    def get_absolute_url(self) -> str:
        return reverse("topic_detail", kwargs={"topic_id": self.pk, "slug": self.slug})

    @property
    def public_author_name(self) -> str:
        return _public_name(self.author, self.author_alias)

    def is_started_by(self, user: object) -> bool:
        """True when `user` started this topic, openly or under an anonymous alias."""
        return _is_by(user, self.author_id, self.author_alias)


class Post(TimeStampedModel):
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="posts")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="posts"
    )
    alias = models.ForeignKey(
        TopicAlias, null=True, blank=True, on_delete=models.SET_NULL, related_name="posts"
    )
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    position = models.PositiveIntegerField()
    body = models.TextField(_("message"))
    body_html = models.TextField()
    edited_at = models.DateTimeField(null=True, blank=True)
    edit_count = models.PositiveIntegerField(default=0)
    is_deleted = models.BooleanField(default=False)
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reply_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # {"like": 3, "hug": 1, "helpful": 0}; kept by actions so a topic page needs no aggregate.
    reaction_counts = models.JSONField(default=dict, blank=True)
    # Pending (pre-moderated) and hidden posts are shown only to their author and moderators.
    moderation_state = models.CharField(
        max_length=10, choices=ModerationState.choices, default=ModerationState.VISIBLE
    )

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["topic", "position"], name="post_position_unique")
        ]

    def __str__(self) -> str:
        return f"Post {self.pk} in topic {self.topic_id}"

    @property
    def is_first(self) -> bool:
        return self.position == 1

    @property
    def is_anonymous(self) -> bool:
        return self.alias_id is not None

    @property
    def public_author_name(self) -> str:
        return _public_name(self.author, self.alias)

    def is_written_by(self, user: object) -> bool:
        """True when `user` wrote this post, openly or under an anonymous alias."""
        return _is_by(user, self.author_id, self.alias)

    def get_absolute_url(self) -> str:
        return reverse("post_permalink", kwargs={"post_id": self.pk})


class PostRevision(models.Model):
    """The text of a post before an edit, so edit history is visible."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="revisions")
    editor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    number = models.PositiveIntegerField()
    body = models.TextField()
    title = models.CharField(max_length=200, blank=True)
    reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["post", "number"], name="revision_number_unique")
        ]

    def __str__(self) -> str:
        return f"Revision {self.number} of post {self.post_id}"


class Reaction(models.Model):
    class Kind(models.TextChoices):
        LIKE = "like", _("Like")
        HUG = "hug", _("Hug")
        HELPFUL = "helpful", _("Helpful")
        SAME = "same", _("Me too")

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reactions"
    )
    kind = models.CharField(max_length=10, choices=Kind)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["post", "user", "kind"], name="one_reaction_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.kind} on post {self.post_id}"


class Mention(models.Model):
    """A member mentioned in a post; notifications (a later issue) read from here."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="mentions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["post", "user"], name="one_mention_per_post")
        ]

    def __str__(self) -> str:
        return f"Mention of {self.user_id} in post {self.post_id}"


class Draft(models.Model):
    """Text a member is still writing, kept server-side so nothing typed is lost."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=80)
    title = models.CharField(max_length=200, blank=True)
    body = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="one_draft_per_key")]

    def __str__(self) -> str:
        return f"Draft {self.key} of {self.user_id}"
