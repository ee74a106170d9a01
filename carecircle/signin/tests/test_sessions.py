"""Where you're signed in: the list, signing sessions out, time limits, password changes."""

from __future__ import annotations

import time
import zoneinfo
from datetime import timedelta

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from carecircle.core.factories import UserFactory
from carecircle.core.models import AuditEvent
from carecircle.signin import actions
from carecircle.signin.models import MemberSession
from carecircle.signin.sessions import session_key_hash, stored_session_key
from carecircle.signin.tests.conftest import CHROME_WINDOWS, session_of, sign_in

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a brand new long passphrase 77"


def is_signed_in(client: Client) -> bool:
    response = client.get("/account/sign-in/")
    return response.status_code == 200


def age_session(client: Client, *, seen_ago: float = 0, started_ago: float = 0) -> None:
    """Move the times kept in the stored session back: the clock, controlled."""
    session = client.session
    now = time.time()
    session[actions.SESSION_SEEN_AT] = now - seen_ago
    session[actions.SESSION_STARTED_AT] = now - started_ago
    session.save()


# --- recording -----------------------------------------------------------------------------------


def test_behind_a_trusted_proxy_the_member_address_is_recorded_not_the_proxy(
    settings, patient, password
):
    from allauth import app_settings

    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    assert app_settings.TRUSTED_PROXY_COUNT == 1
    client = Client(
        HTTP_USER_AGENT="Mozilla/5.0 (Android 14; Mobile; rv:128.0) Gecko/128.0 Firefox/128.0",
        REMOTE_ADDR="10.0.0.5",
        HTTP_X_FORWARDED_FOR="81.2.69.142",
    )
    response = client.post("/accounts/login/", {"login": patient.email, "password": password})
    assert response.status_code == 302
    member_session = MemberSession.objects.get()
    assert (member_session.ip_network, member_session.place) == ("81.2.69.0/24", "United Kingdom")


def test_signing_in_lists_the_device_with_its_network_place_and_method(phone, patient):
    member_session = MemberSession.objects.get()
    assert member_session.user == patient
    assert member_session.device == "Firefox on Android"
    assert member_session.ip_network == "8.8.8.0/24"
    assert member_session.place == "United States"
    assert member_session.method == MemberSession.Method.PASSWORD
    key = phone.session.session_key
    assert member_session.session_key_hash == session_key_hash(key)
    assert len(member_session.session_key_hash) == 64


def test_neither_table_stores_the_raw_session_key(phone):
    key = phone.session.session_key
    assert not Session.objects.filter(session_key=key).exists()
    assert Session.objects.filter(session_key=stored_session_key(key)).count() == 1
    assert not MemberSession.objects.filter(session_key_hash=key).exists()


def test_signing_out_removes_the_session_from_the_list(phone, laptop):
    phone.post("/accounts/logout/")

    assert list(MemberSession.objects.values_list("device", flat=True)) == ["Chrome on Windows"]


def test_a_password_change_keeps_this_device_and_signs_out_the_others(phone, laptop, patient):
    response = phone.post(
        "/accounts/password/change/",
        {"oldpassword": "correct horse battery staple", "password1": NEW_PASSWORD,
         "password2": NEW_PASSWORD},
    )  # fmt: skip

    assert response.status_code == 302
    assert list(MemberSession.objects.values_list("device", flat=True)) == ["Firefox on Android"]
    assert session_of(phone).device == "Firefox on Android"
    assert is_signed_in(phone)
    assert not is_signed_in(laptop)
    event = AuditEvent.objects.get(verb="session.revoke_others")
    assert (event.actor_id, event.subject_id) == (patient.pk, patient.pk)
    assert event.data == {"count": 1, "reason": "password_changed"}


# --- the page ------------------------------------------------------------------------------------


def test_the_page_lists_every_session_and_marks_this_device(
    phone, laptop, django_assert_num_queries
):
    with django_assert_num_queries(7):  # session, member, sessions, terms (2), 2 unread badges
        response = phone.get("/account/sign-in/")

    page = response.content.decode()
    assert response.status_code == 200
    assert page.count("Sign out this session") == 1
    assert 'Firefox on Android <span class="badge badge-ok">This device</span>' in page
    assert "Chrome on Windows</h2>" in page
    assert "United States" in page
    assert "network 192.168.1.0/24" in page
    assert "Sign out all other sessions" in page
    assert "after 12 hours without using" in page


def test_last_seen_is_shown_in_the_members_time_zone(phone, laptop, patient):
    patient.time_zone = "Asia/Tokyo"
    patient.save(update_fields=["time_zone"])
    seen = (timezone.now() - timedelta(hours=1)).replace(second=0, microsecond=0)
    MemberSession.objects.filter(device="Chrome on Windows").update(last_seen_at=seen)

    page = phone.get("/account/sign-in/").content.decode()

    in_tokyo = seen.astimezone(zoneinfo.ZoneInfo("Asia/Tokyo"))
    expected = f"{in_tokyo.day} {in_tokyo:%B %Y, %H:%M}"
    assert f'<time datetime="{in_tokyo.isoformat()}">{expected}</time>' in page


