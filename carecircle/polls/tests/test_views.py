"""Poll pages: voting, changing, taking back and closing by form (no JS) and htmx; voters page."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.template.loader import render_to_string
from django.test import Client, RequestFactory

from carecircle.communities.models import Membership
from carecircle.core.factories import make_member
from carecircle.discussions.models import Topic
from carecircle.moderation.enforcement import forget_sanctions
from carecircle.moderation.models import Sanction
from carecircle.polls import actions, queries
from carecircle.polls.forms import poll_form_context
from carecircle.polls.models import Poll, PollVote
from carecircle.polls.tests.helpers import counts, db_state, option_ids
from conftest import client_for


def anchor(poll) -> str:
    return f"{poll.topic.get_absolute_url()}#poll-{poll.pk}"


def test_vote_by_form_then_change_and_take_back(poll, caregiver, topic):
    client = client_for(caregiver)
    walking, rest, _diet = option_ids(poll)
    response = client.post(f"/polls/{poll.pk}/vote", {"option": [str(rest)]})
    assert (response.status_code, response["Location"]) == (302, anchor(poll))
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Your vote is saved. You can change it until the poll closes."
    ]
    assert counts(poll) == (1, [0, 1, 0])
    client.post(f"/polls/{poll.pk}/vote", {"option": [str(walking)]})
    assert counts(poll) == (1, [1, 0, 0])
    response = client.post(f"/polls/{poll.pk}/retract")
    assert response.status_code == 302
    assert counts(poll) == (0, [0, 0, 0])


def test_htmx_vote_redraws_the_poll_in_place(poll, caregiver):
    client = client_for(caregiver)
    rest = option_ids(poll)[1]
    response = client.post(
        f"/polls/{poll.pk}/vote", {"option": [str(rest)]}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert f'<section class="card poll" id="poll-{poll.pk}"' in html
    assert "<strong>You voted for:</strong> Rest" in html
    assert "50% (1 vote)" not in html and "100% (1 vote)" in html
    assert "Change my vote" in html


def test_a_refused_vote_says_why_and_changes_nothing(poll, caregiver, outsider, topic):
    state = db_state()
    response = client_for(caregiver).post(
        f"/polls/{poll.pk}/vote", {"option": []}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert 'role="alert">Please choose an option.</p>' in response.content.decode()
    response = client_for(outsider).post(f"/polls/{poll.pk}/vote", {"option": option_ids(poll)[:1]})
    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["Join this community to vote."]
    assert db_state() == state


def test_signed_out_vote_goes_to_sign_in_and_changes_nothing(poll):
    state = db_state()
    response = Client().post(f"/polls/{poll.pk}/vote", {"option": option_ids(poll)[:1]})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
    assert db_state() == state


def test_unreadable_poll_is_404_and_get_is_refused(make_poll, private_topic, patient, outsider):
    poll = make_poll(on=private_topic)
    state = db_state()
    for path in ("vote", "retract", "close"):
        response = client_for(outsider).post(f"/polls/{poll.pk}/{path}", {"option": [1]})
        assert response.status_code == 404
    assert client_for(outsider).get(f"/polls/{poll.pk}/voters/").status_code == 404
    assert client_for(patient).get(f"/polls/{poll.pk}/vote").status_code == 405
    assert client_for(patient).post("/polls/99999999/vote").status_code == 404
    assert db_state() == state


def test_close_by_the_starter_and_not_by_another_member(poll, patient, caregiver):
    state = db_state()
    response = client_for(caregiver).post(f"/polls/{poll.pk}/close")
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Only the person who started this topic, or a moderator, can close its poll."
    ]
    assert db_state() == state
    response = client_for(patient).post(f"/polls/{poll.pk}/close", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "Poll (closed)" in html and "Final results" in html
    assert "Close the poll now" not in html


def test_a_vote_bumps_the_topic_version_that_keys_the_visitor_cache(poll, caregiver, topic):
    before = Topic.objects.get(pk=topic.pk).content_version
    client_for(caregiver).post(f"/polls/{poll.pk}/vote", {"option": option_ids(poll)[:1]})
    assert Topic.objects.get(pk=topic.pk).content_version == before + 1


def test_voters_page_lists_names_by_option(make_poll, caregiver, member, patient):
    poll = make_poll(is_anonymous=False, results_visibility="always")
    walking, rest, _diet = option_ids(poll)
    actions.vote_in_poll(actor=caregiver, poll=poll, option_ids=[rest])
    actions.vote_in_poll(actor=member, poll=poll, option_ids=[walking])
    response = Client().get(f"/polls/{poll.pk}/voters/")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.index("Walking</h2>") < html.index("Mel the member") < html.index("Rest</h2>")
    assert html.index("Rest</h2>") < html.index("Cam the caregiver")


def test_anonymous_poll_never_shows_voters_on_a_page(poll, caregiver, moderator, patient):
    actions.vote_in_poll(actor=caregiver, poll=poll, option_ids=option_ids(poll)[:1])
    actions.close_poll(actor=patient, poll=poll)
    for reader in (moderator, patient, caregiver):
        assert client_for(reader).get(f"/polls/{poll.pk}/voters/").status_code == 404
        state = queries.poll_state(reader, Poll.objects.get(pk=poll.pk))
        request = RequestFactory().get("/")
        request.user = reader
        html = render_to_string(
            "polls/components/topic_poll.html", {"poll": state, "user": reader}, request=request
        )
        assert "Cam the caregiver" not in html and "caregiver" not in html
        assert "See who voted" not in html
        assert "100% (1 vote)" in html


def test_the_component_for_a_visitor_has_no_form_and_asks_to_sign_in(poll):
    from django.contrib.auth.models import AnonymousUser

    visitor = AnonymousUser()
    request = RequestFactory().get("/t/1/x/")
    request.user = visitor
    html = render_to_string(
        "polls/components/topic_poll.html",
        {"poll": queries.poll_state(visitor, poll), "user": visitor},
        request=request,
    )
    assert "<form" not in html and "csrfmiddlewaretoken" not in html
    assert "Sign in to vote" in html
    assert "The results show once you have voted, or when the poll closes." in html


@pytest.mark.parametrize("multiple", [False, True])
def test_the_component_draws_radios_or_checkboxes_with_a_legend(make_poll, caregiver, multiple):
    poll = make_poll(is_multiple_choice=multiple, max_choices=2 if multiple else None)
    request = RequestFactory().get("/")
    request.user = caregiver
    html = render_to_string(
        "polls/components/topic_poll.html",
        {"poll": queries.poll_state(caregiver, poll), "user": caregiver},
        request=request,
    )
    kind = "checkbox" if multiple else "radio"
    assert html.count(f'<input type="{kind}" name="option"') == 3
    assert "<legend>Your vote</legend>" in html
    assert ("Choose up to 2 options." if multiple else "Choose one option.") in html
    assert not PollVote.objects.exists()


def test_the_component_says_why_a_signed_in_reader_cannot_vote(poll, outsider, caregiver, topic):
    def drawn(reader) -> str:
        request = RequestFactory().get("/")
        request.user = reader
        fresh = Poll.objects.select_related("topic__community").get(pk=poll.pk)
        return render_to_string(
            "polls/components/topic_poll.html",
            {"poll": queries.poll_state(reader, fresh), "user": reader},
            request=request,
        )

    assert "Members of this community can vote." in drawn(outsider)
    Topic.objects.filter(pk=topic.pk).update(is_locked=True)
    html = drawn(caregiver)
    assert "This topic is locked: its poll takes no more votes." in html
    assert "<form" not in html


def test_a_member_who_left_a_members_only_community_takes_back_their_vote(
    make_poll, private_topic, private_community, caregiver, outsider
):
    make_member(private_community, caregiver)
    poll = make_poll(on=private_topic, is_anonymous=False, results_visibility="always")
    actions.vote_in_poll(actor=caregiver, poll=poll, option_ids=option_ids(poll)[:1])
    Membership.objects.filter(user=caregiver, community=private_community).delete()
    # Someone without a vote learns nothing: still 404, nothing changed.
    state = db_state()
    assert client_for(outsider).post(f"/polls/{poll.pk}/retract").status_code == 404
    assert db_state() == state
    response = client_for(caregiver).post(f"/polls/{poll.pk}/retract")
    assert (response.status_code, response["Location"]) == (302, "/")
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["Your vote is taken back."]
    assert PollVote.objects.filter(poll=poll).count() == 0
    assert counts(poll) == (0, [0, 0, 0])
    # With nothing left to take back, the poll is unreadable to them again.
    state = db_state()
    assert client_for(caregiver).post(f"/polls/{poll.pk}/retract").status_code == 404
    assert db_state() == state


def test_a_banned_voter_sees_take_back_and_uses_it(poll, topic, caregiver):
    actions.vote_in_poll(actor=caregiver, poll=poll, option_ids=option_ids(poll)[:1])
    Sanction.objects.create(member=caregiver, community=topic.community, kind="ban")
    forget_sanctions(caregiver)
    html = client_for(caregiver).get(topic.get_absolute_url()).content.decode()
    assert "Take back my vote" in html and "Change my vote" not in html
    response = client_for(caregiver).post(f"/polls/{poll.pk}/retract")
    assert response["Location"] == anchor(poll)
    assert PollVote.objects.filter(poll=poll).count() == 0


def test_the_poll_form_warns_that_live_anonymous_counts_can_reveal_a_vote():
    html = render_to_string(
        "polls/components/poll_fields.html", {"poll_form": poll_form_context(), "errors": {}}
    )
    assert (
        "With anonymous votes shown at any time, in a small community someone who watches the "
        "counts change may work out how one person voted." in html
    )
    assert 'aria-describedby="help_poll_results_small"' in html


# --- the new-topic form without JavaScript ---------------------------------------------------

TYPED_POLL = {
    "poll_question": "What helped you most with fatigue?",
    "poll_option": ["Walking", "Earlier nights", ""],
    "poll_choice": "single",
    "poll_voters": "anonymous",
    "poll_results": "always",
    "poll_closes_at": "",
}


def test_a_poll_typed_without_ticking_the_box_is_added(community, patient):
    # Without JavaScript nothing ticks "Add this poll to my topic" for the member.
    response = client_for(patient).post(
        f"/c/{community.slug}/new-topic/",
        {"title": "Fatigue tips", "body": "What works for you?", **TYPED_POLL},
    )
    assert response.status_code == 302
    poll = Poll.objects.get(topic__title="Fatigue tips")
    assert (poll.question, [o.label for o in poll.options.all()]) == (
        "What helped you most with fatigue?",
        ["Walking", "Earlier nights"],
    )


def test_after_another_error_the_typed_poll_comes_back_open_with_its_text(community, patient):
    response = client_for(patient).post(
        f"/c/{community.slug}/new-topic/", {"title": "", "body": "What works?", **TYPED_POLL}
    )
    html = response.content.decode()
    assert (response.status_code, Poll.objects.count(), Topic.objects.count()) == (400, 0, 0)
    assert '<details class="card poll-fields" open>' in html
    assert 'name="add_poll" value="on" checked' in html
    assert 'value="What helped you most with fatigue?"' in html
    assert 'name="poll_option" maxlength="200" value="Earlier nights"' in html


# --- after an htmx write: focus and what is announced -----------------------------------------


def test_the_topic_page_keeps_a_status_region_outside_the_swapped_poll(poll, caregiver, topic):
    html = client_for(caregiver).get(topic.get_absolute_url()).content.decode()
    status = (
        f'<p class="visually-hidden" id="poll-{poll.pk}-status" role="status" '
        'aria-live="polite" aria-atomic="true"></p>'
    )
    assert html.index(status) < html.index(f'<section class="card poll" id="poll-{poll.pk}"')
    assert "polls/poll.js" in html and "data-poll-swapped" not in html


def test_htmx_vote_and_take_back_are_announced_beside_the_poll(poll, caregiver):
    client = client_for(caregiver)
    rest = option_ids(poll)[1]
    voted = client.post(
        f"/polls/{poll.pk}/vote", {"option": [str(rest)]}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert (
        f'<p id="poll-{poll.pk}-status" hx-swap-oob="innerHTML">Your vote is saved: Rest.</p>'
        in voted
    )
    assert "data-poll-swapped" in voted and "aria-live" not in voted
    taken = client.post(f"/polls/{poll.pk}/retract", HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-swap-oob="innerHTML">Your vote is taken back.</p>' in taken
    refused = client.post(
        f"/polls/{poll.pk}/vote", {"option": []}, HTTP_HX_REQUEST="true"
    ).content.decode()
    # A refusal is said next to the choices (role="alert"); the status stays quiet.
    assert f'<p id="poll-{poll.pk}-status" hx-swap-oob="innerHTML"></p>' in refused


def test_a_closed_poll_shows_when_in_the_sites_format_and_asks_for_no_choice(
    poll, caregiver, patient
):
    actions.close_poll(actor=patient, poll=poll)
    poll.refresh_from_db()
    Poll.objects.filter(pk=poll.pk).update(
        closed_at=poll.closed_at.replace(year=2026, month=12, day=7, hour=16, minute=35)
    )
    html = client_for(caregiver).get(anchor(poll)).content.decode()
    assert ">7 Dec 2026, 16:35</time>. These are the final results." in html
    assert "Choose one option." not in html
