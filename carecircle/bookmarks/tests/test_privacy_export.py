"""A member's data export holds their bookmarks with the note readable, and nobody else's."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from carecircle.bookmarks.tests.helpers import bookmark_of
from carecircle.privacy.registry import REGISTRY, uncovered_models

pytestmark = pytest.mark.django_db


def test_export_rows_decrypt_the_note_and_name_no_title(patient, caregiver, topic, reply):
    patient.time_zone = "Europe/Paris"
    patient.save(update_fields=["time_zone"])
    bookmark_of(
        patient,
        topic=topic,
        note="Ask about metformin",
        remind_at=datetime(2030, 1, 2, 8, 0, tzinfo=UTC),
    )
    bookmark_of(patient, post=reply)
    bookmark_of(caregiver, topic=topic, note="not the patient's")

    rows = REGISTRY["bookmarks.bookmark"].rows(patient)

    assert [(row["kind"], row["target_id"], row["link"], row["note"]) for row in rows] == [
        ("topic", topic.pk, f"/t/{topic.pk}/", "Ask about metformin"),
        ("post", reply.pk, f"/p/{reply.pk}/", ""),
    ]
    assert rows[0]["remind_at"] == "2030-01-02T09:00:00+01:00"
    assert rows[1]["remind_at"] is None
    assert "Tired after metformin" not in str(rows)


def test_bookmarks_are_covered_by_the_export():
    assert "bookmarks.bookmark" not in uncovered_models()
