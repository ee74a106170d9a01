"""queries: who sees a poll, its counts and its voters; anonymous polls never say who."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from carecircle.core.errors import NotFoundError, PermissionDeniedError
from carecircle.core.factories import make_topic
from carecircle.core.pagination import PageRequest
from carecircle.discussions.models import Topic
from carecircle.messaging.models import MemberBlock
from carecircle.polls import actions, queries
from carecircle.polls.models import Poll
from carecircle.polls.specs import PollSpec
from carecircle.polls.tests.helpers import option_ids


def fresh(topic: Topic) -> Topic:
    """The topic as a request loads it (not the test's copy, whose cached poll is stale)."""
    return Topic.objects.select_related("community", "author_alias").get(pk=topic.pk)


def state_for(actor: Any, topic: Topic) -> dict[str, Any]:
    state = queries.poll_for_topic(actor, fresh(topic))
    assert state is not None
    return state


# results_visibility -> (who, poll closed?) -> counts shown?
# voter: voted; author: started the topic, did not vote; moderator: did not vote.
MATRIX = {
    "always": {"voter": True, "member": True, "author": True, "moderator": True, "visitor": True},
    "after_vote": {
        "voter": True,
        "member": False,
        "author": False,
        "moderator": False,
        "visitor": False,
    },
    "after_close": {
        "voter": False,
        "member": False,
        "author": False,
        "moderator": False,
        "visitor": False,
    },
}


@pytest.mark.parametrize("visibility", ["always", "after_vote", "after_close"])
def test_results_visibility_matrix(request, make_poll, caregiver, topic, visibility):
    poll = make_poll(results_visibility=visibility)
    actions.vote_in_poll(actor=caregiver, poll=poll, option_ids=[option_ids(poll)[1]])
    people = {
        "voter": caregiver,
        "member": request.getfixturevalue("member"),
        "author": request.getfixturevalue("patient"),
        "moderator": request.getfixturevalue("moderator"),
        "visitor": AnonymousUser(),
    }
    for who, actor in people.items():
        state = state_for(actor, topic)
        shown = MATRIX[visibility][who]
        assert state["show_results"] is shown, who
        assert state["voter_count"] == (1 if shown else None), who
        assert [o["vote_count"] for o in state["options"]] == ([0, 1, 0] if shown else [None] * 3)
        assert [o["percent"] for o in state["options"]] == ([0, 100, 0] if shown else [None] * 3)
    # Closed: the final results show to every reader.
    Poll.objects.filter(pk=poll.pk).update(closed_at=timezone.now())
    for actor in people.values():
        state = state_for(actor, topic)
        assert (state["is_closed"], state["show_results"], state["voter_count"]) == (True, True, 1)
        assert state["can_vote"] is False
        assert state["can_close"] is False


def test_what_each_person_may_do(request, poll, topic, caregiver, patient, moderator, outsider):
    actions.vote_in_poll(actor=caregiver, poll=poll, option_ids=[option_ids(poll)[2]])
    expected = {
        "caregiver": (True, False, True, ["Diet"]),
        "patient": (True, True, False, []),
        "moderator": (True, True, False, []),
        "outsider": (False, False, False, []),
    }
    for name, (can_vote, can_close, has_voted, chosen) in expected.items():
        state = state_for(request.getfixturevalue(name), topic)
        assert (
            state["can_vote"],
            state["can_close"],
            state["has_voted"],
            state["chosen_labels"],
        ) == (can_vote, can_close, has_voted, chosen), name


def test_percentages_are_of_voters_in_a_multiple_choice_poll(make_poll, caregiver, member, topic):
    poll = make_poll(is_multiple_choice=True, results_visibility="always")
    walking, rest, _diet = option_ids(poll)
    actions.vote_in_poll(actor=caregiver, poll=poll, option_ids=[walking, rest])
    actions.vote_in_poll(actor=member, poll=poll, option_ids=[rest])
    state = state_for(member, topic)
    assert [(o["label"], o["vote_count"], o["percent"]) for o in state["options"]] == [
        ("Walking", 1, 50),
        ("Rest", 2, 100),
        ("Diet", 0, 0),
    ]


def test_no_poll_or_an_unreadable_topic_gives_none(topic, private_topic, outsider, patient):
    assert queries.poll_for_topic(patient, topic) is None
    actions.add_poll(
        actor=patient,
        topic=private_topic,
        spec=PollSpec(question="Private?", options=["a", "b"]),
    )
    assert queries.poll_for_topic(outsider, private_topic) is None
    assert queries.poll_for_topic(AnonymousUser(), private_topic) is None
    poll_id = Poll.objects.get(topic=private_topic).pk
    for reader in (outsider, AnonymousUser()):
        with pytest.raises(NotFoundError):
            queries.get_poll(reader, poll_id)
    assert queries.get_poll(patient, poll_id).pk == poll_id
    for wrong in (0, -1, 2**63):
        with pytest.raises(NotFoundError):
            queries.get_poll(patient, wrong)


def test_poll_for_topic_takes_three_queries_at_most(
    poll, topic, caregiver, django_assert_max_num_queries
):
    actions.vote_in_poll(actor=caregiver, poll=poll, option_ids=[option_ids(poll)[0]])
    from carecircle.discussions.queries import get_topic

    loaded = get_topic(caregiver, topic.pk)
    with django_assert_max_num_queries(3):
        state = queries.poll_for_topic(caregiver, loaded)
    assert state is not None and state["has_voted"] is True


def test_an_anonymous_poll_never_lists_voters(poll, caregiver, patient, moderator, manager):
    actions.vote_in_poll(actor=caregiver, poll=poll, option_ids=[option_ids(poll)[0]])
    actions.close_poll(actor=patient, poll=poll)
    for reader in (caregiver, patient, moderator, manager, AnonymousUser()):
        state = queries.poll_state(reader, Poll.objects.get(pk=poll.pk))
        assert state["can_see_voters"] is False
        with pytest.raises(NotFoundError):
            queries.poll_voters(reader, poll, PageRequest.from_params(1))


def test_open_poll_voters_once_results_show_with_blocked_names_hidden(
    make_poll, caregiver, member, patient
):
    poll = make_poll(is_anonymous=False)
    walking, rest, _diet = option_ids(poll)
    actions.vote_in_poll(actor=caregiver, poll=poll, option_ids=[rest])
    actions.vote_in_poll(actor=member, poll=poll, option_ids=[walking])
    with pytest.raises(PermissionDeniedError) as caught:
        queries.poll_voters(patient, poll, PageRequest.from_params(1))
    assert caught.value.code == "results_hidden"
    MemberBlock.objects.create(blocker=member, blocked=caregiver, level=MemberBlock.Level.BLOCK)
    page, hidden = queries.poll_voters(member, poll, PageRequest.from_params(1))
    assert [(v.option.label, queries.voter_name(v.voter, hidden)) for v in page.items] == [
        ("Walking", "Mel the member"),
        ("Rest", "a member"),
    ]
    # Blocks hide names both ways: the blocked member does not see the blocker's name either.
    page, hidden = queries.poll_voters(caregiver, poll, PageRequest.from_params(1))
    assert [queries.voter_name(v.voter, hidden) for v in page.items] == [
        "a member",
        "Cam the caregiver",
    ]


def test_a_poll_in_another_topic_is_not_this_topics(make_poll, community, patient, topic):
    other = make_topic(community, patient, title="Other topic here")
    make_poll(on=other)
    assert queries.poll_for_topic(patient, topic) is None
