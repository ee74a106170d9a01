"""The polls JSON API: read, vote, change, take back, close, voters; errors and privacy."""

from __future__ import annotations

from typing import Any

from django.test import Client

from carecircle.accounts.actions import create_api_token
from carecircle.polls import actions
from carecircle.polls.tests.helpers import counts, db_state, option_ids
from conftest import client_for

API = "/api/v1"


def call(client: Client, method: str, path: str, data: Any = None, **headers: str):
    if data is None:
        return getattr(client, method)(API + path, **headers)
    return getattr(client, method)(
        API + path, data=data, content_type="application/json", **headers
    )


def bearer(user) -> dict[str, str]:
    _token, secret = create_api_token(actor=user, name="Phone")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_read_vote_change_and_take_back(poll, caregiver, topic):
    walking, rest, diet = option_ids(poll)
    body = call(Client(), "get", f"/polls/{poll.pk}").json()
    assert body.pop("closes_at") is None
    assert body == {
        "id": poll.pk,
        "topic_id": topic.pk,
        "question": "What helps most with fatigue?",
        "is_multiple_choice": False,
        "max_choices": None,
        "is_anonymous": True,
        "results_visibility": "after_vote",
        "closed_at": None,
        "is_closed": False,
        "show_results": False,
        "voter_count": None,
        "has_voted": False,
        "chosen_option_ids": [],
        "can_vote": False,
        "can_close": False,
        "can_see_voters": False,
        "options": [
            {
                "id": walking,
                "position": 1,
                "label": "Walking",
                "vote_count": None,
                "percent": None,
                "is_chosen": False,
            },
            {
                "id": rest,
                "position": 2,
                "label": "Rest",
                "vote_count": None,
                "percent": None,
                "is_chosen": False,
            },
            {
                "id": diet,
                "position": 3,
                "label": "Diet",
                "vote_count": None,
                "percent": None,
                "is_chosen": False,
            },
        ],
    }
    auth = bearer(caregiver)
    response = call(Client(), "post", f"/polls/{poll.pk}/vote", {"options": [rest]}, **auth)
    assert response.status_code == 200
    body = response.json()
    assert (body["has_voted"], body["chosen_option_ids"], body["voter_count"]) == (True, [rest], 1)
    assert [o["vote_count"] for o in body["options"]] == [0, 1, 0]
    call(Client(), "post", f"/polls/{poll.pk}/vote", {"options": [diet]}, **auth)
    assert counts(poll) == (1, [0, 0, 1])
    response = call(Client(), "delete", f"/polls/{poll.pk}/vote", **auth)
    assert (response.status_code, response.json()["has_voted"]) == (200, False)
    assert counts(poll) == (0, [0, 0, 0])


def test_errors_come_back_as_json_and_change_nothing(
    poll, caregiver, outsider, private_topic, make_poll
):
    auth, outsider_auth = bearer(caregiver), bearer(outsider)
    hidden = make_poll(on=private_topic)
    state = db_state()
    response = call(
        Client(), "post", f"/polls/{poll.pk}/vote", {"options": option_ids(poll)[:2]}, **auth
    )
    assert (response.status_code, response.json()) == (
        400,
        {
            "code": "too_many_choices",
            "message": "Please choose only one option.",
            "field": "options",
        },
    )
    response = call(Client(), "post", f"/polls/{poll.pk}/vote", {"options": [1]}, **outsider_auth)
    assert (response.status_code, response.json()["code"]) == (403, "not_member")
    assert call(Client(), "post", f"/polls/{poll.pk}/vote", {"options": [1]}).status_code == 401
    assert call(Client(), "post", f"/polls/{poll.pk}/close", **auth).json()["code"] == "not_author"
    for method, path in (("get", ""), ("post", "/close"), ("delete", "/vote"), ("get", "/voters")):
        response = call(Client(), method, f"/polls/{hidden.pk}{path}", **outsider_auth)
        assert (response.status_code, response.json()["code"]) == (404, "not_found"), path
    assert call(Client(), "get", f"/polls/{2**64}").status_code == 404
    assert db_state() == state


