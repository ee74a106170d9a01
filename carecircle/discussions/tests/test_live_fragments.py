"""The live topic page over HTTP: post fragments, the page's live wiring, the "Message" link."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from carecircle.accounts.models import User
from carecircle.core.factories import make_topic
from carecircle.discussions import actions, views
from carecircle.discussions.models import Post, Topic
from carecircle.discussions.tests.helpers import count_queries
from conftest import client_for

ARTICLE = re.compile(
    r'<article class="[^"]*" id="post-\d+" data-post-id="(\d+)".*?</article>', re.S
)


def html(response) -> str:
    return response.content.decode()


def articles(text: str) -> dict[int, str]:
    """The post articles in a page or fragment, by post id, in document order."""
    return {int(match.group(1)): match.group(0) for match in ARTICLE.finditer(text)}


def posts(topic: Topic) -> list[Post]:
    return list(Post.objects.filter(topic=topic).order_by("position"))


def after_url(topic: Topic, post_id: int) -> str:
    return reverse("topic_posts_after", args=[topic.pk, post_id])


def post_url(post: Post) -> str:
    return reverse("post_fragment", args=[post.pk])


@pytest.fixture
def busy(community, patient) -> Topic:
    """A topic with four replies (positions 2 to 5)."""
    return make_topic(community, patient, title="Busy topic", replies=4)


# --- new posts ------------------------------------------------------------------------------


def test_the_posts_after_an_id_are_drawn_exactly_as_on_the_page(busy):
    first, second, third, fourth, fifth = posts(busy)
    response = Client().get(after_url(busy, second.pk))
    assert response.status_code == 200
    fragment = articles(html(response))
    assert list(fragment) == [third.pk, fourth.pk, fifth.pk]
    # The same partial as the topic page: a visitor's articles are identical byte for byte.
    page = articles(html(Client().get(busy.get_absolute_url())))
    assert list(page) == [first.pk, second.pk, third.pk, fourth.pk, fifth.pk]
    for post_id, article in fragment.items():
        assert article == page[post_id]
    assert "<html" not in html(response)
    assert response["X-More-Posts"] == "0"
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_a_member_gets_their_own_controls_in_new_posts(busy, patient, caregiver):
    reply = actions.reply_to_topic(actor=caregiver, topic=busy, body="My own reply")
    actions.toggle_reaction(actor=caregiver, post=reply, kind="hug")
    last = posts(busy)[-2]
    fragment = html(client_for(caregiver).get(after_url(busy, last.pk)))
    assert list(articles(fragment)) == [reply.pk]
    assert f'href="/p/{reply.pk}/edit/"' in fragment
    assert f'href="/p/{reply.pk}/delete/"' in fragment
    assert 'name="kind" value="hug" class="reaction button-small" aria-pressed="true"' in fragment
    assert "csrfmiddlewaretoken" in fragment
    # Someone else sees the same post without the author's controls.
    other = html(client_for(patient).get(after_url(busy, last.pk)))
    assert f'href="/p/{reply.pk}/edit/"' not in other
    assert 'value="hug" class="reaction button-small" aria-pressed="false"' in other


def test_nothing_after_the_last_post(busy):
    response = Client().get(after_url(busy, posts(busy)[-1].pk))
    assert response.status_code == 200
    assert articles(html(response)) == {}
    assert response["X-More-Posts"] == "0"


def test_at_most_a_batch_of_posts_then_more_is_said(busy, monkeypatch):
    monkeypatch.setattr(views, "FRAGMENT_POSTS", 2)
    first, second, third, fourth, fifth = posts(busy)
    response = Client().get(after_url(busy, first.pk))
    assert list(articles(html(response))) == [second.pk, third.pk]
    assert response["X-More-Posts"] == "1"
    response = Client().get(after_url(busy, third.pk))
    assert list(articles(html(response))) == [fourth.pk, fifth.pk]
    assert response["X-More-Posts"] == "0"


def test_deleted_posts_come_to_moderators_only(busy, caregiver, moderator):
    first, second, third, fourth, fifth = posts(busy)
    Post.objects.filter(pk=third.pk).update(is_deleted=True)
    as_member = html(client_for(caregiver).get(after_url(busy, first.pk)))
    assert list(articles(as_member)) == [second.pk, fourth.pk, fifth.pk]
    assert "Reply 3" not in as_member
    as_moderator = html(client_for(moderator).get(after_url(busy, first.pk)))
    assert list(articles(as_moderator)) == [second.pk, third.pk, fourth.pk, fifth.pk]
    assert "Deleted. Only moderators see this text." in articles(as_moderator)[third.pk]
    assert "<p>Reply 3</p>" in articles(as_moderator)[third.pk]


@pytest.mark.parametrize(
    ("persona", "status"),
    [("visitor", 404), ("outsider", 404), ("caregiver", 404), ("patient", 200), ("manager", 200)],
)
def test_posts_of_a_members_only_topic_are_for_its_readers(request, private_topic, persona, status):
    user = None if persona == "visitor" else request.getfixturevalue(persona)
    reply = actions.reply_to_topic(
        actor=private_topic.author, topic=private_topic, body="Secret reply text"
    )
    first = posts(private_topic)[0]
    response = client_for(user).get(after_url(private_topic, first.pk))
    assert response.status_code == status
    assert ("Secret reply text" in html(response)) is (status == 200)
    response = client_for(user).get(post_url(reply))
    assert response.status_code == status
    assert ("Secret reply text" in html(response)) is (status == 200)


@pytest.mark.parametrize(("persona", "status"), [("patient", 404), ("moderator", 200)])
def test_a_deleted_topic_is_for_its_moderators_only(request, busy, persona, status):
    Topic.objects.filter(pk=busy.pk).update(is_deleted=True)
    client = client_for(request.getfixturevalue(persona))
    assert client.get(after_url(busy, posts(busy)[0].pk)).status_code == status
    assert client.get(post_url(posts(busy)[1])).status_code == status


@pytest.mark.parametrize(
    "path",
    [
        "/t/999999/posts/after/0/",
        f"/t/{2**63}/posts/after/0/",
        "/p/999999/fragment/",
        f"/p/{2**63}/fragment/",
        f"/p/{10**30}/fragment/",
    ],
)
def test_what_does_not_exist_is_not_found(busy, patient, path):
    assert client_for(patient).get(path).status_code == 404


def test_a_huge_after_id_is_simply_nothing_new(busy):
    response = Client().get(f"/t/{busy.pk}/posts/after/{10**30}/")
    assert response.status_code == 200
    assert articles(html(response)) == {}


def test_fragments_are_read_only(busy, patient):
    first = posts(busy)[0]
    client = client_for(patient)
    assert client.post(after_url(busy, first.pk)).status_code == 405
    assert client.post(post_url(first)).status_code == 405


# With an empty cache, like the topic page. A visitor: the topic, the posts, the authors'
# profiles. A member adds their session and account, their membership (which also decides
# moderation), their own reactions, and the current terms and their consents to them
# (carecircle/privacy/middleware.py).
# Moderation added the professionals' context notes for the posts (+1) and, for members,
# whether they are suspended (+1).
# Content sharing added the posts' attachments (+1, one query for all) and, for members, their
# bookmarks of the topic and these posts (+1).
FRAGMENT_QUERIES = {"visitor": 5, "caregiver": 13, "moderator": 13}


@pytest.mark.parametrize("persona", ["visitor", "caregiver", "moderator"])
def test_the_new_posts_fragment_costs_the_same_for_two_posts_or_forty(
    request, community, patient, persona
):
    user = None if persona == "visitor" else request.getfixturevalue(persona)
    small = make_topic(community, patient, title="Small topic", replies=2)
    large = make_topic(community, patient, title="Large topic", replies=40)
    counts = []
    for topic in (small, large):
        cache.clear()
        queries, response = count_queries(client_for(user), after_url(topic, posts(topic)[0].pk))
        assert response.status_code == 200
        assert len(articles(html(response))) == topic.reply_count
        counts.append(queries)
    assert counts == [FRAGMENT_QUERIES[persona]] * 2


# --- one changed post -----------------------------------------------------------------------


def test_an_edited_post_comes_back_with_its_new_text(busy, patient):
    post = posts(busy)[2]
    actions.edit_post(actor=patient, post=post, body="Better words now")
    response = Client().get(post_url(post))
    assert response.status_code == 200
    fragment = articles(html(response))
    assert list(fragment) == [post.pk]
    assert "<p>Better words now</p>" in fragment[post.pk]
    assert "edited once" in fragment[post.pk]
    assert fragment[post.pk] == articles(html(Client().get(busy.get_absolute_url())))[post.pk]
    assert "no-store" in response["Cache-Control"]


def test_a_removed_post_is_the_page_placeholder_for_readers(busy, patient, moderator):
    post = posts(busy)[2]
    actions.delete_post(actor=patient, post=post)
    as_visitor = articles(html(Client().get(post_url(post))))[post.pk]
    assert "This post was deleted." in as_visitor
    assert "Reply 3" not in as_visitor
    as_moderator = articles(html(client_for(moderator).get(post_url(post))))[post.pk]
    assert "Deleted. Only moderators see this text." in as_moderator
    assert "<p>Reply 3</p>" in as_moderator
    assert "Restore" in as_moderator


# --- anonymity ------------------------------------------------------------------------------


@pytest.fixture
def anonymous_reply(community, topic, caregiver) -> Post:
    community.allow_anonymous_posts = True
    community.save(update_fields=["allow_anonymous_posts"])
    return actions.reply_to_topic(
        actor=caregiver, topic=topic, body="Hard to say this openly", is_anonymous=True
    )


@pytest.mark.parametrize("persona", ["visitor", "patient", "moderator", "caregiver"])
def test_anonymous_posts_stay_anonymous_in_fragments(
    request, topic, anonymous_reply, caregiver, persona
):
    user = None if persona == "visitor" else request.getfixturevalue(persona)
    first = posts(topic)[0]
    for url in (after_url(topic, first.pk), post_url(anonymous_reply)):
        fragment = articles(html(client_for(user).get(url)))[anonymous_reply.pk]
        assert "Anonymous member 1" in fragment
        assert "<p>Hard to say this openly</p>" in fragment
        for trace in ("Cam the caregiver", "/members/caregiver/", "?to=", "avatar"):
            assert trace not in fragment


# --- the page's live wiring -----------------------------------------------------------------


def test_the_topic_page_names_its_stream_and_last_post(busy, caregiver, settings):
    settings.CARECIRCLE_PAGE_SIZE = 2
    first, second, third, fourth, fifth = posts(busy)
    page = html(client_for(caregiver).get(busy.get_absolute_url()))
    assert f'<div id="posts" data-live-topic="{busy.pk}" data-last-post="{second.pk}"\n' in page
    last = html(client_for(caregiver).get(busy.get_absolute_url() + "?page=3"))
    assert (
        f'<div id="posts" data-live-topic="{busy.pk}" data-last-post="{fifth.pk}" '
        "data-last-page\n" in last
    )
    assert f'data-posts-after-url="/t/{busy.pk}/posts/after/0/"' in last
    assert list(articles(last)) == [fifth.pk]


def test_the_status_region_is_empty_and_polite(busy):
    page = html(Client().get(busy.get_absolute_url()))
    assert '<div class="live-status" role="status" aria-live="polite" data-live-status></div>' in (
        page
    )


def script_tags(page: str, name: str) -> list[str]:
    return re.findall(
        rf'<script src="/static/carecircle/{name}" nonce="[^"]+" defer></script>', page
    )


@pytest.mark.parametrize("persona", ["visitor", "caregiver"])
def test_the_live_scripts_load_once_with_the_page_nonce(request, busy, persona):
    user = None if persona == "visitor" else request.getfixturevalue(persona)
    response = client_for(user).get(busy.get_absolute_url())
    page = html(response)
    assert len(script_tags(page, "topic-live.js")) == 1
    assert len(script_tags(page, "realtime.js")) == 1
    nonce = re.search(r'topic-live.js" nonce="([^"]+)"', page)
    assert nonce is not None
    assert f"'nonce-{nonce.group(1)}'" in response["Content-Security-Policy"]
    assert '<link rel="stylesheet" href="/static/carecircle/live.css">' in page


# --- "Message" in the byline ----------------------------------------------------------------


def message_links(text: str) -> list[str]:
    return re.findall(r'href="([^"]*\?to=[^"]*)"', text)


def test_a_member_may_message_the_author_of_an_open_post(topic, caregiver):
    start = reverse("conversation_start")
    page = html(client_for(caregiver).get(topic.get_absolute_url()))
    assert message_links(page) == [f"{start}?to=patient"]
    assert (
        f'<a class="meta" href="{start}?to=patient">Message'
        '<span class="visually-hidden"> Pat the patient</span></a>' in page
    )
    fragment = html(client_for(caregiver).get(post_url(posts(topic)[0])))
    assert message_links(fragment) == [f"{start}?to=patient"]


def test_no_message_link_to_oneself_or_for_visitors(topic, patient):
    assert message_links(html(client_for(patient).get(topic.get_absolute_url()))) == []
    assert message_links(html(Client().get(topic.get_absolute_url()))) == []
    assert message_links(html(Client().get(post_url(posts(topic)[0])))) == []


def test_no_message_link_on_anonymous_posts(topic, anonymous_reply, patient, caregiver):
    start = reverse("conversation_start")
    page = html(client_for(patient).get(topic.get_absolute_url()))
    assert message_links(articles(page)[anonymous_reply.pk]) == []
    # The caregiver's open posts elsewhere are not affected; the patient's own post has none.
    assert message_links(page) == []
    reply = actions.reply_to_topic(actor=caregiver, topic=topic, body="Openly this time")
    page = html(client_for(patient).get(topic.get_absolute_url()))
    assert message_links(articles(page)[reply.pk]) == [f"{start}?to=caregiver"]
    assert message_links(articles(page)[anonymous_reply.pk]) == []


def test_no_message_link_for_an_erased_or_memorialised_author(topic, patient, caregiver):
    first = posts(topic)[0]
    User.objects.filter(pk=patient.pk).update(memorialised_at=timezone.now())
    assert message_links(html(client_for(caregiver).get(topic.get_absolute_url()))) == []
    Post.objects.filter(pk=first.pk).update(author=None)
    page = html(client_for(caregiver).get(topic.get_absolute_url()))
    assert "A former member" in articles(page)[first.pk]
    assert message_links(page) == []
