"""Web push against a real HTTP server on this machine acting as the push service.

The test holds the browser's side of each subscription (a P-256 key pair and an auth secret),
so it decrypts what the site sent exactly as a browser would and checks every byte of it.
"""

from __future__ import annotations

import base64
import json
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import time, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import http_ece
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, utils
from django.utils import timezone

from carecircle.core.factories import make_topic
from carecircle.discussions.models import Post
from carecircle.notifications.delivery import vapid
from carecircle.notifications.delivery.push import send_push, send_push_task
from carecircle.notifications.models import Notification, NotificationSettings, PushSubscription
from carecircle.notifications.preferences import member_zone

pytestmark = pytest.mark.django_db

SECRET_WORDS = "My HbA1c is 9.1 and I stopped metformin"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class PushService:
    """A push service: records each request and answers with the status set for its path."""

    base_url: str
    received: list[Received] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)


@pytest.fixture
def push_service(monkeypatch) -> Iterator[PushService]:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    state: dict[str, Any] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            service: PushService = state["service"]
            service.received.append(
                Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
            )
            self.send_response(service.statuses.get(self.path, 201))
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    service = PushService(base_url=f"http://127.0.0.1:{server.server_address[1]}")
    state["service"] = service
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield service
    server.shutdown()
    server.server_close()


@dataclass
class Browser:
    """The browser's half of one subscription."""

    subscription: PushSubscription
    private_key: ec.EllipticCurvePrivateKey
    auth_secret: bytes

    def decrypt(self, received: Received) -> dict[str, Any]:
        plain = http_ece.decrypt(
            received.body,
            private_key=self.private_key,
            auth_secret=self.auth_secret,
            version="aes128gcm",
        )
        return json.loads(plain.decode("utf-8"))


def subscribe(user: Any, service: PushService, name: str, **fields: Any) -> Browser:
    private_key = ec.generate_private_key(ec.SECP256R1())
    public = private_key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    auth_secret = os.urandom(16)
    subscription = PushSubscription.objects.create(
        user=user,
        endpoint=f"{service.base_url}/push/{name}",
        p256dh=b64url(public),
        auth=b64url(auth_secret),
        **fields,
    )
    return Browser(subscription, private_key, auth_secret)


@pytest.fixture
def reply(topic, caregiver) -> Post:
    return Post.objects.create(
        topic=topic, author=caregiver, position=2, body=SECRET_WORDS, body_html="<p>x</p>"
    )


def notify(recipient: Any, kind: str = "reply", **fields: Any) -> Notification:
    fields.setdefault("url", "/t/1/")
    return Notification.objects.create(
        recipient=recipient, kind=kind, updated_at=timezone.now(), **fields
    )


def verify_vapid(received: Received, service: PushService, settings: Any) -> None:
    scheme, _space, params = received.headers["authorization"].partition(" ")
    assert scheme == "vapid"
    values = dict(part.split("=", 1) for part in params.split(","))
    assert values["k"] == vapid.public_key()
    header, claims, signature = values["t"].split(".")
    raw = unb64url(signature)
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(values["k"]))
    public.verify(
        utils.encode_dss_signature(
            int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")
        ),
        f"{header}.{claims}".encode(),
        ec.ECDSA(hashes.SHA256()),
    )
    decoded = json.loads(unb64url(claims))
    assert decoded["aud"] == service.base_url
    assert decoded["sub"] == settings.CARECIRCLE_VAPID_SUBJECT


