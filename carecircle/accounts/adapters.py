from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.db import IntegrityError, transaction
from django.forms import BaseForm
from django.http import HttpRequest
from django.urls import reverse

from carecircle.accounts.handles import suggest_handle

HANDLE_ATTEMPTS = 5


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return bool(getattr(settings, "CARECIRCLE_SIGNUP_OPEN", True))

    def populate_username(self, request: HttpRequest, user: Any) -> None:
        # CareCircle has no username; the handle is made from the display name.
        return None

    def save_user(
        self, request: HttpRequest, user: Any, form: BaseForm, commit: bool = True
    ) -> Any:
        """Save a new member with display name, roles and a free handle in one insert.

        Only the roles the form offers are read: being a health professional is verified by
        the site team later, never chosen when joining.
        """
        user = super().save_user(request, user, form, commit=False)
        data = form.cleaned_data
        roles = set(data.get("roles") or [])
        user.display_name = data.get("display_name") or user.email.split("@")[0]
        user.is_patient = "patient" in roles
        user.is_caregiver = "caregiver" in roles
        if not commit:
            user.handle = suggest_handle(user.display_name)
            return user
        # Two people signing up with the same name at once can pick the same free handle:
        # the unique constraint decides, and the loser gets another suggestion.
        for attempt in range(HANDLE_ATTEMPTS):
            user.handle = suggest_handle(user.display_name, force_suffix=attempt > 0)
            try:
                with transaction.atomic():
                    user.save()
            except IntegrityError:
                if attempt == HANDLE_ATTEMPTS - 1:
                    raise
                continue
            break
        if data.get("accept_terms"):
            from carecircle.privacy.actions import accept_current_documents

            accept_current_documents(actor=user)
        from carecircle.engagement.actions import start_onboarding

        # A new member is taken through the welcome steps the first times they sign in,
        # until they finish or skip them.
        start_onboarding(actor=user)
        from carecircle.search.indexing import index_member_later

        index_member_later(user.pk)
        return user

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        from carecircle.engagement.queries import needs_onboarding

        if needs_onboarding(request.user):
            return reverse("onboarding")
        return super().get_login_redirect_url(request)

    def get_signup_redirect_url(self, request: HttpRequest) -> str:
        from carecircle.engagement.queries import needs_onboarding

        if needs_onboarding(request.user):
            return reverse("onboarding")
        return super().get_signup_redirect_url(request)

    def pre_login(self, request: HttpRequest, user: Any, **kwargs: Any) -> Any:
        # A member marked as in memory: nobody signs in to the account any more.
        if getattr(user, "memorialised_at", None) is not None:
            from allauth.account.internal.stagekit import clear_login
            from django.shortcuts import render

            clear_login(request)
            return render(request, "privacy/sign_in_refused.html", status=403)
        from carecircle.moderation.enforcement import is_banned_from_site

        if is_banned_from_site(user):
            from allauth.account.internal.stagekit import clear_login
            from django.shortcuts import render

            clear_login(request)
            return render(request, "moderation/sign_in_banned.html", status=403)
        return super().pre_login(request, user, **kwargs)
