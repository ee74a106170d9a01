from __future__ import annotations

import hashlib
from typing import Any, ClassVar

from django.contrib.auth.models import AbstractBaseUser, PermissionsMixin
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from carecircle.core.crypto import EncryptedJSONField, EncryptedTextField

HANDLE_VALIDATOR_PATTERN = r"^[\w.\-]{2,40}$"


class UserManager(DjangoUserManager["User"]):
    def _create_user_object(self, username: Any, email: Any, password: Any, **extra: Any) -> User:
        email = self.normalize_email(email)
        user = self.model(email=email, **extra)
        user.set_password(password)
        return user

    def create_user(  # type: ignore[override]
        self, email: str, password: str | None = None, **extra: Any
    ) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        user = self._create_user_object(None, email, password, **extra)
        user.save(using=self._db)
        return user

    def create_superuser(  # type: ignore[override]
        self, email: str, password: str | None = None, **extra: Any
    ) -> User:
        extra.update(is_staff=True, is_superuser=True, is_site_admin=True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person with an account. Display names are pseudonyms; real names are never required."""

    email = models.EmailField(_("email address"), unique=True)
    display_name = models.CharField(
        _("display name"),
        max_length=60,
        help_text=_("The name others see. A nickname is fine; you never need your real name."),
    )
    handle = models.CharField(
        _("handle"),
        max_length=40,
        unique=True,
        help_text=_("Used to mention you, like @handle. Letters, numbers, dots and dashes."),
    )
    is_patient = models.BooleanField(_("patient"), default=False)
    is_caregiver = models.BooleanField(_("caregiver"), default=False)
    is_professional = models.BooleanField(_("health professional"), default=False)
    is_site_moderator = models.BooleanField(_("site moderator"), default=False)
    is_site_manager = models.BooleanField(_("site manager"), default=False)
    is_site_admin = models.BooleanField(_("site administrator"), default=False)
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True, default="")
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)
    # Set by a community manager or admin at a family's request: the profile shows "In memory",
    # sign-in and notifications stop, and the member's posts stay.
    memorialised_at = models.DateTimeField(_("in memory since"), null=True, blank=True)

    objects: ClassVar[UserManager] = UserManager()  # type: ignore[assignment]

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = ["display_name", "handle"]

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")

    def __str__(self) -> str:
        return self.display_name or self.handle

    def get_absolute_url(self) -> str:
        return reverse("member_profile", kwargs={"handle": self.handle})

    @property
    def role_labels(self) -> list[str]:
        labels = []
        for field in (
            "is_patient",
            "is_caregiver",
            "is_professional",
            "is_site_moderator",
            "is_site_manager",
            "is_site_admin",
        ):
            if getattr(self, field):
                labels.append(str(self._meta.get_field(field).verbose_name))  # type: ignore[union-attr]
        return labels

    @property
    def is_site_staff(self) -> bool:
        """Site moderators, managers and admins may read and moderate every community."""
        return bool(self.is_site_admin or self.is_site_manager or self.is_site_moderator)


class ApiToken(models.Model):
    """A personal API token; only its hash is stored, the secret is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=80)
    prefix = models.CharField(max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class Condition(models.Model):
    """One entry of the shared, searchable list of health conditions members pick from."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    # Lay names people search by ("sugar" for diabetes), comma-separated; searched, never shown.
    synonyms = models.CharField(_("other names"), max_length=300, blank=True, default="")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Visibility(models.TextChoices):
    """Who may see one profile field, from the widest audience to the narrowest."""

    EVERYONE = "everyone", _("Everyone")
    MEMBERS = "members", _("Signed-in members")
    SHARED = "shared", _("Members of my communities")
    PRIVATE = "private", _("Only me")


class Profile(models.Model):
    """What a member chose to tell about themself, and who may see each part of it.

    Health fields are encrypted at rest. Which viewer sees what is decided in one place only:
    `carecircle.accounts.privacy`.
    """

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="profile")
    # A path under MEDIA_ROOT (avatars/<random>.webp), or empty for the generated avatar.
    avatar = models.CharField(_("picture"), max_length=120, blank=True, default="")
    bio = models.CharField(_("about me"), max_length=300, blank=True, default="")
    pronouns = models.CharField(_("pronouns"), max_length=40, blank=True, default="")
    interests = models.JSONField(_("interests"), default=list, blank=True)
    conditions = EncryptedJSONField(_("conditions"), default=list, blank=True)
    treatments = EncryptedJSONField(_("treatments"), default=list, blank=True)
    story = EncryptedTextField(_("my story"), blank=True, default="")
    country = models.CharField(_("country"), max_length=2, blank=True, default="")
    region = models.CharField(_("region"), max_length=80, blank=True, default="")
    # {field name: Visibility}; a missing key means the field's default (see privacy.py).
    visibility = models.JSONField(default=dict, blank=True)
    is_hidden = models.BooleanField(_("hide my whole profile"), default=False)
    is_presence_hidden = models.BooleanField(_("hide when I am online"), default=False)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Profile of {self.user_id}"
