"""Discussions through the moderation gate: confirmation, crisis support, pending and hidden
posts, slow mode, report links, context notes and the medical notice."""

from __future__ import annotations

import pytest
from django.test import Client

from carecircle.communities.models import Community
from carecircle.core.errors import ConfirmationNeeded, PermissionDeniedError, RateLimitedError
from carecircle.core.factories import make_topic
from carecircle.discussions import actions
from carecircle.discussions.models import Post, Topic
from carecircle.discussions.tests.helpers import db_state
from carecircle.moderation.models import (
    ContextNote,
    CrisisResource,
    ModerationAction,
    ModerationSettings,
    ReviewItem,
)
from conftest import client_for

PHONE = "You can ring me on 020 7946 0958 after six."
CRISIS = "I want to end my life, I cannot go on like this."


@pytest.fixture
def topic(community, patient) -> Topic:
    return make_topic(community, patient, title="Tired after metformin", body="Is this normal?")


@pytest.fixture
def caregiver_token(caregiver) -> str:
    from carecircle.accounts.actions import create_api_token

    _token, secret = create_api_token(actor=caregiver, name="Phone app")
    return secret


@pytest.fixture
def helpline(db) -> CrisisResource:
    # Only this one, instead of the seeded list, so the answers can be compared exactly.
    CrisisResource.objects.all().delete()
    return CrisisResource.objects.create(
        name="Samaritans", phone="116 123", url="https://www.samaritans.org", is_emergency=False
    )


def _premoderate(community: Community) -> None:
    ModerationSettings.objects.create(community=community, premoderate_first_posts=5)


# --- confirmation ----------------------------------------------------------------------------


def test_a_reply_with_a_phone_number_asks_first_and_saves_nothing(topic, caregiver):
    before = db_state()
    with pytest.raises(ConfirmationNeeded) as caught:
        actions.reply_to_topic(actor=caregiver, topic=topic, body=PHONE)
    assert caught.value.code == "confirmation_needed"
    assert [(d["kind"], d["label"], d["matched"]) for d in caught.value.details] == [
        ("personal_details", "phone_number", "02• •••• •958"),
        ("public_community", "public_community", ""),
    ]
    assert db_state() == before


def test_a_confirmed_reply_is_posted_as_written(topic, caregiver):
    post = actions.reply_to_topic(actor=caregiver, topic=topic, body=PHONE, confirmed=True)
    post.refresh_from_db()
    topic.refresh_from_db()
    assert (post.body, post.moderation_state, topic.reply_count) == (PHONE, "visible", 1)


def test_the_reply_page_keeps_the_text_and_offers_post_anyway(topic, caregiver):
    client = client_for(caregiver)
    response = client.post(f"/t/{topic.pk}/reply", {"body": PHONE})
    page = response.content.decode()
    assert response.status_code == 422
    assert "You may be sharing personal details: a phone number (02• •••• •958)." in page
    assert "This community is public" in page
    assert PHONE in page
    assert 'name="confirmed" value="1"' in page
    assert Post.objects.filter(topic=topic).count() == 1

    response = client.post(f"/t/{topic.pk}/reply", {"body": PHONE, "confirmed": "1"})
    assert response.status_code == 302
    assert Post.objects.filter(topic=topic, body=PHONE).count() == 1


def test_a_misinformation_reminder_speaks_of_experiences_not_advice(community, caregiver):
    client = client_for(caregiver)
    body = "Stop taking your insulin, cinnamon cures diabetes."
    response = client.post(
        f"/c/{community.slug}/new-topic/", {"title": "What worked for me", "body": body}
    )
    page = response.content.decode()
    assert response.status_code == 422
    assert "this community shares experiences, not medical advice" in page
    assert "advice to stop prescribed treatment" in page
    assert body in page
    assert not Topic.objects.filter(title="What worked for me").exists()


def test_the_api_answers_422_then_posts_when_confirmed(topic, caregiver_token):
    client = Client()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {caregiver_token}"}
    url = f"/api/v1/topics/{topic.pk}/posts"
    response = client.post(url, {"body": PHONE}, content_type="application/json", **headers)
    assert response.status_code == 422
    assert response.json()["code"] == "confirmation_needed"
    assert response.json()["details"][0]["label"] == "phone_number"
    response = client.post(
        url, {"body": PHONE, "confirmed": True}, content_type="application/json", **headers
    )
    assert response.status_code == 201
    assert response.json()["support"] is None
    assert response.json()["moderation_state"] == "visible"


