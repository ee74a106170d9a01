"""Sign-up gives every member a free handle, even when names collide."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.test import Client

from carecircle.accounts.models import User
from carecircle.core.factories import UserFactory

pytestmark = pytest.mark.django_db


def sign_up(email: str, display_name: str) -> int:
    response = Client().post(
        "/accounts/signup/",
        {
            "email": email,
            "password1": "a-long-Pass-phrase-9",
            "password2": "a-long-Pass-phrase-9",
            "accept_terms": "on",
            "display_name": display_name,
            "roles": ["caregiver"],
        },
    )
    return response.status_code


def test_two_members_with_the_same_name_get_different_handles(settings, tmp_path):
    settings.EMAIL_FILE_PATH = str(tmp_path)
    assert sign_up("first@example.org", "Hopeful Heron") == 302
    assert sign_up("second@example.org", "Hopeful Heron") == 302
    first = User.objects.get(email="first@example.org")
    second = User.objects.get(email="second@example.org")
    assert first.handle == "hopeful.heron"
    assert second.handle.startswith("hopeful.heron.")
    assert second.display_name == "Hopeful Heron"
    assert second.is_caregiver is True
    assert second.is_patient is False
    assert EmailAddress.objects.get(email="second@example.org").verified is False


def test_a_taken_handle_is_never_reused(settings, tmp_path):
    settings.EMAIL_FILE_PATH = str(tmp_path)
    UserFactory(handle="sam", display_name="Sam")
    assert sign_up("sam2@example.org", "Sam") == 302
    assert User.objects.get(email="sam2@example.org").handle != "sam"
    assert User.objects.filter(handle="sam").count() == 1


@pytest.mark.parametrize("header", ["Basic dXNlcjpwYXNz", "Token abc", "Bearer not-a-token"])
def test_credentials_that_are_not_accepted_answer_401_even_on_public_reads(header):
    response = Client().get("/api/v1/communities", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