def test_votes_are_rate_limited(poll, caregiver, settings):
    settings.CARECIRCLE_POLL_VOTE_RATE = "1/m"
    auth = bearer(caregiver)
    call(Client(), "post", f"/polls/{poll.pk}/vote", {"options": option_ids(poll)[:1]}, **auth)
    state = db_state()
    response = call(
        Client(), "post", f"/polls/{poll.pk}/vote", {"options": option_ids(poll)[1:2]}, **auth
    )
    assert (response.status_code, response.json()["code"]) == (429, "rate_limited")
    assert db_state() == state


def test_close_then_final_results_for_everyone(poll, caregiver, moderator):
    actions.vote_in_poll(actor=caregiver, poll=poll, option_ids=option_ids(poll)[:1])
    response = call(Client(), "post", f"/polls/{poll.pk}/close", **bearer(moderator))
    assert response.status_code == 200
    body = call(Client(), "get", f"/polls/{poll.pk}").json()
    assert (body["is_closed"], body["show_results"], body["voter_count"]) == (True, True, 1)
    assert body["closed_at"] is not None
    response = call(
        Client(),
        "post",
        f"/polls/{poll.pk}/vote",
        {"options": option_ids(poll)[1:2]},
        **bearer(caregiver),
    )
    assert (response.status_code, response.json()["code"]) == (403, "poll_closed")


def test_voters_of_an_open_poll_and_never_of_an_anonymous_one(
    make_poll, poll, caregiver, member, community, patient
):
    from carecircle.core.factories import make_topic

    actions.vote_in_poll(actor=caregiver, poll=poll, option_ids=option_ids(poll)[:1])
    response = call(client_for(caregiver), "get", f"/polls/{poll.pk}/voters")
    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    assert "Cam" not in call(client_for(caregiver), "get", f"/polls/{poll.pk}").content.decode()

    open_poll = make_poll(
        on=make_topic(community, patient, title="Open poll topic"), is_anonymous=False
    )
    walking, rest, _diet = option_ids(open_poll)
    actions.vote_in_poll(actor=caregiver, poll=open_poll, option_ids=[rest])
    response = call(client_for(member), "get", f"/polls/{open_poll.pk}/voters")
    assert (response.status_code, response.json()["code"]) == (403, "results_hidden")
    actions.vote_in_poll(actor=member, poll=open_poll, option_ids=[walking])
    response = call(client_for(member), "get", f"/polls/{open_poll.pk}/voters")
    assert response.json() == {
        "page": 1,
        "page_size": 100,
        "total": 2,
        "pages": 1,
        "items": [
            {"option_id": walking, "option": "Walking", "name": "Mel the member"},
            {"option_id": rest, "option": "Rest", "name": "Cam the caregiver"},
        ],
    }


def test_a_voter_who_left_takes_back_their_vote_and_sees_nothing(
    make_poll, private_topic, private_community, caregiver, outsider
):
    from carecircle.communities.models import Membership
    from carecircle.core.factories import make_member
    from carecircle.polls.models import PollVote

    make_member(private_community, caregiver)
    poll = make_poll(on=private_topic, is_anonymous=False)
    actions.vote_in_poll(actor=caregiver, poll=poll, option_ids=option_ids(poll)[:1])
    Membership.objects.filter(user=caregiver, community=private_community).delete()
    state = db_state()
    assert call(client_for(outsider), "delete", f"/polls/{poll.pk}/vote").status_code == 404
    assert db_state() == state
    response = call(client_for(caregiver), "delete", f"/polls/{poll.pk}/vote")
    assert (response.status_code, response.content) == (204, b"")
    assert PollVote.objects.filter(poll=poll).count() == 0
    assert counts(poll) == (0, [0, 0, 0])
