"""JSON API for notifications, notification settings and watch levels."""

from __future__ import annotations

import json
from datetime import time, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from carecircle.accounts.actions import create_api_token
from carecircle.core.factories import make_topic
from carecircle.notifications.kinds import KINDS
from carecircle.notifications.models import Notification, NotificationSettings, Watch
from carecircle.notifications.tests.factories import make_notification, make_settings, set_watch
from conftest import client_for

pytestmark = pytest.mark.django_db

API = "/api/v1"


def put(client: Client, url: str, body: dict) -> object:
    return client.put(url, data=json.dumps(body), content_type="application/json")


def reply(patient, caregiver, topic, **fields):
    return make_notification(
        patient,
        kind="reply",
        actor=caregiver,
        topic=topic,
        url=topic.get_absolute_url(),
        group_key=f"topic:{topic.pk}:posts",
        **fields,
    )


# --- notifications -------------------------------------------------------------------------


def test_list(patient, caregiver, topic, patient_client):
    first = reply(patient, caregiver, topic, count=3)
    anonymous = make_notification(
        patient,
        kind="mention",
        actor_label="Anonymous member 3",
        topic=topic,
        url="/p/9/",
        read_at=timezone.now(),
        updated_at=timezone.now() - timedelta(minutes=5),
    )
    response = patient_client.get(f"{API}/notifications")
    assert response.status_code == 200
    body = response.json()
    assert {k: body[k] for k in ("page", "page_size", "total", "pages", "unread")} == {
        "page": 1, "page_size": 20, "total": 2, "pages": 1, "unread": 1,
    }  # fmt: skip
    assert [item["id"] for item in body["items"]] == [first.pk, anonymous.pk]
    item = body["items"][0]
    assert item == {
        "id": first.pk,
        "kind": "reply",
        "text": (
            "3 new replies to you in “Tired after metformin”, the latest from Cam the caregiver"
        ),
        "url": topic.get_absolute_url(),
        "actor": {"handle": "caregiver", "display_name": "Cam the caregiver", "label": ""},
        "count": 3,
        "is_read": False,
        "created_at": item["created_at"],
        "updated_at": item["updated_at"],
    }
    assert body["items"][1]["actor"] == {
        "handle": None,
        "display_name": None,
        "label": "Anonymous member 3",
    }
    assert body["items"][1]["text"] == "Anonymous member 3 mentioned you in “Tired after metformin”"
    assert body["items"][1]["is_read"] is True


def test_list_unread_only_and_pages(patient, patient_client):
    rows = [
        make_notification(patient, kind="badge", updated_at=timezone.now() - timedelta(minutes=i))
        for i in range(3)
    ]
    make_notification(patient, kind="badge", read_at=timezone.now())
    body = patient_client.get(f"{API}/notifications?unread_only=true&page_size=2&page=2").json()
    assert [item["id"] for item in body["items"]] == [rows[2].pk]
    assert (body["total"], body["pages"], body["page"]) == (3, 2, 2)
    huge = patient_client.get(f"{API}/notifications?page=999999999999").json()
    assert huge["page"] == 1


def test_list_query_count_does_not_grow(patient, caregiver, community, patient_client):
    def queries() -> int:
        patient_client.get(f"{API}/notifications")
        with CaptureQueriesContext(connection) as context:
            assert patient_client.get(f"{API}/notifications").status_code == 200
        return len(context.captured_queries)

    reply(patient, caregiver, make_topic(community, caregiver, title="One"))
    one = queries()
    for number in range(5):
        reply(patient, caregiver, make_topic(community, caregiver, title=f"T{number}"))
    assert queries() == one
    # session, user, page count, page rows; the unread count from the cache.
    assert one == 4


def test_only_own_notifications(patient, caregiver, topic, patient_client):
    reply(caregiver, patient, topic)
    assert patient_client.get(f"{API}/notifications").json()["items"] == []


def test_unread_count(patient, caregiver, topic, patient_client):
    reply(patient, caregiver, topic)
    make_notification(patient, kind="badge")
    make_notification(patient, kind="badge", read_at=timezone.now())
    response = patient_client.get(f"{API}/notifications/unread-count")
    assert response.status_code == 200
    assert response.json() == {"unread": 2}


def test_mark_one_read(patient, caregiver, topic, patient_client):
    row = reply(patient, caregiver, topic)
    other = make_notification(patient, kind="badge")
    response = patient_client.post(f"{API}/notifications/{row.pk}/read")
    assert response.status_code == 200
    assert response.json()["is_read"] is True
    assert response.json()["id"] == row.pk
    row.refresh_from_db()
    other.refresh_from_db()
    assert row.read_at is not None
    assert other.read_at is None
    assert patient_client.get(f"{API}/notifications/unread-count").json() == {"unread": 1}


