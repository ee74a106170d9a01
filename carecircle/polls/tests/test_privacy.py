"""Polls in a member's data export, and what erasing an account does to their votes."""

from __future__ import annotations

from carecircle.polls import actions
from carecircle.polls.models import Poll, PollVote
from carecircle.polls.tests.helpers import counts, option_ids
from carecircle.privacy.actions import erase_member
from carecircle.privacy.registry import REGISTRY, uncovered_models


def test_every_poll_model_with_a_member_is_exported():
    assert [label for label in uncovered_models() if label.startswith("polls.")] == []


def test_export_lists_polls_added_and_own_votes_only(poll, patient, caregiver, member, topic):
    walking, rest, _diet = option_ids(poll)
    actions.vote_in_poll(actor=caregiver, poll=poll, option_ids=[rest])
    actions.vote_in_poll(actor=member, poll=poll, option_ids=[walking])
    added = REGISTRY["polls.poll"].rows(patient)
    assert [row.pop("created_at") is not None for row in added] == [True]
    assert added == [
        {
            "topic": "Tired after metformin",
            "topic_url": topic.get_absolute_url(),
            "question": "What helps most with fatigue?",
            "options": ["Walking", "Rest", "Diet"],
            "is_multiple_choice": False,
            "max_choices": None,
            "is_anonymous": True,
            "results_visibility": "after_vote",
            "closes_at": None,
            "closed_at": None,
        }
    ]
    votes = REGISTRY["polls.pollvote"].rows(caregiver)
    assert [row.pop("created_at") is not None for row in votes] == [True]
    assert votes == [
        {
            "topic": "Tired after metformin",
            "question": "What helps most with fatigue?",
            "option": "Rest",
        }
    ]
    assert REGISTRY["polls.poll"].rows(caregiver) == []


def test_erasing_a_voter_takes_their_vote_out_of_an_open_poll(poll, caregiver, member):
    walking, rest, _diet = option_ids(poll)
    actions.vote_in_poll(actor=caregiver, poll=poll, option_ids=[rest])
    actions.vote_in_poll(actor=member, poll=poll, option_ids=[walking])
    erase_member(actor=caregiver, member=caregiver, keep_posts=True)
    assert counts(poll) == (1, [1, 0, 0])
    assert list(PollVote.objects.values_list("option_id", flat=True)) == [walking]


def test_erasing_the_poll_author_keeps_the_poll_without_them(poll, patient, caregiver, topic):
    actions.vote_in_poll(actor=caregiver, poll=poll, option_ids=option_ids(poll)[:1])
    erase_member(actor=patient, member=patient, keep_posts=True)
    kept = Poll.objects.get(pk=poll.pk)
    assert (kept.created_by, kept.voter_count) == (None, 1)
