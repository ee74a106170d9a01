"""A shared journal's period starts at midnight in its owner's time zone, whoever reads."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from carecircle.core.factories import UserFactory
from carecircle.journal.models import JournalShare
from carecircle.journal.sharing import window_start

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("reader_zone", ["UTC", "America/Los_Angeles", "Pacific/Kiritimati"])
def test_the_week_starts_on_the_owners_day_whatever_the_readers_zone(reader_zone: str) -> None:
    owner = UserFactory(time_zone="Pacific/Kiritimati")  # UTC+14
    reader = UserFactory()
    share = JournalShare(owner=owner, audience="member", member=reader, parts=["mood"])
    now = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)  # already 11 March in Kiritimati
    with timezone.override(ZoneInfo(reader_zone)):
        start = window_start(share, "week", now=now)
    assert start == datetime(2026, 3, 5, 0, 0, tzinfo=ZoneInfo("Pacific/Kiritimati"))
