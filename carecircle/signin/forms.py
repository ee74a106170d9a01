from __future__ import annotations

from allauth.socialaccount.forms import SignupForm as AllauthSocialSignupForm
from django import forms
from django.utils.translation import gettext_lazy as _

from carecircle.accounts.forms import ROLE_CHOICES


class SingleSignOnSignupForm(AllauthSocialSignupForm):
    """The first visit after hospital single sign-on: choose a display name (a pseudonym)."""

    display_name = forms.CharField(
        label=_("What should we call you?"),
        max_length=60,
        help_text=_(
            "The name others see. A nickname is welcome: we never use the name your hospital "
            "knows you by."
        ),
    )
    roles = forms.MultipleChoiceField(
        label=_("Which describes you? (optional, choose any)"),
        choices=ROLE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def clean_display_name(self) -> str:
        value = " ".join(self.cleaned_data["display_name"].split())
        if len(value) < 2:
            raise forms.ValidationError(_("Please use at least 2 characters."))
        return value
