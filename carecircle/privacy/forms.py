"""Input validation for the privacy pages (the rules themselves live in actions.py)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class DeleteAccountForm(forms.Form):
    KEEP_CHOICES = [
        (
            "keep",
            _(
                "Keep my posts, shown as written by “former member”, so conversations still "
                "make sense"
            ),
        ),
        ("remove", _("Remove all my posts and topics (replies by others stay)")),
    ]

    posts = forms.ChoiceField(
        label=_("What should happen to what you wrote?"),
        choices=KEEP_CHOICES,
        widget=forms.RadioSelect,
    )
    password = forms.CharField(
        label=_("Your password"),
        help_text=_("To make sure it is really you."),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    confirm = forms.BooleanField(
        label=_("I understand my account cannot be brought back"),
        error_messages={"required": _("Please tick this box to confirm.")},
    )

    @property
    def keep_posts(self) -> bool:
        return self.cleaned_data.get("posts") == "keep"


class MemorialForm(forms.Form):
    note = forms.CharField(
        label=_("Note for staff"),
        help_text=_(
            "Who asked for this, how they are related, and how you confirmed it. Only staff "
            "read this note."
        ),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )


class AuditFilterForm(forms.Form):
    verb = forms.CharField(label=_("What happened (code)"), required=False, max_length=64)
    actor = forms.CharField(label=_("Done by (handle)"), required=False, max_length=40)
    subject = forms.CharField(label=_("About (handle)"), required=False, max_length=40)
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
