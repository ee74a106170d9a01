from __future__ import annotations

from allauth.socialaccount.forms import SignupForm as AllauthSocialSignupForm
from django import forms
from django.utils.translation import gettext_lazy as _

from carecircle.accounts.forms import JoiningFields


class SingleSignOnSignupForm(JoiningFields, AllauthSocialSignupForm):
    """The first visit after hospital single sign-on: choose a display name (a pseudonym) and
    agree to the terms, like everyone who joins."""

    display_name = forms.CharField(
        label=_("What should we call you?"),
        max_length=60,
        help_text=_(
            "The name others see. A nickname is welcome: we never use the name your hospital "
            "knows you by."
        ),
    )
