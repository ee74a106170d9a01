"""The discussions pages: topic, reply, new topic, edit, history, delete, react, moderate."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.cache import cache
from django.test import Client

from carecircle.core.factories import make_topic
from carecircle.core.models import AuditEvent
from carecircle.discussions import actions
from carecircle.discussions.models import Draft, Post, PostRevision, Reaction, Topic
from carecircle.discussions.tests.helpers import away_from_window_edge, count_queries, db_state
from conftest import client_for


def first_post(topic: Topic) -> Post:
    return Post.objects.get(topic=topic, position=1)


def html(response) -> str:
    return response.content.decode()


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


# --- the topic page ----------------------------------------------------------------------------


def test_visitor_reads_a_public_topic_without_forms(topic):
    response = Client().get(topic.get_absolute_url())

    assert response.status_code == 200
    page = html(response)
    assert "<h1>Tired after metformin</h1>" in page
    assert "<p>Anyone else?</p>" in page
    assert "to reply." in page
    assert 'id="reply"' not in page
    assert "csrfmiddlewaretoken" not in page
    assert "Moderate this topic" not in page
    assert "/react" not in page


def test_member_sees_the_reply_box_and_reactions(topic, caregiver):
    page = html(client_for(caregiver).get(topic.get_absolute_url()))

    assert '<section aria-labelledby="reply-heading" id="reply">' in page
    assert f'action="/t/{topic.pk}/reply"' in page
    assert f'action="/p/{first_post(topic).pk}/react"' in page
    assert "Moderate this topic" not in page
    # Not the author: no edit or delete buttons on the patient's post.
    assert f'href="/p/{first_post(topic).pk}/edit/"' not in page
    assert f'href="/p/{first_post(topic).pk}/delete/"' not in page


def test_author_sees_edit_and_delete_on_their_post(topic, patient):
    page = html(client_for(patient).get(topic.get_absolute_url()))
    assert f'href="/p/{first_post(topic).pk}/edit/"' in page
    assert f'href="/p/{first_post(topic).pk}/delete/"' in page


def test_signed_in_non_member_is_invited_to_join(topic, outsider):
    page = html(client_for(outsider).get(topic.get_absolute_url()))
    assert 'href="/c/type-2-diabetes/join/"' in page
    assert "Join this community to reply." in page
    assert 'id="reply"' not in page


def test_moderator_sees_the_moderation_tools(topic, moderator, other_community):
    page = html(client_for(moderator).get(topic.get_absolute_url()))
    assert "Moderate this topic" in page
    assert '<input type="hidden" name="operation" value="pin">' in page
    assert '<input type="hidden" name="operation" value="lock">' in page
    assert '<option value="heart-health">Heart Health</option>' in page
    assert f'href="/p/{first_post(topic).pk}/edit/"' in page


def test_topic_page_is_paginated(community, patient, caregiver):
    topic = make_topic(community, patient, title="A long conversation", replies=60)
    page = html(client_for(caregiver).get(topic.get_absolute_url() + "?page=3"))
    assert 'id="post-41"' in page
    assert 'id="post-60"' in page
    assert 'id="post-40"' not in page
    assert 'id="post-61"' not in page
    assert "Page 3 of 4" in page


def test_a_wrong_slug_redirects_to_the_canonical_address(topic):
    canonical = f"/t/{topic.pk}/tired-after-metformin/"
    for path in (f"/t/{topic.pk}/wrong-slug/", f"/t/{topic.pk}/"):
        response = Client().get(path)
        assert (response.status_code, response["Location"]) == (302, canonical)
    response = Client().get(f"/t/{topic.pk}/wrong-slug/?page=2")
    assert response["Location"] == canonical + "?page=2"


def test_post_permalink_points_at_the_page_and_anchor(community, patient):
    topic = make_topic(community, patient, title="A long conversation", replies=50)
    post = Post.objects.get(topic=topic, position=45)
    response = Client().get(f"/p/{post.pk}/")
    assert response.status_code == 302
    assert response["Location"] == f"/t/{topic.pk}/a-long-conversation/?page=3#post-45"


def test_deleted_posts_are_a_placeholder_for_members_and_visible_to_moderators(
    topic, caregiver, moderator
):
    reply = actions.reply_to_topic(actor=caregiver, topic=topic, body="I regret this one")
    actions.delete_post(actor=caregiver, post=reply)

    for client in (Client(), client_for(caregiver)):
        page = html(client.get(topic.get_absolute_url()))
        assert "This post was deleted." in page
        assert "I regret this one" not in page

    page = html(client_for(moderator).get(topic.get_absolute_url()))
    assert "I regret this one" in page
    assert "Deleted. Only moderators see this text." in page
    assert f'action="/p/{reply.pk}/restore"' in page


def test_a_soft_deleted_topic_is_not_found_except_by_moderators(topic, patient, moderator):
    actions.delete_post(actor=patient, post=Post.objects.get(topic=topic, position=1))

    for client in (Client(), client_for(patient)):
        response = client.get(topic.get_absolute_url())
        assert response.status_code == 404
        assert "Anyone else?" not in html(response)
    response = client_for(moderator).get(topic.get_absolute_url())
    assert response.status_code == 200
    assert '<span class="badge badge-warn">Deleted</span>' in html(response)
    assert "Anyone else?" in html(response)


def test_quote_fills_the_reply_box_without_javascript(topic, caregiver):
    post = first_post(topic)
    page = html(client_for(caregiver).get(f"{topic.get_absolute_url()}?quote={post.pk}"))
    assert f"&gt; **[Pat the patient](/p/{post.pk}/)** wrote:\n&gt;\n&gt; Anyone else?" in page


def test_the_reply_box_restores_a_saved_draft(topic, caregiver):
    Draft.objects.create(user=caregiver, key=f"reply:{topic.pk}", body="Half written")
    page = html(client_for(caregiver).get(topic.get_absolute_url()))
    assert ">Half written</textarea>" in page


# --- markdown safety, end to end ---------------------------------------------------------------


def test_hostile_markdown_is_escaped_or_sanitised_on_the_topic_page(topic, caregiver):
    body = (
        "<script>alert('x')</script>\n\n"
        "[click me](javascript:alert(2)) <img src=x onerror=alert(3)>\n\n"
        "[a guide](https://example.org/guide)"
    )
    response = client_for(caregiver).post(f"/t/{topic.pk}/reply", {"body": body})
    assert response.status_code == 302

    page = html(Client().get(topic.get_absolute_url()))
    assert "<script>alert" not in page
    assert "<p>&lt;script&gt;alert('x')&lt;/script&gt;</p>" in page
    assert 'href="javascript:' not in page.lower()
    assert "<img" not in page
    assert "&lt;img src=x onerror=alert(3)&gt;" in page
    assert '<a href="https://example.org/guide" rel="nofollow ugc noopener">a guide</a>' in page


def test_mentions_link_to_the_member_profile(topic, caregiver):
    client_for(caregiver).post(f"/t/{topic.pk}/reply", {"body": "Thanks @Patient!"})
    page = html(Client().get(topic.get_absolute_url()))
    assert (
        '<a class="mention" href="/members/patient/" rel="nofollow ugc noopener">@Patient</a>'
        in page
    )


# --- replying ----------------------------------------------------------------------------------


def test_reply_redirects_to_the_new_post(topic, caregiver, community):
    response = client_for(caregiver).post(f"/t/{topic.pk}/reply", {"body": "Me too, day 4."})

    reply = Post.objects.get(topic=topic, position=2)
    assert (reply.author_id, reply.body) == (caregiver.pk, "Me too, day 4.")
    assert response.status_code == 302
    assert response["Location"] == f"/t/{topic.pk}/tired-after-metformin/#post-2"
    assert response.cookies["draft_saved"].value == f"reply:{topic.pk}"


def test_reply_on_a_later_page_redirects_to_that_page(community, patient, caregiver):
    topic = make_topic(community, patient, title="Busy topic", replies=25)
    response = client_for(caregiver).post(f"/t/{topic.pk}/reply", {"body": "Late to this"})
    assert response["Location"] == f"/t/{topic.pk}/busy-topic/?page=2#post-27"


def test_an_empty_reply_is_refused_next_to_the_field(topic, caregiver):
    before = db_state()

    response = client_for(caregiver).post(f"/t/{topic.pk}/reply", {"body": "   "})

    assert response.status_code == 400
    page = html(response)
    assert '<p class="field-error" id="error_body">Please write a message.</p>' in page
    assert 'aria-invalid="true"' in page
    assert db_state() == before


def test_a_too_short_reply_keeps_the_text_and_a_draft(topic, caregiver):
    response = client_for(caregiver).post(f"/t/{topic.pk}/reply", {"body": "k"})

    assert response.status_code == 400
    page = html(response)
    assert '<p class="field-error" id="error_body">Please write a message.</p>' in page
    assert ">k</textarea>" in page
    assert Post.objects.filter(topic=topic).count() == 1
    assert list(Draft.objects.values_list("user_id", "key", "body")) == [
        (caregiver.pk, f"reply:{topic.pk}", "k")
    ]


def test_a_too_long_reply_keeps_every_character(topic, caregiver):
    typed = "<b>Long story</b> " + "z" * 30000

    response = client_for(caregiver).post(f"/t/{topic.pk}/reply", {"body": typed})

    assert response.status_code == 400
    page = html(response)
    assert (
        '<p class="field-error" id="error_body">'
        "Messages can be at most 30000 characters; yours has 30018.</p>" in page
    )
    assert ">&lt;b&gt;Long story&lt;/b&gt; " + "z" * 30000 + "</textarea>" in page
    assert Post.objects.filter(topic=topic).count() == 1
    assert Draft.objects.get(user=caregiver, key=f"reply:{topic.pk}").body == typed


def test_a_rate_limited_reply_keeps_the_text(settings, topic, caregiver):
    settings.CARECIRCLE_POST_RATE = "1/m"
    away_from_window_edge()
    client = client_for(caregiver)
    assert client.post(f"/t/{topic.pk}/reply", {"body": "First reply"}).status_code == 302

    response = client.post(f"/t/{topic.pk}/reply", {"body": "Second reply, too fast"})

    assert response.status_code == 429
    page = html(response)
    assert "You are doing that too often. Please wait a minute and try again." in page
    assert ">Second reply, too fast</textarea>" in page
    assert Post.objects.filter(topic=topic).count() == 2
    assert Draft.objects.get(user=caregiver).body == "Second reply, too fast"


def test_a_reply_to_a_locked_topic_is_refused_and_kept_as_a_draft(topic, caregiver):
    Topic.objects.filter(pk=topic.pk).update(is_locked=True)
    before = db_state()

    response = client_for(caregiver).post(f"/t/{topic.pk}/reply", {"body": "Just in time?"})

    assert response.status_code == 403
    assert "This topic is locked. No new replies can be added." in html(response)
    after = db_state()
    saved = after.pop("discussions.Draft")
    before.pop("discussions.Draft")
    assert after == before
    assert [(draft["key"], draft["body"]) for draft in saved] == [
        (f"reply:{topic.pk}", "Just in time?")
    ]


def test_a_non_member_reply_is_refused(topic, outsider):
    before = db_state()
    response = client_for(outsider).post(f"/t/{topic.pk}/reply", {"body": "Hello there"})
    assert response.status_code == 403
    assert Post.objects.filter(topic=topic).count() == 1
    after = db_state()
    after.pop("discussions.Draft")
    before.pop("discussions.Draft")
    assert after == before


def test_a_signed_out_reply_shows_the_typed_text_and_creates_nothing(topic):
    before = db_state()

    response = Client().post(f"/t/{topic.pk}/reply", {"body": "My long reply <3"})

    assert response.status_code == 401
    page = html(response)
    assert "<h1>Please sign in to post your reply</h1>" in page
    assert '<textarea id="kept-body" readonly rows="8">My long reply &lt;3</textarea>' in page
    assert db_state() == before


# --- starting a topic --------------------------------------------------------------------------


def test_new_topic_form_restores_a_saved_draft(community, patient):
    Draft.objects.create(
        user=patient, key=f"topic:{community.pk}", title="Half a title", body="Half a body"
    )

    response = client_for(patient).get("/c/type-2-diabetes/new-topic/")

    assert response.status_code == 200
    page = html(response)
    assert 'value="Half a title"' in page
    assert ">Half a body</textarea>" in page
    assert '<p class="notice" data-draft-note>We restored the text you were writing.</p>' in page


def test_new_topic_form_without_a_draft_is_empty(community, patient):
    page = html(client_for(patient).get("/c/type-2-diabetes/new-topic/"))
    assert '<p class="notice" data-draft-note hidden>' in page
    assert 'name="title" value=""' in page


def test_posting_a_new_topic(community, patient):
    Draft.objects.create(user=patient, key=f"topic:{community.pk}", body="Old draft")

    response = client_for(patient).post(
        "/c/type-2-diabetes/new-topic/",
        {"title": "Feet tingling at night", "body": "Is this neuropathy?", "is_question": "on"},
    )

    topic = Topic.objects.get()
    assert (topic.title, topic.is_question, topic.author_id) == (
        "Feet tingling at night",
        True,
        patient.pk,
    )
    assert first_post(topic).body == "Is this neuropathy?"
    assert response.status_code == 302
    assert response["Location"] == f"/t/{topic.pk}/feet-tingling-at-night/"
    assert Draft.objects.count() == 0


def test_a_failed_new_topic_keeps_the_text_and_a_draft(community, patient):
    response = client_for(patient).post(
        "/c/type-2-diabetes/new-topic/", {"title": "Feet", "body": "Is this neuropathy?"}
    )

    assert response.status_code == 400
    page = html(response)
    assert (
        '<p class="field-error" id="error_title">'
        "Please give your topic a title of at least 5 characters.</p>" in page
    )
    assert 'value="Feet"' in page
    assert ">Is this neuropathy?</textarea>" in page
    assert Topic.objects.count() == 0
    assert list(Draft.objects.values_list("key", "title", "body")) == [
        (f"topic:{community.pk}", "Feet", "Is this neuropathy?")
    ]


def test_a_signed_out_new_topic_shows_the_typed_text_and_creates_nothing(community):
    before = db_state()

    response = Client().post(
        "/c/type-2-diabetes/new-topic/", {"title": "My question", "body": "What & why?"}
    )

    assert response.status_code == 401
    page = html(response)
    assert "<h1>Please sign in to post your topic</h1>" in page
    assert '<textarea id="kept-title" readonly rows="8">My question</textarea>' in page
    assert '<textarea id="kept-body" readonly rows="8">What &amp; why?</textarea>' in page
    assert db_state() == before


def sign_in_target(response) -> tuple[str, str]:
    """The sign-in page a redirect goes to, and where it comes back to afterwards."""
    location = urlsplit(response["Location"])
    return location.path, parse_qs(location.query)["next"][0]


def test_visitors_are_sent_to_sign_in_for_the_new_topic_form(community):
    response = Client().get("/c/type-2-diabetes/new-topic/")
    assert response.status_code == 302
    assert sign_in_target(response) == ("/accounts/login/", "/c/type-2-diabetes/new-topic/")


def test_posting_topics_too_fast_is_a_429_that_keeps_the_text(settings, community, patient):
    settings.CARECIRCLE_POST_RATE = "1/m"
    away_from_window_edge()
    client = client_for(patient)
    first = client.post("/c/type-2-diabetes/new-topic/", {"title": "First topic", "body": "Hello"})
    assert first.status_code == 302

    response = client.post(
        "/c/type-2-diabetes/new-topic/", {"title": "Second topic", "body": "Hello again"}
    )

    assert response.status_code == 429
    page = html(response)
    assert "You are doing that too often. Please wait a minute and try again." in page
    assert 'value="Second topic"' in page
    assert ">Hello again</textarea>" in page
    assert list(Topic.objects.values_list("title", flat=True)) == ["First topic"]
    assert list(Draft.objects.values_list("title", "body")) == [("Second topic", "Hello again")]


def test_non_members_cannot_open_or_post_the_new_topic_form(community, outsider):
    client = client_for(outsider)
    before = db_state()
    for response in (
        client.get("/c/type-2-diabetes/new-topic/"),
        client.post("/c/type-2-diabetes/new-topic/", {"title": "Hello all", "body": "Hi!"}),
    ):
        assert response.status_code == 403
        assert "Join this community to start a topic." in html(response)
    assert db_state() == before


# --- edit and history --------------------------------------------------------------------------


def test_author_edits_a_reply_and_the_history_lists_revisions(topic, caregiver):
    reply = actions.reply_to_topic(actor=caregiver, topic=topic, body="Frist version")
    client = client_for(caregiver)

    form = client.get(f"/p/{reply.pk}/edit/")
    assert form.status_code == 200
    assert ">Frist version</textarea>" in html(form)

    response = client.post(f"/p/{reply.pk}/edit/", {"body": "First version", "reason": "spelling"})
    assert response.status_code == 302
    assert response["Location"] == f"/p/{reply.pk}/"
    reply.refresh_from_db()
    assert (reply.body, reply.edit_count) == ("First version", 1)

    history = html(Client().get(f"/p/{reply.pk}/history/"))
    assert "<h2>Current version</h2>" in history
    assert "<p>First version</p>" in history
    assert "<h2>Version 1</h2>" in history
    assert '<pre class="card">Frist version</pre>' in history
    assert "by Cam the caregiver · spelling" in history

    assert f'href="/p/{reply.pk}/history/">edited once</a>' in html(
        Client().get(topic.get_absolute_url())
    )


def test_history_shows_earlier_hostile_text_escaped(topic, caregiver):
    reply = actions.reply_to_topic(
        actor=caregiver, topic=topic, body="<script>alert(1)</script> [x](javascript:alert(2))"
    )
    actions.edit_post(actor=caregiver, post=reply, body="Cleaned up")
    page = html(Client().get(f"/p/{reply.pk}/history/"))
    assert "<script>alert(1)" not in page
    assert (
        '<pre class="card">&lt;script&gt;alert(1)&lt;/script&gt; [x](javascript:alert(2))</pre>'
        in page
    )
    assert 'href="javascript:' not in page


def test_history_of_an_unedited_post(topic):
    page = html(Client().get(f"/p/{first_post(topic).pk}/history/"))
    assert "This post has not been edited." in page


def test_author_edits_the_first_post_and_the_title(topic, patient):
    response = client_for(patient).post(
        f"/p/{first_post(topic).pk}/edit/",
        {"title": "Tired on metformin", "body": "Anyone else? Week 2."},
    )
    assert response.status_code == 302
    topic.refresh_from_db()
    assert topic.title == "Tired on metformin"
    assert PostRevision.objects.get().title == "Tired after metformin"


def test_a_failed_edit_keeps_the_text(topic, patient):
    before = db_state()
    response = client_for(patient).post(
        f"/p/{first_post(topic).pk}/edit/", {"title": "Tired", "body": "x"}
    )
    assert response.status_code == 400
    page = html(response)
    assert '<p class="field-error" id="error_body">Please write a message.</p>' in page
    assert ">x</textarea>" in page
    assert db_state() == before


def test_others_cannot_edit(topic, caregiver):
    client = client_for(caregiver)
    before = db_state()
    url = f"/p/{first_post(topic).pk}/edit/"
    for response in (client.get(url), client.post(url, {"body": "Vandalised"})):
        assert response.status_code == 403
        assert "You can only edit your own posts." in html(response)
    assert db_state() == before


def test_moderator_edit_through_the_page_is_audited(topic, moderator):
    client_for(moderator).post(
        f"/p/{first_post(topic).pk}/edit/",
        {"title": "Tired after metformin", "body": "Anyone else?!", "reason": "tone"},
    )
    event = AuditEvent.objects.get()
    assert (event.verb, event.actor_id, event.data) == (
        "post.edit_by_moderator",
        moderator.pk,
        {"reason": "tone"},
    )


def test_a_signed_out_edit_shows_the_typed_text(topic):
    before = db_state()
    response = Client().post(f"/p/{first_post(topic).pk}/edit/", {"body": "My better words"})
    assert response.status_code == 401
    assert ">My better words</textarea>" in html(response)
    assert db_state() == before


# --- delete and restore ------------------------------------------------------------------------


def test_deleting_a_reply_asks_first(topic, caregiver):
    reply = actions.reply_to_topic(actor=caregiver, topic=topic, body="Second thoughts")
    client = client_for(caregiver)

    confirm = client.get(f"/p/{reply.pk}/delete/")
    assert confirm.status_code == 200
    assert "<h1>Delete this post?</h1>" in html(confirm)
    assert "<p>Second thoughts</p>" in html(confirm)
    assert Post.objects.get(pk=reply.pk).is_deleted is False

    response = client.post(f"/p/{reply.pk}/delete/")
    assert response.status_code == 302
    assert response["Location"] == topic.get_absolute_url()
    assert Post.objects.get(pk=reply.pk).is_deleted is True


def test_deleting_the_first_post_deletes_the_topic_and_returns_to_the_community(topic, patient):
    client = client_for(patient)
    post = first_post(topic)
    assert "<h1>Delete this topic?</h1>" in html(client.get(f"/p/{post.pk}/delete/"))

    response = client.post(f"/p/{post.pk}/delete/")

    assert response["Location"] == "/c/type-2-diabetes/"
    assert Topic.objects.get(pk=topic.pk).is_deleted is True
    assert client.get(topic.get_absolute_url()).status_code == 404


def test_others_cannot_delete(topic, caregiver):
    client = client_for(caregiver)
    before = db_state()
    url = f"/p/{first_post(topic).pk}/delete/"
    for response in (client.get(url), client.post(url)):
        assert response.status_code == 403
        assert "You can only delete your own posts." in html(response)
    assert db_state() == before


def test_moderator_restores_through_the_page(topic, caregiver, moderator):
    reply = actions.reply_to_topic(actor=caregiver, topic=topic, body="Back soon")
    actions.delete_post(actor=caregiver, post=reply)

    response = client_for(moderator).post(f"/p/{reply.pk}/restore")

    assert response.status_code == 302
    assert Post.objects.get(pk=reply.pk).is_deleted is False


def test_authors_cannot_restore_their_own_deleted_post(topic, caregiver):
    reply = actions.reply_to_topic(actor=caregiver, topic=topic, body="Back soon")
    actions.delete_post(actor=caregiver, post=reply)
    before = db_state()
    response = client_for(caregiver).post(f"/p/{reply.pk}/restore")
    assert response.status_code == 403
    assert db_state() == before


# --- reactions ---------------------------------------------------------------------------------


def test_reacting_with_a_plain_form_post(topic, caregiver):
    post = first_post(topic)
    response = client_for(caregiver).post(f"/p/{post.pk}/react", {"kind": "hug"})

    assert response.status_code == 302
    assert response["Location"] == f"/p/{post.pk}/"
    assert Post.objects.get(pk=post.pk).reaction_counts == {"hug": 1}
    assert list(Reaction.objects.values_list("user_id", "kind")) == [(caregiver.pk, "hug")]


def test_reacting_with_htmx_returns_the_reactions_partial(topic, caregiver):
    post = first_post(topic)
    client = client_for(caregiver)

    response = client.post(f"/p/{post.pk}/react", {"kind": "hug"}, HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    fragment = html(response)
    assert fragment.lstrip().startswith(f'<form method="post" action="/p/{post.pk}/react"')
    assert f'id="reactions-{post.pk}"' in fragment
    assert "<html" not in fragment and "<h1>" not in fragment
    assert 'value="hug" class="reaction button-small" aria-pressed="true">Hug' in fragment
    assert "1 person" in fragment
    assert 'value="like" class="reaction button-small" aria-pressed="false">Like' in fragment

    again = html(client.post(f"/p/{post.pk}/react", {"kind": "hug"}, HTTP_HX_REQUEST="true"))
    assert 'value="hug" class="reaction button-small" aria-pressed="false">Hug' in again
    assert Post.objects.get(pk=post.pk).reaction_counts == {}


def test_an_unknown_reaction_changes_nothing(topic, caregiver):
    before = db_state()
    client = client_for(caregiver)
    response = client.post(f"/p/{first_post(topic).pk}/react", {"kind": "angry"}, follow=True)
    assert "Please choose one of the reactions." in messages_of(response)
    assert db_state() == before


def test_non_members_and_visitors_cannot_react(topic, outsider):
    url = f"/p/{first_post(topic).pk}/react"
    before = db_state()

    refused = client_for(outsider).post(url, {"kind": "hug"})
    assert refused.status_code == 403
    assert "Join this community to react." in html(refused)
    back_to = f"{topic.get_absolute_url()}?page=1&quote=2"
    signed_out = Client().post(url, {"kind": "hug"}, HTTP_REFERER=f"http://testserver{back_to}")
    assert signed_out.status_code == 302
    assert sign_in_target(signed_out) == ("/accounts/login/", back_to)

    assert db_state() == before


# --- moderation and answers --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("operation", "field", "value", "message"),
    [
        ("pin", "is_pinned", True, "Topic pinned."),
        ("lock", "is_locked", True, "Topic locked."),
    ],
)
def test_moderator_pins_and_locks_from_the_page(topic, moderator, operation, field, value, message):
    response = client_for(moderator).post(
        f"/t/{topic.pk}/moderate", {"operation": operation}, follow=True
    )
    assert response.redirect_chain == [(topic.get_absolute_url(), 302)]
    assert message in messages_of(response)
    assert getattr(Topic.objects.get(pk=topic.pk), field) is value


def test_moderator_unpins_and_unlocks_from_the_page(topic, moderator):
    Topic.objects.filter(pk=topic.pk).update(is_pinned=True, is_locked=True)
    client = client_for(moderator)
    client.post(f"/t/{topic.pk}/moderate", {"operation": "unpin"})
    client.post(f"/t/{topic.pk}/moderate", {"operation": "unlock"})
    topic.refresh_from_db()
    assert (topic.is_pinned, topic.is_locked) == (False, False)


def test_moderator_moves_a_topic_from_the_page(community, patient, moderator, other_community):
    topic = actions.create_topic(
        actor=patient, community=community, title="Moving house", body="Where to?"
    )
    response = client_for(moderator).post(
        f"/t/{topic.pk}/moderate", {"operation": "move", "destination": "heart-health"}
    )
    assert response.status_code == 302
    assert Topic.objects.get(pk=topic.pk).community_id == other_community.pk


def test_a_move_to_a_community_the_moderator_does_not_moderate_is_refused(
    topic, moderator, private_community
):
    before = db_state()
    response = client_for(moderator).post(
        f"/t/{topic.pk}/moderate", {"operation": "move", "destination": "breast-cancer"}
    )
    assert response.status_code == 403
    assert db_state() == before


def test_an_unknown_moderation_operation_changes_nothing(topic, moderator):
    before = db_state()
    response = client_for(moderator).post(
        f"/t/{topic.pk}/moderate", {"operation": "explode"}, follow=True
    )
    assert "Unknown moderation action." in messages_of(response)
    assert db_state() == before


@pytest.mark.parametrize("operation", ["pin", "lock", "move"])
def test_members_cannot_moderate(topic, patient, other_community, operation):
    before = db_state()
    response = client_for(patient).post(
        f"/t/{topic.pk}/moderate", {"operation": operation, "destination": "heart-health"}
    )
    assert response.status_code == 403
    assert "Only this community&#x27;s moderators can do that." in html(response)
    assert db_state() == before


def test_the_asker_accepts_and_clears_an_answer(question, patient):
    answer = Post.objects.get(topic=question, position=2)
    client = client_for(patient)

    page = html(client.get(question.get_absolute_url()))
    assert f'action="/p/{answer.pk}/accept"' in page
    assert f'action="/p/{first_post(question).pk}/accept"' not in page

    response = client.post(f"/p/{answer.pk}/accept", follow=True)
    assert "Answer accepted. Thank you!" in messages_of(response)
    assert Topic.objects.get(pk=question.pk).accepted_post_id == answer.pk
    page = html(response)
    assert "Accepted answer by Pat the patient" in page
    assert "Unmark as answer" in page

    response = client.post(f"/p/{answer.pk}/accept", {"clear": "yes"}, follow=True)
    assert "Accepted answer cleared." in messages_of(response)
    assert Topic.objects.get(pk=question.pk).accepted_post_id is None


def test_the_first_post_cannot_be_the_answer(question, patient):
    before = db_state()
    response = client_for(patient).post(f"/p/{first_post(question).pk}/accept", follow=True)
    assert "Choose a reply in this topic as the answer." in messages_of(response)
    assert db_state() == before


def test_other_members_cannot_accept(question, caregiver):
    before = db_state()
    response = client_for(caregiver).post(
        f"/p/{Post.objects.get(topic=question, position=2).pk}/accept"
    )
    assert response.status_code == 403
    assert db_state() == before


# --- draft autosave ----------------------------------------------------------------------------


def test_draft_autosave(topic, caregiver):
    client = client_for(caregiver)
    response = client.post(
        "/drafts/save", {"draft_key": f"reply:{topic.pk}", "body": "Still typing"}
    )
    assert response.status_code == 204
    assert list(Draft.objects.values_list("user_id", "key", "body")) == [
        (caregiver.pk, f"reply:{topic.pk}", "Still typing")
    ]


def test_draft_autosave_ignores_unknown_keys_and_visitors(topic, caregiver):
    assert (
        client_for(caregiver)
        .post("/drafts/save", {"draft_key": "profile:1", "body": "x"})
        .status_code
        == 204
    )
    assert (
        Client().post("/drafts/save", {"draft_key": f"reply:{topic.pk}", "body": "x"}).status_code
        == 204
    )
    assert Draft.objects.count() == 0


# --- members-only content never leaks ----------------------------------------------------------

SECRETS = ("Secret chemo diary", "secret-chemo-diary", "Only members see this")


def assert_nothing_leaked(response) -> None:
    page = html(response)
    location = response.get("Location", "")
    for secret in SECRETS:
        assert secret not in page
        assert secret not in location


def private_routes(topic_id: int, post_id: int) -> list[tuple[str, str, dict[str, str], int]]:
    """Every page route that reaches a topic or post, with what a visitor gets back.

    Signed-in non-members get 404 everywhere. Visitors are sent to sign in (302) or shown
    their own typed text (401) before anything is looked up, so those answers say nothing
    about the topic either.
    """
    return [
        ("get", f"/t/{topic_id}/secret-chemo-diary/", {}, 404),
        ("get", f"/t/{topic_id}/", {}, 404),
        ("get", f"/t/{topic_id}/wrong-slug/", {}, 404),
        ("get", f"/t/{topic_id}/secret-chemo-diary/?quote={post_id}", {}, 404),
        ("get", f"/p/{post_id}/", {}, 404),
        ("get", f"/p/{post_id}/edit/", {}, 302),
        ("post", f"/p/{post_id}/edit/", {"body": "typed text"}, 401),
        ("get", f"/p/{post_id}/history/", {}, 404),
        ("get", f"/p/{post_id}/delete/", {}, 302),
        ("post", f"/p/{post_id}/delete/", {}, 302),
        ("post", f"/p/{post_id}/react", {"kind": "hug"}, 302),
        ("post", f"/p/{post_id}/accept", {}, 302),
        ("post", f"/p/{post_id}/restore", {}, 302),
        ("post", f"/t/{topic_id}/reply", {"body": "typed text"}, 401),
        ("post", f"/t/{topic_id}/moderate", {"operation": "lock"}, 302),
    ]


@pytest.mark.parametrize("persona", ["visitor", "outsider", "caregiver", "moderator"])
def test_members_only_topics_never_reach_others_through_any_page(request, private_topic, persona):
    client = client_for(None if persona == "visitor" else request.getfixturevalue(persona))
    post = first_post(private_topic)
    missing = private_routes(private_topic.pk + 1000, post.pk + 1000)
    before = db_state()

    for (method, path, data, for_visitor), (_m, missing_path, _d, _v) in zip(
        private_routes(private_topic.pk, post.pk), missing, strict=True
    ):
        response = getattr(client, method)(path, data)
        assert_nothing_leaked(response)
        assert response.status_code == (for_visitor if persona == "visitor" else 404), path
        # The same answer as for a topic that does not exist.
        answer_for_missing = getattr(client, method)(missing_path, data)
        assert response.status_code == answer_for_missing.status_code, path

    assert db_state() == before


@pytest.mark.parametrize("persona", ["visitor", "outsider", "caregiver"])
def test_members_only_topics_are_not_listed_to_others(request, private_topic, persona):
    client = client_for(None if persona == "visitor" else request.getfixturevalue(persona))
    for path in ("/", "/c/breast-cancer/", "/communities/"):
        response = client.get(path)
        assert response.status_code == 200
        assert_nothing_leaked(response)


def test_members_see_their_private_topics(private_topic, patient):
    client = client_for(patient)
    assert "Secret chemo diary" in html(client.get("/"))
    assert "Secret chemo diary" in html(client.get("/c/breast-cancer/"))
    assert "Only members see this" in html(client.get(private_topic.get_absolute_url()))


def test_a_topic_moved_into_a_private_community_disappears_for_visitors(
    community, patient, manager, private_community
):
    topic = actions.create_topic(
        actor=patient, community=community, title="Tired after metformin", body="Anyone else?"
    )
    visitor = Client()
    assert visitor.get(topic.get_absolute_url()).status_code == 200
    actions.move_topic(actor=manager, topic=topic, destination=private_community)
    response = visitor.get(topic.get_absolute_url())
    assert response.status_code == 404
    assert "Anyone else?" not in html(response)


# --- query counts ------------------------------------------------------------------------------


@pytest.fixture
def small_and_large(community, patient):
    """A topic with 5 replies and one with 60, in the same community."""
    return (
        make_topic(community, patient, title="Small topic", replies=5),
        make_topic(community, patient, title="Large topic", replies=60),
    )


# Signed-in pages also check whether the member has accepted the current terms and privacy
# policy (carecircle/privacy/middleware.py): with an empty cache, the current document ids and
# the member's consents (these personas have not accepted them, so it is asked every time).
# With an empty cache, members' pages also count their unread conversations for the header.
# Moderation added: the highest post position (posts waiting for approval are not in
# reply_count, yet hold their place), the professionals' context notes for the page and the
# community's medical notice setting (+3 for everyone); for members, the posts they read,
# for trust levels (+2).
# Notifications added, for members: the bell's unread count, which also tells the page there
# is nothing of the topic's to mark read, and the topic's watch control (+2).
# Content sharing added the page's attachments (one query for every post, +1) and, for members,
# their bookmarks of the topic and the page's posts (+1). A topic without a poll costs nothing
# more (the poll is joined to the topic); one with a poll is pinned in test_content_sharing.
TOPIC_PAGE_QUERIES = {"visitor": 7, "caregiver": 21, "moderator": 23}


@pytest.mark.parametrize("persona", ["visitor", "caregiver", "moderator"])
def test_topic_page_query_count_does_not_grow_with_posts(
    request, small_and_large, persona, other_community
):
    user = None if persona == "visitor" else request.getfixturevalue(persona)
    small, large = small_and_large
    counts = []
    for url in (
        small.get_absolute_url(),
        large.get_absolute_url(),
        large.get_absolute_url() + "?page=3",
    ):
        # A fresh client and an empty cache: every page is really rendered.
        cache.clear()
        client = client_for(user)
        queries, response = count_queries(client, url)
        assert response.status_code == 200
        counts.append(queries)
    assert counts == [TOPIC_PAGE_QUERIES[persona]] * 3


# With a warm cache: the member's consents are the one query the terms check adds.
# Moderation added the community's medical notice setting (+1) and, for members, whether they
# are suspended here (+1).
# Members: + the bell's unread count and the watch control (one query each, cached for the bell).
COMMUNITY_PAGE_QUERIES = {"visitor": 4, "caregiver": 10}


@pytest.mark.parametrize("persona", ["visitor", "caregiver"])
def test_community_topic_list_query_count_does_not_grow(request, community, patient, persona):
    user = None if persona == "visitor" else request.getfixturevalue(persona)
    client = client_for(user)
    make_topic(community, patient, title="Small topic", replies=5)
    client.get("/c/type-2-diabetes/")  # warms the cached ids of the current terms and policy
    few, _response = count_queries(client, "/c/type-2-diabetes/")
    make_topic(community, patient, title="Large topic", replies=60)
    for number in range(25):
        make_topic(community, patient, title=f"Topic number {number}", replies=number % 3)
    many, response = count_queries(client, "/c/type-2-diabetes/")
    second_page, _response = count_queries(client, "/c/type-2-diabetes/?page=2")
    assert "Page 1 of 2" in html(response)
    assert [few, many, second_page] == [COMMUNITY_PAGE_QUERIES[persona]] * 3
