"""Polls in a member's data export: the polls they added and their own votes.

Erasing an account removes the member's votes (`actions.remove_votes_of`): an open poll's
counts drop as if the vote were taken back, a closed poll keeps its final counts. Polls they
added stay with their topic (the topic decides whether it stays); `created_by` is cleared.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from carecircle.polls.actions import remove_votes_of
from carecircle.polls.models import Poll, PollVote
from carecircle.privacy.registry import Row, register


def _moment(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def polls_added(member: Any) -> Iterator[Row]:
    polls = (
        Poll.objects.filter(created_by=member)
        .select_related("topic")
        .prefetch_related("options")
        .order_by("created_at", "pk")
    )
    for poll in polls:
        yield {
            "topic": poll.topic.title,
            "topic_url": poll.topic.get_absolute_url(),
            "question": poll.question,
            "options": [option.label for option in poll.options.all()],
            "is_multiple_choice": poll.is_multiple_choice,
            "max_choices": poll.max_choices,
            "is_anonymous": poll.is_anonymous,
            "results_visibility": poll.results_visibility,
            "closes_at": _moment(poll.closes_at),
            "closed_at": _moment(poll.closed_at),
            "created_at": _moment(poll.created_at),
        }


def poll_votes(member: Any) -> Iterator[Row]:
    votes = (
        PollVote.objects.filter(voter=member)
        .select_related("poll__topic", "option")
        .order_by("created_at", "pk")
    )
    for vote in votes:
        yield {
            "topic": vote.poll.topic.title,
            "question": vote.poll.question,
            "option": vote.option.label,
            "created_at": _moment(vote.created_at),
        }


register("polls.Poll", name="polls_added", export=polls_added)
register("polls.PollVote", name="poll_votes", export=poll_votes, erase=remove_votes_of)
