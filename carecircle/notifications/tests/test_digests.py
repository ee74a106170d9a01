"""Daily and weekly digests: when they go, to whom, what they say, and never twice."""

from __future__ import annotations

import email.policy
import smtplib
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend
from django.test import override_settings
from django.utils import timezone

from carecircle.accounts.models import User
from carecircle.communities.models import Community, Membership
from carecircle.core.factories import CommunityFactory, UserFactory, make_member, make_topic
from carecircle.core.models import ModerationState
from carecircle.discussions.models import Post, Topic
from carecircle.messaging.models import MemberBlock
from carecircle.notifications.delivery.unsubscribe import make_url, read_token
from carecircle.notifications.digests import (
    build_digest,
    due_digests,
    send_digest,
    send_digests,
)
from carecircle.notifications.models import DigestRun, NotificationSettings, Watch, WatchLevel
from carecircle.notifications.tasks import send_digests_task

# Monday 7 December 2026 (ISO week 50).
MONDAY_1400 = datetime(2026, 12, 7, 14, 0, tzinfo=UTC)  # Tokyo Mon 23:00, Los Angeles Mon 06:00
MONDAY_1600 = datetime(2026, 12, 7, 16, 0, tzinfo=UTC)  # Tokyo Tue 01:00, Los Angeles Mon 08:00
ACTIVITY_AT = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)

POPULAR_TITLE = "Tired after metformin"
QUESTION_TITLE = "Which glucose meter do you trust?"
COMMUNITY_NAME = "Type 2 Diabetes"
FIRST_POST = "My private story about night sweats"

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("_digest_settings"),
]


@pytest.fixture
def _digest_settings() -> Any:
    with override_settings(
        CARECIRCLE_DIGEST_HOUR=8,
        SITE_URL="https://care.example",
        SITE_NAME="CareCircle",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    ):
        yield


