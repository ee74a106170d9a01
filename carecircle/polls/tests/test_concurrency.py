"""Votes arriving at the same moment keep the counts equal to the vote rows (PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from carecircle.core.factories import UserFactory, make_member
from carecircle.polls import actions
from carecircle.polls.models import Poll
from carecircle.polls.tests.helpers import counts, option_ids, recounted

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="SQLite runs one writer at a time: only PostgreSQL has concurrent transactions",
    ),
]


def test_simultaneous_votes_and_changes_lose_no_count(make_poll, community):
    poll = make_poll(is_multiple_choice=True)
    ids = option_ids(poll)
    voters = [UserFactory() for _ in range(8)]
    for voter in voters:
        make_member(community, voter)
    start = threading.Barrier(len(voters))
    failures: list[BaseException] = []

    def vote(index: int) -> None:
        try:
            mine = Poll.objects.select_related("topic__community").get(pk=poll.pk)
            start.wait()
            actions.vote_in_poll(actor=voters[index], poll=mine, option_ids=ids[: 1 + index % 3])
            # Straight away change it (and for some, take it back) while the others still vote.
            actions.vote_in_poll(actor=voters[index], poll=mine, option_ids=[ids[index % 3]])
            if index % 4 == 0:
                actions.retract_poll_vote(actor=voters[index], poll=mine)
        except BaseException as error:  # noqa: BLE001 - reported by the main thread below
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=vote, args=(index,)) for index in range(len(voters))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert counts(poll) == recounted(poll) == (6, [2, 2, 2])