# --- crisis support --------------------------------------------------------------------------


def test_a_crisis_reply_is_posted_and_only_its_author_sees_support(
    topic, caregiver, patient, helpline
):
    client = client_for(caregiver)
    response = client.post(f"/t/{topic.pk}/reply", {"body": CRISIS}, follow=True)
    page = response.content.decode()
    assert Post.objects.filter(topic=topic, body=CRISIS, moderation_state="visible").exists()
    assert "Support is available" in page
    assert "Samaritans" in page and 'href="tel:116123"' in page
    assert 'role="status"' in page
    # Shown once, to the author only.
    assert "Support is available" not in client.get(topic.get_absolute_url()).content.decode()
    other = client_for(patient).get(topic.get_absolute_url()).content.decode()
    assert "Support is available" not in other
    assert ReviewItem.objects.filter(queue="safeguarding", is_urgent=True).count() == 1


def test_the_api_returns_support_for_a_crisis_post(topic, caregiver_token, helpline):
    response = Client().post(
        f"/api/v1/topics/{topic.pk}/posts",
        {"body": CRISIS},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {caregiver_token}",
    )
    assert response.status_code == 201
    support = response.json()["support"]
    assert support["kind"] == "crisis"
    assert support["resources"] == [
        {
            "name": "Samaritans",
            "phone": "116 123",
            "url": "https://www.samaritans.org",
            "description": "",
        }
    ]


# --- pending and hidden posts ----------------------------------------------------------------


def test_a_pending_reply_is_not_counted_announced_or_shown_to_others(
    community, topic, caregiver, patient, moderator
):
    _premoderate(community)
    community.refresh_from_db()
    before = (topic.reply_count, topic.last_posted_at, community.post_count)
    post = actions.reply_to_topic(actor=caregiver, topic=topic, body="My first reply here")
    topic.refresh_from_db()
    community.refresh_from_db()
    assert post.moderation_state == "pending"
    assert (topic.reply_count, topic.last_posted_at, community.post_count) == before
    assert ReviewItem.objects.get(queue="approval").post_id == post.pk

    author_page = client_for(caregiver).get(topic.get_absolute_url()).content.decode()
    assert "My first reply here" in author_page
    assert "Waiting for a moderator’s approval" in author_page or (
        "Waiting for a moderator's approval" in author_page
    )
    other_page = client_for(patient).get(topic.get_absolute_url()).content.decode()
    assert "My first reply here" not in other_page
    moderator_page = client_for(moderator).get(topic.get_absolute_url()).content.decode()
    assert "My first reply here" in moderator_page and "Waiting for approval" in moderator_page
    assert client_for(patient).get(f"/p/{post.pk}/fragment/").status_code == 404


def test_publishing_a_pending_reply_counts_it_once(community, topic, caregiver, patient):
    _premoderate(community)
    post = actions.reply_to_topic(actor=caregiver, topic=topic, body="My first reply here")
    actions.publish_post(post)
    actions.publish_post(post)
    topic.refresh_from_db()
    community.refresh_from_db()
    assert (topic.reply_count, topic.last_poster_id) == (1, caregiver.pk)
    page = client_for(patient).get(topic.get_absolute_url()).content.decode()
    assert "My first reply here" in page


def test_a_pending_topic_is_not_listed_and_not_readable_by_others(community, caregiver, patient):
    _premoderate(community)
    community.refresh_from_db()
    topic_count = community.topic_count
    topic = actions.create_topic(
        actor=caregiver, community=community, title="A new topic", body="Hello everyone"
    )
    community.refresh_from_db()
    assert topic.moderation_state == "pending"
    assert community.topic_count == topic_count
    assert "A new topic" not in client_for(patient).get("/c/type-2-diabetes/").content.decode()
    assert "A new topic" in client_for(caregiver).get("/c/type-2-diabetes/").content.decode()
    assert client_for(patient).get(topic.get_absolute_url()).status_code == 404
    assert client_for(caregiver).get(topic.get_absolute_url()).status_code == 200
    actions.publish_post(Post.objects.get(topic=topic, position=1))
    community.refresh_from_db()
    assert community.topic_count == topic_count + 1
    assert client_for(patient).get(topic.get_absolute_url()).status_code == 200


