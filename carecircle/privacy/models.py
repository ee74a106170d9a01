"""Policy documents and consents, data export requests and memorial notes."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class PolicyDocument(models.Model):
    """One published version of the terms, the privacy policy or an optional consent.

    Required documents (terms, privacy policy) must be accepted to use the site; a new version
    is offered to every member on their next page. Optional consents can be given and withdrawn
    at any time and never block anything.
    """

    class Kind(models.TextChoices):
        TERMS = "terms", _("Terms of use")
        PRIVACY = "privacy", _("Privacy policy")
        RESEARCH_CONTACT = "research_contact", _("Contact me about research studies")

    REQUIRED_KINDS = (Kind.TERMS, Kind.PRIVACY)

    kind = models.CharField(_("kind"), max_length=32, choices=Kind)
    version = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=120)
    summary = models.CharField(
        _("what changed"),
        max_length=300,
        blank=True,
        help_text=_("One or two plain sentences shown to members asked to accept this version."),
    )
    body = models.TextField(_("text"), help_text=_("Markdown is allowed."))
    published_at = models.DateTimeField(
        _("published at"),
        null=True,
        blank=True,
        help_text=_("Leave empty while drafting. Once set, members are asked to accept it."),
    )

    class Meta:
        ordering = ["kind", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "version"], name="one_policy_per_version")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} v{self.version}"

    def get_absolute_url(self) -> str:
        names = {
            self.Kind.TERMS: "policy_terms",
            self.Kind.PRIVACY: "policy_privacy",
        }
        name = names.get(self.kind)  # type: ignore[call-overload]
        if name:
            return reverse(name)
        return reverse("policy_optional", kwargs={"kind": self.kind})

    @property
    def is_required(self) -> bool:
        return self.kind in self.REQUIRED_KINDS


class ConsentRecord(models.Model):
    """A member's acceptance of one version of one document, and its withdrawal if any."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="consents"
    )
    document = models.ForeignKey(PolicyDocument, on_delete=models.PROTECT, related_name="consents")
    accepted_at = models.DateTimeField()
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-accepted_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "document"], name="one_consent_per_version")
        ]

    def __str__(self) -> str:
        return f"Consent of {self.user_id} to {self.document_id}"

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None


class DataExport(models.Model):
    """A member's request for a copy of their data, and the private ZIP built for it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Being prepared")
        READY = "ready", _("Ready to download")
        FAILED = "failed", _("Could not be prepared")
        EXPIRED = "expired", _("Expired")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="data_exports"
    )
    status = models.CharField(max_length=10, choices=Status, default=Status.PENDING)
    requested_at = models.DateTimeField(db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # A path relative to the private export folder (settings.CARECIRCLE_EXPORT_ROOT), never
    # under MEDIA_ROOT: the file is only ever served by the owner-checking download view.
    file_name = models.CharField(max_length=200, blank=True, default="")
    size_bytes = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return f"Export {self.pk} of {self.user_id} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.PENDING


class MemorialNote(models.Model):
    """Why and at whose request a member was marked as in memory; read by staff only."""

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memorial_notes"
    )
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(_("note for staff"))
    is_undo = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Memorial note on {self.member_id}"
