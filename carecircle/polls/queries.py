"""Reads of polls, scoped to the actor: a poll is readable exactly when its topic is.

What a reader sees of a poll (counts, who voted) follows `permissions.can_see_results` and
`can_see_voters`; an anonymous poll never says who voted, to anyone.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from carecircle.core.errors import NotFoundError, PermissionDeniedError
from carecircle.core.pagination import Page, PageRequest, paginate
from carecircle.discussions.models import Topic
from carecircle.discussions.permissions import can_read_topic
from carecircle.messaging.queries.blocks import blocked_by, blockers_of
from carecircle.polls import permissions
from carecircle.polls.models import Poll, PollOption, PollVote

# Ids are 64-bit: a larger number cannot name a row (and would overflow SQLite's integers).
MAX_ID = 2**63 - 1


def _not_found() -> NotFoundError:
    return NotFoundError(_("Poll not found."))


def get_poll(actor: Any, poll_id: int) -> Poll:
    """The poll if the actor may read its topic; NotFoundError otherwise (never says it exists)."""
    poll = _poll(poll_id)
    if not can_read_topic(actor, poll.topic):
        raise _not_found()
    return poll


def _poll(poll_id: int) -> Poll:
    """The poll with its topic and community, or NotFoundError (the caller checks reading)."""
    poll = None
    if 0 < poll_id <= MAX_ID:
        poll = (
            Poll.objects.select_related("topic__community", "topic__author_alias")
            .filter(pk=poll_id)
            .first()
        )
    if poll is None:
        raise _not_found()
    return poll


def get_poll_to_retract(actor: Any, poll_id: int) -> Poll:
    """The poll to take the actor's vote back from: a readable one, or one they can no longer
    read (they left a members-only community, the topic was hidden) but still have a vote in
    while it is open. Anything else is NotFoundError, exactly as `get_poll`: someone without
    a vote learns nothing.
    """
    poll = _poll(poll_id)
    if can_read_topic(actor, poll.topic):
        return poll
    if (
        getattr(actor, "is_authenticated", False)
        and not permissions.is_closed(poll)
        and PollVote.objects.filter(poll=poll, voter=actor).exists()
    ):
        return poll
    raise _not_found()


def chosen_option_ids(actor: Any, poll: Poll) -> list[int]:
    """The options the actor voted for, in the poll's order ([] for visitors and non-voters)."""
    if not getattr(actor, "is_authenticated", False):
        return []
    return list(
        PollVote.objects.filter(poll=poll, voter=actor)
        .order_by("option__position")
        .values_list("option_id", flat=True)
    )


def _percent(count: int, voters: int) -> int:
    # Of the people who voted (a multiple-choice poll's percentages may add up to over 100).
    return round(count * 100 / voters) if voters else 0


def poll_state(
    actor: Any,
    poll: Poll,
    *,
    options: list[PollOption] | None = None,
    chosen: list[int] | None = None,
) -> dict[str, Any]:
    """Everything a page or the API shows of a readable poll for this actor.

    Counts are None while the results are hidden from the actor; `chosen_ids` are only the
    actor's own choices. Pass `options` / `chosen` when already loaded.
    """
    options = list(poll.options.all()) if options is None else options
    chosen = chosen_option_ids(actor, poll) if chosen is None else chosen
    has_voted = bool(chosen)
    is_closed = permissions.is_closed(poll)
    show_results = permissions.can_see_results(poll, has_voted=has_voted)
    voters = poll.voter_count
    chosen_set = set(chosen)
    rows = [
        {
            "id": option.pk,
            "number": number,
            "label": option.label,
            "vote_count": option.vote_count if show_results else None,
            "percent": _percent(option.vote_count, voters) if show_results else None,
            "is_chosen": option.pk in chosen_set,
        }
        for number, option in enumerate(options, start=1)
    ]
    if show_results:
        results_note = ""
    elif poll.results_visibility == Poll.Results.AFTER_VOTE:
        results_note = _("The results show once you have voted, or when the poll closes.")
    else:
        results_note = _("The results show when the poll closes.")
    return {
        "poll": poll,
        "id": poll.pk,
        "question": poll.question,
        "is_multiple_choice": poll.is_multiple_choice,
        "max_choices": poll.max_choices,
        "is_anonymous": poll.is_anonymous,
        "results_visibility": poll.results_visibility,
        "closes_at": poll.closes_at,
        # When it closed: by hand, or its closing time once that has passed.
        "closed_at": poll.closed_at or (poll.closes_at if is_closed else None),
        "is_closed": is_closed,
        "options": rows,
        "voter_count": voters if show_results else None,
        "show_results": show_results,
        "results_note": results_note,
        "has_voted": has_voted,
        "chosen_ids": chosen,
        "chosen_labels": [row["label"] for row in rows if row["is_chosen"]],
        "can_vote": permissions.can_vote(actor, poll),
        "can_close": permissions.can_close_poll(actor, poll),
        "can_see_voters": permissions.can_see_voters(poll, has_voted=has_voted),
        "vote_url": reverse("poll_vote", kwargs={"poll_id": poll.pk}),
        "retract_url": reverse("poll_retract", kwargs={"poll_id": poll.pk}),
        "close_url": reverse("poll_close", kwargs={"poll_id": poll.pk}),
        "voters_url": reverse("poll_voters", kwargs={"poll_id": poll.pk}),
    }


def poll_for_topic(actor: Any, topic: Topic) -> dict[str, Any] | None:
    """Everything the topic page shows of its poll for this actor, or None without a poll.

    `topic` is one the actor may read (from `discussions.queries.get_topic`). At most three
    queries: the poll (none when loaded with the topic), its options, the actor's own votes.
    """
    if not can_read_topic(actor, topic):
        return None
    try:
        # No query when the topic was loaded with its poll (select_related("poll")).
        poll = topic.poll
    except Poll.DoesNotExist:
        return None
    # Share the loaded topic (community, alias, membership cache) instead of loading it again.
    poll.topic = topic
    return poll_state(actor, poll)


def voter_name(voter: Any, hidden: set[int]) -> str:
    """How a voter is named to this reader: "a member" across a block, in either direction."""
    if voter.pk in hidden:
        return str(_("a member"))
    return str(voter.display_name)


def poll_voters(actor: Any, poll: Poll, page: PageRequest) -> tuple[Page, set[int]]:
    """One page of who voted for what, by option then name, and the ids to show as "a member".

    Open-voter polls only (NotFoundError for an anonymous one: there is no list to show), and
    only once the actor may see the results (PermissionDeniedError before).
    """
    if poll.is_anonymous:
        raise NotFoundError(_("This poll is anonymous: nobody can see who voted."))
    has_voted = PollVote.objects.filter(poll=poll, voter_id=getattr(actor, "pk", None)).exists()
    if not permissions.can_see_voters(poll, has_voted=has_voted):
        raise PermissionDeniedError(
            _("Who voted shows once you have voted, or when the poll closes.")
            if poll.results_visibility == Poll.Results.AFTER_VOTE
            else _("Who voted shows when the poll closes."),
            code="results_hidden",
        )
    votes = (
        PollVote.objects.filter(poll=poll)
        .select_related("voter", "option")
        .order_by("option__position", "voter__display_name", "pk")
    )
    hidden = blocked_by(actor) | blockers_of(actor)
    return paginate(votes, page), hidden
