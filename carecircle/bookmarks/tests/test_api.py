"""The bookmarks JSON API: shapes, status codes, and that nobody else's bookmark is reachable."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from carecircle.accounts.actions import create_api_token
from carecircle.bookmarks.models import Bookmark
from carecircle.bookmarks.tests.helpers import bookmark_of
from carecircle.core.models import ModerationState
from carecircle.discussions.models import Post
from conftest import client_for

pytestmark = pytest.mark.django_db

API = "/api/v1"


def call(client: Client, method: str, path: str, data: Any = None, **headers: str):
    if data is None:
        return getattr(client, method)(API + path, **headers)
    return getattr(client, method)(
        API + path, data=data, content_type="application/json", **headers
    )


def _future() -> datetime:
    return (timezone.now() + timedelta(days=7)).replace(microsecond=0)


def test_create_topic_bookmark(patient, topic, patient_client):
    remind_at = _future()

    response = call(
        patient_client,
        "post",
        "/bookmarks",
        {"topic_id": topic.pk, "note": "Read later", "remind_at": remind_at.isoformat()},
    )

    assert response.status_code == 201
    body = response.json()
    bookmark = Bookmark.objects.get()
    assert body == {
        "id": bookmark.pk,
        "kind": "topic",
        "topic_id": topic.pk,
        "post_id": None,
        "is_available": True,
        "title": "Tired after metformin",
        "community": {"slug": "type-2-diabetes", "name": "Type 2 Diabetes"},
        "url": topic.get_absolute_url(),
        "excerpt": None,
        "note": "Read later",
        "remind_at": body["remind_at"],
        "reminded_at": None,
        "created_at": body["created_at"],
        "updated_at": body["updated_at"],
    }
    assert datetime.fromisoformat(body["remind_at"]) == remind_at
    assert bookmark.remind_at == remind_at


def test_create_post_bookmark_with_a_token(patient, reply):
    _token, secret = create_api_token(actor=patient, name="Phone")

    response = call(
        Client(), "post", "/bookmarks", {"post_id": reply.pk}, HTTP_AUTHORIZATION=f"Bearer {secret}"
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["kind"], body["post_id"], body["url"]) == ("post", reply.pk, f"/p/{reply.pk}/")
    assert body["excerpt"] == "Try taking it with food & water."


def test_create_refusals_change_nothing(patient, topic, reply, patient_client):
    bookmark_of(patient, topic=topic)
    cases = [
        ({"topic_id": topic.pk}, 409, "already_bookmarked"),
        ({}, 400, "invalid"),
        ({"topic_id": topic.pk, "post_id": reply.pk}, 400, "invalid"),
        ({"post_id": reply.pk, "note": "x" * 2001}, 400, "note_too_long"),
        ({"post_id": reply.pk, "remind_at": "2001-01-01T00:00:00Z"}, 400, "reminder_in_past"),
        ({"post_id": reply.pk, "remind_at": "2099-01-01T10:00:00"}, 400, "invalid"),
        ({"post_id": 10**30}, 404, "not_found"),
        ({"post_id": 999999}, 404, "not_found"),
    ]
    for payload, status, code in cases:
        response = call(patient_client, "post", "/bookmarks", payload)
        assert (response.status_code, response.json()["code"]) == (status, code), payload
    assert Bookmark.objects.count() == 1


def test_unreadable_targets_are_not_found(outsider, private_topic, private_reply):
    client = client_for(outsider)
    for payload in ({"topic_id": private_topic.pk}, {"post_id": private_reply.pk}):
        response = call(client, "post", "/bookmarks", payload)
        assert response.status_code == 404
    assert Bookmark.objects.count() == 0


def test_visitors_get_401(topic, visitor_client):
    assert call(visitor_client, "get", "/bookmarks").status_code == 401
    assert call(visitor_client, "post", "/bookmarks", {"topic_id": topic.pk}).status_code == 401
    assert Bookmark.objects.count() == 0


def test_list_with_filters_and_unavailable_rows(patient, caregiver, topic, reply, private_topic):
    bookmark_of(caregiver, topic=topic)  # someone else's: never listed
    hidden = bookmark_of(patient, post=reply, note="hidden now")
    bookmark_of(patient, topic=topic, remind_at=_future())
    Post.objects.filter(pk=reply.pk).update(moderation_state=ModerationState.HIDDEN)
    client = client_for(patient)

    everything = call(client, "get", "/bookmarks").json()
    posts = call(client, "get", "/bookmarks?show=posts").json()
    reminders = call(client, "get", "/bookmarks?show=reminders").json()

    assert (everything["total"], everything["page"], everything["pages"]) == (2, 1, 1)
    assert [item["kind"] for item in everything["items"]] == ["topic", "post"]
    assert posts["items"] == [
        {
            "id": hidden.pk,
            "kind": "post",
            "topic_id": None,
            "post_id": reply.pk,
            "is_available": False,
            "title": None,
            "community": None,
            "url": None,
            "excerpt": None,
            "note": "hidden now",
            "remind_at": None,
            "reminded_at": None,
            "created_at": posts["items"][0]["created_at"],
            "updated_at": posts["items"][0]["updated_at"],
        }
    ]
    assert [item["kind"] for item in reminders["items"]] == ["topic"]


def test_get_patch_delete_own_bookmark(patient, topic, patient_client):
    bookmark = bookmark_of(patient, topic=topic, note="old", remind_at=_future())
    path = f"/bookmarks/{bookmark.pk}"

    assert call(patient_client, "get", path).json()["note"] == "old"

    only_note = call(patient_client, "patch", path, {"note": "new"})
    assert only_note.status_code == 200
    assert only_note.json()["note"] == "new"
    assert Bookmark.objects.get().remind_at == bookmark.remind_at

    cleared = call(patient_client, "patch", path, {"remind_at": None})
    assert cleared.json()["remind_at"] is None
    assert Bookmark.objects.get().note == "new"

    refused = call(patient_client, "patch", path, {"remind_at": "2001-05-01T10:00:00+02:00"})
    assert (refused.status_code, refused.json()["field"]) == (400, "remind_at")

    assert call(patient_client, "delete", path).status_code == 204
    assert Bookmark.objects.count() == 0
    assert call(patient_client, "get", path).status_code == 404


def test_someone_elses_bookmark_is_not_found(patient, caregiver, topic):
    bookmark = bookmark_of(patient, topic=topic, note="mine")
    client = client_for(caregiver)
    path = f"/bookmarks/{bookmark.pk}"

    assert call(client, "get", path).status_code == 404
    assert call(client, "patch", path, {"note": "theirs"}).status_code == 404
    assert call(client, "delete", path).status_code == 404
    assert call(client, "get", "/bookmarks/99999999999999999999").status_code == 404
    stored = Bookmark.objects.get()
    assert (stored.user_id, stored.note) == (patient.pk, "mine")


def test_reminder_given_with_an_offset_is_stored_in_utc(patient, topic, patient_client):
    year = timezone.now().year + 1
    response = call(
        patient_client,
        "post",
        "/bookmarks",
        {"topic_id": topic.pk, "remind_at": f"{year}-01-10T08:00:00-05:00"},
    )
    assert response.status_code == 201
    assert Bookmark.objects.get().remind_at == datetime(year, 1, 10, 13, 0, tzinfo=UTC)