def test_default_member_gets_a_generic_encrypted_push(
    push_service, patient, caregiver, community, topic, reply, settings
):
    settings.SITE_NAME = "CareCircle"
    browser = subscribe(patient, push_service, "phone", failure_count=2)
    line = notify(
        patient,
        "reply",
        actor=caregiver,
        community=community,
        topic=topic,
        post=reply,
        group_key=f"topic:{topic.pk}:posts",
    )

    assert send_push(line) == 1

    [received] = push_service.received
    assert received.path == "/push/phone"
    assert received.headers["content-encoding"] == "aes128gcm"
    assert received.headers["ttl"] == "43200"
    verify_vapid(received, push_service, settings)
    assert browser.decrypt(received) == {
        "title": "CareCircle",
        "body": "You have a new reply",
        "url": f"/notifications/{line.pk}/open/",
        "tag": f"topic:{topic.pk}:posts",
    }
    for secret in (SECRET_WORDS, "HbA1c", "Tired after metformin", "Type 2 Diabetes", "Cam"):
        assert secret.encode() not in received.body
    browser.subscription.refresh_from_db()
    assert browser.subscription.failure_count == 0
    assert browser.subscription.last_used_at is not None
    line.refresh_from_db()
    assert line.pushed_at is not None


def test_opted_in_member_sees_who_and_where_but_never_the_words(
    push_service, patient, caregiver, community, topic, reply
):
    NotificationSettings.objects.create(user=patient, push_includes_details=True)
    browser = subscribe(patient, push_service, "laptop")
    line = notify(patient, "reply", actor=caregiver, community=community, topic=topic, post=reply)

    assert send_push(line) == 1

    payload = browser.decrypt(push_service.received[0])
    assert payload["body"] == "Cam the caregiver replied in Tired after metformin"
    assert payload["tag"] == f"n{line.pk}"
    assert SECRET_WORDS not in json.dumps(payload)


def test_nothing_is_pushed_about_a_hidden_topic(push_service, patient, caregiver, community):
    NotificationSettings.objects.create(user=patient, push_includes_details=True)
    hidden = make_topic(community, caregiver, title="Hidden title", moderation_state="hidden")
    subscribe(patient, push_service, "phone")
    line = notify(patient, "mention", actor=caregiver, community=community, topic=hidden)

    assert send_push(line) == 0

    assert push_service.received == []


@pytest.mark.parametrize("status", [404, 410])
def test_gone_subscription_is_deleted(push_service, patient, status):
    gone = subscribe(patient, push_service, "old-phone")
    kept = subscribe(patient, push_service, "new-phone")
    push_service.statuses["/push/old-phone"] = status
    line = notify(patient, "mention")

    assert send_push(line) == 1

    assert [r.path for r in push_service.received] == ["/push/old-phone", "/push/new-phone"]
    assert not PushSubscription.objects.filter(pk=gone.subscription.pk).exists()
    assert PushSubscription.objects.filter(pk=kept.subscription.pk).exists()


def test_only_gone_subscription_means_nothing_pushed(push_service, patient):
    gone = subscribe(patient, push_service, "old-phone")
    push_service.statuses["/push/old-phone"] = 410
    line = notify(patient, "mention")

    assert send_push(line) == 0

    assert PushSubscription.objects.filter(pk=gone.subscription.pk).count() == 0
    line.refresh_from_db()
    assert line.pushed_at is None


def test_other_failures_count_and_the_fifth_removes(push_service, patient):
    flaky = subscribe(patient, push_service, "flaky", failure_count=3)
    push_service.statuses["/push/flaky"] = 500
    line = notify(patient, "mention")

    assert send_push(line) == 0
    flaky.subscription.refresh_from_db()
    assert flaky.subscription.failure_count == 4
    assert flaky.subscription.last_used_at is None

    assert send_push(line) == 0
    assert not PushSubscription.objects.filter(pk=flaky.subscription.pk).exists()


def test_unreachable_push_service_counts_as_a_failure(patient, push_service):
    browser = subscribe(patient, push_service, "phone")
    # A port nothing listens on.
    PushSubscription.objects.filter(pk=browser.subscription.pk).update(
        endpoint="http://127.0.0.1:9/push/phone"
    )

    assert send_push(notify(patient, "mention")) == 0

    browser.subscription.refresh_from_db()
    assert browser.subscription.failure_count == 1