class FailingBackend(BaseEmailBackend):
    """An SMTP server that drops the connection."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        raise smtplib.SMTPServerDisconnected("connection unexpectedly closed")


def opt_in(
    user: User,
    *,
    digest: str = "daily",
    zone: str = "Asia/Tokyo",
    details: bool = False,
    **fields: Any,
) -> NotificationSettings:
    User.objects.filter(pk=user.pk).update(time_zone=zone)
    user.time_zone = zone
    return NotificationSettings.objects.create(
        user=user, digest=digest, email_includes_details=details, **fields
    )


def at(topic: Topic, when: datetime, *, replies_at: datetime | None = None) -> Topic:
    """Date the topic, its first post at `when` and its replies at `replies_at`."""
    Topic.objects.filter(pk=topic.pk).update(created_at=when)
    Post.objects.filter(topic=topic, position=1).update(created_at=when)
    Post.objects.filter(topic=topic, position__gt=1).update(created_at=replies_at or when)
    topic.refresh_from_db()
    return topic


@pytest.fixture
def diabetes(db: None) -> Community:
    return CommunityFactory(name=COMMUNITY_NAME, slug="type-2-diabetes")


@pytest.fixture
def writer(diabetes: Community) -> User:
    user = UserFactory(display_name="Wendy writer", handle="writer")
    make_member(diabetes, user)
    return user


@pytest.fixture
def activity(diabetes: Community, writer: User) -> tuple[Topic, Topic]:
    """A discussion with two replies this morning and a question nobody answered yet."""
    popular = at(
        make_topic(diabetes, writer, title=POPULAR_TITLE, body=FIRST_POST, replies=2),
        ACTIVITY_AT - timedelta(days=10),
        replies_at=ACTIVITY_AT,
    )
    question = at(
        make_topic(diabetes, writer, title=QUESTION_TITLE, body=FIRST_POST, is_question=True),
        ACTIVITY_AT,
    )
    return popular, question


def reader(community: Community, handle: str) -> User:
    user = UserFactory(display_name=f"Reader {handle}", handle=handle)
    make_member(community, user)
    return user


def periods(user: User) -> list[str]:
    return list(
        DigestRun.objects.filter(user=user).order_by("period").values_list("period", flat=True)
    )


def html_of(message: EmailMessage) -> str:
    alternatives = getattr(message, "alternatives", [])
    assert [kind for _content, kind in alternatives] == ["text/html"]
    return str(alternatives[0][0])


# When


@pytest.mark.usefixtures("activity")
def test_each_member_gets_the_digest_in_their_own_morning(diabetes: Community) -> None:
    tokyo = reader(diabetes, "tokyo")
    los_angeles = reader(diabetes, "la")
    opt_in(tokyo, zone="Asia/Tokyo")
    opt_in(los_angeles, zone="America/Los_Angeles")

    # 23:00 in Tokyo (08:00 passed long ago), 06:00 in Los Angeles.
    assert send_digests(now=MONDAY_1400) == 1
    assert [message.to for message in mail.outbox] == [[tokyo.email]]
    assert periods(tokyo) == ["daily:2026-12-07"]
    assert periods(los_angeles) == []

    # 08:00 in Los Angeles; 01:00 on Tuesday in Tokyo, whose Tuesday digest is not due yet.
    assert send_digests(now=MONDAY_1600) == 1
    assert [message.to for message in mail.outbox] == [[tokyo.email], [los_angeles.email]]
    assert periods(tokyo) == ["daily:2026-12-07"]
    assert periods(los_angeles) == ["daily:2026-12-07"]
    assert NotificationSettings.objects.get(user=tokyo).last_digest_at == MONDAY_1400
    assert NotificationSettings.objects.get(user=los_angeles).last_digest_at == MONDAY_1600


@pytest.mark.usefixtures("activity")
def test_not_before_the_digest_hour_then_the_next_day_again(diabetes: Community) -> None:
    tokyo = reader(diabetes, "tokyo")
    opt_in(tokyo, zone="Asia/Tokyo")

    # 07:59 on Monday in Tokyo.
    assert send_digests(now=datetime(2026, 12, 6, 22, 59, tzinfo=UTC)) == 0
    assert periods(tokyo) == []
    # 09:30 on Tuesday in Tokyo: the morning's activity is still within the last 24 hours.
    assert send_digests(now=datetime(2026, 12, 8, 0, 30, tzinfo=UTC)) == 1
    assert periods(tokyo) == ["daily:2026-12-08"]
    assert len(mail.outbox) == 1


@pytest.mark.usefixtures("activity")
def test_weekly_digest_only_on_the_members_monday(diabetes: Community) -> None:
    tokyo = reader(diabetes, "tokyo")
    opt_in(tokyo, digest="weekly", zone="Asia/Tokyo")

    # Sunday 21:00 and Tuesday 12:00 in Tokyo.
    assert send_digests(now=datetime(2026, 12, 6, 12, 0, tzinfo=UTC)) == 0
    assert send_digests(now=datetime(2026, 12, 8, 3, 0, tzinfo=UTC)) == 0
    assert periods(tokyo) == []
    assert mail.outbox == []

    # Monday 23:00 in Tokyo.
    assert send_digests(now=MONDAY_1400) == 1
    assert periods(tokyo) == ["weekly:2026-W50"]
    assert mail.outbox[0].subject == "Your weekly CareCircle digest"


@pytest.mark.usefixtures("activity")
def test_weekly_digest_follows_monday_in_los_angeles(diabetes: Community) -> None:
    los_angeles = reader(diabetes, "la")
    opt_in(los_angeles, digest="weekly", zone="America/Los_Angeles")

    # Monday 06:00 in Los Angeles (already Monday evening in Tokyo).
    assert send_digests(now=MONDAY_1400) == 0
    # Monday 17:00 in Los Angeles, Tuesday in UTC.
    assert send_digests(now=datetime(2026, 12, 8, 1, 0, tzinfo=UTC)) == 1
    assert periods(los_angeles) == ["weekly:2026-W50"]


@pytest.mark.usefixtures("activity")
def test_the_hourly_task_sends_what_is_due_now(
    diabetes: Community, monkeypatch: pytest.MonkeyPatch
) -> None:
    member = reader(diabetes, "member")
    opt_in(member)
    monkeypatch.setattr(timezone, "now", lambda: MONDAY_1400)

    result = send_digests_task.enqueue()
    assert result.return_value == 1
    assert periods(member) == ["daily:2026-12-07"]
    assert [message.to for message in mail.outbox] == [[member.email]]


# Never twice


@pytest.mark.usefixtures("activity")
def test_never_twice_for_one_period(diabetes: Community) -> None:
    member = reader(diabetes, "member")
    opt_in(member)
    # A second worker that picked its members before the first one claimed them.
    seen_by_second_worker = due_digests(now=MONDAY_1400)
    assert [due.user.pk for due in seen_by_second_worker] == [member.pk]

    assert send_digests(now=MONDAY_1400) == 1
    assert send_digests(now=MONDAY_1400) == 0
    assert send_digests(now=MONDAY_1400 + timedelta(hours=1)) == 0
    assert send_digest(seen_by_second_worker[0], now=MONDAY_1400) is False

    assert len(mail.outbox) == 1
    assert periods(member) == ["daily:2026-12-07"]
    assert DigestRun.objects.get(user=member).topic_count == 2


@pytest.mark.usefixtures("activity")
def test_a_failed_send_releases_the_claim_for_the_next_run(diabetes: Community) -> None:
    member = reader(diabetes, "member")
    opt_in(member)

    with override_settings(EMAIL_BACKEND=f"{__name__}.FailingBackend"):
        assert send_digests(now=MONDAY_1400) == 0
    assert periods(member) == []
    assert NotificationSettings.objects.get(user=member).last_digest_at is None
    assert mail.outbox == []

    # The next run, still Monday in Tokyo.
    later = MONDAY_1400 + timedelta(minutes=50)
    assert send_digests(now=later) == 1
    assert periods(member) == ["daily:2026-12-07"]
    assert NotificationSettings.objects.get(user=member).last_digest_at == later
    assert len(mail.outbox) == 1


def test_nothing_to_tell_sends_nothing_and_keeps_the_claim(
    diabetes: Community, django_assert_num_queries: Any
) -> None:
    member = reader(diabetes, "member")
    opt_in(member)

    assert send_digests(now=MONDAY_1400) == 0
    assert mail.outbox == []
    run = DigestRun.objects.get(user=member)
    assert (run.period, run.topic_count) == ("daily:2026-12-07", 0)
    assert NotificationSettings.objects.get(user=member).last_digest_at is None

    # The next hourly run finds nobody due: the time zones, then no unclaimed member.
    with django_assert_num_queries(2):
        assert send_digests(now=MONDAY_1400 + timedelta(minutes=30)) == 0
    assert mail.outbox == []


# Who


@pytest.mark.usefixtures("activity")
def test_digest_is_off_by_default(diabetes: Community) -> None:
    never_chose = reader(diabetes, "never")
    User.objects.filter(pk=never_chose.pk).update(time_zone="Asia/Tokyo")
    chose_off = reader(diabetes, "off")
    opt_in(chose_off, digest="off")

    assert send_digests(now=MONDAY_1400) == 0
    assert mail.outbox == []
    assert DigestRun.objects.count() == 0


@pytest.mark.usefixtures("activity")
def test_paused_inactive_and_memorialised_members_get_none(diabetes: Community) -> None:
    paused = reader(diabetes, "paused")
    opt_in(paused, is_email_paused=True)
    inactive = reader(diabetes, "inactive")
    opt_in(inactive)
    User.objects.filter(pk=inactive.pk).update(is_active=False)
    remembered = reader(diabetes, "remembered")
    opt_in(remembered)
    User.objects.filter(pk=remembered.pk).update(memorialised_at=timezone.now())

    assert due_digests(now=MONDAY_1400) == []
    assert send_digests(now=MONDAY_1400) == 0
    assert mail.outbox == []
    assert DigestRun.objects.count() == 0


@pytest.mark.usefixtures("activity")
def test_choosing_due_members_takes_two_queries_however_many(
    diabetes: Community, django_assert_num_queries: Any
) -> None:
    zones = ["Asia/Tokyo", "America/Los_Angeles", "Europe/Paris", "", "Not/AZone"]
    members = [reader(diabetes, f"member{index}") for index in range(len(zones))]
    for member, zone in zip(members, zones, strict=True):
        opt_in(member, zone=zone)
    with django_assert_num_queries(2):
        due = due_digests(now=MONDAY_1400)
    # 14:00 UTC: past 08:00 in Tokyo, Paris and UTC (the site's zone, also for an unknown one).
    assert [(item.user.handle, item.period) for item in due] == [
        ("member0", "daily:2026-12-07"),
        ("member2", "daily:2026-12-07"),
        ("member3", "daily:2026-12-07"),
        ("member4", "daily:2026-12-07"),
    ]


@pytest.mark.usefixtures("activity")
def test_each_digest_costs_a_fixed_number_of_queries(
    diabetes: Community, django_assert_num_queries: Any
) -> None:
    for index in range(3):
        opt_in(reader(diabetes, f"member{index}"))
    # Zones and members (2), then per member: claim in a savepoint (3), popular topics and
    # unanswered questions (2), the claim's count and last_digest_at (2).
    with django_assert_num_queries(2 + 3 * 7):
        assert send_digests(now=MONDAY_1400) == 3
    assert len(mail.outbox) == 3


# What


def test_left_members_only_community_and_hidden_or_deleted_topics_are_left_out(
    diabetes: Community, writer: User
) -> None:
    member = reader(diabetes, "member")
    opt_in(member, details=True)
    private = CommunityFactory(
        name="Breast Cancer", slug="breast-cancer", visibility=Community.Visibility.MEMBERS
    )
    make_member(private, writer)
    make_member(private, member)
    at(make_topic(private, writer, title="Secret chemo diary", replies=3), ACTIVITY_AT)
    Membership.objects.filter(community=private, user=member).delete()

    other = CommunityFactory(name="Asthma", slug="asthma")
    make_member(other, writer)
    at(make_topic(other, writer, title="Not my community", replies=3), ACTIVITY_AT)

    visible = at(make_topic(diabetes, writer, title="Visible talk", replies=1), ACTIVITY_AT)
    at(
        make_topic(
            diabetes,
            writer,
            title="Hidden talk",
            replies=4,
            moderation_state=ModerationState.HIDDEN,
        ),
        ACTIVITY_AT,
    )
    at(
        make_topic(
            diabetes,
            writer,
            title="Pending question",
            is_question=True,
            moderation_state=ModerationState.PENDING,
        ),
        ACTIVITY_AT,
    )
    at(make_topic(diabetes, writer, title="Deleted talk", replies=4, is_deleted=True), ACTIVITY_AT)
    hidden_replies = at(
        make_topic(diabetes, writer, title="Only hidden replies", replies=2), ACTIVITY_AT
    )
    Post.objects.filter(topic=hidden_replies, position__gt=1).update(
        moderation_state=ModerationState.HIDDEN
    )
    stale = at(make_topic(diabetes, writer, title="Old talk", replies=2), ACTIVITY_AT)
    Post.objects.filter(topic=stale, position__gt=1).update(
        created_at=MONDAY_1400 - timedelta(days=2)
    )
    at(
        make_topic(diabetes, writer, title="Old question", is_question=True),
        MONDAY_1400 - timedelta(days=4),
    )
    at(make_topic(diabetes, member, title="My own question", is_question=True), ACTIVITY_AT)

    content = build_digest(user=member, frequency="daily", now=MONDAY_1400)
    assert [(line.title, line.replies) for line in content.popular] == [("Visible talk", 1)]
    assert content.unanswered == []
    assert content.popular[0].url == f"https://care.example/t/{visible.pk}/visible-talk/"

    assert send_digests(now=MONDAY_1400) == 1
    text = str(mail.outbox[0].body)
    for title in (
        "Secret chemo diary",
        "Breast Cancer",
        "Not my community",
        "Asthma",
        "Hidden talk",
        "Pending question",
        "Deleted talk",
        "Only hidden replies",
        "Old talk",
        "Old question",
        "My own question",
    ):
        assert title not in text
        assert title not in html_of(mail.outbox[0])
    assert "Visible talk" in text


def test_topics_by_muted_or_blocked_members_are_left_out(diabetes: Community, writer: User) -> None:
    member = reader(diabetes, "member")
    opt_in(member, details=True)
    muted = reader(diabetes, "muted")
    MemberBlock.objects.create(blocker=member, blocked=writer, level=MemberBlock.Level.BLOCK)
    MemberBlock.objects.create(blocker=member, blocked=muted, level=MemberBlock.Level.MUTE)
    # Blocking the other way round hides nothing from the member.
    friend = reader(diabetes, "friend")
    MemberBlock.objects.create(blocker=friend, blocked=member, level=MemberBlock.Level.BLOCK)

    at(make_topic(diabetes, writer, title="By the blocked one", replies=3), ACTIVITY_AT)
    at(make_topic(diabetes, muted, title="By the muted one", is_question=True), ACTIVITY_AT)
    at(make_topic(diabetes, friend, title="By a friend", replies=1), ACTIVITY_AT)
    at(make_topic(diabetes, friend, title="Friend asks", is_question=True), ACTIVITY_AT)

    content = build_digest(user=member, frequency="daily", now=MONDAY_1400)
    assert [line.title for line in content.popular] == ["By a friend"]
    assert [line.title for line in content.unanswered] == ["Friend asks"]


def test_muted_communities_and_topics_are_left_out(diabetes: Community, writer: User) -> None:
    member = reader(diabetes, "member")
    opt_in(member, details=True)
    other = CommunityFactory(name="Long COVID", slug="long-covid")
    make_member(other, member)
    make_member(other, writer)
    at(make_topic(other, writer, title="In the muted community", replies=2), ACTIVITY_AT)
    muted_topic = at(make_topic(diabetes, writer, title="A muted topic", replies=2), ACTIVITY_AT)
    at(make_topic(diabetes, writer, title="Still wanted", replies=1), ACTIVITY_AT)
    Watch.objects.create(user=member, community=other, level=WatchLevel.MUTED)
    Watch.objects.create(user=member, topic=muted_topic, level=WatchLevel.MUTED)

    content = build_digest(user=member, frequency="daily", now=MONDAY_1400)

    assert [line.title for line in content.popular] == ["Still wanted"]


def test_popular_topics_are_ranked_by_replies_in_the_period_five_at_most(
    diabetes: Community, writer: User
) -> None:
    member = reader(diabetes, "member")
    for replies in range(1, 8):
        at(make_topic(diabetes, writer, title=f"Talk {replies}", replies=replies), ACTIVITY_AT)
    for index in range(7):
        at(
            make_topic(diabetes, writer, title=f"Question {index}", is_question=True),
            ACTIVITY_AT - timedelta(hours=index),
        )

    content = build_digest(user=member, frequency="daily", now=MONDAY_1400)
    assert [(line.title, line.replies) for line in content.popular] == [
        ("Talk 7", 7),
        ("Talk 6", 6),
        ("Talk 5", 5),
        ("Talk 4", 4),
        ("Talk 3", 3),
    ]
    assert [line.title for line in content.unanswered] == [
        "Question 0",
        "Question 1",
        "Question 2",
        "Question 3",
        "Question 4",
    ]


def test_weekly_digest_looks_back_seven_days(diabetes: Community, writer: User) -> None:
    member = reader(diabetes, "member")
    at(
        make_topic(diabetes, writer, title="Six days ago", replies=2),
        MONDAY_1400 - timedelta(days=6),
    )
    at(
        make_topic(diabetes, writer, title="Eight days ago", replies=2),
        MONDAY_1400 - timedelta(days=8),
    )

    weekly = build_digest(user=member, frequency="weekly", now=MONDAY_1400)
    daily = build_digest(user=member, frequency="daily", now=MONDAY_1400)
    assert [line.title for line in weekly.popular] == ["Six days ago"]
    assert daily.popular == []


# Privacy and the email itself


def test_default_member_email_names_no_topic_and_no_community(
    diabetes: Community, activity: tuple[Topic, Topic]
) -> None:
    member = reader(diabetes, "member")
    opt_in(member)

    assert send_digests(now=MONDAY_1400) == 1
    message = mail.outbox[0]
    html = html_of(message)
    assert message.subject == "Your daily CareCircle digest"
    for secret in (POPULAR_TITLE, QUESTION_TITLE, COMMUNITY_NAME, FIRST_POST, "Reply 2"):
        assert secret not in message.subject
        assert secret not in str(message.body)
        assert secret not in html
    for topic in activity:
        assert f"/t/{topic.pk}/" not in str(message.body)
        assert f"/t/{topic.pk}/" not in html
    summary = "1 popular discussion and 1 unanswered question in your communities."
    assert summary in str(message.body)
    assert summary in html
    assert "https://care.example/\n" in str(message.body)
    assert '<a href="https://care.example/">Read them on CareCircle</a>' in html


def test_opted_in_member_sees_titles_communities_and_links_but_no_post_text(
    diabetes: Community, activity: tuple[Topic, Topic]
) -> None:
    popular, question = activity
    member = reader(diabetes, "member")
    opt_in(member, details=True)

    assert send_digests(now=MONDAY_1400) == 1
    message = mail.outbox[0]
    text = str(message.body)
    html = html_of(message)
    popular_url = f"https://care.example/t/{popular.pk}/tired-after-metformin/"
    question_url = f"https://care.example/t/{question.pk}/which-glucose-meter-do-you-trust/"
    assert f"- {POPULAR_TITLE} ({COMMUNITY_NAME}, 2 new replies)\n  {popular_url}\n" in text
    assert f"- {QUESTION_TITLE} ({COMMUNITY_NAME})\n  {question_url}\n" in text
    assert f'<a href="{popular_url}">{POPULAR_TITLE}</a> ({COMMUNITY_NAME}, 2 new replies)' in html
    assert f'<a href="{question_url}">{QUESTION_TITLE}</a> ({COMMUNITY_NAME})' in html
    for body in (FIRST_POST, "Reply 2", "Reply 3"):
        assert body not in text
        assert body not in html
    assert message.subject == "Your daily CareCircle digest"


@pytest.mark.usefixtures("activity")
def test_email_carries_one_click_unsubscribe_and_a_settings_link(diabetes: Community) -> None:
    member = reader(diabetes, "member")
    opt_in(member)

    assert send_digests(now=MONDAY_1400) == 1
    message = mail.outbox[0]
    # The signed token carries a timestamp, so it is compared by what it says, not by its bytes
    # (a second may pass between sending and this line).
    unsubscribe = message.extra_headers["List-Unsubscribe"].removeprefix("<").removesuffix(">")
    prefix = make_url(member, "digest").rsplit("/", 2)[0] + "/"
    assert unsubscribe.startswith("https://care.example/") and unsubscribe.startswith(prefix)
    assert read_token(unsubscribe.rstrip("/").rsplit("/", 1)[1]) == (member.pk, "digest")
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # As the SMTP backend writes it: the long URL stays readable, not RFC 2047 encoded.
    wire = message.message(policy=email.policy.SMTP).as_bytes().decode("ascii")
    assert f"\r\nList-Unsubscribe: <{unsubscribe}>\r\n" in wire
    assert "\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n" in wire
    assert message.to == [member.email]
    text = str(message.body)
    html = html_of(message)
    assert "https://care.example/notifications/settings/" in text
    assert unsubscribe in text
    assert '<html lang="en">' in html
    assert "<h1" in html and "<ul>" in html
    assert (
        '<a href="https://care.example/notifications/settings/">Change how often you get the '
        "digest, or what it shows, in your notification settings</a>"
    ) in html
    assert f'<a href="{unsubscribe}">Stop digests (one click, no sign-in needed)</a>' in html
