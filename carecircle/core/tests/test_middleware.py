"""Database outages answer 503 with Retry-After; members see times in their own zone."""

from __future__ import annotations

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import OperationalError, connections
from django.test import Client

from carecircle.core import middleware
from carecircle.core.factories import UserFactory
from conftest import client_for

pytestmark = pytest.mark.urls("carecircle.core.tests.urls")


@pytest.fixture
def database_down(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(middleware, "_database_is_down", lambda: True)


def test_a_page_answers_503_with_retry_after_while_the_database_is_down(database_down):
    response = Client().get("/test/database-error/")

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response["Content-Type"] == "text/html; charset=utf-8"
    page = response.content.decode()
    assert "<h1>CareCircle is briefly unavailable</h1>" in page
    assert "Nothing you saved is lost." in page


def test_the_api_answers_503_json_while_the_database_is_down(database_down):
    response = Client().get("/api/v1/test/database-error")

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "code": "unavailable",
        "message": "CareCircle is briefly unavailable. Please try again in a minute.",
    }


def test_the_503_page_still_carries_the_security_headers(database_down):
    response = Client().get("/test/database-error/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'self'" in response["Content-Security-Policy"]


def test_a_database_error_while_the_database_is_up_is_a_real_error(monkeypatch):
    # A failing query on a healthy database is a bug to see, not an outage to hide.
    monkeypatch.setattr(middleware, "_database_is_down", lambda: False)
    with pytest.raises(OperationalError):
        Client().get("/test/database-error/")


def test_other_errors_are_not_turned_into_503(database_down):
    with pytest.raises(ValueError, match="a bug, not an outage"):
        Client().get("/test/bug/")


@pytest.mark.django_db(transaction=True)
def test_database_is_down_probes_the_real_connection(monkeypatch):
    assert middleware._database_is_down() is False

    def refuse() -> None:
        raise OperationalError("connection refused")

    monkeypatch.setattr(connections["default"], "ensure_connection", refuse)
    assert middleware._database_is_down() is True


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("time_zone", "expected"),
    [("Asia/Tokyo", "Asia/Tokyo"), ("America/Sao_Paulo", "America/Sao_Paulo"), ("", "UTC")],
)
def test_pages_use_the_members_time_zone(time_zone, expected):
    member = UserFactory(time_zone=time_zone)
    assert client_for(member).get("/test/time-zone/").content.decode() == expected


@pytest.mark.django_db
@pytest.mark.parametrize("time_zone", ["Mars/Olympus_Mons", "../../etc/passwd"])
def test_an_unknown_stored_time_zone_falls_back_to_utc(time_zone):
    member = UserFactory(time_zone=time_zone)
    assert client_for(member).get("/test/time-zone/").content.decode() == "UTC"


@pytest.mark.django_db
def test_the_time_zone_does_not_leak_into_the_next_request():
    tokyo = client_for(UserFactory(time_zone="Asia/Tokyo"))
    assert tokyo.get("/test/time-zone/").content.decode() == "Asia/Tokyo"
    assert Client().get("/test/time-zone/").content.decode() == "UTC"


@pytest.mark.django_db
def test_a_signed_in_member_gets_503_when_their_session_cannot_be_read(database_down, monkeypatch):
    # The member is loaded by middleware before any view runs; the outage must still be a 503.
    client = client_for(UserFactory())

    def unreachable(self) -> dict:
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(SessionStore, "load", unreachable)

    response = client.get("/communities/")

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
