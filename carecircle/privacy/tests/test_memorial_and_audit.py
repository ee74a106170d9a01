# ruff: noqa: S608 - table names in the raw SQL come from the model, never from input
"""Memorial state, the activity and audit-log pages, chain verification and key rotation."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client

from carecircle.accounts.models import ApiToken, User
from carecircle.communities.models import Membership
from carecircle.core.audit import record_event, verify_chain
from carecircle.core.crypto import FieldKeyError, decrypt_text, encrypt_text
from carecircle.core.errors import PermissionDeniedError
from carecircle.core.factories import PASSWORD, UserFactory, make_member
from carecircle.core.models import AuditEvent, AuditLogIsAppendOnly
from carecircle.privacy import actions
from carecircle.privacy.models import MemorialNote
from carecircle.privacy.queries import is_memorialised

# Table names in the raw SQL below come from the model, never from input.
pytestmark = pytest.mark.django_db

NOTE = "Her son phoned on 2 May and sent the notice."


@pytest.fixture
def community_manager(community) -> User:
    user = UserFactory(display_name="Community manager", handle="cmanager")
    make_member(community, user, Membership.Role.MANAGER)
    return user


def test_a_community_manager_marks_a_member_in_memory(community, community_manager, patient):
    signed_in = Client()
    signed_in.force_login(patient)
    from carecircle.accounts.actions import create_api_token
    from carecircle.signin.models import MemberSession

    assert MemberSession.objects.filter(user=patient).count() == 1

    create_api_token(actor=patient, name="phone")

    actions.memorialise_member(actor=community_manager, member=patient, note=NOTE)

    patient.refresh_from_db()
    assert is_memorialised(patient)
    assert Session.objects.count() == 0
    assert MemberSession.objects.filter(user=patient).count() == 0  # gone from their list too
    assert ApiToken.objects.get().revoked_at == patient.memorialised_at
    assert MemorialNote.objects.get().note == NOTE
    event = AuditEvent.objects.get(verb="member.memorialise")
    assert (event.actor_id, event.subject_id) == (community_manager.pk, patient.pk)
    assert NOTE not in str(event.data)


def test_sign_in_is_refused_kindly(community, community_manager, patient):
    actions.memorialise_member(actor=community_manager, member=patient, note=NOTE)
    client = Client()
    response = client.post("/accounts/login/", {"login": patient.email, "password": PASSWORD})
    assert response.status_code == 403
    assert "This account is in memory" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_outsiders_cannot_mark_anyone_and_nothing_changes(community, caregiver, patient, outsider):
    for actor in (caregiver, outsider, patient):
        with pytest.raises(PermissionDeniedError):
            actions.memorialise_member(actor=actor, member=patient, note=NOTE)
    patient.refresh_from_db()
    assert patient.memorialised_at is None
    assert MemorialNote.objects.count() == 0
    client = Client()
    client.force_login(outsider)
    assert client.get(f"/account/privacy/members/{patient.handle}/memorial/").status_code == 404


def test_only_a_site_admin_can_undo(community, community_manager, admin, patient):
    actions.memorialise_member(actor=community_manager, member=patient, note=NOTE)
    with pytest.raises(PermissionDeniedError):
        actions.unmemorialise_member(actor=community_manager, member=patient, note=NOTE)
    patient.refresh_from_db()
    assert patient.memorialised_at is not None

    client = Client()
    client.force_login(admin)
    response = client.post(
        f"/account/privacy/members/{patient.handle}/memorial/", {"note": "The family asked."}
    )

    assert response.status_code == 302
    patient.refresh_from_db()
    assert patient.memorialised_at is None
    assert MemorialNote.objects.filter(is_undo=True).count() == 1


def test_memorial_form_keeps_a_too_short_note(community, community_manager, patient):
    client = Client()
    client.force_login(community_manager)
    response = client.post(f"/account/privacy/members/{patient.handle}/memorial/", {"note": "son"})
    assert response.status_code == 400
    assert "\nson</textarea>" in response.content.decode()
    patient.refresh_from_db()
    assert patient.memorialised_at is None


def test_activity_page_speaks_plainly_and_shows_only_own_events(patient, caregiver, admin):
    record_event(
        actor=admin,
        verb="post.reveal_anonymous_author",
        target=patient,
        subject=patient,
        reason="A threat",
    )
    record_event(actor=admin, verb="member.site_roles", target=caregiver, subject=caregiver)
    client = Client()
    client.force_login(patient)
    page = client.get("/account/privacy/activity/").content.decode()
    assert (
        "A site administrator or community manager looked up who wrote one of your anonymous "
        "posts, giving this reason: A threat" in page
    )
    assert "changed your site roles" not in page


def test_activity_page_query_count(patient, admin, django_assert_num_queries):
    for _n in range(30):
        record_event(actor=admin, verb="member.site_roles", target=patient, subject=patient)
    client = Client()
    client.force_login(patient)
    with django_assert_num_queries(6):  # session, member, count, page with actors, 2 unread badges
        response = client.get("/account/privacy/activity/?page=2")
    assert response.content.decode().count("changed your site roles") == 10


def test_audit_log_is_for_site_admins_and_filters(patient, caregiver, admin):
    record_event(actor=patient, verb="api_token.create", target=patient, subject=patient)
    record_event(actor=caregiver, verb="api_token.create", target=caregiver, subject=caregiver)
    member = Client()
    member.force_login(patient)
    assert member.get("/account/privacy/audit-log/").status_code == 403

    client = Client()
    client.force_login(admin)
    page = client.get("/account/privacy/audit-log/?actor=caregiver&verb=api_token.create")
    text = page.content.decode()
    assert page.status_code == 200
    assert "2 events checked" in text
    assert "@caregiver" in text and "@patient" not in text


def test_chain_detects_an_edited_a_deleted_and_an_inserted_row(patient):
    events = [
        record_event(actor=patient, verb="api_token.create", target=patient, n=n) for n in range(3)
    ]
    assert verify_chain().is_intact
    table = AuditEvent._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET data = %s WHERE id = %s", ['{"n": 9}', events[1].pk])
    assert verify_chain().broken_at == events[1].pk
    with pytest.raises(CommandError) as raised:
        call_command("verify_audit_chain")
    assert raised.value.returncode == 1
    assert f"broken at event {events[1].pk}" in str(raised.value)

    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET data = %s WHERE id = %s", ['{"n": 1}', events[1].pk])
        assert verify_chain().is_intact
        cursor.execute(f"DELETE FROM {table} WHERE id = %s", [events[1].pk])
    assert verify_chain().broken_at == events[2].pk

    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (id, actor_ref, subject_ref, verb, target_type, target_id, "
            "data, created_at, prev_hash, hash) "
            "SELECT %s, actor_ref, subject_ref, verb, target_type, target_id, data, created_at, "
            # A copy of the first event under a different (still 64-character) hash.
            "prev_hash, CASE WHEN substr(hash, 1, 1) = 'f' THEN 'e' ELSE 'f' END "
            "|| substr(hash, 2) FROM " + table + " WHERE id = %s",
            [events[1].pk, events[0].pk],
        )
    assert verify_chain().broken_at == events[1].pk


def test_the_orm_refuses_to_change_or_delete_audit_events(patient):
    event = record_event(actor=patient, verb="api_token.create", target=patient)
    with pytest.raises(AuditLogIsAppendOnly):
        event.save()
    with pytest.raises(AuditLogIsAppendOnly):
        event.delete()
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEvent.objects.filter(pk=event.pk).update(verb="x")
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get().verb == "api_token.create"


def test_key_rotation_round_trip(settings, capsys):
    key_a, key_b = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [key_a]
    token = encrypt_text("my story")
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE rotation_probe (id integer primary key, value text)")
    from django.db import models

    class Probe(models.Model):  # noqa: DJ008
        from carecircle.core.crypto import EncryptedTextField

        value = EncryptedTextField()

        class Meta:
            app_label = "privacy"
            db_table = "rotation_probe"
            managed = False

    try:
        Probe.objects.create(id=1, value="my story")
        settings.FIELD_ENCRYPTION_KEYS = [key_b, key_a]
        call_command("rotate_field_keys")
        assert "privacy.Probe: 1 rows checked" in capsys.readouterr().out
        settings.FIELD_ENCRYPTION_KEYS = [key_b]
        assert Probe.objects.get(id=1).value == "my story"
        settings.FIELD_ENCRYPTION_KEYS = [key_a]
        with pytest.raises(FieldKeyError):
            Probe.objects.get(id=1)
        with pytest.raises(FieldKeyError):
            decrypt_text(encrypt_text("x").replace("A", "B", 1) + "x")
        assert token
    finally:
        from django.apps import apps

        apps.all_models["privacy"].pop("probe", None)
        apps.clear_cache()


def test_audit_log_pages_keep_the_filters(patient, admin):
    for _n in range(25):
        record_event(actor=patient, verb="api_token.create", target=patient, subject=patient)
    client = Client()
    client.force_login(admin)
    text = client.get("/account/privacy/audit-log/?verb=api_token.create").content.decode()
    assert 'href="?verb=api_token.create&amp;page=2" rel="next"' in text
