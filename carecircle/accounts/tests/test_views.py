"""Sign-up with email verification, sign-in and its rate limit, profile and token pages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import SESSION_KEY
from django.test import Client

from carecircle.accounts.models import ApiToken, User
from carecircle.core.models import AuditEvent
from conftest import client_for

pytestmark = pytest.mark.django_db

PASSWORD = "a long and unusual passphrase 42"
SIGNUP = {
    "email": "Zoe@Example.org",
    "password1": PASSWORD,
    "password2": PASSWORD,
    "accept_terms": "on",
    "display_name": "  Zoë   Smith ",
    "roles": ["patient", "caregiver"],
}
LINK = re.compile(r"^http://testserver(/accounts/confirm-email/[^/\s]+/)$", re.MULTILINE)


def signed_in_user_id(client: Client) -> str | None:
    return client.session.get(SESSION_KEY)


def the_only_email(mail_dir: Path) -> str:
    [path] = list(mail_dir.iterdir())
    return path.read_text(encoding="utf-8")


# --- sign-up and verification -------------------------------------------------------------------


def test_signup_creates_an_unverified_member_with_a_generated_handle(mail_dir):
    client = Client()

    response = client.post("/accounts/signup/", SIGNUP)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    user = User.objects.get()
    assert user.email == "zoe@example.org"
    assert user.display_name == "Zoë Smith"
    assert user.handle == "zoe.smith"
    assert (user.is_patient, user.is_caregiver, user.is_professional) == (True, True, False)
    assert (user.is_site_moderator, user.is_site_manager, user.is_site_admin) == (
        False,
        False,
        False,
    )
    assert user.check_password(PASSWORD)
    address = EmailAddress.objects.get(user=user)
    assert (address.email, address.verified, address.primary) == ("zoe@example.org", False, True)
    assert signed_in_user_id(client) is None


def test_signup_writes_a_verification_email_with_the_link(mail_dir):
    Client().post("/accounts/signup/", SIGNUP)

    email = the_only_email(mail_dir)
    assert email.splitlines()[:3] == [
        "Subject: [CareCircle] Please confirm your email address",
        "From: CareCircle <no-reply@carecircle.localhost>",
        "To: zoe@example.org",
    ]
    assert len(LINK.findall(email)) == 1


def test_following_the_link_and_confirming_verifies_the_email(mail_dir):
    Client().post("/accounts/signup/", SIGNUP)
    [path] = LINK.findall(the_only_email(mail_dir))
    visitor = Client()

    page = visitor.get(path)
    assert page.status_code == 200
    assert "zoe@example.org" in page.content.decode()
    # Opening the link alone (mail scanners do) must not confirm anything.
    assert EmailAddress.objects.get().verified is False

    confirmed = visitor.post(path)

    assert confirmed.status_code == 302
    assert EmailAddress.objects.get().verified is True


def test_confirming_in_the_signup_session_signs_the_member_in(mail_dir):
    client = Client()
    client.post("/accounts/signup/", SIGNUP)
    [path] = LINK.findall(the_only_email(mail_dir))

    client.post(path)

    assert signed_in_user_id(client) == str(User.objects.get().pk)


def test_a_forged_confirmation_link_verifies_nothing(mail_dir):
    Client().post("/accounts/signup/", SIGNUP)
    response = Client().post("/accounts/confirm-email/MQ:1abcde:forgedsignature/")
    assert response.status_code == 404
    assert EmailAddress.objects.get().verified is False


def test_signing_in_before_verification_is_refused(mail_dir):
    Client().post("/accounts/signup/", SIGNUP)
    client = Client()

    response = client.post("/accounts/login/", {"login": "zoe@example.org", "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    assert signed_in_user_id(client) is None
    assert client.get("/account/").status_code == 302


def test_signing_in_after_verification(mail_dir):
    Client().post("/accounts/signup/", SIGNUP)
    [path] = LINK.findall(the_only_email(mail_dir))
    Client().post(path)
    client = Client()

    response = client.post("/accounts/login/", {"login": "ZOE@example.org", "password": PASSWORD})

    # A new member's first sign-in starts the welcome steps (onboarding).
    assert response.status_code == 302
    assert response["Location"] == "/welcome/"
    assert signed_in_user_id(client) == str(User.objects.get().pk)


def test_a_second_member_with_the_same_display_name_gets_another_handle(mail_dir):
    Client().post("/accounts/signup/", SIGNUP)
    Client().post("/accounts/signup/", {**SIGNUP, "email": "other.zoe@example.org"})
    handles = sorted(User.objects.values_list("handle", flat=True))
    assert handles[0] == "zoe.smith"
    assert re.fullmatch(r"zoe\.smith\.\d{4}", handles[1])


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"display_name": " Z "}, "display_name"),
        ({"password2": "a different passphrase 42"}, "password2"),
        ({"password1": "short", "password2": "short"}, "password1"),
        ({"email": "not-an-email"}, "email"),
    ],
)
def test_signup_mistakes_are_shown_and_create_nothing(mail_dir, changes, field):
    response = Client().post("/accounts/signup/", {**SIGNUP, **changes})

    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert User.objects.count() == 0
    assert not mail_dir.exists()


def test_signing_up_with_a_taken_email_creates_no_second_account(mail_dir, patient):
    response = Client().post("/accounts/signup/", {**SIGNUP, "email": patient.email})
    assert response.status_code == 302
    assert User.objects.filter(email=patient.email).count() == 1
    assert User.objects.count() == 1


def test_closed_signup_creates_nothing(mail_dir, settings):
    settings.CARECIRCLE_SIGNUP_OPEN = False
    response = Client().post("/accounts/signup/", SIGNUP)
    assert response.status_code == 200
    assert response.templates[0].name == "account/signup_closed.html"
    assert User.objects.count() == 0


# --- sign-in ------------------------------------------------------------------------------------


def test_sign_in_with_a_wrong_password_is_refused(patient):
    client = Client()
    response = client.post("/accounts/login/", {"login": patient.email, "password": "wrong"})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert signed_in_user_id(client) is None


def test_repeated_failures_lock_out_that_email_even_with_the_right_password(patient, password):
    # ACCOUNT_RATE_LIMITS["login_failed"] = "10/m/ip,5/5m/key": five failures per address.
    for _ in range(5):
        Client().post("/accounts/login/", {"login": patient.email, "password": "wrong"})
    client = Client()

    response = client.post("/accounts/login/", {"login": patient.email, "password": password})

    assert response.status_code == 200
    assert "Too many failed login attempts" in str(response.context["form"].errors)
    assert signed_in_user_id(client) is None


def test_sign_in_answers_429_after_too_many_attempts(patient):
    # ACCOUNT_RATE_LIMITS["login"] = "30/m/ip": the 31st attempt from one address is refused.
    client = Client()
    statuses = [
        client.post(
            "/accounts/login/", {"login": f"guess{number}@example.org", "password": "wrong"}
        ).status_code
        for number in range(31)
    ]
    assert statuses == [200] * 30 + [429]
    assert signed_in_user_id(client) is None


def test_sign_in_page_itself_is_not_rate_limited(db):
    client = Client()
    assert {client.get("/accounts/login/").status_code for _ in range(35)} == {200}


# --- account settings ---------------------------------------------------------------------------


def test_account_settings_needs_sign_in(db, visitor_client):
    response = visitor_client.get("/account/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/account/"


def test_visitors_change_nothing(patient, visitor_client):
    before = dict(type(patient).objects.filter(pk=patient.pk).values().get())

    profile = visitor_client.post("/account/", {"display_name": "Hacked", "handle": "patient"})
    token = visitor_client.post("/account/tokens/", {"name": "sneaky"})

    assert (profile.status_code, profile["Location"]) == (302, "/accounts/login/?next=/account/")
    assert (token.status_code, token["Location"]) == (
        302,
        "/accounts/login/?next=/account/tokens/",
    )
    assert dict(type(patient).objects.filter(pk=patient.pk).values().get()) == before
    assert ApiToken.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_account_settings_form_shows_the_current_profile(patient, community):
    response = client_for(patient).get("/account/")
    assert response.status_code == 200
    assert response.context["form"].initial == {
        "display_name": "Pat the patient",
        "handle": "patient",
        "is_patient": True,
        "is_caregiver": False,
        "time_zone": "",
    }
    assert [m.community.name for m in response.context["memberships"]] == ["Type 2 Diabetes"]


def test_saving_the_profile(patient):
    response = client_for(patient).post(
        "/account/",
        {"display_name": "Pat", "handle": "Pat.Two", "is_caregiver": "on", "time_zone": "UTC"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/account/"
    patient.refresh_from_db()
    assert (patient.display_name, patient.handle, patient.time_zone) == ("Pat", "pat.two", "UTC")
    assert (patient.is_patient, patient.is_caregiver) == (False, True)


def test_a_taken_handle_is_shown_next_to_the_field_and_the_typed_text_kept(patient, caregiver):
    response = client_for(patient).post(
        "/account/",
        {"display_name": "My new name", "handle": "caregiver", "time_zone": "Europe/Oslo"},
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert (
        '<p class="field-error" id="id_handle_error">'
        "That handle is taken. Please choose another.</p>"
    ) in page
    assert 'value="My new name"' in page
    assert 'value="Europe/Oslo"' in page
    patient.refresh_from_db()
    assert (patient.display_name, patient.handle) == ("Pat the patient", "patient")


def test_an_unknown_time_zone_is_shown_next_to_the_field(patient):
    response = client_for(patient).post(
        "/account/", {"display_name": "Pat", "handle": "patient", "time_zone": "Moon/Base"}
    )
    assert response.status_code == 400
    assert response.context["form"].errors == {
        "time_zone": ["We do not know that time zone. Try a name like Europe/Paris."]
    }
    patient.refresh_from_db()
    assert (patient.display_name, patient.time_zone) == ("Pat the patient", "")


# --- API token pages ----------------------------------------------------------------------------


def test_a_new_token_secret_is_shown_once(patient):
    client = client_for(patient)

    response = client.post("/account/tokens/", {"name": "My phone"})

    assert response.status_code == 200
    secret = response.context["secret"]
    assert secret.startswith("cc_")
    assert f'<code class="token-secret" id="new-token">{secret}</code>' in response.content.decode()
    token = ApiToken.objects.get(user=patient)
    assert (token.name, token.prefix) == ("My phone", secret[:10])
    again = client.get("/account/tokens/")
    assert secret not in again.content.decode()
    assert f"<code>{secret[:10]}…</code>" in again.content.decode()


def test_a_token_without_a_name_is_refused(patient):
    response = client_for(patient).post("/account/tokens/", {"name": ""})
    assert response.status_code == 400
    assert ApiToken.objects.count() == 0


def test_revoking_a_token_from_the_page(patient):
    client = client_for(patient)
    client.post("/account/tokens/", {"name": "My phone"})
    token = ApiToken.objects.get()

    response = client.post(f"/account/tokens/{token.pk}/revoke/")

    assert response.status_code == 302
    assert response["Location"] == "/account/tokens/"
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_revoking_someone_elses_token_is_404_and_changes_nothing(patient, caregiver):
    client_for(patient).post("/account/tokens/", {"name": "My phone"})
    token = ApiToken.objects.get()
    events = AuditEvent.objects.count()

    response = client_for(caregiver).post(f"/account/tokens/{token.pk}/revoke/")

    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    assert AuditEvent.objects.count() == events


def test_revoke_needs_a_post(patient):
    client = client_for(patient)
    client.post("/account/tokens/", {"name": "My phone"})
    token = ApiToken.objects.get()
    assert client.get(f"/account/tokens/{token.pk}/revoke/").status_code == 405
    token.refresh_from_db()
    assert token.revoked_at is None


# --- member profile -----------------------------------------------------------------------------


def test_member_profile_page(patient, community):
    response = Client().get("/members/PATIENT/")
    assert response.status_code == 200
    assert "Pat the patient" in response.content.decode()


def test_unknown_or_deactivated_member_profile_is_404(patient):
    patient.is_active = False
    patient.save()
    assert Client().get("/members/patient/").status_code == 404
    assert Client().get("/members/nobody/").status_code == 404
