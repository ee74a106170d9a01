"""The bell's sentences: exact words for every kind, counts, anonymous and system actors."""

from __future__ import annotations

import pytest
from django.utils import translation

from carecircle.notifications.kinds import KINDS, NotificationKind, register_kind
from carecircle.notifications.presenters import actor_out, describe
from carecircle.notifications.tests.factories import make_notification

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.mark.parametrize(
    ("kind", "count", "expected"),
    [
        ("reply", 1, "Cam the caregiver replied to “Tired after metformin”"),
        (
            "reply",
            2,
            "2 new replies to you in “Tired after metformin”, the latest from Cam the caregiver",
        ),
        (
            "reply",
            3,
            "3 new replies to you in “Tired after metformin”, the latest from Cam the caregiver",
        ),
        ("mention", 1, "Cam the caregiver mentioned you in “Tired after metformin”"),
        ("quote", 1, "Cam the caregiver quoted you in “Tired after metformin”"),
        ("reaction", 1, "Cam the caregiver reacted to your post in “Tired after metformin”"),
        (
            "reaction",
            4,
            "4 reactions to your post in “Tired after metformin”, "
            "the latest from Cam the caregiver",
        ),
        (
            "watched_topic",
            1,
            "Cam the caregiver started “Tired after metformin” in Type 2 Diabetes",
        ),
        ("watched_reply", 1, "Cam the caregiver replied in “Tired after metformin”"),
        (
            "watched_reply",
            5,
            "5 new replies in “Tired after metformin”, the latest from Cam the caregiver",
        ),
        (
            "accepted_answer",
            1,
            "Cam the caregiver marked your reply as the answer to “Tired after metformin”",
        ),
        (
            "moderation",
            1,
            "The moderators made a decision about what you wrote in “Tired after metformin”",
        ),
        ("welcome", 1, "Welcome to Type 2 Diabetes"),
    ],
)
def test_topic_kinds(patient, caregiver, topic, kind, count, expected):
    row = make_notification(patient, kind=kind, actor=caregiver, topic=topic, count=count)
    assert describe(row) == expected


def test_every_registered_kind_has_a_sentence(patient, caregiver, topic):
    sentences = {
        key: describe(make_notification(patient, kind=key, actor=caregiver, topic=topic))
        for key in KINDS
    }
    # None falls back to the generic email text: the bell names who and where.
    for key, sentence in sentences.items():
        assert sentence != str(KINDS[key].generic) or key == "badge", key


def test_messages_count_and_requests(patient, caregiver):
    one = make_notification(patient, kind="message", actor=caregiver)
    three = make_notification(patient, kind="message", actor=caregiver, count=3)
    request = make_notification(patient, kind="message_request", actor=caregiver)
    assert describe(one) == "Cam the caregiver sent you a message"
    assert describe(three) == "Cam the caregiver sent you 3 messages"
    assert describe(request) == "Cam the caregiver would like to send you a message"


def test_anonymous_writer_shows_only_the_label(patient, topic):
    row = make_notification(patient, kind="mention", actor_label="Anonymous member 3", topic=topic)
    assert describe(row) == "Anonymous member 3 mentioned you in “Tired after metformin”"
    assert actor_out(row) == {"handle": None, "display_name": None, "label": "Anonymous member 3"}


def test_no_actor_and_no_label_is_someone(patient, topic):
    row = make_notification(patient, kind="reply", topic=topic)
    assert describe(row) == "Someone replied to “Tired after metformin”"


def test_without_a_topic(patient, caregiver):
    assert describe(make_notification(patient, kind="reply", actor=caregiver)) == (
        "Cam the caregiver replied to you"
    )
    assert describe(make_notification(patient, kind="reply", actor=caregiver, count=2)) == (
        "2 new replies to you, the latest from Cam the caregiver"
    )
    assert describe(make_notification(patient, kind="moderation")) == (
        "The moderators made a decision about something you wrote"
    )
    assert describe(make_notification(patient, kind="welcome")) == "Welcome to your new community"


@pytest.mark.parametrize(
    ("verb", "expected"),
    [
        ("hide", "The moderators made a decision about something you wrote"),
        ("warn", "The moderators made a decision about your account"),
        ("suspend", "The moderators made a decision about your account"),
        ("appeal_upheld", "Your appeal was decided"),
    ],
)
def test_moderation_lines_say_what_the_decision_was_about(patient, verb, expected):
    line = make_notification(patient, kind="moderation", data={"action_id": 1, "verb": verb})

    assert describe(line) == expected


def test_badge_names_the_badge_when_given(patient):
    named = make_notification(patient, kind="badge", data={"badge": "first_topic"})
    assert describe(named) == "You earned a badge: First topic"
    assert describe(make_notification(patient, kind="badge")) == "You earned a badge"
    retired = make_notification(patient, kind="badge", data={"badge": "retired"})
    assert describe(retired) == "You earned a badge"
    stored = make_notification(
        patient, kind="badge", data={"badge": "retired", "badge_name": "Old friend"}
    )
    assert describe(stored) == "You earned a badge: Old friend"


def test_kind_without_a_sentence_uses_its_generic_text(patient):
    register_kind(NotificationKind("event_reminder", "Event reminders", "An event starts soon"))
    try:
        assert describe(make_notification(patient, kind="event_reminder")) == (
            "An event starts soon"
        )
    finally:
        KINDS.pop("event_reminder")


def test_unknown_kind_gets_a_neutral_line(patient):
    row = make_notification(patient, kind="retired_kind")
    assert describe(row) == "You have a new notification"


def test_actor_out_for_a_member(patient, caregiver):
    row = make_notification(patient, kind="reply", actor=caregiver)
    assert actor_out(row) == {
        "handle": "caregiver",
        "display_name": "Cam the caregiver",
        "label": "",
    }
