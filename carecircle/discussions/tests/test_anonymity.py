"""Anonymous posting: stable per-topic aliases, no leaks, and audited re-identification."""

from __future__ import annotations

import pytest
from django.core import mail

from carecircle.communities.models import Community, Membership
from carecircle.core.errors import PermissionDeniedError, ValidationFailed
from carecircle.core.factories import UserFactory, make_member
from carecircle.core.models import AuditEvent
from carecircle.discussions import actions
from carecircle.discussions.models import Post, PostRevision, Topic, TopicAlias
from carecircle.discussions.tests.helpers import db_state
from conftest import client_for

pytestmark = pytest.mark.django_db

SECRET_BODY = "I have not told my family about my diagnosis yet."


@pytest.fixture
def open_community(community: Community) -> Community:
    community.allow_anonymous_posts = True
    community.save(update_fields=["allow_anonymous_posts"])
    return community


@pytest.fixture
def community_manager(open_community: Community):
    user = UserFactory(display_name="Cara the community manager", handle="cmanager")
    make_member(open_community, user, Membership.Role.MANAGER)
    return user


@pytest.fixture
def anonymous_topic(open_community, patient) -> Topic:
    return actions.create_topic(
        actor=patient,
        community=open_community,
        title="Keeping a diagnosis private",
        body=SECRET_BODY,
        is_question=True,
        is_anonymous=True,
    )


def test_a_community_that_does_not_allow_it_refuses_and_nothing_is_written(community, patient):
    before = db_state()
    with pytest.raises(PermissionDeniedError) as raised:
        actions.create_topic(
            actor=patient, community=community, title="A title here", body="Body", is_anonymous=True
        )
    assert raised.value.code == "anonymous_not_allowed"
    assert db_state() == before
    assert TopicAlias.objects.count() == 0


def test_an_anonymous_topic_stores_no_author_only_the_alias(anonymous_topic, patient):
    post = Post.objects.get(topic=anonymous_topic, position=1)
    assert (anonymous_topic.author_id, anonymous_topic.last_poster_id, post.author_id) == (
        None,
        None,
        None,
    )
    alias = TopicAlias.objects.get(topic=anonymous_topic)
    assert (alias.user_id, alias.number, alias.label) == (patient.pk, 1, "Anonymous member 1")
    assert post.alias_id == alias.pk
    assert anonymous_topic.author_alias_id == alias.pk


def test_aliases_are_stable_per_member_and_topic(anonymous_topic, patient, caregiver):
    actions.reply_to_topic(actor=caregiver, topic=anonymous_topic, body="Hugs.", is_anonymous=True)
    actions.reply_to_topic(actor=patient, topic=anonymous_topic, body="Thanks.", is_anonymous=True)
    actions.reply_to_topic(
        actor=caregiver, topic=anonymous_topic, body="Any time.", is_anonymous=True
    )
    labels = [
        post.alias.label
        for post in Post.objects.filter(topic=anonymous_topic).select_related("alias")
    ]
    assert labels == [
        "Anonymous member 1",
        "Anonymous member 2",
        "Anonymous member 1",
        "Anonymous member 2",
    ]


@pytest.mark.parametrize("viewer", ["visitor", "caregiver", "moderator", "manager"])
def test_nobody_sees_who_wrote_it_on_pages_or_api(request, anonymous_topic, patient, viewer):
    actions.reply_to_topic(
        actor=patient, topic=anonymous_topic, body="Still here.", is_anonymous=True
    )
    user = None if viewer == "visitor" else request.getfixturevalue(viewer)
    client = client_for(user)
    pages = [
        client.get(anonymous_topic.get_absolute_url()),
        client.get(anonymous_topic.community.get_absolute_url()),
        client.get(f"/api/v1/topics/{anonymous_topic.pk}"),
        client.get(f"/api/v1/topics/{anonymous_topic.pk}/posts"),
        client.get(f"/api/v1/communities/{anonymous_topic.community.slug}/topics"),
    ]
    for response in pages:
        assert response.status_code == 200
        text = response.content.decode()
        assert "Anonymous member 1" in text
        assert patient.display_name not in text
        assert f"@{patient.handle}" not in text
        assert f"/members/{patient.handle}/" not in text
    api_post = pages[3].json()["items"][0]
    assert (api_post["author"], api_post["anonymous_alias"]) == (None, "Anonymous member 1")


def test_the_author_edits_and_deletes_without_being_named(anonymous_topic, patient):
    post = actions.reply_to_topic(
        actor=patient, topic=anonymous_topic, body="First words.", is_anonymous=True
    )
    actions.edit_post(actor=patient, post=post, body="Better words.")
    assert PostRevision.objects.get(post=post).editor_id is None
    actions.delete_post(actor=patient, post=Post.objects.get(pk=post.pk))
    event = AuditEvent.objects.get(verb="post.delete")
    assert (event.actor_id, event.target_id) == (None, str(post.pk))


