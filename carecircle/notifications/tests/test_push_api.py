"""Push devices: the JSON API, the actions behind it, the settings partial, the service worker."""

from __future__ import annotations

import base64
import os
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings as django_settings
from django.template.loader import render_to_string
from django.test import Client, RequestFactory

from carecircle.core import ratelimit
from carecircle.core.errors import PermissionDeniedError
from carecircle.core.models import AuditEvent
from carecircle.notifications.delivery import actions
from carecircle.notifications.models import PushSubscription

pytestmark = pytest.mark.django_db

URL = "/api/v1/me/push-subscriptions"
ENDPOINT = "https://push.example.net/send/abc123"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def browser_keys() -> dict[str, str]:
    key = ec.generate_private_key(ec.SECP256R1())
    point = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return {"p256dh": b64url(point), "auth": b64url(os.urandom(16))}


def post_json(client: Client, data: dict[str, Any], **extra: Any) -> Any:
    return client.post(URL, data=data, content_type="application/json", **extra)


def body(endpoint: str = ENDPOINT, label: str = "Firefox · Android", **keys: str) -> dict:
    return {"endpoint": endpoint, "keys": {**browser_keys(), **keys}, "label": label}


def rows() -> list[tuple[int, str, str]]:
    return sorted(PushSubscription.objects.values_list("user_id", "endpoint", "label"))


def make_device(user: Any, endpoint: str, label: str = "") -> PushSubscription:
    return PushSubscription.objects.create(
        user=user, endpoint=endpoint, label=label, **browser_keys()
    )


# --- API ------------------------------------------------------------------------------------


def test_member_registers_this_browser(patient, patient_client):
    payload = body()

    response = post_json(patient_client, payload)

    assert response.status_code == 201
    data = response.json()
    device = PushSubscription.objects.get()
    assert data == {
        "id": device.pk,
        "endpoint": ENDPOINT,
        "label": "Firefox · Android",
        "created_at": data["created_at"],
        "last_used_at": None,
    }
    assert (device.user_id, device.p256dh, device.auth) == (
        patient.pk,
        payload["keys"]["p256dh"],
        payload["keys"]["auth"],
    )
    [event] = AuditEvent.objects.filter(verb="push_subscription.register")
    assert (event.actor_id, event.target_id) == (patient.pk, str(device.pk))


def test_visitors_cannot_register(visitor_client):
    response = post_json(visitor_client, body())

    assert response.status_code == 401
    assert rows() == []


def test_session_write_needs_the_csrf_token(patient):
    client = Client(enforce_csrf_checks=True)
    client.force_login(patient)

    refused = post_json(client, body())
    assert refused.status_code == 403
    assert rows() == []

    client.get("/communities/")
    accepted = post_json(client, body(), HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value)
    assert accepted.status_code == 201
    assert rows() == [(patient.pk, ENDPOINT, "Firefox · Android")]


@pytest.mark.parametrize(
    "endpoint",
    [
        "http://push.example.net/send/abc",  # plain http to another machine
        "ftp://push.example.net/send/abc",
        "javascript:alert(1)",
        "https:///nohost",
        "",
        "https://push.example.net/" + "a" * 800,
    ],
)
def test_unusable_endpoints_are_refused(patient_client, endpoint):
    response = post_json(patient_client, body(endpoint=endpoint))

    assert response.status_code == 400
    assert response.json()["code"] == "bad_endpoint"
    assert response.json()["field"] == "endpoint"
    assert rows() == []


def test_loopback_http_only_in_development_or_tests(patient, patient_client, settings):
    local = "http://127.0.0.1:8765/push/1"
    assert post_json(patient_client, body(endpoint=local)).status_code == 201

    settings.DEBUG = False
    settings.TESTING = False
    other = "http://localhost:8765/push/2"
    response = post_json(patient_client, body(endpoint=other))

    assert response.status_code == 400
    assert response.json()["code"] == "bad_endpoint"
    assert rows() == [(patient.pk, local, "Firefox · Android")]


