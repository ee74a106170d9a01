from __future__ import annotations

from typing import Any

from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

ROLE_CHOICES = [
    ("patient", _("I live with a health condition")),
    ("caregiver", _("I care for someone")),
    ("professional", _("I am a health professional")),
]


class SignupForm(AllauthSignupForm):
    display_name = forms.CharField(
        label=_("Display name"),
        max_length=60,
        help_text=_("What others will call you. A nickname is welcome; no real name needed."),
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

    def save(self, request: HttpRequest) -> Any:  # type: ignore[override]
        user = super().save(request)
        return user


class ProfileForm(forms.Form):
    display_name = forms.CharField(label=_("Display name"), max_length=60)
    handle = forms.CharField(
        label=_("Handle"),
        max_length=40,
        help_text=_("Others mention you with @handle. Letters, numbers, dots, dashes."),
    )
    is_patient = forms.BooleanField(label=ROLE_CHOICES[0][1], required=False)
    is_caregiver = forms.BooleanField(label=ROLE_CHOICES[1][1], required=False)
    is_professional = forms.BooleanField(label=ROLE_CHOICES[2][1], required=False)
    time_zone = forms.CharField(
        label=_("Time zone"),
        max_length=64,
        required=False,
        help_text=_("For example Europe/London. Dates and times are shown in this zone."),
    )


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Token name"),
        max_length=80,
        help_text=_("A name to recognise it by, like “my phone app”."),
    )
