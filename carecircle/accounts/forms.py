from __future__ import annotations

from typing import Any

from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.http import HttpRequest
from django.urls import reverse_lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from carecircle.accounts.actions import MAX_BIO, MAX_PRONOUNS, MAX_REGION, MAX_STORY

ROLE_CHOICES = [
    ("patient", _("I live with a health condition")),
    ("caregiver", _("I care for someone")),
]

# Being a health professional is a verified role (it lets a member curate libraries and review
# medical accuracy), so no form offers it: members say so in their own words instead.
PROFESSIONAL_NOTE = _(
    "Work in health care? Say so in “About me” on your profile. The “Health professional” "
    "badge is added by the site team after they check your professional registration."
)


class JoiningFields(forms.Form):
    """What every new member answers, whichever way they join (email or single sign-on):
    their roles and agreement to the terms. Each form declares its own display name field."""

    roles = forms.MultipleChoiceField(
        label=_("Which describes you? (optional, choose any)"),
        choices=ROLE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=PROFESSIONAL_NOTE,
    )
    accept_terms = forms.BooleanField(
        label=_("I agree to the terms of use and the privacy policy"),
        help_text=format_lazy(
            '<a href="{}">{}</a> · <a href="{}">{}</a>',
            reverse_lazy("policy_terms"),
            _("Read the terms of use"),
            reverse_lazy("policy_privacy"),
            _("Read the privacy policy"),
        ),
        error_messages={"required": _("Please tick this box to join. The links open both.")},
    )

    def clean_display_name(self) -> str:
        value = " ".join(self.cleaned_data["display_name"].split())
        if len(value) < 2:
            raise forms.ValidationError(_("Please use at least 2 characters."))
        return value

    def save(self, request: HttpRequest) -> Any:
        from carecircle.accounts.queries import get_profile

        user = super().save(request)  # type: ignore[misc]
        # Created now so the member's privacy defaults exist from the first minute.
        get_profile(user)
        return user


class SignupForm(JoiningFields, AllauthSignupForm):
    display_name = forms.CharField(
        label=_("Display name"),
        max_length=60,
        help_text=_("What others will call you. A nickname is welcome; no real name needed."),
    )


class ProfileForm(forms.Form):
    display_name = forms.CharField(label=_("Display name"), max_length=60)
    handle = forms.CharField(
        label=_("Handle"),
        max_length=40,
        help_text=_("Others mention you with @handle. Letters, numbers, dots, dashes."),
    )
    is_patient = forms.BooleanField(label=ROLE_CHOICES[0][1], required=False)
    is_caregiver = forms.BooleanField(label=ROLE_CHOICES[1][1], required=False)
    time_zone = forms.CharField(
        label=_("Time zone"),
        max_length=64,
        required=False,
        help_text=_("For example Europe/London. Dates and times are shown in this zone."),
    )


class ProfessionalVerificationForm(forms.Form):
    """Staff verify a member by handle, or withdraw it; the note goes to the audit log."""

    handle = forms.CharField(
        label=_("Member's handle"),
        max_length=41,
        help_text=_("As on their profile, like @sam.nurse."),
    )
    note = forms.CharField(
        label=_("What you checked"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "For example the registration body and number you looked up. Kept in the audit log."
        ),
    )


class WithdrawProfessionalForm(forms.Form):
    """Withdraw one listed member's verification; the reason goes to the audit log."""

    note = forms.CharField(
        label=_("Why it is withdrawn"),
        max_length=500,
        help_text=_("Kept in the audit log."),
    )


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Token name"),
        max_length=80,
        help_text=_("A name to recognise it by, like “my phone app”."),
    )


def _visibility_choices() -> list[tuple[str, Any]]:
    from carecircle.accounts.models import Visibility

    return list(Visibility.choices)


class ProfileDetailsForm(forms.Form):
    """The "My profile" page; conditions come as lists (kept + newly typed) beside it."""

    bio = forms.CharField(
        label=_("About me"),
        required=False,
        max_length=MAX_BIO,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": MAX_BIO}),
        help_text=format_lazy(_("A few words about you, up to {} characters."), MAX_BIO),
    )
    pronouns = forms.CharField(
        label=_("Pronouns"),
        required=False,
        max_length=MAX_PRONOUNS,
        help_text=_("For example she/her, he/him or they/them. Leave empty if you prefer."),
    )
    interests = forms.CharField(
        label=_("Interests"),
        required=False,
        max_length=2000,
        help_text=_("Things you enjoy or want to talk about, separated by commas."),
    )
    treatments = forms.CharField(
        label=_("My treatments"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Medicines, therapies or devices, one per line."),
    )
    country = forms.ChoiceField(label=_("Country"), required=False)
    region = forms.CharField(
        label=_("Region (optional)"),
        required=False,
        max_length=MAX_REGION,
        help_text=_("A state, province or area. Never your town or street."),
    )
    story = forms.CharField(
        label=_("My story"),
        required=False,
        max_length=MAX_STORY,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("As long as you like. Markdown works, like **bold** and lists."),
    )
    is_hidden = forms.BooleanField(
        label=_("Hide my whole profile"),
        required=False,
        help_text=_(
            "Others then see only your display name, @handle and your initials. Your posts "
            "stay signed with your display name."
        ),
    )
    is_presence_hidden = forms.BooleanField(
        label=_("Hide when I am online"),
        required=False,
        help_text=_(
            "Other members will not see when you are online, for example in chat. You still "
            "see everything as usual."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from carecircle.accounts.countries import COUNTRIES
        from carecircle.accounts.privacy import FIELD_LABELS, FIELDS

        super().__init__(*args, **kwargs)
        country = self.fields["country"]
        assert isinstance(country, forms.ChoiceField)
        country.choices = [("", _("I prefer not to say")), *COUNTRIES]
        for name in FIELDS:
            self.fields[f"visibility_{name}"] = forms.ChoiceField(
                label=_("Who can see “%(field)s”") % {"field": FIELD_LABELS[name]},
                choices=_visibility_choices(),
            )

    def visibility(self) -> dict[str, str]:
        from carecircle.accounts.privacy import FIELDS

        return {name: self.cleaned_data[f"visibility_{name}"] for name in FIELDS}

    def details(self) -> dict[str, Any]:
        """The cleaned values as the action's keyword arguments (without conditions)."""
        data = self.cleaned_data
        return {
            "bio": data["bio"],
            "pronouns": data["pronouns"],
            "interests": [item for item in data["interests"].split(",") if item.strip()],
            "treatments": [line for line in data["treatments"].splitlines() if line.strip()],
            "country": data["country"],
            "region": data["region"],
            "story": data["story"],
            "is_hidden": data["is_hidden"],
            "is_presence_hidden": data["is_presence_hidden"],
            "visibility": self.visibility(),
        }


class AvatarForm(forms.Form):
    avatar = forms.FileField(
        label=_("Choose a picture"),
        help_text=_(
            "A JPEG, PNG, WebP or GIF up to 5 MB. We shrink it to a small square and remove "
            "hidden details such as where the photo was taken."
        ),
    )
