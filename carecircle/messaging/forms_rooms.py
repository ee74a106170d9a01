"""Input parsing for the chat room pages (the rules themselves live in actions/rooms.py)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

DATETIME_INPUT = "%Y-%m-%dT%H:%M"


class RoomForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=80,
        help_text=_("For example “Tuesday evening support group”."),
    )
    description = forms.CharField(
        label=_("What the room is for"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    retention_days = forms.IntegerField(
        label=_("Keep messages for (days)"),
        required=False,
        min_value=1,
        max_value=3650,
        help_text=_(
            "Older messages are deleted for good, within the hour. Leave empty to keep them."
        ),
    )


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self) -> None:
        super().__init__(format=DATETIME_INPUT)


class SessionForm(forms.Form):
    """Times are read and shown in the member's own time zone (activated per request)."""

    title = forms.CharField(label=_("Title"), max_length=120)
    starts_at = forms.DateTimeField(
        label=_("Starts"),
        input_formats=[DATETIME_INPUT],
        widget=LocalDateTimeInput(),
        help_text=_("In your own time zone."),
    )
    ends_at = forms.DateTimeField(
        label=_("Ends"), input_formats=[DATETIME_INPUT], widget=LocalDateTimeInput()
    )
    publishes_transcript = forms.BooleanField(
        label=_("The transcript may be published as a topic in the community afterwards"),
        required=False,
        help_text=_(
            "Everyone in the room sees this during the session, before they write. Only such "
            "sessions can be published."
        ),
    )


MUTE_CHOICES = [
    ("15", _("15 minutes")),
    ("60", _("1 hour")),
    ("1440", _("1 day")),
    ("10080", _("7 days")),
]

SLOW_MODE_CHOICES = [
    ("0", _("Off")),
    ("10", _("One message every 10 seconds")),
    ("30", _("One message every 30 seconds")),
    ("60", _("One message a minute")),
    ("300", _("One message every 5 minutes")),
]


class MuteForm(forms.Form):
    handle = forms.CharField(label=_("Member's handle"), max_length=40)
    minutes = forms.ChoiceField(label=_("For how long"), choices=MUTE_CHOICES)
    reason = forms.CharField(
        label=_("Reason (other moderators see it)"), required=False, max_length=300
    )

    def clean_handle(self) -> str:
        return self.cleaned_data["handle"].strip().lstrip("@").lower()


class SlowModeForm(forms.Form):
    seconds = forms.ChoiceField(label=_("Slow mode"), choices=SLOW_MODE_CHOICES)
