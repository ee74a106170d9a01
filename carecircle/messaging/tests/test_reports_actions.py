"""Reporting messages, and what staff may do with reports."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from carecircle.core.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    ValidationFailed,
)
from carecircle.core.factories import CommunityFactory, UserFactory, make_member
from carecircle.core.models import AuditEvent
from carecircle.core.realtime import group_name
from carecircle.messaging.actions.reports import (
    close_message_report,
    delete_reported_message,
    report_message,
    view_message_report,
)
from carecircle.messaging.models import Message, MessageReport, Participant
from carecircle.messaging.permissions.reports import can_review_message_report
from carecircle.messaging.tests.reports_setup import make_conversation, make_message, make_room

pytestmark = pytest.mark.django_db

State = Participant.State


def _nothing_recorded() -> None:
    assert MessageReport.objects.count() == 0
    assert AuditEvent.objects.filter(verb__startswith="message.").count() == 0


@pytest.fixture
def site_moderator(db: None) -> Any:
    return UserFactory(display_name="Sid site moderator", handle="sitemod", is_site_moderator=True)


@pytest.fixture
def private_message(patient, caregiver) -> Message:
    conversation = make_conversation(caregiver, patient)
    return make_message(conversation, caregiver, "You are useless")


@pytest.fixture
def room_message(community, caregiver) -> Message:
    return make_message(make_room(community), caregiver, "Buy my miracle cure")


# --- who may report ------------------------------------------------------------------------------


@pytest.mark.parametrize("state", [State.ACTIVE, State.REQUESTED])
def test_a_member_who_can_read_a_private_message_reports_it(patient, caregiver, state):
    conversation = make_conversation(caregiver, patient, states={patient: state})
    message = make_message(conversation, caregiver, "You are useless")

    report = report_message(actor=patient, message=message, reason="abusive", note=" Rude ")

    report.refresh_from_db()
    assert (report.message_id, report.reporter_id, report.reason, report.note) == (
        message.pk,
        patient.pk,
        "abusive",
        "Rude",
    )
    assert (report.body_snapshot, report.status, report.closed_at) == (
        "You are useless",
        "open",
        None,
    )
    [event] = AuditEvent.objects.filter(verb="message.report")
    assert (event.actor_id, event.subject_id, event.target_id) == (
        patient.pk,
        patient.pk,
        str(report.pk),
    )
    assert event.data == {"message": message.pk, "reason": "abusive", "kind": "private"}


@pytest.mark.parametrize("state", [State.DECLINED, State.LEFT])
def test_a_member_who_declined_or_left_cannot_report(patient, caregiver, state):
    conversation = make_conversation(caregiver, patient, states={patient: state})
    message = make_message(conversation, caregiver)

    with pytest.raises(NotFoundError):
        report_message(actor=patient, message=message, reason="spam")

    _nothing_recorded()


def test_an_outsider_cannot_report_a_private_message(private_message, outsider, site_moderator):
    for actor in (outsider, site_moderator):
        with pytest.raises(NotFoundError):
            report_message(actor=actor, message=private_message, reason="spam")
    _nothing_recorded()


def test_nobody_reports_their_own_message(private_message, caregiver):
    with pytest.raises(PermissionDeniedError) as error:
        report_message(actor=caregiver, message=private_message, reason="spam")
    assert error.value.code == "own_message"
    _nothing_recorded()


def test_a_deleted_message_cannot_be_reported(private_message, patient, caregiver):
    Message.objects.filter(pk=private_message.pk).update(
        body="", body_html="", deleted_at="2026-01-01T00:00:00Z", deleted_by=caregiver
    )
    private_message.refresh_from_db()
    with pytest.raises(PermissionDeniedError) as error:
        report_message(actor=patient, message=private_message, reason="spam")
    assert error.value.code == "message_deleted"
    _nothing_recorded()


def test_a_member_of_the_community_reports_a_room_message(room_message, patient):
    report = report_message(actor=patient, message=room_message, reason="spam")

    assert report.body_snapshot == "Buy my miracle cure"
    assert AuditEvent.objects.get(verb="message.report").data["kind"] == "room"


def test_site_staff_can_report_a_room_message(room_message, site_moderator):
    report = report_message(actor=site_moderator, message=room_message, reason="spam")
    assert report.reporter_id == site_moderator.pk


def test_someone_outside_the_community_cannot_report_a_room_message(room_message, outsider):
    with pytest.raises(NotFoundError):
        report_message(actor=outsider, message=room_message, reason="spam")
    _nothing_recorded()


def test_an_inactive_account_cannot_report(private_message, patient):
    patient.is_active = False
    patient.save(update_fields=["is_active"])
    with pytest.raises(NotFoundError):
        report_message(actor=patient, message=private_message, reason="spam")
    _nothing_recorded()


# --- what a report holds -------------------------------------------------------------------------


@pytest.mark.parametrize("reason", ["", "rude", None, "OTHER"])
def test_the_reason_must_be_one_of_the_choices(private_message, patient, reason):
    with pytest.raises(ValidationFailed) as error:
        report_message(actor=patient, message=private_message, reason=reason)
    assert error.value.field == "reason"
    _nothing_recorded()


def test_something_else_needs_a_note(private_message, patient):
    with pytest.raises(ValidationFailed) as error:
        report_message(actor=patient, message=private_message, reason="other", note="   ")
    assert error.value.field == "note"
    _nothing_recorded()

    report = report_message(
        actor=patient, message=private_message, reason="other", note="Asked for my address"
    )
    assert (report.reason, report.note) == ("other", "Asked for my address")


def test_a_note_has_a_length_limit(private_message, patient):
    with pytest.raises(ValidationFailed) as error:
        report_message(actor=patient, message=private_message, reason="spam", note="x" * 1001)
    assert error.value.field == "note"
    _nothing_recorded()


def test_reporting_twice_changes_nothing(private_message, patient):
    first = report_message(actor=patient, message=private_message, reason="spam", note="one")

    with pytest.raises(ConflictError) as error:
        report_message(actor=patient, message=private_message, reason="abusive", note="two")

    assert "already reported" in str(error.value.message)
    assert list(MessageReport.objects.values_list("pk", "reason", "note")) == [
        (first.pk, "spam", "one")
    ]
    assert AuditEvent.objects.filter(verb="message.report").count() == 1


def test_two_members_may_report_the_same_message(room_message, patient, moderator):
    report_message(actor=patient, message=room_message, reason="spam")
    report_message(actor=moderator, message=room_message, reason="abusive")
    assert MessageReport.objects.filter(message=room_message).count() == 2


def test_the_reported_words_stay_after_the_author_edits_or_deletes(private_message, patient):
    report = report_message(actor=patient, message=private_message, reason="abusive")

    Message.objects.filter(pk=private_message.pk).update(body="Sorry!", body_html="<p>Sorry!</p>")
    report.refresh_from_db()
    assert report.body_snapshot == "You are useless"

    Message.objects.filter(pk=private_message.pk).update(body="", body_html="")
    report.refresh_from_db()
    assert report.body_snapshot == "You are useless"


def test_reports_are_rate_limited(community, patient, caregiver):
    room = make_room(community)
    messages = [make_message(room, caregiver, f"Spam {n}") for n in range(11)]
    for message in messages[:10]:
        report_message(actor=patient, message=message, reason="spam")

    with pytest.raises(RateLimitedError):
        report_message(actor=patient, message=messages[10], reason="spam")

    assert MessageReport.objects.count() == 10
    assert not MessageReport.objects.filter(message=messages[10]).exists()


# --- who may review ------------------------------------------------------------------------------


def test_community_moderators_review_their_rooms_only(
    community, moderator, patient, caregiver, site_moderator, manager
):
    other = CommunityFactory(name="Other", slug="other")
    make_member(other, patient)
    make_member(other, caregiver)
    mine = report_message(
        actor=patient, message=make_message(make_room(community), caregiver), reason="spam"
    )
    theirs = report_message(
        actor=patient, message=make_message(make_room(other), caregiver), reason="spam"
    )
    private = report_message(
        actor=patient,
        message=make_message(make_conversation(caregiver, patient), caregiver),
        reason="spam",
    )

    assert [can_review_message_report(moderator, r) for r in (mine, theirs, private)] == [
        True,
        False,
        False,
    ]
    for staff in (site_moderator, manager):
        assert [can_review_message_report(staff, r) for r in (mine, theirs, private)] == [
            True,
            True,
            True,
        ]
    for member in (patient, caregiver):
        assert [can_review_message_report(member, r) for r in (mine, theirs, private)] == [
            False,
            False,
            False,
        ]


# --- viewing, closing, deleting ------------------------------------------------------------------


def test_viewing_a_report_is_recorded_each_time(
    private_message, patient, caregiver, site_moderator
):
    report = report_message(actor=patient, message=private_message, reason="abusive")

    shown = view_message_report(actor=site_moderator, report_id=report.pk)
    view_message_report(actor=site_moderator, report_id=str(report.pk))

    assert shown.body_snapshot == "You are useless"
    events = list(AuditEvent.objects.filter(verb="message.report_viewed").order_by("pk"))
    assert [(e.actor_id, e.subject_id, e.target_id) for e in events] == [
        (site_moderator.pk, caregiver.pk, str(report.pk)),
        (site_moderator.pk, caregiver.pk, str(report.pk)),
    ]
    assert events[0].data == {"message": private_message.pk, "kind": "private"}


@pytest.mark.parametrize("report_id", ["missing", "nope", "999999"])
def test_viewing_what_one_may_not_review_records_nothing(
    private_message, patient, moderator, report_id
):
    report = report_message(actor=patient, message=private_message, reason="abusive")
    report_id = str(report.pk) if report_id == "missing" else report_id
    before = AuditEvent.objects.count()

    with pytest.raises(NotFoundError):
        view_message_report(actor=moderator, report_id=report_id)

    assert AuditEvent.objects.count() == before


def test_staff_close_a_report(room_message, patient, moderator):
    report = report_message(actor=patient, message=room_message, reason="spam")

    closed = close_message_report(actor=moderator, report=report, outcome_note=" Not spam ")

    assert (closed.status, closed.closed_by_id) == ("closed", moderator.pk)
    assert closed.closed_at is not None
    [event] = AuditEvent.objects.filter(verb="message.report_close")
    assert (event.actor_id, event.subject_id, event.data) == (
        moderator.pk,
        None,
        {"message": room_message.pk, "outcome_note": "Not spam"},
    )
    assert Message.objects.get(pk=room_message.pk).body == "Buy my miracle cure"

    with pytest.raises(ConflictError):
        close_message_report(actor=moderator, report=report)
    assert AuditEvent.objects.filter(verb="message.report_close").count() == 1


def test_closing_needs_the_right_to_review(private_message, patient, moderator):
    report = report_message(actor=patient, message=private_message, reason="spam")
    with pytest.raises(NotFoundError):
        close_message_report(actor=moderator, report=report)
    report.refresh_from_db()
    assert (report.status, report.closed_by_id) == ("open", None)
    assert AuditEvent.objects.filter(verb="message.report_close").count() == 0


def test_an_outcome_note_has_a_length_limit(room_message, patient, moderator):
    report = report_message(actor=patient, message=room_message, reason="spam")
    with pytest.raises(ValidationFailed) as error:
        close_message_report(actor=moderator, report=report, outcome_note="x" * 501)
    assert error.value.field == "outcome_note"
    report.refresh_from_db()
    assert report.status == "open"


def _listen(stream: str) -> tuple[Any, str]:
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(group_name(stream), channel)
    return layer, channel


def test_deleting_a_reported_message_wipes_it_closes_reports_and_tells_subscribers(
    room_message, patient, moderator, caregiver, django_capture_on_commit_callbacks
):
    report = report_message(actor=patient, message=room_message, reason="spam")
    other = report_message(actor=moderator, message=room_message, reason="abusive")
    layer, channel = _listen(f"room:{room_message.room_id}")

    with django_capture_on_commit_callbacks(execute=True):
        delete_reported_message(actor=moderator, report=report)

    message = Message.objects.get(pk=room_message.pk)
    assert (message.body, message.body_html, message.deleted_by_id) == ("", "", moderator.pk)
    assert message.deleted_at is not None
    assert list(
        MessageReport.objects.order_by("pk").values_list("pk", "status", "closed_by_id")
    ) == [(report.pk, "closed", moderator.pk), (other.pk, "closed", moderator.pk)]
    # The snapshot is the record of what was reported; it stays.
    assert MessageReport.objects.get(pk=report.pk).body_snapshot == "Buy my miracle cure"
    [event] = AuditEvent.objects.filter(verb="message.delete_by_moderator")
    assert (event.actor_id, event.subject_id, event.target_id, event.data) == (
        moderator.pk,
        caregiver.pk,
        str(message.pk),
        {"report": report.pk, "reports_closed": 2, "kind": "room"},
    )
    sent = async_to_sync(layer.receive)(channel)
    assert sent["stream"] == f"room:{room_message.room_id}"
    event_sent = sent["event"]
    assert event_sent["type"] == "message.deleted"
    assert event_sent["message"]["id"] == message.pk
    assert event_sent["message"]["is_deleted"] is True
    assert event_sent["message"]["deleted_by_moderator"] is True
    assert event_sent["message"]["html"] == ""


def test_deleting_twice_is_refused(private_message, patient, site_moderator):
    report = report_message(actor=patient, message=private_message, reason="spam")
    delete_reported_message(actor=site_moderator, report=report)
    with pytest.raises(ConflictError):
        delete_reported_message(actor=site_moderator, report=report)
    assert AuditEvent.objects.filter(verb="message.delete_by_moderator").count() == 1


def test_a_community_moderator_cannot_delete_a_private_message(private_message, patient, moderator):
    report = report_message(actor=patient, message=private_message, reason="spam")
    with pytest.raises(NotFoundError):
        delete_reported_message(actor=moderator, report=report)
    message = Message.objects.get(pk=private_message.pk)
    assert (message.body, message.deleted_at) == ("You are useless", None)
    assert MessageReport.objects.get(pk=report.pk).status == "open"
    assert AuditEvent.objects.filter(verb="message.delete_by_moderator").count() == 0
