"""Polls in the JSON API: read a poll, vote, take a vote back, close, list who voted.

The same rules as the topic page: counts are null while the results are hidden from the
caller, and an anonymous poll never says who voted (its voters endpoint answers 404).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status

from carecircle.api.api import member_auth
from carecircle.api.schemas import ErrorOut, PageMeta
from carecircle.core.pagination import PageRequest
from carecircle.discussions.permissions import can_read_topic
from carecircle.polls import actions, queries
from carecircle.polls.models import Poll

router = Router(tags=["polls"])


class PollOptionOut(Schema):
    id: int
    position: int
    label: str
    # Null while the results are hidden from the caller.
    vote_count: int | None
    # Of the people who voted (multiple choice may add up to over 100); null when hidden.
    percent: int | None
    is_chosen: bool


class PollOut(Schema):
    id: int
    topic_id: int
    question: str
    is_multiple_choice: bool
    max_choices: int | None
    is_anonymous: bool
    # always | after_vote | after_close
    results_visibility: str
    closes_at: datetime | None
    closed_at: datetime | None
    is_closed: bool
    show_results: bool
    voter_count: int | None
    has_voted: bool
    chosen_option_ids: list[int]
    can_vote: bool
    can_close: bool
    can_see_voters: bool
    options: list[PollOptionOut]


class VoteIn(Schema):
    # Option ids: exactly one for a single-choice poll, 1..max_choices otherwise.
    options: list[int]


class VoterOut(Schema):
    option_id: int
    option: str
    # Display name; "a member" where the caller and the voter have blocked one another.
    name: str


class VoterPage(PageMeta):
    items: list[VoterOut]


def poll_out(state: dict[str, Any]) -> PollOut:
    poll: Poll = state["poll"]
    return PollOut(
        id=poll.pk,
        topic_id=poll.topic_id,
        question=poll.question,
        is_multiple_choice=poll.is_multiple_choice,
        max_choices=poll.max_choices,
        is_anonymous=poll.is_anonymous,
        results_visibility=poll.results_visibility,
        closes_at=poll.closes_at,
        closed_at=state["closed_at"],
        is_closed=state["is_closed"],
        show_results=state["show_results"],
        voter_count=state["voter_count"],
        has_voted=state["has_voted"],
        chosen_option_ids=list(state["chosen_ids"]),
        can_vote=state["can_vote"],
        can_close=state["can_close"],
        can_see_voters=state["can_see_voters"],
        options=[
            PollOptionOut(
                id=row["id"],
                position=row["number"],
                label=row["label"],
                vote_count=row["vote_count"],
                percent=row["percent"],
                is_chosen=row["is_chosen"],
            )
            for row in state["options"]
        ],
    )


def _fresh(request: HttpRequest, poll_id: int) -> PollOut:
    return poll_out(queries.poll_state(request.user, queries.get_poll(request.user, poll_id)))


@router.get("/polls/{poll_id}", response={200: PollOut, 404: ErrorOut})
def get_poll(request: HttpRequest, poll_id: int) -> PollOut:
    """A poll, for anyone who may read its topic; counts only when the caller may see them."""
    return _fresh(request, poll_id)


@router.post(
    "/polls/{poll_id}/vote",
    response={200: PollOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 429: ErrorOut},
    auth=member_auth,
)
def vote(request: HttpRequest, poll_id: int, payload: VoteIn) -> PollOut:
    """Vote, or change one's vote (the options sent replace any earlier choice)."""
    poll = queries.get_poll(request.user, poll_id)
    actions.vote_in_poll(actor=request.user, poll=poll, option_ids=payload.options)
    return _fresh(request, poll_id)


@router.delete(
    "/polls/{poll_id}/vote",
    response={200: PollOut, 204: None, 403: ErrorOut, 404: ErrorOut, 429: ErrorOut},
    auth=member_auth,
)
def retract_vote(request: HttpRequest, poll_id: int) -> PollOut | Status[None]:
    """Take back one's vote while the poll is open (nothing to take back is not an error).

    Works even if you may no longer vote or read the topic (you left the community, the topic
    was hidden): then the answer is 204 with no body, as the poll is not yours to read.
    """
    poll = queries.get_poll_to_retract(request.user, poll_id)
    actions.retract_poll_vote(actor=request.user, poll=poll)
    if not can_read_topic(request.user, poll.topic):
        return Status(204, None)
    return _fresh(request, poll_id)


@router.post(
    "/polls/{poll_id}/close",
    response={200: PollOut, 403: ErrorOut, 404: ErrorOut},
    auth=member_auth,
)
def close(request: HttpRequest, poll_id: int) -> PollOut:
    """Close a poll now: the topic's starter or a moderator."""
    poll = queries.get_poll(request.user, poll_id)
    actions.close_poll(actor=request.user, poll=poll)
    return _fresh(request, poll_id)


@router.get("/polls/{poll_id}/voters", response={200: VoterPage, 403: ErrorOut, 404: ErrorOut})
def voters(request: HttpRequest, poll_id: int, page: int = 1, page_size: int = 100) -> VoterPage:
    """Who voted for what: open-voter polls only (404 for an anonymous one), once the caller
    may see the results (403 before)."""
    poll = queries.get_poll(request.user, poll_id)
    result, hidden = queries.poll_voters(
        request.user, poll, PageRequest.from_params(page, page_size)
    )
    return VoterPage(
        page=result.number,
        page_size=result.size,
        total=result.total,
        pages=result.page_count,
        items=[
            VoterOut(
                option_id=vote.option_id,
                option=vote.option.label,
                name=queries.voter_name(vote.voter, hidden),
            )
            for vote in result.items
        ],
    )
