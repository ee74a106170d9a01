"""Input of the onboarding steps and the welcome message editor (validation only)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from carecircle.accounts.models import Visibility
from carecircle.accounts.privacy import FIELD_LABELS
from carecircle.engagement.actions import MAX_WELCOME, PRIVACY_FIELDS
from carecircle.notifications.models import DigestFrequency


class RolesForm(forms.Form):
    is_patient = forms.BooleanField(label=_("I live with a health condition"), required=False)
    is_caregiver = forms.BooleanField(
        label=_("I care for someone with a health condition"), required=False
    )
    is_interested = forms.BooleanField(
        label=_("I am interested: I want to learn or support others"), required=False
    )


class CommunitiesForm(forms.Form):
    communities = forms.MultipleChoiceField(
        label=_("Communities to join"), required=False, widget=forms.CheckboxSelectMultiple
    )
    accept_guidelines = forms.BooleanField(
        label=_("I have read the guidelines of the communities I picked and agree to follow them"),
        required=False,
    )

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["communities"].choices = choices  # type: ignore[attr-defined]


VISIBILITY_HELP = _("Who can see your %(what)s.")


class PrivacyForm(forms.Form):
    is_hidden = forms.BooleanField(
        label=_("Hide my whole profile"),
        required=False,
        help_text=_(
            "Others then see only your display name, @handle and picture, whatever you choose "
            "below. Your posts still show your display name."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in PRIVACY_FIELDS:
            self.fields[f"visibility_{name}"] = forms.ChoiceField(
                label=FIELD_LABELS[name], choices=Visibility.choices
            )

    def visibility(self) -> dict[str, str]:
        return {name: self.cleaned_data[f"visibility_{name}"] for name in PRIVACY_FIELDS}

    def visibility_fields(self) -> list[forms.BoundField]:
        return [self[f"visibility_{name}"] for name in PRIVACY_FIELDS]


class NotificationsForm(forms.Form):
    digest = forms.ChoiceField(
        label=_("A summary email of what is new in your communities"),
        choices=DigestFrequency.choices,
        widget=forms.RadioSelect,
        initial=DigestFrequency.OFF,
    )
    email_includes_details = forms.BooleanField(
        label=_("Emails may say who wrote, in which community, with a short excerpt"),
        required=False,
        help_text=_(
            "Off: emails only say that something happened (“You have a new reply”), so nobody "
            "reading your inbox over your shoulder learns which health community you are in."
        ),
    )


class IntroductionForm(forms.Form):
    bio = forms.CharField(
        label=_("About me"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": 300}),
        help_text=_(
            "A few words others see on your profile, for example why you came. Up to 300 "
            "characters. You can change it any time."
        ),
    )


class WelcomeMessageForm(forms.Form):
    body = forms.CharField(
        label=_("Welcome message"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 10, "maxlength": MAX_WELCOME}),
        help_text=_(
            "New members are told about it when they join. Markdown is allowed. Leave it "
            "empty to use the default welcome."
        ),
    )
    is_enabled = forms.BooleanField(
        label=_("Tell new members about it when they join"), required=False
    )
