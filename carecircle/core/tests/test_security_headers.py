"""Every response carries the security headers; every page's scripts carry the CSP nonce."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from conftest import client_for

pytestmark = pytest.mark.django_db

POLICY = (
    "default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self'; "
    "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; "
    "base-uri 'none'; object-src 'none'"
)
NONCE = re.compile(r"'nonce-([A-Za-z0-9+/=_-]+)'")


def assert_common_headers(response) -> None:
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "Content-Security-Policy" in response


@pytest.mark.parametrize(
    ("path", "status", "signed_in"),
    [
        ("/", 200, True),
        ("/communities/", 200, False),
        ("/c/type-2-diabetes/", 200, True),
        ("/c/no-such-community/", 404, True),
        ("/accounts/login/", 200, False),
        ("/accounts/signup/", 200, False),
        ("/communities/new/", 403, True),
        ("/account/", 200, True),
    ],
)
def test_pages_have_the_headers_and_a_fresh_nonce_on_their_scripts(
    path, status, signed_in, community, patient
):
    response = client_for(patient if signed_in else None).get(path)
    assert response.status_code == status
    assert_common_headers(response)
    [nonce] = NONCE.findall(response["Content-Security-Policy"])
    assert response["Content-Security-Policy"] == POLICY.format(nonce=nonce)
    page = response.content.decode()
    scripts = re.findall(r"<script\b[^>]*>", page)
    assert scripts, "every page loads its scripts"
    assert all(f'nonce="{nonce}"' in tag for tag in scripts)


def test_the_nonce_changes_on_every_response(community):
    client = Client()
    first = NONCE.findall(client.get("/communities/")["Content-Security-Policy"])
    second = NONCE.findall(client.get("/communities/")["Content-Security-Policy"])
    assert len(first[0]) >= 16
    assert first != second


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("get", "/api/v1/communities", 200),
        ("get", "/api/v1/me", 401),
        ("get", "/api/v1/communities/nowhere", 404),
        ("get", "/health/", 200),
        ("get", "/account/", 302),
        ("post", "/c/type-2-diabetes/join/", 302),
    ],
)
def test_json_answers_and_redirects_have_the_headers_too(method, path, status, community):
    response = getattr(Client(), method)(path)
    assert response.status_code == status
    assert_common_headers(response)
    # Nothing here runs a script, so no nonce is spent.
    assert "script-src 'self';" in response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
