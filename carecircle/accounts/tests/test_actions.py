"""Writes to a member's own account: profile, API tokens, site roles."""

from __future__ import annotations

import hashlib

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from carecircle.accounts import actions
from carecircle.accounts.models import ApiToken, User
from carecircle.core.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    ValidationFailed,
)
from carecircle.core.factories import UserFactory
from carecircle.core.models import AuditEvent

pytestmark = pytest.mark.django_db

PROFILE_FIELDS = (
    "display_name",
    "handle",
    "is_patient",
    "is_caregiver",
    # Not an argument of update_profile: read back to prove saving a profile never changes it.
    "is_professional",
    "time_zone",
)


def profile(user: User) -> dict[str, object]:
    return dict(User.objects.filter(pk=user.pk).values(*PROFILE_FIELDS).get())


def update(actor: User, **changes: object) -> User:
    values = {
        "display_name": actor.display_name,
        "handle": actor.handle,
        "is_patient": actor.is_patient,
        "is_caregiver": actor.is_caregiver,
        "time_zone": actor.time_zone,
    }
    values.update(changes)
    return actions.update_profile(actor=actor, **values)  # type: ignore[arg-type]


# --- update_profile -----------------------------------------------------------------------------


def test_member_updates_their_profile(patient):
    update(
        patient,
        display_name="  Pat   the  patient  ",
        handle=" @Pat.Patient ",
        is_patient=False,
        is_caregiver=True,
        time_zone=" Europe/Paris ",
    )

    assert profile(patient) == {
        "display_name": "Pat the patient",
        "handle": "pat.patient",
        "is_patient": False,
        "is_caregiver": True,
        "is_professional": False,
        "time_zone": "Europe/Paris",
    }


def test_member_may_keep_their_own_handle_and_clear_the_time_zone(patient):
    patient.time_zone = "Asia/Tokyo"
    patient.save()
    update(patient, handle="PATIENT", time_zone="")
    assert profile(patient)["handle"] == "patient"
    assert profile(patient)["time_zone"] == ""


@pytest.mark.parametrize(
    ("changes", "error", "field", "message"),
    [
        (
            {"display_name": "P"},
            ValidationFailed,
            "display_name",
            "Please use a display name of 2 to 60 characters.",
        ),
        (
            {"display_name": "x" * 61},
            ValidationFailed,
            "display_name",
            "Please use a display name of 2 to 60 characters.",
        ),
        (
            {"handle": "a"},
            ValidationFailed,
            "handle",
            "A handle is 2 to 40 letters, numbers, dots, dashes or underscores.",
        ),
        (
            {"handle": "has space"},
            ValidationFailed,
            "handle",
            "A handle is 2 to 40 letters, numbers, dots, dashes or underscores.",
        ),
        (
            {"handle": ".dotfirst"},
            ValidationFailed,
            "handle",
            "A handle is 2 to 40 letters, numbers, dots, dashes or underscores.",
        ),
        (
            {"handle": "dotlast."},
            ValidationFailed,
            "handle",
            "A handle is 2 to 40 letters, numbers, dots, dashes or underscores.",
        ),
        (
            {"handle": "x" * 41},
            ValidationFailed,
            "handle",
            "A handle is 2 to 40 letters, numbers, dots, dashes or underscores.",
        ),
        (
            {"handle": "Caregiver"},
            ConflictError,
            "handle",
            "That handle is taken. Please choose another.",
        ),
        (
            {"time_zone": "Mars/Olympus_Mons"},
            ValidationFailed,
            "time_zone",
            "We do not know that time zone. Try a name like Europe/Paris.",
        ),
        (
            {"time_zone": "../../etc/passwd"},
            ValidationFailed,
            "time_zone",
            "We do not know that time zone. Try a name like Europe/Paris.",
        ),
    ],
)
def test_profile_errors_name_the_field_and_change_nothing(
    patient, caregiver, changes, error, field, message
):
    before = profile(patient)

    with pytest.raises(error) as caught:
        update(patient, is_caregiver=True, **changes)

    assert caught.value.field == field
    assert str(caught.value.message) == message
    assert profile(patient) == before


def test_a_taken_handle_is_a_409_conflict(patient, caregiver):
    with pytest.raises(ConflictError) as caught:
        update(patient, handle="caregiver")
    assert (caught.value.code, caught.value.status) == ("conflict", 409)


# --- API tokens ---------------------------------------------------------------------------------


def test_create_token_returns_the_secret_once_and_stores_only_its_hash(patient):
    token, secret = actions.create_api_token(actor=patient, name="  my phone app  ")

    assert secret.startswith("cc_")
    assert len(secret) == 46
    stored = ApiToken.objects.get(pk=token.pk)
    assert stored.user == patient
    assert stored.name == "my phone app"
    assert stored.prefix == secret[:10]
    assert stored.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert stored.revoked_at is None
    assert stored.last_used_at is None
    row = ApiToken.objects.filter(pk=token.pk).values().get()
    assert not any(secret in str(value) for value in row.values())
    [event] = AuditEvent.objects.filter(verb="api_token.create")
    assert (event.actor, event.target_id) == (patient, str(token.pk))
    assert secret not in str(event.data)


def test_each_token_secret_is_different(patient):
    _first, one = actions.create_api_token(actor=patient, name="one")
    _second, two = actions.create_api_token(actor=patient, name="two")
    assert one != two


