"""Hospital single sign-on: OpenID Connect providers read from the environment.

Imported by config/settings.py, so it must not import Django models or settings.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ImproperlyConfigured

PROVIDER_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
TRUE = {"1", "true", "yes", "on"}


def _provider(raw: Mapping[str, Any], where: str) -> dict[str, Any]:
    missing = [key for key in ("server_url", "client_id") if not str(raw.get(key) or "").strip()]
    if missing:
        raise ImproperlyConfigured(f"{where}: missing {', '.join(missing)}. See docs/deploy.md.")
    provider_id = str(raw.get("id") or "hospital").strip().lower()
    if not PROVIDER_ID.match(provider_id):
        raise ImproperlyConfigured(
            f"{where}: id {provider_id!r} must be lowercase letters, digits and dashes."
        )
    trust = raw.get("trust_email", False)
    if isinstance(trust, str):
        trust = trust.strip().lower() in TRUE
    return {
        "provider_id": provider_id,
        "name": str(raw.get("name") or "Hospital sign-in").strip(),
        "client_id": str(raw["client_id"]).strip(),
        "secret": str(raw.get("client_secret") or "").strip(),
        "settings": {
            "server_url": str(raw["server_url"]).strip(),
            # Only a provider the site operator vouches for may mark email addresses as
            # verified; otherwise the member confirms the address by email like everyone else.
            "trust_email": bool(trust),
            "scope": ["openid", "email"],
        },
    }


def openid_connect_settings(environ: Mapping[str, str]) -> list[dict[str, Any]]:
    """allauth `APPS` entries from CARECIRCLE_OIDC_PROVIDERS or the single-provider variables."""
    providers: list[dict[str, Any]] = []
    raw_json = environ.get("CARECIRCLE_OIDC_PROVIDERS", "").strip()
    if raw_json:
        try:
            items = json.loads(raw_json)
        except json.JSONDecodeError as error:
            raise ImproperlyConfigured(
                f"CARECIRCLE_OIDC_PROVIDERS is not valid JSON: {error}"
            ) from error
        if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
            raise ImproperlyConfigured("CARECIRCLE_OIDC_PROVIDERS must be a JSON list of objects.")
        providers = [
            _provider(item, f"CARECIRCLE_OIDC_PROVIDERS[{index}]")
            for index, item in enumerate(items)
        ]
    elif environ.get("CARECIRCLE_OIDC_SERVER_URL", "").strip():
        providers = [
            _provider(
                {
                    "id": environ.get("CARECIRCLE_OIDC_ID", ""),
                    "name": environ.get("CARECIRCLE_OIDC_NAME", ""),
                    "server_url": environ.get("CARECIRCLE_OIDC_SERVER_URL", ""),
                    "client_id": environ.get("CARECIRCLE_OIDC_CLIENT_ID", ""),
                    "client_secret": environ.get("CARECIRCLE_OIDC_CLIENT_SECRET", ""),
                    "trust_email": environ.get("CARECIRCLE_OIDC_TRUST_EMAIL", ""),
                },
                "CARECIRCLE_OIDC_SERVER_URL",
            )
        ]
    ids = [provider["provider_id"] for provider in providers]
    if len(set(ids)) != len(ids):
        raise ImproperlyConfigured("CARECIRCLE_OIDC_PROVIDERS: every provider needs its own id.")
    return providers