@pytest.mark.parametrize(
    ("keys", "field"),
    [
        ({"p256dh": b64url(b"\x04" + b"\x01" * 64)}, "p256dh"),  # not a point on the curve
        ({"p256dh": "not base64 !!"}, "p256dh"),
        ({"p256dh": ""}, "p256dh"),
        ({"auth": b64url(b"short")}, "auth"),
        ({"auth": "%%%"}, "auth"),
    ],
)
def test_unusable_keys_are_refused(patient_client, keys, field):
    response = post_json(patient_client, body(**keys))

    assert response.status_code == 400
    assert response.json()["code"] == "bad_key"
    assert response.json()["field"] == field
    assert rows() == []


def test_missing_keys_are_a_validation_error(patient_client):
    response = post_json(patient_client, {"endpoint": ENDPOINT})

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert rows() == []


def test_registering_again_updates_the_same_row(patient, patient_client):
    post_json(patient_client, body(label="Phone"))
    device = PushSubscription.objects.get()
    PushSubscription.objects.filter(pk=device.pk).update(failure_count=3)
    fresh = body(label="")

    response = post_json(patient_client, fresh)

    assert response.status_code == 201
    device.refresh_from_db()
    assert PushSubscription.objects.count() == 1
    assert response.json()["id"] == device.pk
    assert device.p256dh == fresh["keys"]["p256dh"]
    assert device.failure_count == 0
    assert device.label == "Phone"  # an empty label keeps the name it had


def test_a_device_moves_to_the_member_now_using_it(patient, caregiver, patient_client):
    make_device(caregiver, ENDPOINT, "Shared laptop")

    response = post_json(patient_client, body(label="Shared laptop"))

    assert response.status_code == 201
    assert rows() == [(patient.pk, ENDPOINT, "Shared laptop")]
    [event] = AuditEvent.objects.filter(verb="push_subscription.move")
    assert event.actor_id == patient.pk
    assert event.data == {"from_user": caregiver.pk}


def test_ten_devices_at_most(patient, patient_client):
    for number in range(actions.MAX_DEVICES):
        make_device(patient, f"https://push.example.net/send/{number}")
    before = rows()

    response = post_json(patient_client, body())

    assert response.status_code == 400
    assert response.json()["code"] == "too_many_devices"
    assert "10 devices" in response.json()["message"]
    assert rows() == before
    # One of the ten may still renew its keys.
    again = post_json(patient_client, body(endpoint="https://push.example.net/send/3"))
    assert again.status_code == 201
    assert PushSubscription.objects.filter(user=patient).count() == 10


def test_registering_is_rate_limited(patient, patient_client, monkeypatch):
    monkeypatch.setattr(actions, "SUBSCRIBE_RATE", "2/h")
    # One fixed instant: the three requests never straddle two rate windows.
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: 1_800_000_001.0))
    for number in range(2):
        assert post_json(patient_client, body(endpoint=f"{ENDPOINT}/{number}")).status_code == 201

    response = post_json(patient_client, body(endpoint=f"{ENDPOINT}/3"))

    assert response.status_code == 429
    assert response.json()["code"] == "rate_limited"
    assert PushSubscription.objects.count() == 2


def test_list_shows_only_my_devices(patient, caregiver, patient_client):
    mine = make_device(patient, ENDPOINT, "Phone")
    make_device(caregiver, "https://push.example.net/send/theirs", "Theirs")

    response = patient_client.get(URL)

    assert response.status_code == 200
    assert response.json() == [
        {
            "id": mine.pk,
            "endpoint": ENDPOINT,
            "label": "Phone",
            "created_at": response.json()[0]["created_at"],
            "last_used_at": None,
        }
    ]
    assert Client().get(URL).status_code == 401


def test_delete_my_device(patient, patient_client):
    make_device(patient, ENDPOINT)

    response = patient_client.delete(f"{URL}?endpoint={ENDPOINT}")

    assert response.status_code == 204
    assert rows() == []
    [event] = AuditEvent.objects.filter(verb="push_subscription.remove")
    assert event.actor_id == patient.pk


def test_cannot_delete_another_members_device(patient, caregiver, patient_client):
    make_device(caregiver, ENDPOINT, "Theirs")

    response = patient_client.delete(f"{URL}?endpoint={ENDPOINT}")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert rows() == [(caregiver.pk, ENDPOINT, "Theirs")]
    assert Client().delete(f"{URL}?endpoint={ENDPOINT}").status_code == 401
    assert rows() == [(caregiver.pk, ENDPOINT, "Theirs")]


