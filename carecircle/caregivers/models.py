from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from carecircle.core.models import TimeStampedModel


class CaregiverLink(TimeStampedModel):
    """A caregiver linked to the person they care for, with that person's consent.

    Either side may ask; the other side accepts. The patient decides what the carer sees
    (`shared_fields`, names of profile fields) and whether, and in which communities, the carer
    may post on their behalf. Either side can end the link; ended links are kept as a record.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for an answer")
        ACTIVE = "active", _("Active")
        DECLINED = "declined", _("Declined")
        ENDED = "ended", _("Ended")

    class Side(models.TextChoices):
        PATIENT = "patient", _("The person cared for")
        CARER = "carer", _("The caregiver")

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="carer_links"
    )
    carer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="patient_links"
    )
    status = models.CharField(max_length=10, choices=Status, default=Status.PENDING)
    requested_by = models.CharField(max_length=10, choices=Side)
    shared_fields = models.JSONField(default=list, blank=True)
    may_post = models.BooleanField(_("may post for me"), default=False)
    post_communities = models.ManyToManyField("communities.Community", blank=True, related_name="+")
    accepted_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "carer"],
                condition=Q(status__in=["pending", "active"]),
                name="one_open_caregiver_link",
            ),
            models.CheckConstraint(
                condition=~Q(patient=models.F("carer")), name="caregiver_link_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"Carer {self.carer_id} for {self.patient_id} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE
