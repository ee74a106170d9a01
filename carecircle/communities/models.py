from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from carecircle.core.models import TimeStampedModel


class Community(TimeStampedModel):
    class Kind(models.TextChoices):
        CONDITION = "condition", _("Condition-specific")
        GENERAL = "general", _("General")
        ANNOUNCEMENTS = "announcements", _("Announcements")

    class Visibility(models.TextChoices):
        PUBLIC = "public", _("Public: anyone can read")
        MEMBERS = "members", _("Members only: listed, only members read")
        HIDDEN = "hidden", _("Hidden: invitation only")

    name = models.CharField(_("name"), max_length=80, unique=True)
    slug = models.SlugField(_("web address"), max_length=80, unique=True)
    description = models.TextField(_("description"), max_length=2000)
    kind = models.CharField(_("type"), max_length=20, choices=Kind, default=Kind.CONDITION)
    visibility = models.CharField(
        _("visibility"), max_length=10, choices=Visibility, default=Visibility.PUBLIC
    )
    guidelines = models.TextField(
        _("guidelines"),
        help_text=_("Members accept these when they join. Markdown is allowed."),
    )
    guidelines_version = models.PositiveIntegerField(default=1)
    allow_anonymous_posts = models.BooleanField(
        _("allow anonymous posts"),
        default=False,
        help_text=_(
            'Members may post a topic or reply as "Anonymous member 1, 2, ...". Nobody, '
            "moderators included, sees who wrote it unless a manager records a reason."
        ),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Denormalised counters, kept by actions so list pages stay one query.
    member_count = models.PositiveIntegerField(default=0)
    topic_count = models.PositiveIntegerField(default=0)
    post_count = models.PositiveIntegerField(default=0)
    last_activity_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = _("communities")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("community_detail", kwargs={"slug": self.slug})

    @property
    def is_public(self) -> bool:
        return self.visibility == self.Visibility.PUBLIC


class Membership(TimeStampedModel):
    class Role(models.TextChoices):
        MEMBER = "member", _("Member")
        MODERATOR = "moderator", _("Moderator")
        MANAGER = "manager", _("Manager")

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=10, choices=Role, default=Role.MEMBER)
    guidelines_version = models.PositiveIntegerField()
    guidelines_accepted_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["community", "user"], name="one_membership_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.community} ({self.role})"


class GuidelinesAcceptance(models.Model):
    """Every acceptance of a community's guidelines, kept even after the member leaves."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    guidelines_version = models.PositiveIntegerField()
    accepted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-accepted_at"]

    def __str__(self) -> str:
        return f"{self.user_id} accepted v{self.guidelines_version} of {self.community_id}"


class Invitation(TimeStampedModel):
    """An invitation to a (usually hidden) community for one existing member."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="invitations")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="invitations"
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["community", "user"], name="one_invitation_per_user")
        ]

    def __str__(self) -> str:
        return f"Invitation of {self.user_id} to {self.community_id}"