def test_another_members_notification_is_not_found(patient, caregiver, topic, patient_client):
    theirs = reply(caregiver, patient, topic)
    response = patient_client.post(f"{API}/notifications/{theirs.pk}/read")
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "Notification not found."}
    huge = patient_client.post(f"{API}/notifications/99999999999999999999/read")
    assert huge.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_read_all(patient, caregiver, topic, patient_client):
    reply(patient, caregiver, topic)
    make_notification(patient, kind="badge")
    theirs = make_notification(caregiver, kind="badge")
    response = patient_client.post(f"{API}/notifications/read-all")
    assert response.status_code == 200
    assert response.json() == {"marked": 2, "unread": 0}
    assert Notification.objects.filter(recipient=patient, read_at__isnull=True).count() == 0
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_visitors_get_401_and_nothing_changes(visitor_client, patient, topic, community):
    row = make_notification(patient, kind="badge")
    for method, url in [
        ("get", "/notifications"),
        ("get", "/notifications/unread-count"),
        ("post", f"/notifications/{row.pk}/read"),
        ("post", "/notifications/read-all"),
        ("get", "/me/notification-settings"),
        ("get", f"/communities/{community.slug}/watch"),
        ("get", f"/topics/{topic.pk}/watch"),
    ]:
        response = getattr(visitor_client, method)(f"{API}{url}")
        assert response.status_code == 401, url
        assert response.json()["code"] == "not_authenticated"
    for url in ["/me/notification-settings", f"/topics/{topic.pk}/watch"]:
        assert put(visitor_client, f"{API}{url}", {"level": "muted"}).status_code == 401
    row.refresh_from_db()
    assert row.read_at is None
    assert not NotificationSettings.objects.exists()
    assert not Watch.objects.exists()


def test_session_writes_need_the_csrf_token(patient, topic):
    row = make_notification(patient, kind="badge")
    client = Client(enforce_csrf_checks=True)
    client.force_login(patient)
    assert client.post(f"{API}/notifications/{row.pk}/read").status_code == 403
    assert client.post(f"{API}/notifications/read-all").status_code == 403
    assert put(client, f"{API}/me/notification-settings", {"digest": "daily"}).status_code == 403
    assert put(client, f"{API}/topics/{topic.pk}/watch", {"level": "muted"}).status_code == 403
    row.refresh_from_db()
    assert row.read_at is None
    assert not NotificationSettings.objects.exists()
    assert not Watch.objects.exists()


def test_token_clients_need_no_csrf(patient):
    row = make_notification(patient, kind="badge")
    _token, secret = create_api_token(actor=patient, name="script")
    client = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert client.post(f"{API}/notifications/{row.pk}/read").status_code == 200
    row.refresh_from_db()
    assert row.read_at is not None


# --- settings ------------------------------------------------------------------------------


def test_settings_defaults(patient, patient_client):
    body = patient_client.get(f"{API}/me/notification-settings").json()
    assert [kind["kind"] for kind in body["kinds"]] == list(KINDS)
    reply = body["kinds"][0]
    assert reply == {
        "kind": "reply",
        "label": "Replies to my topics and posts",
        "channels": {"in_app": True, "email": True, "push": True},
        "required": [],
        "unavailable": [],
    }
    moderation = next(kind for kind in body["kinds"] if kind["kind"] == "moderation")
    assert moderation["channels"] == {"in_app": True, "email": False, "push": True}
    assert (moderation["required"], moderation["unavailable"]) == (["in_app"], ["email"])
    assert {k: v for k, v in body.items() if k != "kinds"} == {
        "email_includes_details": False,
        "push_includes_details": False,
        "quiet_hours_start": None,
        "quiet_hours_end": None,
        "time_zone": "UTC",
        "digest": "off",
        "is_email_paused": False,
    }


def test_settings_round_trip(patient, patient_client):
    response = put(
        patient_client,
        f"{API}/me/notification-settings",
        {
            "channels": {"reply": {"email": False}, "reaction": {"push": True}},
            "email_includes_details": True,
            "quiet_hours_start": "22:00",
            "quiet_hours_end": "07:15",
            "digest": "daily",
            "is_email_paused": True,
        },
    )
    assert response.status_code == 200
    body = response.json()
    kinds = {kind["kind"]: kind["channels"] for kind in body["kinds"]}
    assert kinds["reply"] == {"in_app": True, "email": False, "push": True}
    assert kinds["reaction"] == {"in_app": True, "email": False, "push": True}
    # Paused emails keep the member's choices: mention emails still show as chosen (on).
    assert kinds["mention"]["email"] is True
    assert (body["quiet_hours_start"], body["quiet_hours_end"]) == ("22:00", "07:15")
    assert (body["digest"], body["is_email_paused"], body["email_includes_details"]) == (
        "daily",
        True,
        True,
    )
    assert patient_client.get(f"{API}/me/notification-settings").json() == body
    row = NotificationSettings.objects.get(user=patient)
    assert row.channels == {"reply": {"email": False}, "reaction": {"push": True}}
    assert (row.quiet_hours_start, row.quiet_hours_end) == (time(22, 0), time(7, 15))


