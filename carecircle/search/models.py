"""The search index: one row per findable thing, kept by tasks after commit.

The rows only choose and rank candidates. Every result is loaded again from its source table
with the same read rules as pages and the API, and its snippet is cut from the current text,
so a row that has not caught up with an edit, a hide or a move can never show anything.
The full-text structures live beside this table and are created per database by migration
0002: an FTS5 table kept by triggers on SQLite, a generated `tsvector` column with a GIN index
on PostgreSQL.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SearchDocument(models.Model):
    class Kind(models.TextChoices):
        TOPIC = "topic", _("Topic")  # a topic's first post: its title and its words
        POST = "post", _("Reply")
        MEMBER = "member", _("Member")
        COMMUNITY = "community", _("Community")
        # A published library resource; community_id None for the site's own library.
        RESOURCE = "resource", _("Library resource")

    class Audience(models.IntegerChoices):
        # Content rows are for everyone who may read their community (VISITOR). A member has
        # one row per audience whose view of the profile differs: the fields each may see.
        VISITOR = 0, _("Anyone")
        MEMBER = 1, _("Signed-in members")
        SHARED = 2, _("Members of a shared community")

    kind = models.CharField(max_length=16, choices=Kind)
    object_id = models.BigIntegerField()
    audience = models.PositiveSmallIntegerField(choices=Audience, default=Audience.VISITOR)
    # Scope columns, copied from the source so filters run inside the index query.
    community_id = models.BigIntegerField(null=True, blank=True)
    topic_id = models.BigIntegerField(null=True, blank=True)
    # The open author only: anonymous writing has none here, so "by author" can never find it.
    author_id = models.BigIntegerField(null=True, blank=True)
    is_question = models.BooleanField(default=False)
    is_solved = models.BooleanField(default=False)
    created_at = models.DateTimeField()
    title = models.TextField(blank=True, default="")
    body = models.TextField(blank=True, default="")
    indexed_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "object_id", "audience"], name="search_document_unique"
            )
        ]
        indexes = [
            models.Index(fields=["topic_id"], name="search_document_topic"),
            models.Index(fields=["community_id", "created_at"], name="search_document_community"),
            models.Index(fields=["created_at"], name="search_document_created"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id} ({self.audience})"


class SynonymGroup(models.Model):
    """Words and phrases that mean the same to a searcher ("heart attack", "myocardial
    infarction"). Seeded from data/synonyms.txt; admins edit, add and switch groups off."""

    terms = models.TextField(
        _("terms"),
        help_text=_("Comma-separated words or phrases that should find each other."),
    )
    category = models.CharField(_("category"), max_length=40, blank=True, default="")
    is_active = models.BooleanField(_("in use"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["category", "terms"]

    def __str__(self) -> str:
        return self.terms[:80]


class SearchTerm(models.Model):
    """A word found in the index and how many documents hold it: the vocabulary that
    "Did you mean …" suggestions come from. Refreshed by a periodic task."""

    word = models.CharField(max_length=60, unique=True)
    document_count = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return self.word


class TopicEmbedding(models.Model):
    """A topic's meaning as a vector (title and opening words), for related discussions.

    Written by a task after commit when the optional embedding model is installed; `model`
    names it, so vectors from another model are never compared with these.
    """

    topic = models.OneToOneField(
        "discussions.Topic", on_delete=models.CASCADE, related_name="+", primary_key=True
    )
    model = models.CharField(max_length=60)
    vector = models.BinaryField()  # float32, L2-normalised
    source_hash = models.CharField(max_length=64)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Embedding of topic {self.topic_id}"
