"""Hospital single sign-on: configuration from the environment, the button, the redirect."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ImproperlyConfigured

from carecircle.signin.sso import openid_connect_settings


def test_nothing_configured_means_no_provider():
    assert openid_connect_settings({}) == []


def test_single_provider_variables():
    providers = openid_connect_settings(
        {
            "CARECIRCLE_OIDC_SERVER_URL": "https://login.stmary.example/realms/staff",
            "CARECIRCLE_OIDC_CLIENT_ID": "carecircle",
            "CARECIRCLE_OIDC_CLIENT_SECRET": "s3cret",
            "CARECIRCLE_OIDC_NAME": "St Mary's Hospital",
            "CARECIRCLE_OIDC_ID": "stmary",
        }
    )
    assert providers == [
        {
            "provider_id": "stmary",
            "name": "St Mary's Hospital",
            "client_id": "carecircle",
            "secret": "s3cret",
            "settings": {
                "server_url": "https://login.stmary.example/realms/staff",
                "trust_email": False,
                "scope": ["openid", "email"],
            },
        }
    ]


def test_bad_configuration_is_refused_with_the_reason():
    with pytest.raises(ImproperlyConfigured, match="not valid JSON"):
        openid_connect_settings({"CARECIRCLE_OIDC_PROVIDERS": "[{"})
    with pytest.raises(ImproperlyConfigured, match=r"\[0\]: missing client_id"):
        openid_connect_settings(
            {"CARECIRCLE_OIDC_PROVIDERS": json.dumps([{"server_url": "https://x"}])}
        )
    with pytest.raises(ImproperlyConfigured, match="lowercase letters"):
        openid_connect_settings(
            {
                "CARECIRCLE_OIDC_PROVIDERS": json.dumps(
                    [{"id": "St Mary", "server_url": "https://x", "client_id": "a"}]
                )
            }
        )


@pytest.mark.django_db
def test_without_configuration_the_sign_in_page_has_no_hospital_button(visitor_client):
    page = visitor_client.get("/accounts/login/").content.decode()
    assert "Sign in through your hospital" not in page
    assert "/accounts/oidc/" not in page


@pytest.mark.django_db
def test_a_configured_provider_shows_its_button_and_redirects_to_it(
    visitor_client, settings, monkeypatch
):
    from allauth.socialaccount import providers
    from allauth.socialaccount.providers.openid_connect.views import OpenIDConnectOAuth2Adapter

    app = openid_connect_settings(
        {
            "CARECIRCLE_OIDC_SERVER_URL": "https://login.stmary.example",
            "CARECIRCLE_OIDC_CLIENT_ID": "carecircle",
            "CARECIRCLE_OIDC_NAME": "St Mary's Hospital",
            "CARECIRCLE_OIDC_ID": "stmary",
        }
    )
    settings.SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"APPS": app}}
    providers.registry.loaded = False
    # The discovery document would come from the hospital's server: the one thing mocked.
    monkeypatch.setattr(
        OpenIDConnectOAuth2Adapter,
        "openid_config",
        {
            "authorization_endpoint": "https://login.stmary.example/authorize",
            "token_endpoint": "https://login.stmary.example/token",
            "userinfo_endpoint": "https://login.stmary.example/userinfo",
        },
    )

    page = visitor_client.get("/accounts/login/").content.decode()
    assert "Sign in with St Mary&#x27;s Hospital" in page
    response = visitor_client.post("/accounts/oidc/stmary/login/")

    assert response.status_code == 302
    assert response["Location"].startswith(
        "https://login.stmary.example/authorize?client_id=carecircle&"
    )


def test_joining_through_single_sign_on_asks_for_the_terms_like_email_sign_up():
    from carecircle.accounts.forms import SignupForm
    from carecircle.signin.forms import SingleSignOnSignupForm

    for form_class in (SingleSignOnSignupForm, SignupForm):
        field = form_class.base_fields["accept_terms"]
        assert field.required is True
        assert "display_name" in form_class.base_fields
