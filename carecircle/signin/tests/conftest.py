"""Fixtures for the sign-in security tests."""

from __future__ import annotations

import pytest
from django.test import Client

from carecircle.accounts.models import User
from carecircle.signin.models import MemberSession

FIREFOX_ANDROID = "Mozilla/5.0 (Android 14; Mobile; rv:128.0) Gecko/128.0 Firefox/128.0"
CHROME_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36"
)


def sign_in(user: User, password: str, *, user_agent: str, address: str) -> Client:
    """A browser that signed in through the real sign-in form."""
    client = Client(HTTP_USER_AGENT=user_agent, REMOTE_ADDR=address)
    response = client.post("/accounts/login/", {"login": user.email, "password": password})
    assert response.status_code == 302, response.content.decode()[:2000]
    return client


def session_of(client: Client) -> MemberSession:
    from carecircle.signin.sessions import session_key_hash

    return MemberSession.objects.get(session_key_hash=session_key_hash(client.session.session_key))


@pytest.fixture
def phone(patient: User, password: str) -> Client:
    return sign_in(patient, password, user_agent=FIREFOX_ANDROID, address="8.8.8.8")


@pytest.fixture
def laptop(patient: User, password: str) -> Client:
    return sign_in(patient, password, user_agent=CHROME_WINDOWS, address="192.168.1.20")
