"""Poll pages: voting, taking a vote back and closing (forms on the topic page), and voters.

Without JavaScript each form posts here and comes back to the topic's poll; with htmx the
poll's section is drawn again in place (a refusal is shown next to the choices).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from carecircle.core.errors import DomainError
from carecircle.core.interfaces import page_errors
from carecircle.core.pagination import PageRequest
from carecircle.discussions.permissions import can_read_topic
from carecircle.polls import actions, queries
from carecircle.polls.models import Poll, PollOption


def _topic_anchor(poll: Poll) -> str:
    # The poll sits with the first post, always on the topic's first page.
    return f"{poll.topic.get_absolute_url()}#poll-{poll.pk}"


def _sign_in_first(request: HttpRequest, poll_id: int) -> HttpResponse:
    """A signed-out vote (expired session): sign in, then back to the topic if readable."""
    try:
        target = _topic_anchor(queries.get_poll(request.user, poll_id))
    except DomainError:
        target = "/"
    return redirect(f"{reverse('account_login')}?{urlencode({'next': target})}")


def _answer(
    request: HttpRequest, poll: Poll, *, done: str = "", error: str = "", status: str = ""
) -> HttpResponse:
    """The topic's poll again: the section redrawn for htmx, else back to the topic.

    For htmx, `status` (else `done`) is announced by the status region beside the section:
    a live region inside the swapped section would be replaced, and screen readers would
    hear nothing. The redrawn section takes the keyboard focus (polls/poll.js).
    """
    if request.htmx:  # type: ignore[attr-defined]
        poll.refresh_from_db()
        state = queries.poll_state(request.user, poll)
        return render(
            request,
            "polls/components/poll_section.html",
            {
                "poll": state,
                "poll_error": error,
                "poll_swapped": True,
                "poll_status": "" if error else (status or done),
            },
        )
    if error:
        messages.error(request, error)
    elif done:
        messages.success(request, done)
    return redirect(_topic_anchor(poll))


def _poll_write(
    request: HttpRequest, poll_id: int, write: Callable[[Any, Poll], tuple[str, str]]
) -> HttpResponse:
    if not request.user.is_authenticated:
        return _sign_in_first(request, poll_id)
    poll = queries.get_poll(request.user, poll_id)
    try:
        done, status = write(request.user, poll)
    except DomainError as error:
        if error.status == 404:
            raise
        # Closed meanwhile, locked, not a member, too many choices, too fast: said on the topic.
        return _answer(request, poll, error=str(error.message))
    return _answer(request, poll, done=done, status=status)


@page_errors
@require_POST
def poll_vote(request: HttpRequest, poll_id: int) -> HttpResponse:
    def write(actor: Any, poll: Poll) -> tuple[str, str]:
        chosen = actions.vote_in_poll(
            actor=actor, poll=poll, option_ids=request.POST.getlist("option")
        )
        labels = ", ".join(
            PollOption.objects.filter(poll=poll, pk__in=chosen).values_list("label", flat=True)
        )
        return (
            _("Your vote is saved. You can change it until the poll closes."),
            _("Your vote is saved: %(choices)s.") % {"choices": labels},
        )

    return _poll_write(request, poll_id, write)


@page_errors
@require_POST
def poll_retract(request: HttpRequest, poll_id: int) -> HttpResponse:
    if not request.user.is_authenticated:
        return _sign_in_first(request, poll_id)
    actor = request.user
    # A member who can no longer read the topic (left, topic hidden) may still take back a
    # vote in an open poll: their name must not stay on an open-voter list.
    poll = queries.get_poll_to_retract(actor, poll_id)
    readable = can_read_topic(actor, poll.topic)
    try:
        had_voted = actions.retract_poll_vote(actor=actor, poll=poll)
    except DomainError as error:
        if error.status == 404 or not readable:
            raise
        return _answer(request, poll, error=str(error.message))
    done = _("Your vote is taken back.") if had_voted else _("You had not voted.")
    if not readable:
        # Nothing of the topic is shown again to someone who may not read it.
        if request.htmx:  # type: ignore[attr-defined]
            return render(
                request,
                "polls/components/vote_taken_back.html",
                {"message": done, "poll_id": poll.pk},
            )
        messages.success(request, done)
        return redirect("/")
    return _answer(request, poll, done=done)


@page_errors
@require_POST
def poll_close(request: HttpRequest, poll_id: int) -> HttpResponse:
    def write(actor: Any, poll: Poll) -> tuple[str, str]:
        actions.close_poll(actor=actor, poll=poll)
        return (
            _("The poll is closed. Everyone who reads the topic now sees the final results."),
            "",
        )

    return _poll_write(request, poll_id, write)


@page_errors
@require_GET
def poll_voters(request: HttpRequest, poll_id: int) -> HttpResponse:
    """Who voted for what, in an open-voter poll whose results the reader may see."""
    poll = queries.get_poll(request.user, poll_id)
    page, hidden = queries.poll_voters(
        request.user, poll, PageRequest.from_params(request.GET.get("page"), 100)
    )
    rows = [
        {
            "option": vote.option.label,
            "option_id": vote.option_id,
            "name": queries.voter_name(vote.voter, hidden),
        }
        for vote in page.items
    ]
    return render(
        request,
        "polls/poll_voters.html",
        {
            "poll": poll,
            "topic": poll.topic,
            "page": page,
            "rows": rows,
            "topic_url": _topic_anchor(poll),
        },
    )