def test_a_token_needs_a_name(patient):
    with pytest.raises(ValidationFailed) as caught:
        actions.create_api_token(actor=patient, name="   ")
    assert (caught.value.field, str(caught.value.message)) == (
        "name",
        "Please give the token a name.",
    )
    assert ApiToken.objects.count() == 0


def test_token_creation_is_rate_limited(patient):
    for number in range(10):
        actions.create_api_token(actor=patient, name=f"token {number}")

    with pytest.raises(RateLimitedError):
        actions.create_api_token(actor=patient, name="one too many")

    assert ApiToken.objects.filter(user=patient).count() == 10
    assert AuditEvent.objects.filter(verb="api_token.create").count() == 10


def test_at_most_twenty_active_tokens(patient):
    ApiToken.objects.bulk_create(
        ApiToken(user=patient, name=f"t{n}", prefix="cc_x", key_hash=f"{n:064d}") for n in range(20)
    )
    with pytest.raises(ConflictError) as caught:
        actions.create_api_token(actor=patient, name="twenty-first")
    assert str(caught.value.message) == "You have 20 active tokens. Revoke one first."
    assert ApiToken.objects.filter(user=patient).count() == 20


def test_authenticate_finds_the_member_and_marks_the_token_used(patient):
    token, secret = actions.create_api_token(actor=patient, name="app")

    assert actions.authenticate_api_token(secret) == patient

    token.refresh_from_db()
    assert token.last_used_at is not None
    assert abs((timezone.now() - token.last_used_at).total_seconds()) < 60


def test_last_used_is_written_at_most_once_a_minute(patient, django_assert_num_queries):
    _token, secret = actions.create_api_token(actor=patient, name="app")
    actions.authenticate_api_token(secret)
    with django_assert_num_queries(1):
        assert actions.authenticate_api_token(secret) == patient


@pytest.mark.parametrize("secret", ["", "cc_", "cc_not-a-token", "not-even-prefixed"])
def test_authenticate_rejects_unknown_secrets(secret, patient):
    actions.create_api_token(actor=patient, name="app")
    assert actions.authenticate_api_token(secret) is None


def test_authenticate_rejects_revoked_tokens_and_deactivated_members(patient, caregiver):
    token, secret = actions.create_api_token(actor=patient, name="app")
    _other, other_secret = actions.create_api_token(actor=caregiver, name="app")
    actions.revoke_api_token(actor=patient, token_id=token.pk)
    caregiver.is_active = False
    caregiver.save()

    assert actions.authenticate_api_token(secret) is None
    assert actions.authenticate_api_token(other_secret) is None


def test_revoke_own_token(patient):
    token, _secret = actions.create_api_token(actor=patient, name="app")

    revoked = actions.revoke_api_token(actor=patient, token_id=token.pk)

    token.refresh_from_db()
    assert token.revoked_at is not None
    assert revoked.is_active is False
    [event] = AuditEvent.objects.filter(verb="api_token.revoke")
    assert (event.actor, event.target_id) == (patient, str(token.pk))


def test_revoking_twice_records_once(patient):
    token, _secret = actions.create_api_token(actor=patient, name="app")
    first = actions.revoke_api_token(actor=patient, token_id=token.pk).revoked_at
    second = actions.revoke_api_token(actor=patient, token_id=token.pk).revoked_at
    assert first == second
    assert AuditEvent.objects.filter(verb="api_token.revoke").count() == 1


def test_someone_elses_token_is_not_found_and_stays_active(patient, caregiver):
    token, secret = actions.create_api_token(actor=patient, name="app")

    with pytest.raises(NotFoundError) as caught:
        actions.revoke_api_token(actor=caregiver, token_id=token.pk)

    assert str(caught.value.message) == "Token not found."
    token.refresh_from_db()
    assert token.revoked_at is None
    assert actions.authenticate_api_token(secret) == patient
    assert AuditEvent.objects.filter(verb="api_token.revoke").count() == 0


def test_an_unknown_token_id_is_not_found(patient):
    with pytest.raises(NotFoundError):
        actions.revoke_api_token(actor=patient, token_id=987654)


# --- site roles ---------------------------------------------------------------------------------


def test_site_admin_gives_site_roles(patient):
    admin = UserFactory(is_site_admin=True)

    actions.set_site_roles(
        actor=admin, member=patient, is_site_moderator=True, is_site_manager=False
    )

    patient.refresh_from_db()
    assert (patient.is_site_moderator, patient.is_site_manager) == (True, False)
    [event] = AuditEvent.objects.filter(verb="member.site_roles")
    assert event.actor == admin
    assert event.data == {"moderator": True, "manager": False}


@pytest.mark.parametrize("persona", ["visitor", "patient", "manager", "moderator"])
def test_only_site_admins_change_site_roles(persona, request, caregiver):
    actor = AnonymousUser() if persona == "visitor" else request.getfixturevalue(persona)

    with pytest.raises(PermissionDeniedError) as caught:
        actions.set_site_roles(
            actor=actor, member=caregiver, is_site_moderator=True, is_site_manager=True
        )

    assert str(caught.value.message) == "Only site administrators can change site roles."
    caregiver.refresh_from_db()
    assert (caregiver.is_site_moderator, caregiver.is_site_manager) == (False, False)
    assert AuditEvent.objects.count() == 0
