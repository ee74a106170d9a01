"""Notification emails: one per member, private by default, claimed once, retried on outage."""

from __future__ import annotations

import email.policy as email_policy
import smtplib
from datetime import UTC, datetime, time, timedelta

import pytest
from django.core import mail
from django.test import Client

from carecircle.communities.models import Community
from carecircle.discussions.models import Post
from carecircle.notifications.delivery import email
from carecircle.notifications.delivery.email import plain_excerpt, send_due_emails
from carecircle.notifications.models import Notification, NotificationSettings
from carecircle.notifications.tasks import send_due_emails_task

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
DUE = NOW - timedelta(minutes=1)

REPLY_BODY = (
    "## My **HbA1c** went up\n\nI stopped [metformin](https://example.org/m) last week "
    "because of the _nausea_. " + "More words about my diabetes. " * 10
)


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = "https://care.example"
    settings.SITE_NAME = "CareCircle"


@pytest.fixture
def reply(topic, caregiver) -> Post:
    return Post.objects.create(
        topic=topic, author=caregiver, position=2, body=REPLY_BODY, body_html="<p>x</p>"
    )


def notify(recipient, kind="reply", *, due=DUE, **fields) -> Notification:
    """A notification row as the core delivery code leaves it (test set-up)."""
    fields.setdefault("url", "/t/1/")
    return Notification.objects.create(
        recipient=recipient, kind=kind, updated_at=NOW, email_due_at=due, **fields
    )


