"""The curated resource library: a community's (or the whole site's) reviewed reading list."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from carecircle.core.models import TimeStampedModel


class ResourceCategory(models.Model):
    """A shelf in one library (community None: the site's library)."""

    community = models.ForeignKey(
        "communities.Community",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="resource_categories",
    )
    name = models.CharField(_("name"), max_length=80)
    slug = models.SlugField(max_length=80)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "slug"], name="resource_category_slug_once"
            ),
            models.UniqueConstraint(
                fields=["slug"],
                condition=Q(community__isnull=True),
                name="resource_category_site_slug_once",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Resource(TimeStampedModel):
    class Kind(models.TextChoices):
        ARTICLE = "article", _("article")
        RESEARCH_PAPER = "paper", _("research paper")
        WEBSITE = "website", _("website")
        VIDEO = "video", _("video")
        FILE = "file", _("file")

    class Status(models.TextChoices):
        # Suggested by a member: only they and the library's curators see it until reviewed.
        SUGGESTED = "suggested", _("waiting for review")
        PUBLISHED = "published", _("published")
        REJECTED = "rejected", _("not added")
        ARCHIVED = "archived", _("archived")

    class ReadingLevel(models.TextChoices):
        EASY = "easy", _("easy read")
        GENERAL = "general", _("general")
        PROFESSIONAL = "professional", _("for professionals")

    class PreviewState(models.TextChoices):
        NONE = "none", _("no link")
        PENDING = "pending", _("waiting")
        FETCHED = "fetched", _("fetched")
        FAILED = "failed", _("could not be fetched")
        REFUSED = "refused", _("address not allowed")

    community = models.ForeignKey(
        "communities.Community",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="resources",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), blank=True)
    url = models.URLField(_("link"), max_length=2000, blank=True)
    source = models.CharField(_("source"), max_length=200, blank=True)
    author = models.CharField(_("author"), max_length=300, blank=True)
    publisher = models.CharField(_("publisher"), max_length=200, blank=True)
    published_on = models.DateField(_("publication date"), null=True, blank=True)
    categories = models.ManyToManyField(
        ResourceCategory, blank=True, related_name="resources", verbose_name=_("categories")
    )
    # Lower-case words, at most 10, kept in the row: a library is small and tags are only shown.
    tags = models.JSONField(_("tags"), default=list, blank=True)
    reading_level = models.CharField(
        _("reading level"),
        max_length=12,
        choices=ReadingLevel.choices,
        default=ReadingLevel.GENERAL,
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PUBLISHED)
    suggested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Why a suggestion was not added, shown to the member who suggested it.
    review_note = models.TextField(blank=True)
    last_reviewed_on = models.DateField(_("last reviewed on"), null=True, blank=True)
    last_reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    preview_state = models.CharField(
        max_length=10, choices=PreviewState.choices, default=PreviewState.NONE
    )
    preview_title = models.CharField(max_length=300, blank=True)
    preview_description = models.TextField(blank=True)
    preview_site_name = models.CharField(max_length=200, blank=True)
    preview_fetched_at = models.DateTimeField(null=True, blank=True)
    citation_count = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["community", "status", "-created_at"], name="resources_library"),
            models.Index(fields=["status", "created_at"], name="resources_status_time"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def slug(self) -> str:
        from django.utils.text import slugify

        slug = slugify(self.title)[:60]
        # "/library/<id>/edit/" is the edit page, so no title may make "edit" its slug.
        return slug if slug and slug != "edit" else "resource"

    @property
    def is_site_library(self) -> bool:
        return self.community_id is None

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("resource_detail_slug", args=[self.pk, self.slug])


class ResourceCitation(models.Model):
    """A post that links to a library resource; recorded when the post is saved."""

    post = models.ForeignKey("discussions.Post", on_delete=models.CASCADE, related_name="citations")
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="citations")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["post", "resource"], name="resource_citation_once"),
        ]

    def __str__(self) -> str:
        return f"citation {self.pk}"
