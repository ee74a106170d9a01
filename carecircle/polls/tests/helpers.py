"""What the polls tests compare before and after a refused write."""

from __future__ import annotations

from typing import Any

from carecircle.core.models import AuditEvent
from carecircle.discussions.models import Topic
from carecircle.polls.models import Poll, PollOption, PollVote


def db_state() -> dict[str, Any]:
    """Every poll-related row and counter, and what a refusal must not touch elsewhere."""
    return {
        "polls": list(
            Poll.objects.order_by("pk").values_list("pk", "voter_count", "closed_at", "closes_at")
        ),
        "options": list(PollOption.objects.order_by("pk").values_list("pk", "label", "vote_count")),
        "votes": list(
            PollVote.objects.order_by("pk").values_list("poll_id", "option_id", "voter_id")
        ),
        "topics": list(Topic.objects.order_by("pk").values_list("pk", "content_version")),
        "audit": AuditEvent.objects.count(),
    }


def counts(poll: Poll) -> tuple[int, list[int]]:
    """(voter_count, each option's vote_count in order) as stored."""
    poll.refresh_from_db()
    return poll.voter_count, list(
        poll.options.order_by("position").values_list("vote_count", flat=True)
    )


def recounted(poll: Poll) -> tuple[int, list[int]]:
    """The same numbers counted from the vote rows."""
    voters = PollVote.objects.filter(poll=poll).values("voter").distinct().count()
    per_option = [
        PollVote.objects.filter(option=option).count()
        for option in poll.options.order_by("position")
    ]
    return voters, per_option


def option_ids(poll: Poll) -> list[int]:
    return list(poll.options.order_by("position").values_list("pk", flat=True))