def _html(message) -> str:
    [(content, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    return str(content)


SECRETS = (
    "Tired after metformin",  # topic title
    "Type 2 Diabetes",  # community name
    "Cam the caregiver",  # actor
    "HbA1c",  # post text
    "nausea",
    "Anonymous member 3",
)


def test_default_member_gets_one_generic_email(patient, caregiver, community, topic, reply):
    first = notify(
        patient, "reply", actor=caregiver, community=community, topic=topic, post=reply, count=3
    )
    second = notify(patient, "mention", actor=caregiver, community=community, topic=topic)
    third = notify(patient, "message", actor_label="Anonymous member 3")

    assert send_due_emails(now=NOW) == 1

    [message] = mail.outbox
    assert message.to == [patient.email]
    assert message.subject == "You have 3 new notifications on CareCircle"
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe_url = message.extra_headers["List-Unsubscribe"]
    assert unsubscribe_url.startswith("<https://care.example/notifications/unsubscribe/")
    assert unsubscribe_url.endswith("/>")
    text, html = message.body, _html(message)
    for body in (text, html, message.subject):
        for secret in SECRETS:
            assert secret not in body, secret
    assert "- You have a new reply (3 updates)\n" in text
    assert "- Someone mentioned you\n" in text
    assert "- You have a new private message\n" in text
    assert "https://care.example/notifications/\n" in text
    assert "https://care.example/notifications/settings/\n" in text
    assert "does not say who wrote or where" in text
    assert '<html lang="en">' in html
    assert "<h1" in html and "You have 3 new notifications on CareCircle</h1>" in html
    assert '<a href="https://care.example/notifications/"' in html
    assert '<a href="https://care.example/notifications/settings/">' in html
    assert f'<a href="{unsubscribe_url[1:-1]}">' in html
    assert "<img" not in html
    for row in (first, second, third):
        row.refresh_from_db()
        assert row.emailed_at == NOW
        assert row.email_due_at == DUE
    # Claimed: the next run (another worker, a minute later) sends nothing again.
    assert send_due_emails(now=NOW + timedelta(minutes=1)) == 0
    assert len(mail.outbox) == 1


def test_one_line_subject_is_singular(patient):
    notify(patient, "reply")

    assert send_due_emails(now=NOW) == 1

    assert mail.outbox[0].subject == "You have 1 new notification on CareCircle"
    assert "(1 update" not in mail.outbox[0].body


def test_opted_in_member_reads_who_where_and_an_excerpt(
    patient, caregiver, community, topic, reply
):
    NotificationSettings.objects.create(user=patient, email_includes_details=True)
    line = notify(patient, "reply", actor=caregiver, community=community, topic=topic, post=reply)
    notify(patient, "message", actor_label="Anonymous member 3")

    assert send_due_emails(now=NOW) == 1

    [message] = mail.outbox
    excerpt = plain_excerpt(REPLY_BODY)
    assert excerpt.startswith(
        "My HbA1c went up I stopped metformin last week because of the nausea. More words"
    )
    assert len(excerpt) == 200
    assert excerpt.endswith("…")
    text, html = message.body, _html(message)
    assert "  From: Cam the caregiver\n" in text
    assert "  Topic: Tired after metformin\n" in text
    assert "  Community: Type 2 Diabetes\n" in text
    assert f'  "{excerpt}"\n' in text
    assert f"  https://care.example/notifications/{line.pk}/open/\n" in text
    assert "  From: Anonymous member 3\n" in text
    assert "does not say who wrote" not in text
    assert f'<a href="https://care.example/notifications/{line.pk}/open/">' in html
    assert "From: Cam the caregiver" in html
    assert "Topic: Tired after metformin" in html
    assert "**" not in text and "](" not in text
    # The subject never carries details: it shows in notification previews.
    assert message.subject == "You have 2 new notifications on CareCircle"


def test_details_escape_html(patient, caregiver, community):
    from carecircle.core.factories import make_topic

    NotificationSettings.objects.create(user=patient, email_includes_details=True)
    hostile = make_topic(community, caregiver, title="<script>alert(1)</script>")
    notify(patient, "watched_topic", actor=caregiver, community=community, topic=hostile)

    send_due_emails(now=NOW)

    html = _html(mail.outbox[0])
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_read_lines_are_dropped(patient):
    read = notify(patient, "reply", read_at=NOW - timedelta(minutes=5))

    assert send_due_emails(now=NOW) == 0

    assert mail.outbox == []
    read.refresh_from_db()
    assert (read.email_due_at, read.emailed_at) == (None, None)


def test_not_yet_due_waits(patient):
    later = notify(patient, "reply", due=NOW + timedelta(minutes=3))

    assert send_due_emails(now=NOW) == 0

    assert mail.outbox == []
    later.refresh_from_db()
    assert (later.email_due_at, later.emailed_at) == (NOW + timedelta(minutes=3), None)
    assert send_due_emails(now=NOW + timedelta(minutes=3)) == 1


def test_lines_without_email_are_never_sent(patient):
    notify(patient, "reply", due=None)

    assert send_due_emails(now=NOW) == 0
    assert mail.outbox == []


def test_quiet_hours_move_the_email_to_their_end(patient):
    patient.time_zone = "Europe/Paris"  # 12:00 UTC is 13:00 there
    patient.save(update_fields=["time_zone"])
    NotificationSettings.objects.create(
        user=patient, quiet_hours_start=time(12, 30), quiet_hours_end=time(15, 0)
    )
    line = notify(patient, "reply")

    assert send_due_emails(now=NOW) == 0

    assert mail.outbox == []
    line.refresh_from_db()
    assert line.email_due_at == datetime(2026, 12, 7, 14, 0, tzinfo=UTC)
    assert line.emailed_at is None
    assert send_due_emails(now=datetime(2026, 12, 7, 13, 59, tzinfo=UTC)) == 0
    assert send_due_emails(now=datetime(2026, 12, 7, 14, 0, tzinfo=UTC)) == 1


@pytest.mark.parametrize(
    "change",
    [
        {"is_active": False},
        {"memorialised_at": NOW - timedelta(days=1)},
    ],
)
def test_inactive_and_memorialised_members_get_nothing(patient, change):
    for name, value in change.items():
        setattr(patient, name, value)
    patient.save()
    line = notify(patient, "reply")

    assert send_due_emails(now=NOW) == 0

    assert mail.outbox == []
    line.refresh_from_db()
    assert (line.email_due_at, line.emailed_at) == (None, None)


def test_paused_member_gets_nothing(patient):
    NotificationSettings.objects.create(user=patient, is_email_paused=True)
    line = notify(patient, "mention")

    assert send_due_emails(now=NOW) == 0

    assert mail.outbox == []
    line.refresh_from_db()
    assert (line.email_due_at, line.emailed_at) == (None, None)


def test_kind_switched_off_since_is_left_out(patient):
    NotificationSettings.objects.create(user=patient, channels={"reply": {"email": False}})
    off = notify(patient, "reply")
    on = notify(patient, "mention")
    never = notify(patient, "moderation")  # no email channel at all

    assert send_due_emails(now=NOW) == 1

    [message] = mail.outbox
    assert message.subject == "You have 1 new notification on CareCircle"
    assert "Someone mentioned you" in message.body
    assert "new reply" not in message.body
    for row, due, emailed in ((off, None, None), (never, None, None), (on, DUE, NOW)):
        row.refresh_from_db()
        assert (row.email_due_at, row.emailed_at) == (due, emailed)


def test_lines_about_hidden_or_unreadable_things_are_left_out(
    patient, caregiver, community, topic, reply, private_community
):
    from carecircle.core.factories import make_topic

    hidden_post = notify(patient, "reply", community=community, topic=topic, post=reply)
    Post.objects.filter(pk=reply.pk).update(moderation_state="hidden")
    deleted = make_topic(community, caregiver, title="Gone", is_deleted=True)
    gone_topic = notify(patient, "watched_topic", community=community, topic=deleted)
    # A community that became members-only for someone who is not a member.
    closed = make_topic(private_community, patient, title="Private")
    left_out = notify(caregiver, "watched_topic", community=private_community, topic=closed)
    kept = notify(patient, "mention")

    assert send_due_emails(now=NOW) == 1

    [message] = mail.outbox
    assert message.to == [patient.email]
    assert message.subject == "You have 1 new notification on CareCircle"
    for row in (hidden_post, gone_topic, left_out):
        row.refresh_from_db()
        assert (row.email_due_at, row.emailed_at) == (None, None)
    kept.refresh_from_db()
    assert kept.emailed_at == NOW
    assert Community.objects.get(pk=private_community.pk).visibility == "members"


def test_each_member_gets_their_own_email(patient, caregiver, outsider):
    notify(patient, "reply")
    notify(caregiver, "mention")
    notify(caregiver, "quote")
    notify(outsider, "reply", due=NOW + timedelta(minutes=1))

    assert send_due_emails(now=NOW) == 2

    by_address = {message.to[0]: message for message in mail.outbox}
    assert set(by_address) == {patient.email, caregiver.email}
    assert by_address[patient.email].subject == "You have 1 new notification on CareCircle"
    assert by_address[caregiver.email].subject == "You have 2 new notifications on CareCircle"
    assert "Someone quoted you" in by_address[caregiver.email].body
    assert "Someone quoted you" not in by_address[patient.email].body


def test_many_members_are_handled_in_batches(monkeypatch, patient, caregiver, outsider):
    monkeypatch.setattr(email, "BATCH", 2)
    for member in (patient, caregiver, outsider):
        notify(member, "reply")

    assert send_due_emails(now=NOW) == 3
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [patient.email, caregiver.email, outsider.email]
    )


@pytest.mark.parametrize(
    "error", [smtplib.SMTPServerDisconnected("gone"), ConnectionRefusedError()]
)
def test_mail_outage_unclaims_for_the_next_run(monkeypatch, patient, caregiver, error):
    first = notify(patient, "reply")
    second = notify(caregiver, "reply")

    def refuse(self, messages):
        raise error

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse)

    assert send_due_emails(now=NOW) == 0

    for row in (first, second):
        row.refresh_from_db()
        assert (row.email_due_at, row.emailed_at) == (DUE, None)
    monkeypatch.undo()
    assert send_due_emails(now=NOW + timedelta(minutes=1)) == 2
    assert len(mail.outbox) == 2