def test_a_hidden_post_is_a_placeholder_for_readers(topic, caregiver, patient):
    post = actions.reply_to_topic(actor=caregiver, topic=topic, body="Something contested")
    actions.hide_post(post)
    other = client_for(patient).get(topic.get_absolute_url()).content.decode()
    assert "This post is hidden while moderators review it." in other
    assert "Something contested" not in other
    mine = client_for(caregiver).get(topic.get_absolute_url()).content.decode()
    assert "Something contested" in mine and "Hidden while moderators review it." in mine
    api = Client().get(f"/api/v1/topics/{topic.pk}/posts").json()["items"][1]
    assert (api["body"], api["moderation_state"]) == (None, "hidden")


# --- slow mode -------------------------------------------------------------------------------


def test_slow_mode_makes_members_wait_but_not_moderators(topic, caregiver, moderator):
    actions.set_topic_slow_mode(actor=moderator, topic=topic, seconds=120)
    actions.reply_to_topic(actor=caregiver, topic=topic, body="First reply")
    before = db_state()
    with pytest.raises(RateLimitedError) as caught:
        actions.reply_to_topic(actor=caregiver, topic=topic, body="Second reply")
    assert caught.value.code == "slow_mode"
    assert "reply again in 1" in str(caught.value.message)
    assert db_state() == before
    actions.reply_to_topic(actor=moderator, topic=topic, body="Moderator one")
    actions.reply_to_topic(actor=moderator, topic=topic, body="Moderator two")
    action = ModerationAction.objects.get(verb="slow_mode")
    assert (action.actor_id, action.target_key) == (moderator.pk, f"topic:{topic.pk}")


def test_members_cannot_set_slow_mode(topic, caregiver):
    before = db_state()
    actions_count = ModerationAction.objects.count()
    with pytest.raises(PermissionDeniedError):
        actions.set_topic_slow_mode(actor=caregiver, topic=topic, seconds=60)
    assert db_state() == before
    assert ModerationAction.objects.count() == actions_count