def test_push_switched_off_for_the_kind_sends_nothing(push_service, patient):
    NotificationSettings.objects.create(user=patient, channels={"mention": {"push": False}})
    subscribe(patient, push_service, "phone")

    assert send_push(notify(patient, "mention")) == 0
    # Off by default for this kind (quote has no push unless chosen).
    assert send_push(notify(patient, "quote")) == 0

    assert push_service.received == []


def test_quiet_hours_are_checked_when_sending(push_service, patient):
    now_local = timezone.now().astimezone(member_zone(patient))
    start = (now_local - timedelta(hours=1)).time().replace(second=0, microsecond=0)
    end = (now_local + timedelta(hours=1)).time().replace(second=0, microsecond=0)
    row = NotificationSettings.objects.create(
        user=patient, quiet_hours_start=start, quiet_hours_end=end
    )
    subscribe(patient, push_service, "phone")

    assert send_push(notify(patient, "mention")) == 0
    assert push_service.received == []

    row.quiet_hours_start, row.quiet_hours_end = time(0, 0), time(0, 0)
    row.save()
    assert send_push(notify(patient, "mention")) == 1


def test_read_notification_is_not_pushed(push_service, patient):
    subscribe(patient, push_service, "phone")

    assert send_push(notify(patient, "mention", read_at=timezone.now())) == 0
    assert push_service.received == []


@pytest.mark.parametrize("change", [{"is_active": False}, {"memorialised_at": timezone.now()}])
def test_inactive_or_memorialised_member_gets_no_push(push_service, patient, change):
    subscribe(patient, push_service, "phone")
    for name, value in change.items():
        setattr(patient, name, value)
    patient.save()

    assert send_push(notify(patient, "mention")) == 0
    assert push_service.received == []


def test_task_takes_an_id(push_service, patient):
    browser = subscribe(patient, push_service, "phone")
    line = notify(patient, "message", actor_label="Anonymous member 3")

    result = send_push_task.enqueue(line.pk)

    assert result.return_value == 1
    assert browser.decrypt(push_service.received[0])["body"] == "You have a new private message"
    assert send_push_task.enqueue(line.pk + 1000).return_value == 0


def test_nothing_is_pushed_about_a_topic_moved_where_the_member_cannot_read(
    push_service, outsider, caregiver, community, topic, reply, private_community
):
    NotificationSettings.objects.create(user=outsider, push_includes_details=True)
    subscribe(outsider, push_service, "phone")
    line = notify(outsider, "reply", actor=caregiver, community=community, topic=topic, post=reply)
    topic.community = private_community
    topic.save(update_fields=["community"])

    assert send_push(Notification.objects.get(pk=line.pk)) == 0

    assert push_service.received == []


def test_nothing_is_pushed_about_a_conversation_the_member_left(push_service, patient, caregiver):
    from carecircle.messaging.models import Conversation, Participant

    conversation = Conversation.objects.create(kind=Conversation.Kind.GROUP, created_by=caregiver)
    Participant.objects.create(conversation=conversation, user=caregiver)
    Participant.objects.create(conversation=conversation, user=patient)
    subscribe(patient, push_service, "phone")
    line = notify(patient, "message", actor=caregiver, conversation=conversation)
    assert send_push(line) == 1
    # The member left after the line was made.
    Participant.objects.filter(conversation=conversation, user=patient).update(
        state=Participant.State.LEFT
    )

    assert send_push(Notification.objects.get(pk=line.pk)) == 0

    assert len(push_service.received) == 1


def test_the_push_task_run_twice_pushes_once_until_the_line_changes(push_service, patient):
    subscribe(patient, push_service, "phone")
    line = notify(patient, "mention")

    assert [send_push_task.enqueue(line.pk).return_value for _run in range(2)] == [1, 0]
    assert len(push_service.received) == 1

    # A later event collapsed into the line: that is news again.
    Notification.objects.filter(pk=line.pk).update(updated_at=timezone.now() + timedelta(seconds=1))
    assert send_push_task.enqueue(line.pk).return_value == 1
    assert len(push_service.received) == 2
