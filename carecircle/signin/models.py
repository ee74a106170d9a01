from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class MemberSession(models.Model):
    """One signed-in browser or device of a member, for "Where you're signed in".

    Only a SHA-256 of the Django session key is kept: the raw key is a live credential.
    """

    class Method(models.TextChoices):
        PASSWORD = "password", _("Password")
        PASSKEY = "passkey", _("Passkey")
        SINGLE_SIGN_ON = "single_sign_on", _("Hospital single sign-on")
        EMAIL = "email", _("Link or code sent by email")
        OTHER = "other", _("Other")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="member_sessions"
    )
    session_key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)
    device = models.CharField(_("device"), max_length=120)
    # The network, not the address: 203.0.113.0/24 or 2001:db8:1::/48.
    ip_network = models.CharField(_("network"), max_length=50, blank=True, default="")
    place = models.CharField(_("approximate place"), max_length=80, blank=True, default="")
    method = models.CharField(
        _("signed in with"), max_length=20, choices=Method.choices, default=Method.OTHER
    )

    class Meta:
        ordering = ["-last_seen_at", "-id"]
        indexes = [models.Index(fields=["user", "-last_seen_at"], name="signin_session_user_seen")]

    def __str__(self) -> str:
        return f"{self.device} ({self.user_id})"
