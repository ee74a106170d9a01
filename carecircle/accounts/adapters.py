from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.http import HttpRequest


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return bool(getattr(settings, "CARECIRCLE_SIGNUP_OPEN", True))

    def populate_username(self, request: HttpRequest, user: Any) -> None:
        # CareCircle has no username; the handle is chosen in the signup form.
        return None