@pytest.mark.parametrize("change", [{"is_active": False}, {"memorialised_at": "2026-01-01T00:00Z"}])
def test_inactive_or_memorialised_members_cannot_register(patient, change):
    for name, value in change.items():
        setattr(patient, name, value)

    with pytest.raises(PermissionDeniedError):
        actions.register_push_subscription(actor=patient, endpoint=ENDPOINT, **browser_keys())

    assert rows() == []


# --- pages ----------------------------------------------------------------------------------


def test_remove_button_works_without_javascript(patient, caregiver, patient_client):
    make_device(patient, ENDPOINT, "Phone")
    make_device(caregiver, f"{ENDPOINT}/theirs", "Theirs")

    response = patient_client.post("/notifications/push-devices/remove/", {"endpoint": ENDPOINT})

    assert response.status_code == 302
    assert response["Location"] == "/notifications/settings/"
    assert rows() == [(caregiver.pk, f"{ENDPOINT}/theirs", "Theirs")]
    other = patient_client.post(
        "/notifications/push-devices/remove/", {"endpoint": f"{ENDPOINT}/theirs"}
    )
    assert other.status_code == 302
    assert rows() == [(caregiver.pk, f"{ENDPOINT}/theirs", "Theirs")]


def test_remove_page_needs_sign_in_and_post(patient, patient_client):
    make_device(patient, ENDPOINT, "Phone")

    visitor = Client().post("/notifications/push-devices/remove/", {"endpoint": ENDPOINT})
    as_get = patient_client.get("/notifications/push-devices/remove/")

    assert visitor.status_code == 302
    assert visitor["Location"].startswith("/accounts/login/")
    assert as_get.status_code == 405
    assert rows() == [(patient.pk, ENDPOINT, "Phone")]


def test_remove_page_needs_the_csrf_token(patient):
    make_device(patient, ENDPOINT, "Phone")
    client = Client(enforce_csrf_checks=True)
    client.force_login(patient)

    response = client.post("/notifications/push-devices/remove/", {"endpoint": ENDPOINT})

    assert response.status_code == 403
    assert rows() == [(patient.pk, ENDPOINT, "Phone")]


def test_devices_partial_renders_each_device_with_a_remove_button(patient):
    devices = [make_device(patient, ENDPOINT, "Phone"), make_device(patient, f"{ENDPOINT}/2")]
    request = RequestFactory().get("/notifications/settings/")
    request.user = patient

    html = render_to_string(
        "notifications/_push_devices.html",
        {"push_subscriptions": devices, "vapid_public_key": "BPUBLICKEY"},
        request=request,
    )

    assert 'data-vapid-public-key="BPUBLICKEY"' in html
    assert html.count('action="/notifications/push-devices/remove/"') == 2
    assert f'name="endpoint" value="{ENDPOINT}"' in html
    assert 'Remove<span class="visually-hidden"> Phone</span>' in html
    assert 'Remove<span class="visually-hidden"> Unnamed device</span>' in html
    assert '<button type="button" data-push-enable hidden>' in html
    assert "Turn on notifications on this device" in html
    assert "Nothing private appears on the lock screen" in html
    assert "csrfmiddlewaretoken" in html
    assert "carecircle/push.js" in html
    empty = render_to_string(
        "notifications/_push_devices.html",
        {"push_subscriptions": [], "vapid_public_key": "BPUBLICKEY"},
        request=request,
    )
    assert "None yet." in empty
    assert "data-push-remove" not in empty


def test_service_worker_is_served_from_the_root():
    response = Client().get("/sw.js")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/javascript; charset=utf-8"
    assert response["Service-Worker-Allowed"] == "/"
    assert response["Cache-Control"] == "no-cache"
    source = Path(django_settings.BASE_DIR) / "carecircle" / "static" / "carecircle" / "sw.js"
    assert response.content == source.read_bytes()
    assert b'addEventListener("push"' in response.content
    assert b'addEventListener("notificationclick"' in response.content