def test_moderators_set_slow_mode_on_the_page_and_in_the_api(topic, moderator):
    response = client_for(moderator).post(
        f"/t/{topic.pk}/moderate", {"operation": "slow_mode", "slow_mode_seconds": "30"}
    )
    assert response.status_code == 302
    topic.refresh_from_db()
    assert topic.slow_mode_seconds == 30
    response = client_for(moderator).patch(
        f"/api/v1/topics/{topic.pk}", {"slow_mode_seconds": 0}, content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json()["slow_mode_seconds"] == 0


# --- report links, context notes and the medical notice --------------------------------------


def test_report_links_for_readers_who_did_not_write_the_post(topic, patient, caregiver):
    reply = actions.reply_to_topic(actor=caregiver, topic=topic, body="A reply")
    page = client_for(patient).get(topic.get_absolute_url()).content.decode()
    assert f'href="/report/post/{reply.pk}/"' in page
    assert f'href="/report/topic/{topic.pk}/"' not in page  # the patient wrote the topic
    theirs = client_for(caregiver).get(topic.get_absolute_url()).content.decode()
    assert f'href="/report/topic/{topic.pk}/"' in theirs
    assert f'href="/report/post/{reply.pk}/"' not in theirs
    assert "/report/" not in Client().get(topic.get_absolute_url()).content.decode()


def test_context_notes_and_the_medical_notice_show_under_posts(topic, professional):
    first = Post.objects.get(topic=topic, position=1)
    ContextNote.objects.create(
        post=first,
        author=professional,
        body="Tiredness is a common side effect in the first weeks.",
        resource_url="https://www.nhs.uk/medicines/metformin/",
        resource_title="NHS: metformin",
    )
    page = Client().get(topic.get_absolute_url()).content.decode()
    assert "A verified professional added context:" in page
    assert "Tiredness is a common side effect in the first weeks." in page
    assert 'href="https://www.nhs.uk/medicines/metformin/"' in page
    assert "are not medical advice" in page


def test_a_community_can_turn_the_medical_notice_off(community, topic):
    ModerationSettings.objects.create(community=community, show_medical_notice=False)
    assert "are not medical advice" not in Client().get(topic.get_absolute_url()).content.decode()
    assert "are not medical advice" not in Client().get("/c/type-2-diabetes/").content.decode()


# --- the history of a held post --------------------------------------------------------------


def test_the_history_of_a_hidden_post_is_for_its_author_and_moderators(
    topic, caregiver, patient, moderator
):
    from django.urls import reverse

    post = actions.reply_to_topic(actor=caregiver, topic=topic, body="Secret words one")
    actions.edit_post(actor=caregiver, post=post, body="Secret words two")
    actions.hide_post(post)
    page = reverse("post_history", args=[post.pk])
    api = f"/api/v1/posts/{post.pk}/revisions"
    for reader in (client_for(patient), Client()):
        assert reader.get(page).status_code == 404
        response = reader.get(api)
        assert response.status_code == 404
        assert b"Secret words" not in response.content
    for allowed in (caregiver, moderator):
        response = client_for(allowed).get(page)
        assert response.status_code == 200
        assert "Secret words one" in response.content.decode()
        assert [r["body"] for r in client_for(allowed).get(api).json()] == ["Secret words one"]


def test_a_visitor_page_past_the_counted_replies_is_not_cached_as_page_one(
    community, topic, caregiver, moderator, settings
):
    settings.CARECIRCLE_PAGE_SIZE = 2
    _premoderate(community)
    topic = Topic.objects.get(pk=topic.pk)
    actions.reply_to_topic(actor=moderator, topic=topic, body="A visible second post")
    held = actions.reply_to_topic(
        actor=caregiver, topic=Topic.objects.get(pk=topic.pk), body="A held third post"
    )
    assert (held.moderation_state, held.position) == ("pending", 3)
    visitor = Client()
    second = visitor.get(topic.get_absolute_url() + "?page=2").content.decode()
    assert "A visible second post" not in second and "A held third post" not in second
    first = visitor.get(topic.get_absolute_url()).content.decode()
    assert "A visible second post" in first
    assert "A held third post" not in first


def test_a_suspended_asker_cannot_accept_an_answer(question, patient):
    from datetime import timedelta

    from django.utils import timezone

    from carecircle.discussions import permissions
    from carecircle.moderation.models import Sanction

    reply = question.posts.get(position=2)
    Sanction.objects.create(
        member=patient,
        community=question.community,
        kind="suspension",
        ends_at=timezone.now() + timedelta(days=3),
    )
    before = db_state()
    with pytest.raises(PermissionDeniedError) as caught:
        actions.accept_answer(actor=patient, topic=question, post=reply)
    assert caught.value.code == "suspended"
    assert db_state() == before
    assert permissions.can_accept_answer(patient, Topic.objects.get(pk=question.pk)) is False


def test_deleting_and_restoring_a_pending_topic_leaves_the_topic_count(
    community, caregiver, moderator
):
    _premoderate(community)
    Community.objects.filter(pk=community.pk).update(topic_count=5)
    community = Community.objects.get(pk=community.pk)
    topic = actions.create_topic(
        actor=caregiver, community=community, title="Waiting for approval", body="Some words"
    )
    assert topic.moderation_state == "pending"
    actions.delete_post(actor=caregiver, post=topic.first_post)
    assert Community.objects.get(pk=community.pk).topic_count == 5
    actions.restore_post(actor=moderator, post=Post.objects.get(pk=topic.first_post.pk))
    assert Community.objects.get(pk=community.pk).topic_count == 5


def test_the_privacy_export_leaves_out_mentions_in_held_posts(community, topic, caregiver, patient):
    from carecircle.privacy.privacy_export import mentions

    seen = actions.reply_to_topic(actor=caregiver, topic=topic, body="Thanks @patient")
    hidden = actions.reply_to_topic(actor=caregiver, topic=topic, body="Again @patient")
    actions.hide_post(hidden)
    _premoderate(community)
    held = actions.create_topic(
        actor=caregiver,
        community=Community.objects.get(pk=community.pk),
        title="Secret pending title",
        body="Hello @patient",
    )
    assert held.moderation_state == "pending"
    assert [row["post_id"] for row in mentions(patient)] == [seen.pk]


def test_a_hidden_accepted_answer_is_not_announced_to_readers(question, patient, moderator):
    reply = question.posts.get(position=2)
    actions.accept_answer(actor=patient, topic=question, post=reply)
    actions.hide_post(Post.objects.get(pk=reply.pk))
    url = Topic.objects.get(pk=question.pk).get_absolute_url()
    assert "Accepted answer by" not in Client().get(url).content.decode()
    assert "Accepted answer by" in client_for(moderator).get(url).content.decode()
