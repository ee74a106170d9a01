"""Every write to polls: adding one to a topic, voting, changing a vote, closing.

Counts (`PollOption.vote_count`, `Poll.voter_count`) change only here, under a lock on the
poll's row, so two votes at once never lose one another's count. Every change that alters what
the topic page shows bumps the topic's `content_version`: the visitor page cache is keyed by it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from carecircle.core.audit import record_event
from carecircle.core.errors import ConflictError, PermissionDeniedError, ValidationFailed
from carecircle.core.ratelimit import check_rate
from carecircle.discussions.models import Topic
from carecircle.polls import permissions
from carecircle.polls.models import Poll, PollOption, PollVote
from carecircle.polls.specs import PollSpec, clean_spec

DEFAULT_VOTE_RATE = "30/m"


def _bump_topic(topic_id: int) -> None:
    """Mark the topic page as changed (the visitor page cache is keyed by this version)."""
    Topic.objects.filter(pk=topic_id).update(content_version=F("content_version") + 1)


def _check_vote_rate(actor: Any) -> None:
    rate = getattr(settings, "CARECIRCLE_POLL_VOTE_RATE", DEFAULT_VOTE_RATE)
    check_rate(scope="poll_vote", key=str(actor.pk), rate=rate)


def add_poll(*, actor: Any, topic: Any, spec: PollSpec) -> Poll:
    """Attach a poll to a topic (inside the caller's transaction).

    The topic's starter or a moderator; a topic carries one poll at most (ConflictError).
    `spec` is checked again here, so a caller that did not run `clean_spec` first is safe.
    """
    permissions.check_can_add_poll(actor, topic)
    spec = clean_spec(spec)
    with transaction.atomic():
        if Poll.objects.filter(topic_id=topic.pk).exists():
            raise ConflictError(_("This topic already has a poll."), code="poll_exists")
        poll = Poll.objects.create(
            topic=topic,
            question=spec.question,
            is_multiple_choice=spec.is_multiple_choice,
            max_choices=spec.max_choices,
            is_anonymous=spec.is_anonymous,
            results_visibility=spec.results_visibility,
            closes_at=spec.closes_at,
            created_by=actor,
        )
        PollOption.objects.bulk_create(
            [
                PollOption(poll=poll, position=number, label=label)
                for number, label in enumerate(spec.options, start=1)
            ]
        )
        _bump_topic(topic.pk)
    return poll


def _clean_choice(poll: Poll, option_ids: Iterable[Any]) -> list[int]:
    """The chosen option ids, in order and each once; ValidationFailed (field "options")."""
    chosen: list[int] = []
    for value in option_ids:
        try:
            number = int(value)
        except (TypeError, ValueError):
            number = 0
        if number not in chosen:
            chosen.append(number)
    if not chosen:
        raise ValidationFailed(
            _("Please choose an option.")
            if not poll.is_multiple_choice
            else _("Please choose at least one option."),
            code="no_choice",
            field="options",
        )
    known = set(PollOption.objects.filter(poll=poll).values_list("pk", flat=True))
    if any(number not in known for number in chosen):
        raise ValidationFailed(
            _("Please choose among this poll's options."), code="unknown_option", field="options"
        )
    if not poll.is_multiple_choice and len(chosen) > 1:
        raise ValidationFailed(
            _("Please choose only one option."), code="too_many_choices", field="options"
        )
    limit = poll.max_choices
    if poll.is_multiple_choice and limit is not None and len(chosen) > limit:
        raise ValidationFailed(
            ngettext(
                "You can choose at most %(count)d option.",
                "You can choose at most %(count)d options.",
                limit,
            )
            % {"count": limit},
            code="too_many_choices",
            field="options",
        )
    return chosen


def _lock_open_poll(poll: Poll) -> Poll:
    """The poll's row, locked for this transaction; refused if it closed meanwhile."""
    locked = Poll.objects.select_for_update().get(pk=poll.pk)
    locked.topic = poll.topic
    if permissions.is_closed(locked):
        raise PermissionDeniedError(
            _("This poll is closed. You can no longer vote."), code="poll_closed"
        )
    return locked


def _move_counts(poll: Poll, *, removed: set[int], added: set[int], voter_delta: int) -> None:
    if removed:
        # Greatest(): a count that drifted must not turn a vote into an error.
        PollOption.objects.filter(pk__in=removed).update(
            vote_count=Greatest(F("vote_count") - 1, 0)
        )
    if added:
        PollOption.objects.filter(pk__in=added).update(vote_count=F("vote_count") + 1)
    if voter_delta:
        Poll.objects.filter(pk=poll.pk).update(
            voter_count=Greatest(F("voter_count") + voter_delta, 0)
        )


def vote_in_poll(*, actor: Any, poll: Poll, option_ids: Sequence[Any]) -> list[int]:
    """Vote, or change one's vote: the chosen options replace any earlier ones.

    Members who may reply, until the poll closes (never in a locked topic). Single choice:
    exactly one option; multiple choice: one up to `max_choices`. Returns the chosen ids.
    """
    permissions.check_can_vote(actor, poll)
    _check_vote_rate(actor)
    chosen = _clean_choice(poll, option_ids)
    with transaction.atomic():
        locked = _lock_open_poll(poll)
        before = set(
            PollVote.objects.filter(poll=locked, voter=actor).values_list("option_id", flat=True)
        )
        after = set(chosen)
        if before == after:
            return chosen
        removed, added = before - after, after - before
        if removed:
            PollVote.objects.filter(poll=locked, voter=actor, option_id__in=removed).delete()
        PollVote.objects.bulk_create(
            [PollVote(poll=locked, option_id=number, voter=actor) for number in added]
        )
        _move_counts(locked, removed=removed, added=added, voter_delta=0 if before else 1)
        _bump_topic(locked.topic_id)
    return chosen


def retract_poll_vote(*, actor: Any, poll: Poll) -> bool:
    """Take back one's vote while the poll is open; False when there was none.

    Anyone with a vote may take it back until the poll closes, even after leaving the
    community, being banned, or the topic being locked, hidden or removed: in an open-voter
    poll their name would otherwise stay on show. Someone without a vote who may not vote
    gets the voting refusal, as before.
    """
    permissions.check_can_retract_vote(actor, poll)
    _check_vote_rate(actor)
    with transaction.atomic():
        locked = _lock_open_poll(poll)
        before = set(
            PollVote.objects.filter(poll=locked, voter=actor).values_list("option_id", flat=True)
        )
        if not before:
            permissions.check_can_vote(actor, poll)
            return False
        PollVote.objects.filter(poll=locked, voter=actor).delete()
        _move_counts(locked, removed=before, added=set(), voter_delta=-1)
        _bump_topic(locked.topic_id)
    return True


def close_poll(*, actor: Any, poll: Poll) -> Poll:
    """Close a poll before its closing time: the topic's starter or a moderator.

    Its final results then show to every reader. A moderator closing someone else's poll is
    audited; the starter closing their own is not (for an anonymous topic, an audit event would
    tie the person to it).
    """
    permissions.check_can_close_poll(actor, poll)
    with transaction.atomic():
        locked = Poll.objects.select_for_update().get(pk=poll.pk)
        if permissions.is_closed(locked):
            raise PermissionDeniedError(_("This poll is already closed."), code="poll_closed")
        now = timezone.now()
        Poll.objects.filter(pk=poll.pk).update(closed_at=now)
        _bump_topic(poll.topic_id)
        if not poll.topic.is_started_by(actor):
            record_event(actor=actor, verb="poll.close", target=poll, topic=poll.topic_id)
    poll.closed_at = now
    return poll


def remove_votes_of(member: Any, keep_posts: bool = True) -> None:
    """On erasure: the member's votes go. An open poll's counts drop as if they took the vote
    back; a closed poll keeps its final counts (the result stood when it closed), with no
    trace of who voted."""
    now = timezone.now()
    votes = list(
        PollVote.objects.filter(voter=member).select_related("poll").order_by("poll_id", "pk")
    )
    by_poll: dict[int, tuple[Poll, set[int]]] = {}
    for vote in votes:
        by_poll.setdefault(vote.poll_id, (vote.poll, set()))[1].add(vote.option_id)
    for poll_id, (poll, option_ids) in by_poll.items():
        locked = Poll.objects.select_for_update().get(pk=poll_id)
        if not permissions.is_closed(locked, now):
            _move_counts(locked, removed=option_ids, added=set(), voter_delta=-1)
        _bump_topic(poll.topic_id)
    PollVote.objects.filter(voter=member).delete()
