"""A member's data export holds their bell, choices, watches and devices, and nobody else's."""

from __future__ import annotations

from datetime import time

import pytest

from carecircle.notifications.models import WatchLevel
from carecircle.notifications.tests.factories import (
    make_notification,
    make_push_subscription,
    make_settings,
    set_watch,
)
from carecircle.privacy.registry import REGISTRY

pytestmark = pytest.mark.django_db


def rows(label: str, member) -> list[dict]:
    return REGISTRY[label.lower()].rows(member)


def test_export_holds_the_members_own_lines_only(patient, caregiver, topic):
    make_notification(patient, kind="reply", actor=caregiver, topic=topic, url="/t/1/")
    make_notification(caregiver, kind="mention", actor=patient, topic=topic, url="/t/2/")

    [line] = rows("notifications.Notification", patient)

    assert (line["kind"], line["from"], line["link"], line["count"], line["read_at"]) == (
        "reply",
        "Cam the caregiver",
        "/t/1/",
        1,
        None,
    )
    assert [row["kind"] for row in rows("notifications.Notification", caregiver)] == ["mention"]


def test_anonymous_writer_is_exported_by_label(patient, topic):
    make_notification(patient, kind="reply", actor_label="Anonymous member 2", topic=topic)

    [line] = rows("notifications.Notification", patient)

    assert line["from"] == "Anonymous member 2"


def test_export_holds_choices_watches_and_devices_without_keys(patient, community, topic):
    make_settings(patient, quiet_hours=(time(22, 0), time(7, 0)), digest="daily")
    set_watch(patient, WatchLevel.WATCHING, community=community)
    set_watch(patient, WatchLevel.MUTED, topic=topic)
    make_push_subscription(patient, label="Phone")

    [choices] = rows("notifications.NotificationSettings", patient)
    watches = rows("notifications.Watch", patient)
    [device] = rows("notifications.PushSubscription", patient)

    assert (choices["quiet_hours_start"], choices["quiet_hours_end"], choices["digest"]) == (
        "22:00:00",
        "07:00:00",
        "daily",
    )
    assert [(w["community"], w["topic"], w["level"]) for w in watches] == [
        ("Type 2 Diabetes", None, "watching"),
        (None, "Tired after metformin", "muted"),
    ]
    assert set(device) == {"device", "created_at", "last_used_at"}
    assert device["device"] == "Phone"


def test_no_settings_row_exports_nothing(patient):
    assert rows("notifications.NotificationSettings", patient) == []