def test_another_member_cannot_edit_an_anonymous_post(anonymous_topic, caregiver):
    post = Post.objects.get(topic=anonymous_topic, position=1)
    before = db_state()
    with pytest.raises(PermissionDeniedError):
        actions.edit_post(actor=caregiver, post=post, body="Not mine.")
    assert db_state() == before


def test_the_anonymous_asker_can_accept_an_answer(anonymous_topic, patient, caregiver):
    answer = actions.reply_to_topic(actor=caregiver, topic=anonymous_topic, body="Try this.")
    topic = Topic.objects.select_related("author_alias").get(pk=anonymous_topic.pk)
    actions.accept_answer(actor=patient, topic=topic, post=answer)
    assert Topic.objects.get(pk=topic.pk).accepted_post_id == answer.pk


@pytest.mark.parametrize("who", ["moderator", "manager"])
def test_moderators_and_site_managers_cannot_reveal(request, anonymous_topic, who):
    actor = request.getfixturevalue(who)
    post = Post.objects.select_related("alias", "topic__community").get(
        topic=anonymous_topic, position=1
    )
    before = db_state()
    with pytest.raises(PermissionDeniedError):
        actions.reveal_anonymous_author(actor=actor, post=post, reason="I am just curious here.")
    response = client_for(actor).post(
        f"/api/v1/posts/{post.pk}/reveal-author",
        data={"reason": "I am just curious here."},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert db_state() == before
    assert mail.outbox == []


def test_a_community_manager_reveals_with_a_reason_audited_and_the_member_is_told(
    anonymous_topic, patient, community_manager, django_capture_on_commit_callbacks
):
    post = Post.objects.select_related("alias", "topic__community").get(
        topic=anonymous_topic, position=1
    )
    reason = "The member wrote about ending their life; we must reach them."
    with django_capture_on_commit_callbacks(execute=True):
        member = actions.reveal_anonymous_author(actor=community_manager, post=post, reason=reason)
    assert member == patient
    event = AuditEvent.objects.get(verb="post.reveal_anonymous_author")
    assert (event.actor_id, event.subject_id, event.target_id) == (
        community_manager.pk,
        patient.pk,
        str(post.pk),
    )
    assert event.data == {"reason": reason, "topic": anonymous_topic.pk, "alias": 1}
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [patient.email]
    assert reason in message.body
    assert SECRET_BODY not in message.body


def test_a_reveal_needs_a_real_reason(anonymous_topic, community_manager):
    post = Post.objects.select_related("alias", "topic__community").get(
        topic=anonymous_topic, position=1
    )
    before = db_state()
    with pytest.raises(ValidationFailed) as raised:
        actions.reveal_anonymous_author(actor=community_manager, post=post, reason="why")
    assert raised.value.field == "reason"
    assert db_state() == before


def test_reveal_page_shows_the_name_only_after_the_reason_and_is_not_cached(
    anonymous_topic, patient, community_manager
):
    post = Post.objects.get(topic=anonymous_topic, position=1)
    client = client_for(community_manager)
    page = client.get(anonymous_topic.get_absolute_url())
    assert f"/p/{post.pk}/reveal-author/" in page.content.decode()
    form = client.get(f"/p/{post.pk}/reveal-author/")
    assert form.status_code == 200
    assert patient.display_name not in form.content.decode()
    short = client.post(f"/p/{post.pk}/reveal-author/", {"reason": "hm"})
    assert short.status_code == 400
    assert "at least 10 characters" in short.content.decode()
    done = client.post(
        f"/p/{post.pk}/reveal-author/", {"reason": "A court order, reference 2026/114."}
    )
    assert done.status_code == 200
    assert f"{patient.display_name} (@{patient.handle})" in done.content.decode()
    assert done["Cache-Control"] == "no-store"


def test_the_api_reveal_for_a_site_admin(anonymous_topic, patient):
    admin = UserFactory(handle="admin", is_site_admin=True)
    post = Post.objects.get(topic=anonymous_topic, position=1)
    response = client_for(admin).post(
        f"/api/v1/posts/{post.pk}/reveal-author",
        data={"reason": "Police request with a warrant number."},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["author"]["handle"] == patient.handle


def test_the_post_form_offers_anonymity_only_where_allowed(community, patient):
    page = client_for(patient).get(f"/c/{community.slug}/new-topic/")
    assert 'name="voice" id="voice-anonymous"' not in page.content.decode()
    community.allow_anonymous_posts = True
    community.save(update_fields=["allow_anonymous_posts"])
    page = client_for(patient).get(f"/c/{community.slug}/new-topic/")
    assert 'name="voice" id="voice-anonymous" value="anonymous"' in page.content.decode()
    response = client_for(patient).post(
        f"/c/{community.slug}/new-topic/",
        {"title": "Posting without my name", "body": "Hello all.", "voice": "anonymous"},
    )
    assert response.status_code == 302
    topic = Topic.objects.get(title="Posting without my name")
    assert topic.author_id is None
    assert topic.author_alias.user_id == patient.pk