def test_claim_loses_to_a_worker_that_claimed_in_between(monkeypatch, patient):
    """Between this worker's reading and its claim, another worker claims one of the lines:
    the batch claim stands back, and this worker sends only what nobody else took."""
    first = notify(patient, "reply")
    second = notify(patient, "mention")
    real_sorted = sorted

    def read_then_lose_the_race(values, *args, **kwargs):
        result = real_sorted(values, *args, **kwargs)
        Notification.objects.filter(pk=first.pk).update(emailed_at=NOW - timedelta(seconds=1))
        return result

    monkeypatch.setattr(email, "sorted", read_then_lose_the_race, raising=False)

    assert send_due_emails(now=NOW) == 1

    [message] = mail.outbox
    assert "Someone mentioned you" in message.body
    assert "You have a new reply" not in message.body
    first.refresh_from_db()
    second.refresh_from_db()
    # The other worker's claim is untouched (it sends that line); ours is recorded once.
    assert first.emailed_at == NOW - timedelta(seconds=1)
    assert second.emailed_at == NOW
    monkeypatch.undo()
    assert send_due_emails(now=NOW + timedelta(minutes=1)) == 0
    assert len(mail.outbox) == 1


def test_a_batch_shares_one_mail_connection(monkeypatch, patient, caregiver, outsider):
    opened = []
    from django.core.mail.backends.locmem import EmailBackend

    real_open = EmailBackend.open

    def counting_open(self):
        opened.append(self)
        return real_open(self)

    monkeypatch.setattr(EmailBackend, "open", counting_open)
    for member in (patient, caregiver, outsider):
        notify(member, "reply")

    assert send_due_emails(now=NOW) == 3

    assert len(mail.outbox) == 3
    assert len(opened) == 1


