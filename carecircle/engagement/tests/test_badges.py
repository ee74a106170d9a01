"""Badges: earned by helping, awarded exactly once, never for anonymous or hidden posts."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from carecircle.core.factories import UserFactory, make_member, make_topic
from carecircle.core.models import ModerationState
from carecircle.discussions.models import Post, Reaction, Topic, TopicAlias
from carecircle.engagement.actions import award_earned_badges
from carecircle.engagement.badges import BADGES, earned_badges, schedule_badge_check
from carecircle.engagement.models import BadgeAward
from carecircle.notifications.models import Notification

pytestmark = pytest.mark.django_db


def reply(topic: Topic, author, **fields) -> Post:
    position = topic.posts.count() + 1
    return Post.objects.create(
        topic=topic, author=author, position=position, body="Hi", body_html="<p>Hi</p>", **fields
    )


@pytest.fixture(autouse=True)
def _personas_are_not_newcomers(patient, caregiver, moderator):
    # The root personas join "now": make them long-standing members, so replying to their
    # topics is not welcoming a newcomer unless a test says so.
    from carecircle.accounts.models import User

    User.objects.update(date_joined=timezone.now() - timedelta(days=365))
    for persona in (patient, caregiver, moderator):
        persona.refresh_from_db()


def test_the_registry_describes_every_badge():
    assert list(BADGES) == [
        "first_post",
        "first_topic",
        "welcomed_newcomer",
        "helpful_10",
        "helpful_50",
        "accepted_answer",
    ]
    assert all(b.name and b.description and b.how_to_earn for b in BADGES.values())


def test_nothing_earned_without_posts(outsider):
    assert earned_badges(outsider.pk) == set()


def test_a_topic_earns_first_post_and_first_topic(topic, patient, caregiver):
    reply(topic, caregiver)
    assert earned_badges(patient.pk) == {"first_post", "first_topic"}
    assert earned_badges(caregiver.pk) == {"first_post"}


def test_hidden_deleted_pending_and_anonymous_posts_do_not_count(community, caregiver):
    topic = make_topic(community, make_member_user(community))
    reply(topic, caregiver, is_deleted=True)
    reply(topic, caregiver, moderation_state=ModerationState.HIDDEN)
    reply(topic, caregiver, moderation_state=ModerationState.PENDING)
    alias = TopicAlias.objects.create(topic=topic, user=caregiver, number=1)
    reply(topic, None, alias=alias)
    assert earned_badges(caregiver.pk) == set()


def make_member_user(community, **fields):
    member = UserFactory(**fields)
    make_member(community, member)
    return member


def test_replying_to_a_newcomers_first_topic_is_welcoming(community, caregiver):
    newcomer = make_member_user(community, date_joined=timezone.now() - timedelta(days=2))
    first = make_topic(community, newcomer, title="Hello, I am new")
    reply(first, caregiver)
    assert "welcomed_newcomer" in earned_badges(caregiver.pk)


def test_replying_to_a_newcomers_second_topic_or_a_veterans_first_is_not(community, caregiver):
    newcomer = make_member_user(community, date_joined=timezone.now() - timedelta(days=2))
    make_topic(community, newcomer, title="Hello, I am new")
    second = make_topic(community, newcomer, title="Another question")
    Topic.objects.filter(pk=second.pk).update(created_at=timezone.now() + timedelta(seconds=5))
    reply(second, caregiver)
    veteran = make_member_user(community, date_joined=timezone.now() - timedelta(days=22))
    reply(make_topic(community, veteran, title="Finally posting"), caregiver)

    assert earned_badges(caregiver.pk) == {"first_post"}


def test_helpful_counts_only_others_helpful_reactions(topic, patient):
    first_post = topic.posts.get(position=1)
    helpers = [UserFactory() for _ in range(10)]
    for helper in helpers[:9]:
        Reaction.objects.create(post=first_post, user=helper, kind=Reaction.Kind.HELPFUL)
    Reaction.objects.create(post=first_post, user=patient, kind=Reaction.Kind.HELPFUL)
    Reaction.objects.create(post=first_post, user=helpers[9], kind=Reaction.Kind.LIKE)
    assert "helpful_10" not in earned_badges(patient.pk)

    Reaction.objects.create(post=first_post, user=helpers[9], kind=Reaction.Kind.HELPFUL)
    assert earned_badges(patient.pk) == {"first_post", "first_topic", "helpful_10"}


def test_an_accepted_answer_counts_unless_self_accepted(topic, patient, caregiver):
    own = reply(topic, patient)
    Topic.objects.filter(pk=topic.pk).update(accepted_post=own)
    assert "accepted_answer" not in earned_badges(patient.pk)

    answer = reply(topic, caregiver)
    Topic.objects.filter(pk=topic.pk).update(accepted_post=answer)
    assert "accepted_answer" in earned_badges(caregiver.pk)


def test_badges_are_awarded_and_notified_exactly_once(
    topic, patient, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = award_earned_badges(member_id=patient.pk)
    with django_capture_on_commit_callbacks(execute=True):
        second = award_earned_badges(member_id=patient.pk)

    assert (first, second) == (["first_post", "first_topic"], [])
    assert sorted(BadgeAward.objects.values_list("user_id", "badge")) == [
        (patient.pk, "first_post"),
        (patient.pk, "first_topic"),
    ]
    notes = Notification.objects.filter(recipient=patient, kind="badge").order_by("pk")
    assert [(n.url, n.data) for n in notes] == [
        ("/members/patient/#badges", {"badge": "first_post", "badge_name": "First post"}),
        ("/members/patient/#badges", {"badge": "first_topic", "badge_name": "First topic"}),
    ]


def test_a_badge_someone_else_awarded_meanwhile_is_not_awarded_again(topic, patient):
    BadgeAward.objects.create(user=patient, badge="first_topic")
    assert award_earned_badges(member_id=patient.pk) == ["first_post"]
    assert BadgeAward.objects.filter(user=patient).count() == 2


def test_inactive_members_get_nothing(topic, patient):
    type(patient).objects.filter(pk=patient.pk).update(is_active=False)
    assert award_earned_badges(member_id=patient.pk) == []
    assert BadgeAward.objects.count() == 0


def test_schedule_badge_check_runs_after_commit_only(
    topic, patient, caregiver, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        schedule_badge_check([patient.pk, patient.pk, caregiver.pk, None])
    assert BadgeAward.objects.count() == 0
    assert len(callbacks) == 1

    callbacks[0]()
    assert sorted(BadgeAward.objects.values_list("user_id", "badge")) == [
        (patient.pk, "first_post"),
        (patient.pk, "first_topic"),
    ]


def test_schedule_badge_check_with_nobody_schedules_nothing(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        schedule_badge_check([])
    assert callbacks == []


def test_the_backfill_command_awards_everyone_once(topic, patient, caregiver):
    reply(topic, caregiver)
    out = StringIO()
    call_command("award_badges", stdout=out)
    call_command("award_badges", stdout=StringIO())

    assert "awarded 3 badges" in out.getvalue()
    assert sorted(BadgeAward.objects.values_list("user_id", "badge")) == sorted(
        [
            (patient.pk, "first_post"),
            (patient.pk, "first_topic"),
            (caregiver.pk, "first_post"),
        ]
    )
