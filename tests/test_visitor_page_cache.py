"""The shared visitor copy of a topic page is never stale and never shown to the wrong person."""

from __future__ import annotations

import pytest
from django.test import Client

from carecircle.communities.models import Community
from carecircle.discussions import actions
from carecircle.discussions.models import Post

pytestmark = pytest.mark.django_db


def test_visitor_page_changes_after_every_kind_of_change(topic, patient, caregiver, moderator):
    visitor = Client()
    url = topic.get_absolute_url()
    assert b"Anyone else?" in visitor.get(url).content

    reply = actions.reply_to_topic(actor=caregiver, topic=topic, body="Same here, hang in there")
    assert b"Same here, hang in there" in visitor.get(url).content

    actions.edit_post(actor=caregiver, post=reply, body="Edited: it gets better")
    page = visitor.get(url).content
    assert b"Edited: it gets better" in page
    assert b"Same here, hang in there" not in page

    actions.toggle_reaction(actor=patient, post=reply, kind="hug")
    assert b"Hug \xc2\xb7 1" in visitor.get(url).content

    actions.set_topic_locked(actor=moderator, topic=topic, is_locked=True)
    assert b"This topic is locked" in visitor.get(url).content

    actions.delete_post(actor=caregiver, post=Post.objects.get(pk=reply.pk))
    page = visitor.get(url).content
    assert b"Edited: it gets better" not in page
    assert b"This post was deleted." in page


def test_visitor_copy_is_not_served_once_the_community_turns_members_only(topic):
    visitor = Client()
    url = topic.get_absolute_url()
    assert visitor.get(url).status_code == 200
    Community.objects.filter(pk=topic.community_id).update(visibility=Community.Visibility.MEMBERS)
    response = visitor.get(url)
    assert response.status_code == 404
    assert b"Anyone else?" not in response.content


def test_members_never_get_the_visitor_copy(topic, patient):
    Client().get(topic.get_absolute_url())  # fills the visitor copy
    member = Client()
    member.force_login(patient)
    page = member.get(topic.get_absolute_url()).content.decode()
    assert 'name="csrfmiddlewaretoken"' in page
    assert "Your reply" in page
    assert "Sign out" in page


def test_visitor_page_carries_no_csrf_token_or_cookie(topic):
    response = Client().get(topic.get_absolute_url())
    assert b"csrfmiddlewaretoken" not in response.content
    assert b"X-CSRFToken" not in response.content
    assert "csrftoken" not in response.cookies