def test_unsubscribe_header_link_pauses_the_emails(patient):
    notify(patient, "reply")
    send_due_emails(now=NOW)
    url = mail.outbox[0].extra_headers["List-Unsubscribe"][1:-1]

    response = Client(enforce_csrf_checks=True).post(
        url.removeprefix("https://care.example"),
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 200
    assert NotificationSettings.objects.get(user=patient).is_email_paused is True
    notify(patient, "mention")
    assert send_due_emails(now=NOW + timedelta(minutes=1)) == 0
    assert len(mail.outbox) == 1


def test_unsubscribe_header_stays_a_readable_link_on_the_wire(patient):
    notify(patient, "reply")
    send_due_emails(now=NOW)
    message = mail.outbox[0]
    url = message.extra_headers["List-Unsubscribe"][1:-1]
    assert len(url) > 78  # long enough that default folding would encode it

    # As the SMTP backend writes it: one line a mail client reads as a link, not RFC 2047.
    wire = message.message(policy=email_policy.SMTP).as_bytes().decode("ascii")

    assert f"\r\nList-Unsubscribe: <{url}>\r\n" in wire
    assert "\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n" in wire


def test_the_scheduled_task_sends(patient):
    notify(patient, "reply", due=datetime(2020, 1, 1, tzinfo=UTC))

    result = send_due_emails_task.enqueue()

    assert result.return_value == 1
    assert len(mail.outbox) == 1


def test_a_topic_moved_into_a_closed_community_is_judged_by_where_it_is_now(
    patient, caregiver, outsider, community, topic, reply, private_community
):
    """The line still names the community the topic was in; the topic's current one decides
    who may be emailed and which community an opted-in email names."""
    NotificationSettings.objects.create(user=patient, email_includes_details=True)
    NotificationSettings.objects.create(user=outsider, email_includes_details=True)
    for member in (patient, outsider):
        notify(member, "reply", actor=caregiver, community=community, topic=topic, post=reply)
    topic.community = private_community
    topic.save(update_fields=["community"])

    assert send_due_emails(now=NOW) == 1

    [message] = mail.outbox
    assert message.to == [patient.email]
    assert "  Community: Breast Cancer\n" in message.body
    assert "Type 2 Diabetes" not in message.body
    outsiders = Notification.objects.get(recipient=outsider)
    assert (outsiders.email_due_at, outsiders.emailed_at) == (None, None)


def test_a_collapsed_reply_line_whose_latest_post_went_is_emailed_without_its_words(
    patient, caregiver, community, topic, reply
):
    """Several replies, the latest deleted: the line still stands for the others, so the
    email goes, but the deleted words never appear in it; a line about that one post stays out."""
    NotificationSettings.objects.create(user=patient, email_includes_details=True)
    key = f"topic:{topic.pk}:posts"
    line = notify(
        patient,
        "reply",
        actor=caregiver,
        community=community,
        topic=topic,
        post=reply,
        group_key=key,
        count=2,
    )
    mention = notify(
        patient, "mention", actor=caregiver, community=community, topic=topic, post=reply
    )
    Post.objects.filter(pk=reply.pk).update(is_deleted=True)

    assert send_due_emails(now=NOW) == 1

    [message] = mail.outbox
    assert message.subject == "You have 1 new notification on CareCircle"
    assert f"https://care.example/notifications/{line.pk}/open/" in message.body
    assert "  Topic: Tired after metformin\n" in message.body
    for secret in ("HbA1c", "nausea", "metformin last week"):
        assert secret not in message.body
        assert secret not in _html(message)
    mention.refresh_from_db()
    assert (mention.email_due_at, mention.emailed_at) == (None, None)


def test_a_line_read_in_the_bell_between_reading_and_claiming_is_not_emailed(monkeypatch, patient):
    """The member reads one line in the bell while this worker prepares their email: the
    batch claim stands back, and the email carries only what is still unread."""
    first = notify(patient, "reply")
    second = notify(patient, "mention")
    real_sorted = sorted

    def read_in_between(values, *args, **kwargs):
        result = real_sorted(values, *args, **kwargs)
        Notification.objects.filter(pk=first.pk).update(read_at=NOW)
        return result

    monkeypatch.setattr(email, "sorted", read_in_between, raising=False)

    assert send_due_emails(now=NOW) == 1

    [message] = mail.outbox
    assert message.subject == "You have 1 new notification on CareCircle"
    assert "Someone mentioned you" in message.body
    assert "You have a new reply" not in message.body
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.read_at, first.emailed_at) == (NOW, None)
    assert second.emailed_at == NOW