def test_signing_out_another_session_ends_it_at_once(phone, laptop, patient):
    target = session_of(laptop)

    response = phone.post(f"/account/sign-in/sessions/{target.pk}/sign-out")

    assert response.status_code == 302
    assert response["Location"] == "/account/sign-in/"
    assert not MemberSession.objects.filter(pk=target.pk).exists()
    assert laptop.get("/account/sign-in/").status_code == 302
    assert SESSION_KEY not in laptop.session
    assert is_signed_in(phone)
    event = AuditEvent.objects.get(verb="session.revoke")
    assert (event.actor_id, event.subject_id) == (patient.pk, patient.pk)
    assert (event.target_type, event.target_id) == ("signin.membersession", str(target.pk))
    assert event.data == {"method": "password"}


def test_a_member_cannot_sign_out_someone_elses_session(phone, password):
    stranger = UserFactory()
    other = sign_in(stranger, password, user_agent=CHROME_WINDOWS, address="10.0.0.1")
    target = session_of(other)

    response = phone.post(f"/account/sign-in/sessions/{target.pk}/sign-out", follow=True)

    assert "That session is not in your list." in response.content.decode()
    assert MemberSession.objects.filter(pk=target.pk).exists()
    assert is_signed_in(other)
    assert not AuditEvent.objects.filter(verb="session.revoke").exists()


def test_signing_out_every_other_session(phone, laptop, patient, password):
    third = sign_in(patient, password, user_agent="curl/8", address="203.0.113.5")

    response = phone.post("/account/sign-in/sessions/sign-out-others", follow=True)

    assert "2 other sessions are signed out." in response.content.decode()
    assert list(MemberSession.objects.values_list("device", flat=True)) == ["Firefox on Android"]
    assert not is_signed_in(laptop)
    assert not is_signed_in(third)
    assert is_signed_in(phone)
    assert AuditEvent.objects.get(verb="session.revoke_others").data == {
        "count": 2,
        "reason": "member",
    }


def test_revoking_needs_post(phone, laptop):
    target = session_of(laptop)
    assert phone.get(f"/account/sign-in/sessions/{target.pk}/sign-out").status_code == 405
    assert phone.get("/account/sign-in/sessions/sign-out-others").status_code == 405
    assert MemberSession.objects.count() == 2


def test_revoking_needs_the_csrf_token(patient, password, laptop):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(patient)
    target = session_of(laptop)

    response = strict.post(f"/account/sign-in/sessions/{target.pk}/sign-out")

    assert response.status_code == 403
    assert MemberSession.objects.filter(pk=target.pk).exists()


def test_visitors_are_sent_to_sign_in(visitor_client):
    response = visitor_client.get("/account/sign-in/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/account/sign-in/"


# --- time limits ---------------------------------------------------------------------------------


def test_an_idle_session_is_signed_out_with_a_message_and_next_kept(phone, settings):
    settings.CARECIRCLE_SESSION_IDLE_MINUTES = 12 * 60
    age_session(phone, seen_ago=12 * 3600 + 5, started_ago=13 * 3600)

    response = phone.get("/c/anything/?page=2")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/c/anything/%3Fpage%3D2"
    assert SESSION_KEY not in phone.session
    assert MemberSession.objects.count() == 0
    page = phone.get(response["Location"]).content.decode()
    assert "You were signed out after 12 hours of inactivity" in page


def test_a_session_within_the_idle_limit_goes_on(phone, settings):
    settings.CARECIRCLE_SESSION_IDLE_MINUTES = 12 * 60
    age_session(phone, seen_ago=12 * 3600 - 60, started_ago=13 * 3600)

    assert is_signed_in(phone)


def test_a_session_past_its_absolute_lifetime_is_signed_out(phone, settings):
    settings.CARECIRCLE_SESSION_MAX_DAYS = 14
    age_session(phone, seen_ago=10, started_ago=14 * 86400 + 5)

    response = phone.get("/account/sign-in/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/account/sign-in/"
    page = phone.get(response["Location"]).content.decode()
    assert "because you signed in more than 14 days ago" in page


def test_last_seen_is_written_only_every_few_minutes(phone, settings, django_assert_num_queries):
    settings.CARECIRCLE_SESSION_TOUCH_SECONDS = 300
    member_session = session_of(phone)
    old = timezone.now() - timedelta(minutes=4)
    MemberSession.objects.filter(pk=member_session.pk).update(last_seen_at=old)
    age_session(phone, seen_ago=240, started_ago=3600)

    with django_assert_num_queries(7):  # no write; 2 are the terms check, 2 the unread badges
        phone.get("/account/sign-in/")
    member_session.refresh_from_db()
    assert member_session.last_seen_at == old

    age_session(phone, seen_ago=301, started_ago=3600)
    phone.get("/account/sign-in/")
    member_session.refresh_from_db()
    assert member_session.last_seen_at > old + timedelta(minutes=3)


def test_an_api_request_with_an_idle_session_is_answered_as_signed_out(phone):
    age_session(phone, seen_ago=13 * 3600, started_ago=14 * 3600)

    response = phone.get("/api/v1/me/sessions")

    assert response.status_code == 401
    assert MemberSession.objects.count() == 0
