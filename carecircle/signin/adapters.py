"""allauth hooks for passkeys and hospital single sign-on."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.http import HttpRequest


def relying_party_id() -> str:
    """The passkey relying party: CARECIRCLE_WEBAUTHN_RP_ID, else SITE_URL's host name.

    Taken from settings, never from the request's Host header, so a passkey is always bound
    to the site's real name.
    """
    return settings.CARECIRCLE_WEBAUTHN_RP_ID or urlsplit(settings.SITE_URL).hostname or ""


class MFAAdapter(DefaultMFAAdapter):
    def get_public_key_credential_rp_entity(self) -> dict[str, str]:
        return {"id": relying_party_id(), "name": settings.SITE_NAME}


def provider_trusts_email(request: HttpRequest, sociallogin: Any) -> bool:
    """Whether the site operator vouches for this provider's email addresses (trust_email)."""
    try:
        provider = sociallogin.account.get_provider(request)
        return bool((provider.app.settings or {}).get("trust_email", False))
    except Exception:  # noqa: BLE001 - anything unexpected means "not trusted"
        return False


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def populate_user(self, request: HttpRequest, sociallogin: Any, data: dict[str, Any]) -> Any:
        """Take the email address only, never the person's name.

        A hospital's identity provider knows members by their legal name. On CareCircle people
        talk about their health under a pseudonym of their choosing, and a real name shown by
        default would out them to everyone reading. The member picks a display name on the
        next page instead.
        """
        user = super().populate_user(request, sociallogin, data)
        user.display_name = ""
        return user

    def pre_social_login(self, request: HttpRequest, sociallogin: Any) -> None:
        # An identity provider's "email_verified" claim counts only when the site operator set
        # trust_email for it; otherwise the member confirms the address by email as usual.
        if not provider_trusts_email(request, sociallogin):
            for address in sociallogin.email_addresses:
                address.verified = False
        super().pre_social_login(request, sociallogin)

    def get_signup_form_initial_data(self, sociallogin: Any) -> dict[str, Any]:
        initial = super().get_signup_form_initial_data(sociallogin)
        initial.pop("first_name", None)
        initial.pop("last_name", None)
        initial.pop("username", None)
        initial["display_name"] = ""
        return initial
