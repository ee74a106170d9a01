"""Who may read, reply to, edit, delete, react to and answer, persona by persona."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from carecircle.accounts.models import User
from carecircle.core.errors import NotFoundError, PermissionDeniedError
from carecircle.core.factories import make_topic
from carecircle.discussions import permissions
from carecircle.discussions.models import Post, Topic

PERSONAS = ["visitor", "patient", "caregiver", "professional", "moderator", "manager", "outsider"]


@pytest.fixture
def actor(request: pytest.FixtureRequest):
    """The persona named by the test's `persona` parameter (visitor = signed out)."""
    name = request.node.callspec.params["persona"]
    if name == "visitor":
        return AnonymousUser()
    return request.getfixturevalue(name)


def first_post(topic: Topic) -> Post:
    return Post.objects.select_related("topic__community").get(topic=topic, position=1)


def fresh(topic: Topic) -> Topic:
    """A freshly loaded topic, so no membership lookups are cached on it."""
    return Topic.objects.select_related("community").get(pk=topic.pk)


@pytest.mark.parametrize(
    ("persona", "public", "private", "hidden"),
    [
        ("visitor", True, False, False),
        ("patient", True, True, True),
        ("caregiver", True, False, False),
        ("professional", True, False, False),
        ("moderator", True, False, False),
        ("manager", True, True, True),
        ("outsider", True, False, False),
    ],
)
def test_who_reads_topics(
    actor, topic, private_topic, hidden_community, patient, persona, public, private, hidden
):
    hidden_topic = make_topic(hidden_community, patient, title="Hidden talk")
    assert permissions.can_read_topic(actor, fresh(topic)) is public
    assert permissions.can_read_topic(actor, fresh(private_topic)) is private
    assert permissions.can_read_topic(actor, fresh(hidden_topic)) is hidden


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("visitor", False),
        ("patient", False),
        ("caregiver", False),
        ("outsider", False),
        ("moderator", True),
        ("manager", True),
    ],
)
def test_only_moderators_read_a_deleted_topic(actor, topic, persona, expected):
    Topic.objects.filter(pk=topic.pk).update(is_deleted=True)
    assert permissions.can_read_topic(actor, fresh(topic)) is expected
    assert permissions.can_see_deleted(actor, fresh(topic)) is expected


@pytest.mark.parametrize(
    ("persona", "open_topic", "locked_topic"),
    [
        ("visitor", False, False),
        ("patient", True, False),
        ("caregiver", True, False),
        ("professional", False, False),
        ("outsider", False, False),
        ("moderator", True, True),
        ("manager", True, True),
    ],
)
def test_who_replies(actor, topic, persona, open_topic, locked_topic):
    assert permissions.can_reply(actor, fresh(topic)) is open_topic
    Topic.objects.filter(pk=topic.pk).update(is_locked=True)
    assert permissions.can_reply(actor, fresh(topic)) is locked_topic


@pytest.mark.parametrize("persona", PERSONAS)
def test_nobody_replies_to_a_deleted_topic(actor, topic, persona):
    Topic.objects.filter(pk=topic.pk).update(is_deleted=True)
    assert permissions.can_reply(actor, fresh(topic)) is False


@pytest.mark.parametrize(
    ("persona", "edit", "delete", "react"),
    [
        ("visitor", False, False, False),
        ("patient", True, True, True),
        ("caregiver", False, False, True),
        ("professional", False, False, False),
        ("outsider", False, False, False),
        ("moderator", True, True, True),
        ("manager", True, True, True),
    ],
)
def test_who_edits_deletes_and_reacts_to_the_patients_post(
    actor, topic, persona, edit, delete, react
):
    post = first_post(topic)
    assert permissions.can_edit_post(actor, post) is edit
    assert permissions.can_delete_post(actor, post) is delete
    assert permissions.can_react(actor, post) is react


@pytest.mark.parametrize("persona", PERSONAS)
def test_nobody_edits_deletes_or_reacts_to_a_deleted_post(actor, topic, persona):
    Post.objects.filter(topic=topic).update(is_deleted=True)
    post = first_post(topic)
    assert permissions.can_edit_post(actor, post) is False
    assert permissions.can_delete_post(actor, post) is False
    assert permissions.can_react(actor, post) is False


def test_in_a_locked_topic_the_author_still_deletes_but_no_longer_edits(topic, patient):
    Topic.objects.filter(pk=topic.pk).update(is_locked=True)
    post = first_post(topic)
    assert permissions.can_edit_post(patient, post) is False
    assert permissions.can_delete_post(patient, post) is True


def test_a_deactivated_author_can_neither_edit_nor_delete(topic, patient):
    User.objects.filter(pk=patient.pk).update(is_active=False)
    patient.refresh_from_db()
    post = first_post(topic)
    assert permissions.can_edit_post(patient, post) is False
    assert permissions.can_delete_post(patient, post) is False
    assert permissions.can_react(patient, post) is False


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("visitor", False),
        ("patient", True),
        ("caregiver", False),
        ("outsider", False),
        ("moderator", True),
        ("manager", True),
    ],
)
def test_who_accepts_an_answer(actor, question, persona, expected):
    assert permissions.can_accept_answer(actor, fresh(question)) is expected


@pytest.mark.parametrize("persona", PERSONAS)
def test_nobody_accepts_an_answer_in_a_discussion_topic(actor, topic, persona):
    assert permissions.can_accept_answer(actor, fresh(topic)) is False


def test_check_can_read_topic_hides_that_the_topic_exists(private_topic, caregiver):
    with pytest.raises(NotFoundError) as caught:
        permissions.check_can_read_topic(caregiver, fresh(private_topic))
    assert caught.value.code == "not_found"
    assert str(caught.value.message) == "Topic not found."
    assert caught.value.status == 404


@pytest.mark.parametrize(
    ("persona", "code", "message"),
    [
        ("visitor", "not_authenticated", "Please sign in to reply."),
        ("outsider", "not_member", "Join this community to reply."),
    ],
)
def test_check_can_reply_explains_why(actor, topic, persona, code, message):
    with pytest.raises(PermissionDeniedError) as caught:
        permissions.check_can_reply(actor, fresh(topic))
    assert (caught.value.code, str(caught.value.message), caught.value.status) == (
        code,
        message,
        403,
    )


def test_check_can_reply_names_a_locked_topic(topic, caregiver):
    Topic.objects.filter(pk=topic.pk).update(is_locked=True)
    with pytest.raises(PermissionDeniedError) as caught:
        permissions.check_can_reply(caregiver, fresh(topic))
    assert caught.value.code == "topic_locked"


def test_check_can_accept_answer_names_a_discussion_topic(topic, patient):
    with pytest.raises(PermissionDeniedError) as caught:
        permissions.check_can_accept_answer(patient, fresh(topic))
    assert caught.value.code == "not_question"
    assert str(caught.value.message) == "Only question topics have accepted answers."


def test_checks_pass_silently_when_allowed(question, patient):
    topic = fresh(question)
    post = first_post(question)
    assert permissions.check_can_read_topic(patient, topic) is None
    assert permissions.check_can_reply(patient, topic) is None
    assert permissions.check_can_edit_post(patient, post) is None
    assert permissions.check_can_delete_post(patient, post) is None
    assert permissions.check_can_react(patient, post) is None
    assert permissions.check_can_accept_answer(patient, topic) is None
