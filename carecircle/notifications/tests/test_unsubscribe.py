"""One-click unsubscribe: signed tokens, the page without sign-in, and RFC 8058 POSTs."""

from __future__ import annotations

import pytest
from django.core import signing
from django.test import Client

from carecircle.core.models import AuditEvent
from carecircle.notifications.delivery import unsubscribe
from carecircle.notifications.delivery.actions import unsubscribe_by_token
from carecircle.notifications.models import DigestFrequency, NotificationSettings

pytestmark = pytest.mark.django_db


def _path(url: str) -> str:
    return url.removeprefix("http://testserver")


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = "http://testserver"


def test_make_url_is_absolute_and_reads_back(patient) -> None:
    url = unsubscribe.make_url(patient, "notifications")

    assert url.startswith("http://testserver/notifications/unsubscribe/")
    assert url.endswith("/")
    token = url.split("/")[-2]
    assert unsubscribe.read_token(token) == (patient.pk, "notifications")
    digest_token = unsubscribe.make_token(patient, "digest")
    assert unsubscribe.read_token(digest_token) == (patient.pk, "digest")


def test_unknown_scope_cannot_be_made(patient) -> None:
    with pytest.raises(ValueError):
        unsubscribe.make_token(patient, "everything")


@pytest.mark.parametrize(
    "token",
    [
        "",
        "nonsense",
        # Signed by us but with another salt: a token from elsewhere on the site.
        signing.dumps([1, "notifications"]),
        # Our salt, but not our shape.
        signing.dumps({"u": 1}, salt=unsubscribe.SALT),
        signing.dumps([1, "everything"], salt=unsubscribe.SALT),
        signing.dumps([True, "digest"], salt=unsubscribe.SALT),
    ],
)
def test_read_token_refuses_what_we_did_not_make(token: str) -> None:
    assert unsubscribe.read_token(token) is None


def test_tampered_token_is_refused(patient, caregiver) -> None:
    token = unsubscribe.make_token(patient, "notifications")
    value, _sep, signature = token.rpartition(":")
    other = unsubscribe.make_token(caregiver, "notifications")
    forged = other.rpartition(":")[0] + ":" + signature

    assert unsubscribe.read_token(forged) is None
    assert unsubscribe.read_token(token[:-2]) is None


def test_get_shows_what_will_stop_and_changes_nothing(patient) -> None:
    client = Client()
    response = client.get(_path(unsubscribe.make_url(patient, "notifications")))

    assert response.status_code == 200
    body = response.content.decode()
    assert "Stop notification emails" in body
    assert "all notification emails" in body
    assert '<form method="post">' in body
    assert response["Referrer-Policy"] == "no-referrer"
    assert NotificationSettings.objects.filter(user=patient).count() == 0


def test_post_pauses_notification_emails_without_sign_in(patient) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post(_path(unsubscribe.make_url(patient, "notifications")))

    assert response.status_code == 200
    body = response.content.decode()
    assert "Emails stopped" in body
    assert 'href="/notifications/settings/"' in body
    row = NotificationSettings.objects.get(user=patient)
    assert row.is_email_paused is True
    assert row.digest == DigestFrequency.OFF
    [event] = AuditEvent.objects.filter(verb="notifications.unsubscribe")
    assert event.actor_id == patient.pk
    assert event.subject_id == patient.pk
    assert event.data == {"scope": "notifications"}


def test_one_click_post_from_a_mail_client(patient) -> None:
    """RFC 8058: the mail client POSTs the body below, with no cookie and no CSRF token."""
    NotificationSettings.objects.create(user=patient, digest=DigestFrequency.WEEKLY)
    client = Client(enforce_csrf_checks=True)

    response = client.post(
        _path(unsubscribe.make_url(patient, "notifications")),
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 200
    row = NotificationSettings.objects.get(user=patient)
    assert row.is_email_paused is True
    # Only what the link named stops.
    assert row.digest == DigestFrequency.WEEKLY


def test_digest_scope_turns_the_digest_off_only(patient) -> None:
    NotificationSettings.objects.create(user=patient, digest=DigestFrequency.DAILY)
    url = _path(unsubscribe.make_url(patient, "digest"))

    page = Client().get(url)
    assert "Stop the digest" in page.content.decode()
    response = Client().post(url)

    assert response.status_code == 200
    assert "the digest email" in response.content.decode()
    row = NotificationSettings.objects.get(user=patient)
    assert row.digest == DigestFrequency.OFF
    assert row.is_email_paused is False


def test_twice_is_harmless(patient) -> None:
    url = _path(unsubscribe.make_url(patient, "notifications"))
    assert Client().post(url).status_code == 200
    assert Client().post(url).status_code == 200

    assert NotificationSettings.objects.get(user=patient).is_email_paused is True
    assert NotificationSettings.objects.count() == 1


@pytest.mark.parametrize("method", ["get", "post"])
def test_bad_token_is_a_clear_400_and_changes_nothing(patient, method: str) -> None:
    NotificationSettings.objects.create(user=patient, digest=DigestFrequency.DAILY)
    token = unsubscribe.make_token(patient, "digest")

    response = getattr(Client(), method)(f"/notifications/unsubscribe/{token[:-3]}xyz/")

    assert response.status_code == 400
    body = response.content.decode()
    assert "This unsubscribe link does not work" in body
    assert "nothing was changed" in body
    row = NotificationSettings.objects.get(user=patient)
    assert (row.is_email_paused, row.digest) == (False, DigestFrequency.DAILY)
    assert AuditEvent.objects.filter(verb="notifications.unsubscribe").count() == 0


def test_token_of_a_deleted_member_changes_nothing(patient) -> None:
    url = _path(unsubscribe.make_url(patient, "notifications"))
    patient.delete()

    response = Client().post(url)

    assert response.status_code == 400
    assert NotificationSettings.objects.count() == 0


def test_action_refuses_a_bad_token_with_its_code(patient) -> None:
    from carecircle.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as caught:
        unsubscribe_by_token(token="not-a-token")

    assert caught.value.code == "bad_token"
    assert NotificationSettings.objects.count() == 0


def test_other_methods_are_refused(patient) -> None:
    url = _path(unsubscribe.make_url(patient, "notifications"))

    assert Client().put(url).status_code == 405
    assert NotificationSettings.objects.count() == 0
