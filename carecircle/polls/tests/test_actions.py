"""actions: adding a poll, voting, changing and taking back a vote, closing; counts and denials."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from carecircle.communities.models import Membership
from carecircle.core.errors import (
    ConflictError,
    PermissionDeniedError,
    RateLimitedError,
    ValidationFailed,
)
from carecircle.core.factories import UserFactory, make_member, make_topic
from carecircle.core.models import AuditEvent, ModerationState
from carecircle.discussions import actions as discussion_actions
from carecircle.discussions.models import Topic
from carecircle.moderation.enforcement import forget_sanctions
from carecircle.moderation.models import Sanction
from carecircle.polls import actions, permissions
from carecircle.polls.models import Poll, PollOption, PollVote
from carecircle.polls.specs import PollSpec
from carecircle.polls.tests.helpers import counts, db_state, option_ids, recounted


def version(topic: Topic) -> int:
    return Topic.objects.values_list("content_version", flat=True).get(pk=topic.pk)


# --- adding -------------------------------------------------------------------------------------


def test_the_topic_starter_adds_a_poll(topic, patient):
    before = version(topic)
    poll = actions.add_poll(
        actor=patient,
        topic=topic,
        spec=PollSpec(question=" Best  snack? ", options=["Nuts", " Apple "], is_anonymous=False),
    )
    assert (poll.question, poll.is_anonymous, poll.created_by, poll.voter_count) == (
        "Best snack?",
        False,
        patient,
        0,
    )
    assert list(poll.options.values_list("position", "label", "vote_count")) == [
        (1, "Nuts", 0),
        (2, "Apple", 0),
    ]
    assert version(topic) == before + 1


def test_a_moderator_adds_one_but_not_another_member_nor_a_second_poll(topic, caregiver, moderator):
    spec = PollSpec(question="Q?", options=["a", "b"])
    state = db_state()
    with pytest.raises(PermissionDeniedError) as caught:
        actions.add_poll(actor=caregiver, topic=topic, spec=spec)
    assert caught.value.code == "not_author"
    assert db_state() == state
    actions.add_poll(actor=moderator, topic=topic, spec=spec)
    state = db_state()
    with pytest.raises(ConflictError):
        actions.add_poll(actor=moderator, topic=topic, spec=spec)
    assert db_state() == state


def test_create_topic_with_a_poll_and_a_refused_poll_saves_nothing(community, patient):
    spec = PollSpec(question="Which helps?", options=["Rest", "Walks"], is_multiple_choice=True)
    topic = discussion_actions.create_topic(
        actor=patient, community=community, title="Fatigue ideas", body="Vote please", poll=spec
    )
    assert topic.poll.question == "Which helps?"
    assert topic.poll.created_by == patient
    topics = Topic.objects.count()
    state = db_state()
    with pytest.raises(ValidationFailed) as caught:
        discussion_actions.create_topic(
            actor=patient,
            community=community,
            title="Another topic",
            body="With a bad poll",
            poll=PollSpec(question="", options=["only"]),
        )
    assert [d["field"] for d in caught.value.details] == ["poll_question", "poll_options"]
    assert Topic.objects.count() == topics
    assert db_state() == state


def test_an_anonymous_topic_starter_adds_and_closes_the_poll(community, patient):
    community.allow_anonymous_posts = True
    community.save()
    topic = discussion_actions.create_topic(
        actor=patient,
        community=community,
        title="Anonymous question",
        body="Asking quietly",
        is_anonymous=True,
        poll=PollSpec(question="Q?", options=["a", "b"]),
    )
    actions.close_poll(actor=patient, poll=topic.poll)
    # The starter closing their own poll is not audited: it would tie them to the topic.
    assert not AuditEvent.objects.filter(verb="poll.close").exists()


# --- voting -------------------------------------------------------------------------------------


def test_vote_change_and_take_back_keep_counts_right(poll, caregiver, member, topic):
    walking, rest, diet = option_ids(poll)
    start = version(topic)
    assert actions.vote_in_poll(actor=caregiver, poll=poll, option_ids=[str(rest)]) == [rest]
    actions.vote_in_poll(actor=member, poll=poll, option_ids=[rest])
    assert counts(poll) == (2, [0, 2, 0])
    actions.vote_in_poll(actor=caregiver, poll=poll, option_ids=[diet])
    assert counts(poll) == (2, [0, 1, 1])
    assert version(topic) == start + 3
    # The same choice again changes nothing, not even the page version.
    actions.vote_in_poll(actor=caregiver, poll=poll, option_ids=[diet])
    assert version(topic) == start + 3
    assert actions.retract_poll_vote(actor=caregiver, poll=poll) is True
    assert counts(poll) == (1, [0, 1, 0])
    assert actions.retract_poll_vote(actor=caregiver, poll=poll) is False
    assert list(PollVote.objects.values_list("voter", "option")) == [(member.pk, rest)]


def test_multiple_choice_replaces_the_set(make_poll, caregiver):
    poll = make_poll(is_multiple_choice=True, max_choices=2)
    walking, rest, diet = option_ids(poll)
    actions.vote_in_poll(actor=caregiver, poll=poll, option_ids=[walking, rest, walking])
    assert counts(poll) == (1, [1, 1, 0])
    actions.vote_in_poll(actor=caregiver, poll=poll, option_ids=[rest, diet])
    assert counts(poll) == (1, [0, 1, 1])
    assert sorted(PollVote.objects.values_list("option", flat=True)) == [rest, diet]


@pytest.mark.parametrize(
    ("fields", "chosen", "code"),
    [
        ({}, [], "no_choice"),
        ({}, [0, 1], "too_many_choices"),
        ({"is_multiple_choice": True, "max_choices": 2}, [0, 1, 2], "too_many_choices"),
        ({"is_multiple_choice": True}, [], "no_choice"),
        ({}, ["other"], "unknown_option"),
        ({}, ["x"], "unknown_option"),
    ],
)
def test_a_wrong_choice_is_refused_and_nothing_changes(
    make_poll, caregiver, community, patient, fields, chosen, code
):
    poll = make_poll(**fields)
    other = make_poll(on=make_topic(community, patient, title="Other poll"))
    ids = option_ids(poll)
    actions.vote_in_poll(actor=caregiver, poll=poll, option_ids=[ids[2]])
    sent = [
        ids[c] if isinstance(c, int) else (option_ids(other)[0] if c == "other" else c)
        for c in chosen
    ]
    state = db_state()
    with pytest.raises(ValidationFailed) as caught:
        actions.vote_in_poll(actor=caregiver, poll=poll, option_ids=sent)
    assert (caught.value.code, caught.value.field) == (code, "options")
    assert db_state() == state


def _ban(user, community):
    Sanction.objects.create(member=user, community=community, kind="ban")
    forget_sanctions(user)


@pytest.mark.parametrize(
    ("who", "setup", "code"),
    [
        ("visitor", None, "not_authenticated"),
        ("outsider", None, "not_member"),
        ("caregiver", "ban", "banned"),
        ("caregiver", "lock", "topic_locked"),
        ("moderator", "lock", "topic_locked"),
        ("caregiver", "close", "poll_closed"),
        ("caregiver", "expire", "poll_closed"),
        ("caregiver", "delete", "topic_deleted"),
    ],
)
def test_who_may_not_vote_or_take_back(request, poll, topic, who, setup, code):
    actor = AnonymousUser() if who == "visitor" else request.getfixturevalue(who)
    caregiver = request.getfixturevalue("caregiver")
    actions.vote_in_poll(actor=caregiver, poll=poll, option_ids=[option_ids(poll)[0]])
    if setup == "ban":
        _ban(caregiver, topic.community)
    elif setup == "lock":
        Topic.objects.filter(pk=topic.pk).update(is_locked=True)
    elif setup == "close":
        Poll.objects.filter(pk=poll.pk).update(closed_at=timezone.now())
    elif setup == "expire":
        # No task closes it: the closing time having passed is enough.
        Poll.objects.filter(pk=poll.pk).update(closes_at=timezone.now() - timedelta(seconds=1))
    elif setup == "delete":
        Topic.objects.filter(pk=topic.pk).update(is_deleted=True)
    poll = Poll.objects.select_related("topic__community").get(pk=poll.pk)
    state = db_state()
    with pytest.raises(PermissionDeniedError) as caught:
        actions.vote_in_poll(actor=actor, poll=poll, option_ids=[option_ids(poll)[1]])
    assert caught.value.code == code
    if who == "caregiver" and setup in ("ban", "lock", "delete"):
        # Their own vote can still be taken back while the poll is open (tested below).
        assert db_state() == state
        return
    with pytest.raises(PermissionDeniedError):
        actions.retract_poll_vote(actor=actor, poll=poll)
    assert db_state() == state


@pytest.mark.parametrize("setup", ["ban", "leave", "lock", "hide", "delete"])
def test_a_voter_who_may_no_longer_vote_still_takes_their_vote_back(poll, topic, caregiver, setup):
    actions.vote_in_poll(actor=caregiver, poll=poll, option_ids=[option_ids(poll)[0]])
    if setup == "ban":
        _ban(caregiver, topic.community)
    elif setup == "leave":
        Membership.objects.filter(user=caregiver, community=topic.community).delete()
    elif setup == "lock":
        Topic.objects.filter(pk=topic.pk).update(is_locked=True)
    elif setup == "hide":
        Topic.objects.filter(pk=topic.pk).update(moderation_state=ModerationState.HIDDEN)
    else:
        Topic.objects.filter(pk=topic.pk).update(is_deleted=True)
    poll = Poll.objects.select_related("topic__community").get(pk=poll.pk)
    assert actions.retract_poll_vote(actor=caregiver, poll=poll) is True
    assert PollVote.objects.filter(poll=poll).count() == 0
    assert counts(poll) == (0, [0, 0, 0])


def test_a_closed_poll_keeps_the_vote_of_a_banned_voter(poll, topic, caregiver):
    actions.vote_in_poll(actor=caregiver, poll=poll, option_ids=[option_ids(poll)[0]])
    _ban(caregiver, topic.community)
    Poll.objects.filter(pk=poll.pk).update(closed_at=timezone.now())
    poll = Poll.objects.select_related("topic__community").get(pk=poll.pk)
    state = db_state()
    with pytest.raises(PermissionDeniedError) as caught:
        actions.retract_poll_vote(actor=caregiver, poll=poll)
    assert caught.value.code == "poll_closed"
    assert db_state() == state


@pytest.mark.parametrize("state_name", [ModerationState.HIDDEN, ModerationState.PENDING])
@pytest.mark.parametrize("who", ["patient", "moderator"])
def test_nobody_votes_in_a_hidden_or_pending_topic(request, poll, topic, who, state_name):
    Topic.objects.filter(pk=topic.pk).update(moderation_state=state_name)
    poll = Poll.objects.select_related("topic__community").get(pk=poll.pk)
    actor = request.getfixturevalue(who)
    assert permissions.can_vote(actor, poll) is False
    state = db_state()
    with pytest.raises(PermissionDeniedError) as caught:
        actions.vote_in_poll(actor=actor, poll=poll, option_ids=[option_ids(poll)[0]])
    assert caught.value.code == "topic_not_visible"
    assert db_state() == state


def test_a_vote_arriving_after_the_poll_closed_is_refused(poll, caregiver):
    # The page was loaded while open; the poll closed before the vote's transaction.
    Poll.objects.filter(pk=poll.pk).update(closed_at=timezone.now())
    state = db_state()
    with pytest.raises(PermissionDeniedError) as caught:
        actions.vote_in_poll(actor=caregiver, poll=poll, option_ids=[option_ids(poll)[0]])
    assert caught.value.code == "poll_closed"
    assert db_state() == state


def test_votes_are_rate_limited(poll, caregiver, settings):
    settings.CARECIRCLE_POLL_VOTE_RATE = "2/m"
    first, second, _third = option_ids(poll)
    actions.vote_in_poll(actor=caregiver, poll=poll, option_ids=[first])
    actions.vote_in_poll(actor=caregiver, poll=poll, option_ids=[second])
    state = db_state()
    with pytest.raises(RateLimitedError):
        actions.retract_poll_vote(actor=caregiver, poll=poll)
    assert db_state() == state


def test_many_voters_changing_their_minds_keep_counts_equal_to_the_votes(make_poll, community):
    poll = make_poll(is_multiple_choice=True)
    ids = option_ids(poll)
    voters = [UserFactory() for _ in range(8)]
    for voter in voters:
        make_member(community, voter)
    rng = random.Random(7)
    for _ in range(60):
        voter = rng.choice(voters)
        if rng.random() < 0.2:
            actions.retract_poll_vote(actor=voter, poll=poll)
        else:
            actions.vote_in_poll(
                actor=voter, poll=poll, option_ids=rng.sample(ids, rng.randint(1, 3))
            )
    assert counts(poll) == recounted(poll)
    assert counts(poll)[0] > 0


# --- closing ------------------------------------------------------------------------------------


def test_the_starter_closes_without_audit_a_moderator_with_one(
    make_poll, patient, moderator, topic, community
):
    poll = make_poll()
    start = version(topic)
    actions.close_poll(actor=patient, poll=poll)
    assert Poll.objects.get(pk=poll.pk).closed_at is not None
    assert version(topic) == start + 1
    assert AuditEvent.objects.filter(verb="poll.close").count() == 0

    other = make_poll(on=make_topic(community, patient, title="Second poll topic"))
    actions.close_poll(actor=moderator, poll=other)
    event = AuditEvent.objects.get(verb="poll.close")
    assert (event.actor_id, event.target_id, event.data) == (
        moderator.pk,
        str(other.pk),
        {"topic": other.topic_id},
    )


def test_others_may_not_close_and_a_closed_poll_stays_closed(poll, caregiver, patient):
    state = db_state()
    with pytest.raises(PermissionDeniedError) as caught:
        actions.close_poll(actor=caregiver, poll=poll)
    assert caught.value.code == "not_author"
    assert db_state() == state
    actions.close_poll(actor=patient, poll=poll)
    state = db_state()
    with pytest.raises(PermissionDeniedError) as caught:
        actions.close_poll(actor=patient, poll=Poll.objects.get(pk=poll.pk))
    assert caught.value.code == "poll_closed"
    assert db_state() == state


def test_a_suspended_starter_may_not_close(poll, patient, topic):
    Sanction.objects.create(
        member=patient,
        community=topic.community,
        kind="suspension",
        ends_at=timezone.now() + timedelta(days=2),
    )
    forget_sanctions(patient)
    state = db_state()
    with pytest.raises(PermissionDeniedError) as caught:
        actions.close_poll(actor=patient, poll=poll)
    assert caught.value.code == "suspended"
    assert db_state() == state


# --- erasure ------------------------------------------------------------------------------------


def test_removing_a_members_votes_lowers_open_counts_and_keeps_closed_results(
    make_poll, caregiver, member, community, patient
):
    open_poll = make_poll()
    closed_poll = make_poll(on=make_topic(community, patient, title="Closed poll topic"))
    for target in (open_poll, closed_poll):
        actions.vote_in_poll(actor=caregiver, poll=target, option_ids=[option_ids(target)[0]])
        actions.vote_in_poll(actor=member, poll=target, option_ids=[option_ids(target)[1]])
    actions.close_poll(actor=patient, poll=closed_poll)
    actions.remove_votes_of(caregiver)
    assert counts(open_poll) == (1, [0, 1, 0])
    assert counts(closed_poll) == (2, [1, 1, 0])
    assert not PollVote.objects.filter(voter=caregiver).exists()
    assert PollOption.objects.count() == 6
