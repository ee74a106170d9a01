"""The health professional badge is granted by site staff only, never self-declared."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from carecircle.accounts import actions, queries
from carecircle.accounts.models import User
from carecircle.core.errors import (
    ConflictError,
    PermissionDeniedError,
    ValidationFailed,
)
from carecircle.core.factories import UserFactory
from carecircle.core.models import AuditEvent
from conftest import client_for

pytestmark = pytest.mark.django_db

PAGE = "/account/staff/professionals/"
PASSWORD = "a long and unusual passphrase 42"


@pytest.fixture
def site_moderator() -> User:
    return UserFactory(display_name="Sid the site moderator", handle="sid", is_site_moderator=True)


@pytest.fixture
def site_admin() -> User:
    return UserFactory(display_name="Ada the admin", handle="ada", is_site_admin=True)


def flags() -> dict[str, bool]:
    return dict(User.objects.values_list("handle", "is_professional"))


def events() -> list[tuple[Any, ...]]:
    return list(
        AuditEvent.objects.order_by("pk").values_list(
            "verb", "actor_ref", "subject_ref", "target_id", "data"
        )
    )


# --- the action ---------------------------------------------------------------------------------


def test_site_staff_verify_a_member_with_an_audited_note(site_moderator, patient):
    actions.set_professional_verification(
        actor=site_moderator, member=patient, is_verified=True, note="  RN register 12345  "
    )

    patient.refresh_from_db()
    assert patient.is_professional is True
    assert events() == [
        (
            "member.professional_verify",
            site_moderator.pk,
            patient.pk,
            str(patient.pk),
            {"note": "RN register 12345"},
        )
    ]


def test_site_admin_withdraws_a_verification(site_admin, professional):
    actions.set_professional_verification(
        actor=site_admin, member=professional, is_verified=False, note="Registration lapsed"
    )

    professional.refresh_from_db()
    assert professional.is_professional is False
    assert events() == [
        (
            "member.professional_withdraw",
            site_admin.pk,
            professional.pk,
            str(professional.pk),
            {"note": "Registration lapsed"},
        )
    ]


@pytest.mark.parametrize("actor_name", ["patient", "professional", "inactive_staff", "visitor"])
def test_anyone_but_active_site_staff_is_refused_and_nothing_changes(
    actor_name, patient, professional, caregiver
):
    from django.contrib.auth.models import AnonymousUser

    actor = {
        "patient": patient,
        "professional": professional,
        "inactive_staff": UserFactory(handle="gone", is_site_admin=True, is_active=False),
        "visitor": AnonymousUser(),
    }[actor_name]
    before = flags()

    for member, is_verified in ((caregiver, True), (professional, False), (patient, True)):
        with pytest.raises(PermissionDeniedError) as caught:
            actions.set_professional_verification(
                actor=actor, member=member, is_verified=is_verified, note="trust me"
            )
        assert caught.value.code == "not_site_staff"

    assert flags() == before
    assert AuditEvent.objects.count() == 0


@pytest.mark.parametrize(
    ("note", "message"),
    [
        ("   ", "Please say what you checked, or why the verification is withdrawn."),
        ("x" * 501, "Please keep the note to 500 characters."),
    ],
)
def test_the_note_is_required_and_bounded(site_moderator, patient, note, message):
    with pytest.raises(ValidationFailed) as caught:
        actions.set_professional_verification(
            actor=site_moderator, member=patient, is_verified=True, note=note
        )
    assert (caught.value.field, str(caught.value.message)) == ("note", message)
    assert User.objects.get(pk=patient.pk).is_professional is False
    assert AuditEvent.objects.count() == 0


def test_verifying_twice_or_withdrawing_from_a_non_professional_is_a_conflict(
    site_moderator, patient, professional
):
    before = flags()
    with pytest.raises(ConflictError):
        actions.set_professional_verification(
            actor=site_moderator, member=professional, is_verified=True, note="again"
        )
    with pytest.raises(ConflictError):
        actions.set_professional_verification(
            actor=site_moderator, member=patient, is_verified=False, note="never was"
        )
    assert flags() == before
    assert AuditEvent.objects.count() == 0


def test_a_deactivated_member_cannot_be_verified(site_moderator):
    member = UserFactory(handle="left", is_active=False)
    with pytest.raises(ValidationFailed):
        actions.set_professional_verification(
            actor=site_moderator, member=member, is_verified=True, note="checked"
        )
    assert User.objects.get(pk=member.pk).is_professional is False
    assert AuditEvent.objects.count() == 0


def test_the_list_of_professionals_is_for_site_staff_only(site_moderator, professional, patient):
    assert list(queries.verified_professionals(site_moderator)) == [professional]
    with pytest.raises(PermissionDeniedError):
        queries.verified_professionals(patient)


# --- members cannot set it themselves -----------------------------------------------------------


def test_the_account_form_ignores_a_posted_professional_flag(patient):
    response = client_for(patient).post(
        "/account/",
        {"display_name": "Pat", "handle": "patient", "is_professional": "on"},
    )

    assert response.status_code == 302
    assert User.objects.get(pk=patient.pk).is_professional is False
    page = client_for(patient).get("/account/").content.decode()
    assert 'name="is_professional"' not in page
    assert "badge is added by the site team after they check" in page


def test_saving_the_account_form_keeps_a_verified_professional_verified(professional):
    response = client_for(professional).post(
        "/account/", {"display_name": "Nurse Pro", "handle": "professional"}
    )

    assert response.status_code == 302
    assert User.objects.get(pk=professional.pk).is_professional is True


def test_signup_offers_no_professional_role_and_refuses_one(mail_dir):
    page = Client().get("/accounts/signup/").content.decode()
    assert 'value="professional"' not in page
    assert "badge is added by the site team after they check" in page

    response = Client().post(
        "/accounts/signup/",
        {
            "email": "doc@example.org",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "accept_terms": "on",
            "display_name": "Doc",
            "roles": ["patient", "professional"],
        },
    )

    assert response.status_code == 200
    assert "professional is not one of the available choices" in response.content.decode()
    assert User.objects.count() == 0


def test_the_profile_api_ignores_a_professional_flag(patient, patient_client):
    response = patient_client.put(
        "/api/v1/me/profile",
        {"bio": "I am a nurse", "is_professional": True},
        content_type="application/json",
    )

    assert response.status_code == 200
    assert User.objects.get(pk=patient.pk).is_professional is False


# --- the staff page -----------------------------------------------------------------------------


def test_the_page_lists_professionals_for_staff(site_moderator, professional, patient):
    response = client_for(site_moderator).get(PAGE)

    assert response.status_code == 200
    page = response.content.decode()
    assert [member for member, _form in response.context["rows"]] == [professional]
    assert 'href="/members/professional/">Nurse Pro</a>' in page
    assert 'id="id_handle"' in page
    assert f'id="id_withdraw-{professional.pk}-note"' in page


def test_staff_verify_a_member_on_the_page(site_moderator, patient):
    response = client_for(site_moderator).post(
        PAGE, {"operation": "verify", "handle": "@Patient", "note": "GMC 7654321"}
    )

    assert (response.status_code, response["Location"]) == (302, PAGE)
    assert User.objects.get(pk=patient.pk).is_professional is True
    assert [(verb, data) for verb, _a, _s, _t, data in events()] == [
        ("member.professional_verify", {"note": "GMC 7654321"})
    ]


def test_staff_withdraw_a_verification_on_the_page(site_moderator, professional):
    response = client_for(site_moderator).post(
        PAGE,
        {
            "operation": "withdraw",
            "member": str(professional.pk),
            f"withdraw-{professional.pk}-note": "Asked to be removed",
        },
    )

    assert (response.status_code, response["Location"]) == (302, PAGE)
    assert User.objects.get(pk=professional.pk).is_professional is False
    assert [(verb, data) for verb, _a, _s, _t, data in events()] == [
        ("member.professional_withdraw", {"note": "Asked to be removed"})
    ]


def test_page_errors_sit_by_the_field_and_keep_the_typed_text(site_moderator, professional):
    client = client_for(site_moderator)
    before = flags()

    unknown = client.post(PAGE, {"operation": "verify", "handle": "nobody", "note": "checked"})
    no_note = client.post(
        PAGE,
        {
            "operation": "withdraw",
            "member": str(professional.pk),
            f"withdraw-{professional.pk}-note": "",
        },
    )

    assert unknown.status_code == 400
    assert unknown.context["verify_form"].errors == {"handle": ["Member not found."]}
    assert 'value="nobody"' in unknown.content.decode()
    assert no_note.status_code == 400
    [(_member, form)] = no_note.context["rows"]
    assert form.errors == {"note": ["This field is required."]}
    note_id = f"id_withdraw-{professional.pk}-note"
    assert f'aria-describedby="{note_id}_helptext {note_id}_error" id="{note_id}"' in (
        no_note.content.decode()
    )
    assert flags() == before
    assert AuditEvent.objects.count() == 0


def test_members_and_visitors_cannot_use_the_page(patient, professional, visitor_client):
    before = flags()

    for client in (client_for(patient), client_for(professional)):
        assert client.get(PAGE).status_code == 403
        response = client.post(
            PAGE, {"operation": "verify", "handle": "patient", "note": "me, honestly"}
        )
        assert response.status_code == 403
    anonymous = visitor_client.post(PAGE, {"operation": "verify", "handle": "x", "note": "y"})

    assert (anonymous.status_code, anonymous["Location"]) == (
        302,
        f"/accounts/login/?next={PAGE}",
    )
    assert flags() == before
    assert AuditEvent.objects.count() == 0


def test_withdrawing_someone_not_listed_is_not_found(site_moderator, patient):
    response = client_for(site_moderator).post(
        PAGE,
        {"operation": "withdraw", "member": str(patient.pk), f"withdraw-{patient.pk}-note": "x"},
    )
    assert response.status_code == 404
    assert AuditEvent.objects.count() == 0
