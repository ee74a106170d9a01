"""Passkeys (allauth WebAuthn): the pages a member reaches, and the relying party."""

from __future__ import annotations

import json

import pytest

from carecircle.signin.adapters import MFAAdapter, relying_party_id

pytestmark = pytest.mark.django_db


def test_the_sign_in_page_offers_a_passkey(visitor_client):
    page = visitor_client.get("/accounts/login/").content.decode()

    assert (
        '<button type="submit" form="mfa_login" id="passkey_login" class="button-secondary">'
        "Sign in with a passkey</button>" in page
    )
    assert (
        '<form id="mfa_login" action="/accounts/2fa/webauthn/login/" method="post" hidden>' in page
    )


def test_a_member_reaches_add_a_passkey_from_where_they_are_signed_in(phone):
    sessions_page = phone.get("/account/sign-in/").content.decode()
    assert '<a class="button button-secondary" href="/accounts/2fa/webauthn/add/">' in sessions_page

    # Adding a sign-in method first asks for the password again.
    assert phone.get("/accounts/2fa/webauthn/add/")["Location"] == (
        "/accounts/reauthenticate/?next=%2Faccounts%2F2fa%2Fwebauthn%2Fadd%2F"
    )
    confirmed = phone.post(
        "/accounts/reauthenticate/?next=/accounts/2fa/webauthn/add/",
        {"password": "correct horse battery staple", "next": "/accounts/2fa/webauthn/add/"},
    )
    assert confirmed["Location"] == "/accounts/2fa/webauthn/add/"
    response = phone.get("/accounts/2fa/webauthn/add/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Add a passkey</h1>" in page
    assert '<label for="id_name">A name for this passkey</label>' in page
    assert '<button type="button" id="mfa_webauthn_add">Add a passkey</button>' in page
    data = json.loads(page.split('<script id="js_data" type="application/json">')[1].split("<")[0])
    assert data["creation_options"]["publicKey"]["rp"] == {"id": "127.0.0.1", "name": "CareCircle"}


def test_the_passkey_list_renders_empty(phone):
    page = phone.get("/accounts/2fa/webauthn/").content.decode()
    assert "You have not added a passkey or security key yet." in page


def test_the_relying_party_comes_from_site_url_not_the_host_header(settings):
    settings.SITE_URL = "https://community.example.org"
    settings.CARECIRCLE_WEBAUTHN_RP_ID = ""
    assert relying_party_id() == "community.example.org"
    assert MFAAdapter().get_public_key_credential_rp_entity() == {
        "id": "community.example.org",
        "name": settings.SITE_NAME,
    }
    settings.CARECIRCLE_WEBAUTHN_RP_ID = "example.org"
    assert relying_party_id() == "example.org"


def test_a_passkey_sign_in_is_listed_as_a_passkey():
    from carecircle.signin.actions import sign_in_method

    records = [{"method": "mfa", "type": "webauthn", "passwordless": True}]
    assert sign_in_method(records) == "passkey"
    assert sign_in_method([{"method": "password"}, {"method": "mfa", "type": "totp"}]) == (
        "password"
    )
    assert sign_in_method([{"method": "socialaccount", "provider": "stmary"}]) == ("single_sign_on")
    assert sign_in_method([{"method": "code"}]) == "email"
    assert sign_in_method([]) == "other"
