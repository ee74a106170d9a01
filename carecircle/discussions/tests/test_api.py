"""The discussions JSON API at /api/v1/: shapes, status codes, auth, CSRF, paging, privacy."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from carecircle.core.factories import make_topic
from carecircle.core.models import AuditEvent
from carecircle.discussions import actions
from carecircle.discussions.models import Post, PostRevision, Reaction, Topic
from carecircle.discussions.tests.helpers import away_from_window_edge, count_queries, db_state
from conftest import client_for

API = "/api/v1"


def call(client: Client, method: str, path: str, data: Any = None, **headers: str):
    """One API request with a JSON body (when given)."""
    if data is None:
        return getattr(client, method)(API + path, **headers)
    return getattr(client, method)(
        API + path, data=data, content_type="application/json", **headers
    )


def first_post(topic: Topic) -> Post:
    return Post.objects.get(topic=topic, position=1)


def bearer(secret: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


MEMBER_PATIENT = {"handle": "patient", "display_name": "Pat the patient", "is_professional": False}


# --- reading -----------------------------------------------------------------------------------


def test_get_topic(topic):
    response = call(Client(), "get", f"/topics/{topic.pk}")

    assert response.status_code == 200
    body = response.json()
    assert body.pop("created_at")
    assert body.pop("last_posted_at")
    assert body == {
        "id": topic.pk,
        "community": "type-2-diabetes",
        "title": "Tired after metformin",
        "author": MEMBER_PATIENT,
        "anonymous_alias": None,
        "on_behalf_of": None,
        "is_question": False,
        "is_pinned": False,
        "is_locked": False,
        "accepted_post_id": None,
        "reply_count": 0,
        "url": f"/t/{topic.pk}/tired-after-metformin/",
        "moderation_state": "visible",
        "slow_mode_seconds": 0,
        "poll_id": None,
    }


def test_a_missing_topic_is_a_json_404(db):
    response = call(Client(), "get", "/topics/999999")
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "Topic not found."}


def test_list_posts_of_a_topic(community, patient, caregiver):
    topic = make_topic(community, patient, title="Three posts", replies=2)
    Reaction.objects.create(post=first_post(topic), user=caregiver, kind="hug")
    Post.objects.filter(pk=first_post(topic).pk).update(reaction_counts={"hug": 1})

    response = call(client_for(caregiver), "get", f"/topics/{topic.pk}/posts")

    assert response.status_code == 200
    body = response.json()
    assert {key: body[key] for key in ("page", "page_size", "total", "pages")} == {
        "page": 1,
        "page_size": 20,
        "total": 3,
        "pages": 1,
    }
    first = body["items"][0]
    assert first.pop("created_at")
    assert first == {
        "id": first_post(topic).pk,
        "topic_id": topic.pk,
        "position": 1,
        "author": MEMBER_PATIENT,
        "anonymous_alias": None,
        "on_behalf_of": None,
        "body": "First post body",
        "body_html": "<p>First post body</p>\n",
        "is_deleted": False,
        "edited_at": None,
        "edit_count": 0,
        "reply_to_id": None,
        "reactions": {"hug": 1},
        "my_reactions": ["hug"],
        "moderation_state": "visible",
        "attachments": [],
    }
    assert [(item["position"], item["body"]) for item in body["items"][1:]] == [
        (2, "Reply 2"),
        (3, "Reply 3"),
    ]


def test_deleted_posts_keep_their_place_without_their_text(topic, caregiver, moderator):
    reply = actions.reply_to_topic(actor=caregiver, topic=topic, body="Regrettable")
    actions.delete_post(actor=caregiver, post=reply)

    for client in (Client(), client_for(caregiver)):
        item = call(client, "get", f"/topics/{topic.pk}/posts").json()["items"][1]
        assert (item["is_deleted"], item["body"], item["body_html"], item["author"]) == (
            True,
            None,
            None,
            None,
        )
    item = call(client_for(moderator), "get", f"/topics/{topic.pk}/posts").json()["items"][1]
    assert (item["is_deleted"], item["body"]) == (True, "Regrettable")


def test_get_post_and_its_revisions(topic, patient):
    post = first_post(topic)
    actions.edit_post(
        actor=patient, post=Post.objects.get(pk=post.pk), body="Second", reason="more"
    )

    body = call(Client(), "get", f"/posts/{post.pk}").json()
    assert (body["id"], body["body"], body["edit_count"]) == (post.pk, "Second", 1)
    assert body["edited_at"] is not None

    revisions = call(Client(), "get", f"/posts/{post.pk}/revisions").json()
    assert [
        (revision["number"], revision["body"], revision["title"], revision["reason"])
        for revision in revisions
    ] == [(1, "Anyone else?", "Tired after metformin", "more")]


def test_list_topics_of_a_community(community, patient):
    make_topic(community, patient, title="Pinned rules", is_pinned=True)
    make_topic(community, patient, title="Ordinary talk")
    make_topic(community, patient, title="Removed talk", is_deleted=True)

    body = call(Client(), "get", "/communities/type-2-diabetes/topics").json()

    assert [item["title"] for item in body["items"]] == ["Pinned rules", "Ordinary talk"]
    assert (body["page"], body["page_size"], body["total"], body["pages"]) == (1, 20, 2, 1)


# --- paging is clamped, never a 500 ------------------------------------------------------------


@pytest.fixture
def five_topics(community, patient):
    return [make_topic(community, patient, title=f"Topic number {n}") for n in range(5)]


@pytest.mark.parametrize(
    ("query", "meta"),
    [
        ("page=2&page_size=2", (2, 2, 5, 3)),
        (f"page={10**12}&page_size=2", (3, 2, 5, 3)),
        (f"page=1&page_size={10**6}", (1, 100, 5, 1)),
        ("page=0&page_size=2", (1, 2, 5, 3)),
        ("page=-1&page_size=2", (1, 2, 5, 3)),
        ("page=1&page_size=0", (1, 1, 5, 5)),
        ("page=1&page_size=-5", (1, 1, 5, 5)),
    ],
)
def test_topic_list_paging_is_clamped(five_topics, query, meta):
    response = call(Client(), "get", f"/communities/type-2-diabetes/topics?{query}")
    assert response.status_code == 200
    body = response.json()
    assert (body["page"], body["page_size"], body["total"], body["pages"]) == meta
    expected_items = min(meta[1], 5 - (meta[0] - 1) * meta[1])
    assert len(body["items"]) == expected_items


@pytest.mark.parametrize(
    ("query", "meta", "positions"),
    [
        ("page=2&page_size=2", (2, 2, 5, 3), [3, 4]),
        (f"page={10**12}&page_size=2", (3, 2, 5, 3), [5]),
        (f"page_size={10**6}", (1, 100, 5, 1), [1, 2, 3, 4, 5]),
        ("page=0", (1, 20, 5, 1), [1, 2, 3, 4, 5]),
        ("page=-1&page_size=2", (1, 2, 5, 3), [1, 2]),
    ],
)
def test_post_list_paging_is_clamped(community, patient, query, meta, positions):
    topic = make_topic(community, patient, title="Five posts", replies=4)
    response = call(Client(), "get", f"/topics/{topic.pk}/posts?{query}")
    assert response.status_code == 200
    body = response.json()
    assert (body["page"], body["page_size"], body["total"], body["pages"]) == meta
    assert [item["position"] for item in body["items"]] == positions


@pytest.mark.parametrize("query", ["page=abc", "page_size=abc", "page=1.5", f"page=1e{12}"])
def test_nonsense_paging_is_a_400(topic, query):
    for path in ("/communities/type-2-diabetes/topics", f"/topics/{topic.pk}/posts"):
        response = call(Client(), "get", f"{path}?{query}")
        assert response.status_code == 400
        body = response.json()
        assert (body["code"], body["message"]) == ("invalid", "Some of the data sent is not valid.")


# --- writing: auth and CSRF --------------------------------------------------------------------


def test_member_starts_a_topic(community, patient):
    response = call(
        client_for(patient),
        "post",
        "/communities/type-2-diabetes/topics",
        {"title": "Night sweats", "body": "Since Tuesday.", "is_question": True},
    )

    assert response.status_code == 201
    topic = Topic.objects.get()
    body = response.json()
    assert (body["id"], body["title"], body["is_question"], body["author"]) == (
        topic.pk,
        "Night sweats",
        True,
        MEMBER_PATIENT,
    )
    assert first_post(topic).body == "Since Tuesday."
    community.refresh_from_db()
    assert (community.topic_count, community.post_count) == (1, 1)


def test_visitors_cannot_write(topic):
    before = db_state()
    client = Client()
    post = first_post(topic)
    for method, path, data in [
        ("post", "/communities/type-2-diabetes/topics", {"title": "Hello all", "body": "Hi"}),
        ("post", f"/topics/{topic.pk}/posts", {"body": "Hello"}),
        ("patch", f"/topics/{topic.pk}", {"is_pinned": True}),
        ("patch", f"/posts/{post.pk}", {"body": "Changed"}),
        ("delete", f"/posts/{post.pk}", None),
        ("put", f"/posts/{post.pk}/reactions/hug", None),
        ("delete", f"/posts/{post.pk}/reactions/hug", None),
    ]:
        response = call(client, method, path, data)
        assert response.status_code == 401, path
        assert response.json() == {
            "code": "not_authenticated",
            "message": "Please sign in or send a valid API token.",
        }
    assert db_state() == before


def test_session_writes_need_the_csrf_token(community, patient):
    client = Client(enforce_csrf_checks=True)
    client.force_login(patient)
    before = db_state()

    response = call(
        client, "post", "/communities/type-2-diabetes/topics", {"title": "No token", "body": "Hi"}
    )

    assert response.status_code == 403
    assert response.json() == {"code": "forbidden", "message": "CSRF check Failed"}
    assert db_state() == before

    client.get("/")  # the page sets the CSRF cookie, as a browser session would have it
    token = client.cookies["csrftoken"].value
    response = call(
        client,
        "post",
        "/communities/type-2-diabetes/topics",
        {"title": "With token", "body": "Hi"},
        HTTP_X_CSRFTOKEN=token,
    )
    assert response.status_code == 201
    assert list(Topic.objects.values_list("title", flat=True)) == ["With token"]


def test_a_bearer_token_writes_without_csrf(topic, patient, patient_token):
    client = Client(enforce_csrf_checks=True)
    auth = bearer(patient_token)
    post = first_post(topic)

    created = call(
        client,
        "post",
        "/communities/type-2-diabetes/topics",
        {"title": "From my phone", "body": "Hello"},
        **auth,
    )
    replied = call(client, "post", f"/topics/{topic.pk}/posts", {"body": "Update"}, **auth)
    edited = call(client, "patch", f"/posts/{post.pk}", {"body": "Edited"}, **auth)
    reacted = call(client, "put", f"/posts/{post.pk}/reactions/like", **auth)
    deleted = call(client, "delete", f"/posts/{replied.json()['id']}", **auth)

    assert [r.status_code for r in (created, replied, edited, reacted, deleted)] == [
        201,
        201,
        200,
        200,
        204,
    ]
    assert replied.json()["position"] == 2
    assert Topic.objects.get(pk=created.json()["id"]).author_id == patient.pk
    assert Post.objects.get(pk=post.pk).body == "Edited"
    assert Post.objects.get(pk=replied.json()["id"]).is_deleted is True


def test_a_wrong_token_is_refused_never_treated_as_a_visitor(topic, patient_token):
    before = db_state()
    for secret in ("cc_not-a-real-token", patient_token + "x"):
        response = call(
            Client(),
            "post",
            f"/topics/{topic.pk}/posts",
            {"body": "Hello"},
            **bearer(secret),
        )
        assert response.status_code == 401
        assert response.json()["code"] == "not_authenticated"
        read = call(Client(), "get", f"/topics/{topic.pk}", **bearer(secret))
        assert read.status_code == 401
    assert db_state() == before


# --- writing: errors as JSON -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        (
            {"title": "Hey", "body": "Long enough"},
            "title",
            "Please give your topic a title of at least 5 characters.",
        ),
        ({"title": "A good title", "body": " "}, "body", "Please write a message."),
    ],
)
def test_invalid_topics_are_a_400_naming_the_field(community, patient, payload, field, message):
    before = db_state()
    response = call(client_for(patient), "post", "/communities/type-2-diabetes/topics", payload)
    assert response.status_code == 400
    assert response.json() == {"code": "invalid", "message": message, "field": field}
    assert db_state() == before


def test_a_malformed_body_is_a_400(community, patient):
    before = db_state()
    response = call(
        client_for(patient), "post", "/communities/type-2-diabetes/topics", {"title": "Only"}
    )
    assert response.status_code == 400
    body = response.json()
    assert (body["code"], body["message"]) == ("invalid", "Some of the data sent is not valid.")
    assert db_state() == before


def test_non_members_get_a_403(community, outsider):
    before = db_state()
    response = call(
        client_for(outsider),
        "post",
        "/communities/type-2-diabetes/topics",
        {"title": "Hello all", "body": "Hi there"},
    )
    assert response.status_code == 403
    assert response.json() == {
        "code": "not_member",
        "message": "Join this community to start a topic.",
    }
    assert db_state() == before


def test_a_locked_topic_refuses_replies_with_a_403(topic, caregiver):
    Topic.objects.filter(pk=topic.pk).update(is_locked=True)
    before = db_state()
    response = call(client_for(caregiver), "post", f"/topics/{topic.pk}/posts", {"body": "Hi"})
    assert response.status_code == 403
    assert response.json() == {
        "code": "topic_locked",
        "message": "This topic is locked. No new replies can be added.",
    }
    assert db_state() == before


def test_posting_too_fast_is_a_429(settings, topic, caregiver):
    settings.CARECIRCLE_POST_RATE = "2/m"
    away_from_window_edge()
    client = client_for(caregiver)
    for number in (1, 2):
        reply = call(client, "post", f"/topics/{topic.pk}/posts", {"body": f"Reply {number}"})
        assert reply.status_code == 201
    before = db_state()

    response = call(client, "post", f"/topics/{topic.pk}/posts", {"body": "Reply 3"})

    assert response.status_code == 429
    assert response.json() == {
        "code": "rate_limited",
        "message": "You are doing that too often. Please wait a minute and try again.",
    }
    assert db_state() == before


def test_editing_someone_elses_post_is_a_403(topic, caregiver):
    before = db_state()
    response = call(
        client_for(caregiver), "patch", f"/posts/{first_post(topic).pk}", {"body": "Mine now"}
    )
    assert response.status_code == 403
    assert response.json() == {"code": "not_author", "message": "You can only edit your own posts."}
    assert db_state() == before


def test_author_edits_through_the_api(topic, patient):
    post = first_post(topic)
    response = call(
        client_for(patient),
        "patch",
        f"/posts/{post.pk}",
        {"body": "Anyone else? Update: better now.", "title": "Tired, then better"},
    )
    assert response.status_code == 200
    assert (response.json()["body"], response.json()["edit_count"]) == (
        "Anyone else? Update: better now.",
        1,
    )
    assert Topic.objects.get(pk=topic.pk).title == "Tired, then better"
    assert PostRevision.objects.get().body == "Anyone else?"


def test_an_invalid_edit_is_a_400(topic, patient):
    before = db_state()
    response = call(client_for(patient), "patch", f"/posts/{first_post(topic).pk}", {"body": ""})
    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid",
        "message": "Please write a message.",
        "field": "body",
    }
    assert db_state() == before


def test_deleting_through_the_api(topic, caregiver):
    reply = actions.reply_to_topic(actor=caregiver, topic=topic, body="Oops")
    response = call(client_for(caregiver), "delete", f"/posts/{reply.pk}")
    assert response.status_code == 204
    assert response.content == b""
    assert Post.objects.get(pk=reply.pk).is_deleted is True


def test_deleting_someone_elses_post_is_a_403(topic, caregiver):
    before = db_state()
    response = call(client_for(caregiver), "delete", f"/posts/{first_post(topic).pk}")
    assert response.status_code == 403
    assert response.json()["code"] == "not_author"
    assert db_state() == before


# --- reactions ---------------------------------------------------------------------------------


def test_reactions_put_is_idempotent_and_delete_takes_back(topic, caregiver):
    client = client_for(caregiver)
    post = first_post(topic)
    path = f"/posts/{post.pk}/reactions/hug"

    for _attempt in range(2):
        response = call(client, "put", path)
        assert response.status_code == 200
        assert response.json() == {"kind": "hug", "present": True, "reactions": {"hug": 1}}
    assert Reaction.objects.filter(post=post).count() == 1

    for _attempt in range(2):
        response = call(client, "delete", path)
        assert response.status_code == 200
        assert response.json() == {"kind": "hug", "present": False, "reactions": {}}
    assert Reaction.objects.count() == 0
    assert Post.objects.get(pk=post.pk).reaction_counts == {}


def test_reactions_of_several_members_add_up(topic, patient, caregiver):
    post = first_post(topic)
    call(client_for(caregiver), "put", f"/posts/{post.pk}/reactions/helpful")
    response = call(client_for(patient), "put", f"/posts/{post.pk}/reactions/helpful")
    assert response.json()["reactions"] == {"helpful": 2}
    mine = call(client_for(patient), "get", f"/posts/{post.pk}").json()
    assert (mine["reactions"], mine["my_reactions"]) == ({"helpful": 2}, ["helpful"])


def test_an_unknown_reaction_is_a_400(topic, caregiver):
    before = db_state()
    response = call(client_for(caregiver), "put", f"/posts/{first_post(topic).pk}/reactions/angry")
    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid",
        "message": "Unknown reaction. Use one of: like, hug, helpful, same",
        "field": "kind",
    }
    assert db_state() == before


def test_non_members_cannot_react(topic, outsider):
    before = db_state()
    for method in ("put", "delete"):
        response = call(
            client_for(outsider), method, f"/posts/{first_post(topic).pk}/reactions/hug"
        )
        assert response.status_code == 403
        assert response.json() == {"code": "not_member", "message": "Join this community to react."}
    assert db_state() == before


# --- moderation and answers --------------------------------------------------------------------


def test_moderator_pins_locks_and_moves(community, patient, moderator, other_community):
    topic = actions.create_topic(
        actor=patient, community=community, title="Tired after metformin", body="Anyone else?"
    )
    response = call(
        client_for(moderator),
        "patch",
        f"/topics/{topic.pk}",
        {"is_pinned": True, "is_locked": True, "community": "heart-health"},
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["is_pinned"], body["is_locked"], body["community"]) == (
        True,
        True,
        "heart-health",
    )
    assert [verb for verb in AuditEvent.objects.order_by("pk").values_list("verb", flat=True)] == [
        "topic.pin",
        "topic.lock",
        "topic.move",
    ]


def test_members_cannot_moderate_through_the_api(topic, patient):
    before = db_state()
    response = call(client_for(patient), "patch", f"/topics/{topic.pk}", {"is_locked": True})
    assert response.status_code == 403
    assert response.json() == {
        "code": "not_moderator",
        "message": "Only this community's moderators can do that.",
    }
    assert db_state() == before


def test_a_refused_part_of_a_moderation_request_undoes_the_rest(
    topic, moderator, private_community
):
    before = db_state()
    response = call(
        client_for(moderator),
        "patch",
        f"/topics/{topic.pk}",
        {"is_pinned": True, "community": "breast-cancer"},
    )
    assert response.status_code == 403
    assert response.json()["code"] == "not_moderator"
    assert db_state() == before


def test_the_asker_accepts_and_clears_an_answer(question, patient):
    answer = Post.objects.get(topic=question, position=2)
    client = client_for(patient)

    accepted = call(client, "patch", f"/topics/{question.pk}", {"accepted_post_id": answer.pk})
    assert accepted.status_code == 200
    assert accepted.json()["accepted_post_id"] == answer.pk

    cleared = call(client, "patch", f"/topics/{question.pk}", {"clear_accepted_post": True})
    assert cleared.json()["accepted_post_id"] is None
    assert Topic.objects.get(pk=question.pk).accepted_post_id is None


def test_accepting_the_first_post_is_a_400(question, patient):
    before = db_state()
    response = call(
        client_for(patient),
        "patch",
        f"/topics/{question.pk}",
        {"accepted_post_id": first_post(question).pk},
    )
    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid",
        "message": "Choose a reply in this topic as the answer.",
        "field": "post",
    }
    assert db_state() == before


# --- members-only content never leaks ----------------------------------------------------------

SECRETS = ("Secret chemo diary", "secret-chemo-diary", "Only members see this")


def private_requests(topic_id: int, post_id: int) -> list[tuple[str, str, Any]]:
    return [
        ("get", f"/topics/{topic_id}", None),
        ("get", f"/topics/{topic_id}/posts", None),
        ("get", f"/posts/{post_id}", None),
        ("get", f"/posts/{post_id}/revisions", None),
        ("get", f"/posts/{post_id}/quote", None),
        ("post", f"/topics/{topic_id}/posts", {"body": "Hello there"}),
        ("patch", f"/topics/{topic_id}", {"is_locked": True}),
        ("patch", f"/posts/{post_id}", {"body": "Changed"}),
        ("delete", f"/posts/{post_id}", None),
        ("put", f"/posts/{post_id}/reactions/hug", None),
        ("delete", f"/posts/{post_id}/reactions/hug", None),
    ]


@pytest.mark.parametrize("persona", ["visitor", "outsider", "caregiver", "moderator"])
def test_members_only_topics_never_reach_others_through_the_api(request, private_topic, persona):
    client = client_for(None if persona == "visitor" else request.getfixturevalue(persona))
    post = first_post(private_topic)
    actions.edit_post(actor=private_topic.author, post=post, body="Only members see this!")
    before = db_state()
    missing = private_requests(private_topic.pk + 1000, post.pk + 1000)

    for (method, path, data), (_m, missing_path, _d) in zip(
        private_requests(private_topic.pk, post.pk), missing, strict=True
    ):
        response = call(client, method, path, data)
        for secret in SECRETS:
            assert secret not in response.content.decode(), path
        if persona == "visitor" and method != "get":
            assert response.status_code == 401, path
        else:
            assert response.status_code == 404, path
            assert response.json()["code"] == "not_found"
        assert call(client, method, missing_path, data).json() == response.json()

    assert db_state() == before


@pytest.mark.parametrize("persona", ["visitor", "outsider", "caregiver"])
def test_members_only_and_hidden_topic_lists_are_refused(
    request, private_topic, hidden_community, persona
):
    client = client_for(None if persona == "visitor" else request.getfixturevalue(persona))
    make_topic(hidden_community, private_topic.author, title="Secret chemo diary, part 2")

    members_only = call(client, "get", "/communities/breast-cancer/topics")
    assert members_only.status_code == 403
    assert members_only.json() == {
        "code": "members_only",
        "message": "Only members of this community can read it.",
    }
    hidden = call(client, "get", "/communities/secret-circle/topics")
    assert hidden.status_code == 404
    assert hidden.json() == {"code": "not_found", "message": "Community not found."}
    for response in (members_only, hidden):
        for secret in SECRETS:
            assert secret not in response.content.decode()


def test_members_read_their_private_topics_through_the_api(private_topic, patient):
    client = client_for(patient)
    listed = call(client, "get", "/communities/breast-cancer/topics").json()
    assert [item["title"] for item in listed["items"]] == ["Secret chemo diary"]
    posts = call(client, "get", f"/topics/{private_topic.pk}/posts").json()
    assert [item["body"] for item in posts["items"]] == ["Only members see this"]


# --- query counts ------------------------------------------------------------------------------

# Posts: +1 since moderation, the highest post position (posts waiting for approval hold
# their place but are not in reply_count); +1 since uploads, the page's attachments (one
# query for every post). Topics carry their poll id from a join, no query.
API_QUERIES = {
    ("topics", "visitor"): 3,
    ("topics", "caregiver"): 6,
    ("posts", "visitor"): 4,
    ("posts", "caregiver"): 8,
}


@pytest.mark.parametrize("persona", ["visitor", "caregiver"])
def test_post_list_query_count_does_not_grow_with_posts(request, community, patient, persona):
    client = client_for(None if persona == "visitor" else request.getfixturevalue(persona))
    small = make_topic(community, patient, title="Small topic", replies=5)
    large = make_topic(community, patient, title="Large topic", replies=60)
    counts = []
    for path in (
        f"/topics/{small.pk}/posts",
        f"/topics/{large.pk}/posts",
        f"/topics/{large.pk}/posts?page=3",
        f"/topics/{large.pk}/posts?page_size=100",
    ):
        queries, response = count_queries(client, API + path)
        assert response.status_code == 200
        counts.append(queries)
    assert counts == [API_QUERIES[("posts", persona)]] * 4


@pytest.mark.parametrize("persona", ["visitor", "caregiver"])
def test_topic_list_query_count_does_not_grow_with_topics(request, community, patient, persona):
    client = client_for(None if persona == "visitor" else request.getfixturevalue(persona))
    path = API + "/communities/type-2-diabetes/topics"
    make_topic(community, patient, title="Small topic", replies=5)
    few, _response = count_queries(client, path)
    make_topic(community, patient, title="Large topic", replies=60)
    for number in range(30):
        make_topic(community, patient, title=f"Topic number {number}")
    many, response = count_queries(client, path + "?page_size=100")
    assert len(response.json()["items"]) == 32
    assert [few, many] == [API_QUERIES[("topics", persona)]] * 2