def test_settings_fields_left_out_stay(patient, patient_client):
    make_settings(patient, quiet_hours=(time(21, 0), time(6, 0)), digest="weekly")
    body = put(patient_client, f"{API}/me/notification-settings", {"is_email_paused": True}).json()
    assert (body["quiet_hours_start"], body["quiet_hours_end"], body["digest"]) == (
        "21:00",
        "06:00",
        "weekly",
    )
    cleared = put(
        patient_client,
        f"{API}/me/notification-settings",
        {"quiet_hours_start": None, "quiet_hours_end": None},
    ).json()
    assert (cleared["quiet_hours_start"], cleared["quiet_hours_end"]) == (None, None)


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"quiet_hours_start": "25:99", "quiet_hours_end": "07:00"}, "quiet_hours_start",
         "invalid_time"),
        ({"quiet_hours_start": "22:00"}, "quiet_hours_end", "required"),
        ({"digest": "hourly"}, "digest", "invalid"),
        ({"channels": {"moderation": {"in_app": False}}}, "channels.moderation.in_app",
         "required_channel"),
        ({"channels": {"moderation": {"email": True}}}, "channels.moderation.email",
         "unavailable_channel"),
        ({"channels": {"gossip": {"email": True}}}, "channels.gossip", "unknown_kind"),
    ],
)  # fmt: skip
def test_settings_errors_name_the_field(patient, patient_client, body, field, code):
    make_settings(patient, digest="weekly")
    response = put(patient_client, f"{API}/me/notification-settings", body)
    assert response.status_code == 400
    assert (response.json()["field"], response.json()["code"]) == (field, code)
    row = NotificationSettings.objects.get(user=patient)
    assert (row.digest, row.channels, row.quiet_hours_start) == ("weekly", {}, None)


def test_settings_wrong_types_are_400(patient, patient_client):
    response = put(patient_client, f"{API}/me/notification-settings", {"is_email_paused": "x"})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert not NotificationSettings.objects.filter(user=patient).exists()


# --- watch levels --------------------------------------------------------------------------


def test_community_watch(patient, community, patient_client):
    url = f"{API}/communities/{community.slug}/watch"
    assert patient_client.get(url).json() == {"level": "normal", "is_explicit": False}
    response = put(patient_client, url, {"level": "watching"})
    assert response.status_code == 200
    assert response.json() == {"level": "watching", "is_explicit": True}
    assert patient_client.get(url).json() == {"level": "watching", "is_explicit": True}
    watch = Watch.objects.get(user=patient)
    assert (watch.community_id, watch.topic_id, watch.level) == (community.pk, None, "watching")


def test_topic_watch_inherits_then_overrides(patient, community, topic, patient_client):
    set_watch(patient, "muted", community=community)
    url = f"{API}/topics/{topic.pk}/watch"
    assert patient_client.get(url).json() == {"level": "muted", "is_explicit": False}
    assert put(patient_client, url, {"level": "watching"}).json() == {
        "level": "watching",
        "is_explicit": True,
    }
    assert Watch.objects.get(user=patient, topic=topic).level == "watching"


def test_bad_level(patient, topic, patient_client):
    response = put(patient_client, f"{API}/topics/{topic.pk}/watch", {"level": "loud"})
    assert response.status_code == 400
    assert (response.json()["code"], response.json()["field"]) == ("invalid_level", "level")
    assert not Watch.objects.exists()


def test_cannot_watch_what_one_cannot_read(outsider, private_community, private_topic):
    client = client_for(outsider)
    # The members-only community is listed, so it is refused; its topic is not even found.
    community_url = f"{API}/communities/{private_community.slug}/watch"
    for response in (client.get(community_url), put(client, community_url, {"level": "muted"})):
        assert response.status_code == 403
        assert response.json()["message"] == "You cannot follow this community."
    topic_url = f"{API}/topics/{private_topic.pk}/watch"
    assert client.get(topic_url).status_code == 404
    assert put(client, topic_url, {"level": "watching"}).status_code == 404
    assert client.get(f"{API}/communities/no-such-place/watch").status_code == 404
    assert not Watch.objects.exists()
