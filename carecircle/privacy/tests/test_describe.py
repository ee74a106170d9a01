"""Members read audit events about them as plain sentences, never as internal codes."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from carecircle.privacy.describe import describe


@pytest.mark.parametrize(
    ("verb", "sentence"),
    [
        ("message.report", "You reported a message."),
        ("message.report_viewed", "A moderator read a message of yours that someone reported."),
        ("message.delete_by_moderator", "A moderator deleted one of your messages."),
        ("chat.message_delete", "A moderator deleted one of your chat room messages."),
        ("chat.room_mute", "A moderator paused your writing in a chat room."),
        ("chat.room_unmute", "A moderator let you write in a chat room again."),
    ],
)
def test_messaging_events_about_a_member_read_as_sentences(verb, sentence):
    assert describe(SimpleNamespace(verb=verb, data={})) == sentence


def test_an_unknown_event_names_its_code():
    assert describe(SimpleNamespace(verb="x.y", data={})) == (
        "Something was recorded about your account (x.y)."
    )
