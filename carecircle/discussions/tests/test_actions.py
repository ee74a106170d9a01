"""Every write to topics, posts, reactions and drafts, through the actions."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, transaction

from carecircle.communities.models import Community
from carecircle.core.errors import PermissionDeniedError, RateLimitedError, ValidationFailed
from carecircle.core.factories import make_topic
from carecircle.core.models import AuditEvent
from carecircle.discussions import actions
from carecircle.discussions.models import Draft, Mention, Post, PostRevision, Reaction, Topic
from carecircle.discussions.tests.helpers import away_from_window_edge, db_state

VISITOR = AnonymousUser()


def counters(community: Community) -> tuple[int, int]:
    community.refresh_from_db()
    return community.topic_count, community.post_count


def first_post(topic: Topic) -> Post:
    return Post.objects.get(topic=topic, position=1)


def audit_verbs() -> list[tuple[str, str, str]]:
    return list(AuditEvent.objects.order_by("pk").values_list("verb", "target_type", "target_id"))


# --- create_topic ------------------------------------------------------------------------------


def test_member_starts_a_topic_with_its_first_post_and_counters(community, patient):
    topic = actions.create_topic(
        actor=patient,
        community=community,
        title="  Tired   after\n starting metformin ",
        body="Is this **normal**?",
    )

    topic.refresh_from_db()
    assert topic.title == "Tired after starting metformin"
    assert topic.community_id == community.pk
    assert topic.author_id == patient.pk
    assert topic.last_poster_id == patient.pk
    assert topic.is_question is False
    assert topic.reply_count == 0
    assert (topic.is_pinned, topic.is_locked, topic.is_deleted) == (False, False, False)
    post = first_post(topic)
    assert post.author_id == patient.pk
    assert post.body == "Is this **normal**?"
    assert post.body_html == "<p>Is this <strong>normal</strong>?</p>\n"
    assert Post.objects.filter(topic=topic).count() == 1
    assert counters(community) == (1, 1)
    assert community.last_activity_at == topic.last_posted_at


def test_question_topic_is_marked_as_a_question(community, caregiver):
    topic = actions.create_topic(
        actor=caregiver,
        community=community,
        title="Which meter?",
        body="Big digits please",
        is_question=True,
    )
    assert Topic.objects.get(pk=topic.pk).is_question is True


@pytest.mark.parametrize("persona", ["outsider", "professional"])
def test_non_member_cannot_start_a_topic(request, community, persona):
    actor = request.getfixturevalue(persona)
    before = db_state()

    with pytest.raises(PermissionDeniedError) as caught:
        actions.create_topic(actor=actor, community=community, title="Hello all", body="Hi!")

    assert caught.value.code == "not_member"
    assert str(caught.value.message) == "Join this community to start a topic."
    assert db_state() == before


def test_visitor_cannot_start_a_topic(community):
    before = db_state()
    with pytest.raises(PermissionDeniedError) as caught:
        actions.create_topic(actor=VISITOR, community=community, title="Hello all", body="Hi!")
    assert caught.value.code == "not_member"
    assert db_state() == before


def test_member_of_another_community_cannot_post_in_a_private_one(private_community, caregiver):
    before = db_state()
    with pytest.raises(PermissionDeniedError):
        actions.create_topic(
            actor=caregiver, community=private_community, title="Hello all", body="Hi!"
        )
    assert db_state() == before


def test_members_cannot_start_topics_in_an_announcements_community(announcements, patient):
    before = db_state()

    with pytest.raises(PermissionDeniedError) as caught:
        actions.create_topic(actor=patient, community=announcements, title="My news", body="Hi!")

    assert caught.value.code == "announcements_only"
    assert str(caught.value.message) == (
        "Only moderators can start topics in an announcements community."
    )
    assert db_state() == before


@pytest.mark.parametrize("persona", ["moderator", "manager"])
def test_moderators_start_topics_in_an_announcements_community(request, announcements, persona):
    actor = request.getfixturevalue(persona)
    topic = actions.create_topic(
        actor=actor, community=announcements, title="Clinic hours change", body="From May."
    )
    assert Topic.objects.get(pk=topic.pk).community_id == announcements.pk
    assert counters(announcements) == (1, 1)


@pytest.mark.parametrize(
    ("title", "body", "field", "message"),
    [
        ("Hi", "A good body", "title", "Please give your topic a title of at least 5 characters."),
        (
            "   \n ",
            "A good body",
            "title",
            "Please give your topic a title of at least 5 characters.",
        ),
        ("x" * 201, "A good body", "title", "Titles can be at most 200 characters."),
        ("A fine title", "", "body", "Please write a message."),
        ("A fine title", "  x \n", "body", "Please write a message."),
        (
            "A fine title",
            "y" * 30001,
            "body",
            "Messages can be at most 30000 characters; yours has 30001.",
        ),
    ],
)
def test_topic_title_and_body_are_validated(community, patient, title, body, field, message):
    before = db_state()

    with pytest.raises(ValidationFailed) as caught:
        actions.create_topic(actor=patient, community=community, title=title, body=body)

    assert caught.value.field == field
    assert str(caught.value.message) == message
    assert caught.value.code == "invalid"
    assert db_state() == before


def test_titles_and_bodies_at_the_limits_are_accepted(community, patient):
    topic = actions.create_topic(
        actor=patient, community=community, title="x" * 200, body="y" * 30000
    )
    assert len(Topic.objects.get(pk=topic.pk).title) == 200
    assert len(first_post(topic).body) == 30000
    short = actions.create_topic(actor=patient, community=community, title="Hello", body="ok")
    assert Topic.objects.get(pk=short.pk).title == "Hello"
    assert first_post(short).body == "ok"


def test_mentions_are_recorded_for_existing_members_only_ignoring_case(
    community, patient, caregiver, professional
):
    topic = actions.create_topic(
        actor=patient,
        community=community,
        title="Thank you all",
        body="Thanks @Caregiver and @PROFESSIONAL, also @nobody-here and @patient (me).",
    )

    post = first_post(topic)
    mentioned = set(Mention.objects.filter(post=post).values_list("user__handle", flat=True))
    assert mentioned == {"caregiver", "professional"}
    assert Mention.objects.count() == 2
    assert (
        '<a class="mention" href="/members/caregiver/" rel="nofollow ugc noopener">@Caregiver</a>'
        in post.body_html
    )
    assert (
        '<a class="mention" href="/members/professional/" rel="nofollow ugc noopener">'
        "@PROFESSIONAL</a>" in post.body_html
    )
    assert "also @nobody-here and" in post.body_html


@pytest.mark.parametrize("text", ["Thanks @caregiver.", "(cc @caregiver)", "@caregiver, hi!"])
def test_a_mention_next_to_punctuation_is_recorded(community, patient, caregiver, text):
    topic = actions.create_topic(actor=patient, community=community, title="Thanks", body=text)
    assert list(Mention.objects.values_list("post_id", "user_id")) == [
        (first_post(topic).pk, caregiver.pk)
    ]
    assert '<a class="mention" href="/members/caregiver/"' in first_post(topic).body_html


def test_mentioning_the_same_member_twice_records_one_mention(community, patient, caregiver):
    topic = actions.create_topic(
        actor=patient, community=community, title="Thank you", body="@caregiver @CAREGIVER hi"
    )
    assert list(Mention.objects.values_list("post_id", "user_id")) == [
        (first_post(topic).pk, caregiver.pk)
    ]


def test_starting_a_topic_removes_its_draft_only(community, other_community, patient, caregiver):
    Draft.objects.create(user=patient, key=f"topic:{community.pk}", title="Half", body="typed")
    Draft.objects.create(user=patient, key=f"topic:{other_community.pk}", body="other")
    Draft.objects.create(user=caregiver, key=f"topic:{community.pk}", body="not mine")

    actions.create_topic(actor=patient, community=community, title="Finished", body="typed")

    assert sorted(Draft.objects.values_list("user__handle", "key")) == [
        ("caregiver", f"topic:{community.pk}"),
        ("patient", f"topic:{other_community.pk}"),
    ]


# --- reply_to_topic ----------------------------------------------------------------------------


@pytest.fixture
def live_topic(community, patient):
    """A topic started through the action, so community counters are real."""
    return actions.create_topic(
        actor=patient, community=community, title="Tired after metformin", body="Anyone else?"
    )


def test_replies_take_the_next_positions_and_update_counters(
    live_topic, community, caregiver, patient
):
    first = actions.reply_to_topic(actor=caregiver, topic=live_topic, body="Yes, me too.")
    second = actions.reply_to_topic(actor=patient, topic=live_topic, body="Thanks!")

    assert (first.position, second.position) == (2, 3)
    assert first.body_html == "<p>Yes, me too.</p>\n"
    live_topic.refresh_from_db()
    assert live_topic.reply_count == 2
    assert live_topic.last_poster_id == patient.pk
    assert first.created_at < live_topic.last_posted_at <= second.created_at
    assert counters(community) == (1, 3)
    assert community.last_activity_at == live_topic.last_posted_at
    assert list(Post.objects.filter(topic=live_topic).values_list("position", flat=True)) == [
        1,
        2,
        3,
    ]


def test_reply_to_keeps_a_post_of_the_same_topic_and_drops_a_foreign_one(
    live_topic, community, patient, caregiver
):
    other = make_topic(community, patient, title="Other topic")
    foreign = first_post(other)
    own = first_post(live_topic)

    kept = actions.reply_to_topic(actor=caregiver, topic=live_topic, body="Agreed", reply_to=own)
    dropped = actions.reply_to_topic(
        actor=caregiver, topic=live_topic, body="Agreed", reply_to=foreign
    )

    assert Post.objects.get(pk=kept.pk).reply_to_id == own.pk
    assert Post.objects.get(pk=dropped.pk).reply_to_id is None


def test_a_reply_removes_the_reply_draft(live_topic, caregiver):
    Draft.objects.create(user=caregiver, key=f"reply:{live_topic.pk}", body="typed")
    Draft.objects.create(user=caregiver, key="reply:999999", body="elsewhere")

    actions.reply_to_topic(actor=caregiver, topic=live_topic, body="typed")

    assert list(Draft.objects.values_list("key", flat=True)) == ["reply:999999"]


def test_a_reply_records_mentions(live_topic, caregiver, patient):
    post = actions.reply_to_topic(actor=caregiver, topic=live_topic, body="@Patient see this")
    assert list(Mention.objects.values_list("post_id", "user_id")) == [(post.pk, patient.pk)]


def test_members_cannot_reply_to_a_locked_topic(live_topic, caregiver):
    Topic.objects.filter(pk=live_topic.pk).update(is_locked=True)
    live_topic.refresh_from_db()
    before = db_state()

    with pytest.raises(PermissionDeniedError) as caught:
        actions.reply_to_topic(actor=caregiver, topic=live_topic, body="Let me in")

    assert caught.value.code == "topic_locked"
    assert str(caught.value.message) == "This topic is locked. No new replies can be added."
    assert db_state() == before


def test_moderators_can_reply_to_a_locked_topic(live_topic, community, moderator):
    Topic.objects.filter(pk=live_topic.pk).update(is_locked=True)
    live_topic.refresh_from_db()

    post = actions.reply_to_topic(actor=moderator, topic=live_topic, body="Locked for now.")

    assert post.position == 2
    assert Topic.objects.get(pk=live_topic.pk).reply_count == 1
    assert counters(community) == (1, 2)


def test_non_members_cannot_reply(live_topic, outsider):
    before = db_state()
    with pytest.raises(PermissionDeniedError) as caught:
        actions.reply_to_topic(actor=outsider, topic=live_topic, body="Drive-by")
    assert caught.value.code == "not_member"
    assert str(caught.value.message) == "Join this community to reply."
    assert db_state() == before


def test_visitors_cannot_reply(live_topic):
    before = db_state()
    with pytest.raises(PermissionDeniedError) as caught:
        actions.reply_to_topic(actor=VISITOR, topic=live_topic, body="Drive-by")
    assert caught.value.code == "not_authenticated"
    assert str(caught.value.message) == "Please sign in to reply."
    assert db_state() == before


def test_nobody_replies_to_a_deleted_topic(live_topic, caregiver, moderator):
    Topic.objects.filter(pk=live_topic.pk).update(is_deleted=True)
    live_topic.refresh_from_db()
    before = db_state()
    for actor in (caregiver, moderator):
        with pytest.raises(PermissionDeniedError):
            actions.reply_to_topic(actor=actor, topic=live_topic, body="Hello?")
    assert db_state() == before


def test_members_of_other_communities_cannot_reply_in_a_private_one(private_topic, caregiver):
    before = db_state()
    with pytest.raises(PermissionDeniedError):
        actions.reply_to_topic(actor=caregiver, topic=private_topic, body="Hello")
    assert db_state() == before


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "Please write a message."),
        ("z" * 30001, "Messages can be at most 30000 characters; yours has 30001."),
    ],
)
def test_reply_body_is_validated(live_topic, caregiver, body, message):
    before = db_state()
    with pytest.raises(ValidationFailed) as caught:
        actions.reply_to_topic(actor=caregiver, topic=live_topic, body=body)
    assert (caught.value.field, str(caught.value.message)) == ("body", message)
    assert db_state() == before


# --- edit_post ---------------------------------------------------------------------------------


def test_author_edit_keeps_the_previous_text_as_a_revision(topic, patient):
    post = first_post(topic)
    reply = actions.reply_to_topic(actor=patient, topic=topic, body="First words")

    actions.edit_post(actor=patient, post=reply, body="Second words", reason="typo")
    actions.edit_post(actor=patient, post=reply, body="Third words")

    reply.refresh_from_db()
    assert reply.body == "Third words"
    assert reply.body_html == "<p>Third words</p>\n"
    assert reply.edit_count == 2
    assert reply.edited_at is not None
    revisions = list(
        PostRevision.objects.filter(post=reply).values_list(
            "number", "body", "title", "reason", "editor_id"
        )
    )
    assert revisions == [
        (2, "Second words", "", "", patient.pk),
        (1, "First words", "", "typo", patient.pk),
    ]
    assert first_post(topic).edit_count == 0 == post.edit_count
    assert AuditEvent.objects.count() == 0


def test_editing_the_first_post_changes_the_topic_title(topic, patient):
    post = first_post(topic)

    actions.edit_post(actor=patient, post=post, body="Anyone else? Day 3 now.", title="Tired  now")

    topic.refresh_from_db()
    assert topic.title == "Tired now"
    revision = PostRevision.objects.get(post=post)
    assert (revision.number, revision.title, revision.body) == (
        1,
        "Tired after metformin",
        "Anyone else?",
    )


def test_changing_only_the_title_is_an_edit_too(topic, patient):
    post = first_post(topic)
    actions.edit_post(actor=patient, post=post, body="Anyone else?", title="Tired on metformin")
    topic.refresh_from_db()
    post.refresh_from_db()
    assert topic.title == "Tired on metformin"
    assert post.edit_count == 1
    assert list(PostRevision.objects.values_list("title", "body")) == [
        ("Tired after metformin", "Anyone else?")
    ]


def test_a_title_given_for_a_reply_is_ignored(topic, patient, caregiver):
    reply = actions.reply_to_topic(actor=caregiver, topic=topic, body="Me too")
    actions.edit_post(actor=caregiver, post=reply, body="Me too, since May", title="Hijacked!")
    topic.refresh_from_db()
    assert topic.title == "Tired after metformin"
    assert PostRevision.objects.get(post=reply).title == ""


def test_an_edit_without_changes_records_nothing(topic, patient):
    before = db_state()
    actions.edit_post(actor=patient, post=first_post(topic), body="Anyone else?")
    assert db_state() == before


@pytest.mark.parametrize("persona", ["caregiver", "outsider"])
def test_others_cannot_edit_a_post(request, topic, persona):
    actor = request.getfixturevalue(persona)
    before = db_state()

    with pytest.raises(PermissionDeniedError) as caught:
        actions.edit_post(actor=actor, post=first_post(topic), body="Vandalised", title="Bad")

    assert caught.value.code == "not_author"
    assert str(caught.value.message) == "You can only edit your own posts."
    assert db_state() == before


def test_visitors_cannot_edit_a_post(topic):
    before = db_state()
    with pytest.raises(PermissionDeniedError):
        actions.edit_post(actor=VISITOR, post=first_post(topic), body="Vandalised")
    assert db_state() == before


def test_moderator_edit_is_recorded_in_the_audit_log(topic, moderator):
    post = first_post(topic)

    actions.edit_post(
        actor=moderator, post=post, body="Anyone else? [phone removed]", reason="Personal details"
    )

    post.refresh_from_db()
    assert post.body == "Anyone else? [phone removed]"
    assert post.edit_count == 1
    revision = PostRevision.objects.get(post=post)
    assert (revision.editor_id, revision.reason) == (moderator.pk, "Personal details")
    event = AuditEvent.objects.get()
    assert event.actor_id == moderator.pk
    assert event.verb == "post.edit_by_moderator"
    assert (event.target_type, event.target_id) == ("discussions.post", str(post.pk))
    assert event.data == {"reason": "Personal details"}


def test_authors_cannot_edit_in_a_locked_topic_but_moderators_can(topic, patient, moderator):
    Topic.objects.filter(pk=topic.pk).update(is_locked=True)
    post = Post.objects.select_related("topic").get(topic=topic, position=1)
    before = db_state()

    with pytest.raises(PermissionDeniedError):
        actions.edit_post(actor=patient, post=post, body="Changed my mind")
    assert db_state() == before

    actions.edit_post(actor=moderator, post=post, body="Moderated text")
    assert Post.objects.get(pk=post.pk).body == "Moderated text"


def test_a_deleted_post_cannot_be_edited(topic, patient):
    post = first_post(topic)
    Post.objects.filter(pk=post.pk).update(is_deleted=True)
    post.refresh_from_db()
    before = db_state()
    with pytest.raises(PermissionDeniedError):
        actions.edit_post(actor=patient, post=post, body="Back again")
    assert db_state() == before


@pytest.mark.parametrize(
    ("body", "title", "field"),
    [("", None, "body"), ("Fine body", "Hey", "title")],
)
def test_edits_are_validated(topic, patient, body, title, field):
    before = db_state()
    with pytest.raises(ValidationFailed) as caught:
        actions.edit_post(actor=patient, post=first_post(topic), body=body, title=title)
    assert caught.value.field == field
    assert db_state() == before


def test_an_edit_updates_the_mentions(topic, patient, caregiver, professional):
    post = first_post(topic)
    actions.edit_post(actor=patient, post=post, body="Asking @caregiver")
    assert list(Mention.objects.values_list("user_id", flat=True)) == [caregiver.pk]

    actions.edit_post(actor=patient, post=post, body="Asking @professional instead")

    assert list(Mention.objects.values_list("user_id", flat=True)) == [professional.pk]


# --- delete_post and restore_post --------------------------------------------------------------


def test_author_deletes_a_reply_softly(live_topic, community, caregiver):
    reply = actions.reply_to_topic(actor=caregiver, topic=live_topic, body="Oops")

    actions.delete_post(actor=caregiver, post=reply)

    reply.refresh_from_db()
    assert reply.is_deleted is True
    assert reply.deleted_by_id == caregiver.pk
    assert reply.deleted_at is not None
    assert reply.body == "Oops"
    assert Post.objects.filter(topic=live_topic).count() == 2
    assert Topic.objects.get(pk=live_topic.pk).is_deleted is False
    assert counters(community) == (1, 2)
    assert audit_verbs() == [("post.delete", "discussions.post", str(reply.pk))]


def test_deleting_the_first_post_deletes_the_topic(live_topic, community, patient):
    actions.delete_post(actor=patient, post=first_post(live_topic))

    live_topic.refresh_from_db()
    assert live_topic.is_deleted is True
    assert first_post(live_topic).is_deleted is True
    assert counters(community) == (0, 1)


def test_moderator_deletion_is_audited_as_such(live_topic, moderator):
    post = first_post(live_topic)
    actions.delete_post(actor=moderator, post=post)
    event = AuditEvent.objects.get()
    assert (event.verb, event.actor_id, event.target_id) == (
        "post.delete_by_moderator",
        moderator.pk,
        str(post.pk),
    )


def test_deleting_the_accepted_answer_clears_it(question, patient):
    answer = Post.objects.get(topic=question, position=2)
    actions.accept_answer(actor=patient, topic=question, post=answer)

    actions.delete_post(actor=patient, post=Post.objects.select_related("topic").get(pk=answer.pk))

    assert Topic.objects.get(pk=question.pk).accepted_post_id is None


@pytest.mark.parametrize("persona", ["caregiver", "outsider"])
def test_others_cannot_delete_a_post(request, live_topic, persona):
    actor = request.getfixturevalue(persona)
    before = db_state()
    with pytest.raises(PermissionDeniedError) as caught:
        actions.delete_post(actor=actor, post=first_post(live_topic))
    assert caught.value.code == "not_author"
    assert str(caught.value.message) == "You can only delete your own posts."
    assert db_state() == before


def test_a_deleted_post_cannot_be_deleted_again(live_topic, community, patient):
    actions.delete_post(actor=patient, post=first_post(live_topic))
    before = db_state()
    with pytest.raises(PermissionDeniedError):
        actions.delete_post(actor=patient, post=first_post(live_topic))
    assert db_state() == before
    assert counters(community) == (0, 1)


def test_moderator_restores_a_deleted_topic(live_topic, community, patient, moderator):
    post = first_post(live_topic)
    actions.delete_post(actor=patient, post=post)

    actions.restore_post(actor=moderator, post=first_post(live_topic))

    post.refresh_from_db()
    live_topic.refresh_from_db()
    assert (post.is_deleted, post.deleted_at, post.deleted_by_id) == (False, None, None)
    assert live_topic.is_deleted is False
    assert counters(community) == (1, 1)
    assert [verb for verb, _type, _id in audit_verbs()] == ["post.delete", "post.restore"]


def test_moderator_restores_a_reply(live_topic, caregiver, moderator):
    reply = actions.reply_to_topic(actor=caregiver, topic=live_topic, body="Oops")
    actions.delete_post(actor=caregiver, post=reply)

    actions.restore_post(actor=moderator, post=Post.objects.get(pk=reply.pk))

    assert Post.objects.get(pk=reply.pk).is_deleted is False
    assert Topic.objects.get(pk=live_topic.pk).is_deleted is False


@pytest.mark.parametrize("persona", ["patient", "caregiver"])
def test_only_moderators_restore(request, live_topic, patient, persona):
    actions.delete_post(actor=patient, post=first_post(live_topic))
    actor = request.getfixturevalue(persona)
    before = db_state()
    with pytest.raises(PermissionDeniedError) as caught:
        actions.restore_post(actor=actor, post=first_post(live_topic))
    assert caught.value.code == "not_moderator"
    assert db_state() == before


# --- reactions ---------------------------------------------------------------------------------


def test_toggling_a_reaction_adds_then_takes_it_back(topic, caregiver):
    post = first_post(topic)

    assert actions.toggle_reaction(actor=caregiver, post=post, kind="hug") is True
    assert post.reaction_counts == {"hug": 1}
    assert Post.objects.get(pk=post.pk).reaction_counts == {"hug": 1}
    assert list(Reaction.objects.values_list("user_id", "kind")) == [(caregiver.pk, "hug")]

    assert actions.toggle_reaction(actor=caregiver, post=post, kind="hug") is False
    assert Post.objects.get(pk=post.pk).reaction_counts == {}
    assert Reaction.objects.count() == 0


def test_reaction_counts_are_kept_exactly(topic, patient, caregiver, moderator):
    post = first_post(topic)
    for actor, kind in [
        (caregiver, "like"),
        (moderator, "like"),
        (patient, "like"),
        (caregiver, "hug"),
        (moderator, "helpful"),
        (caregiver, "same"),
    ]:
        actions.toggle_reaction(actor=actor, post=post, kind=kind)
    actions.toggle_reaction(actor=moderator, post=post, kind="like")
    actions.toggle_reaction(actor=caregiver, post=post, kind="same")

    assert Post.objects.get(pk=post.pk).reaction_counts == {"like": 2, "hug": 1, "helpful": 1}
    assert Reaction.objects.filter(post=post).count() == 4


def test_a_stale_post_object_does_not_corrupt_the_counts(topic, caregiver, moderator):
    stale = first_post(topic)
    actions.toggle_reaction(actor=caregiver, post=first_post(topic), kind="like")

    actions.toggle_reaction(actor=moderator, post=stale, kind="like")

    assert Post.objects.get(pk=stale.pk).reaction_counts == {"like": 2}


def test_the_database_allows_one_reaction_per_kind_per_member(topic, caregiver):
    post = first_post(topic)
    Reaction.objects.create(post=post, user=caregiver, kind="like")
    with pytest.raises(IntegrityError), transaction.atomic():
        Reaction.objects.create(post=post, user=caregiver, kind="like")
    assert Reaction.objects.count() == 1


def test_add_reaction_twice_counts_once_and_remove_twice_is_harmless(topic, caregiver):
    post = first_post(topic)

    actions.add_reaction(actor=caregiver, post=post, kind="helpful")
    actions.add_reaction(actor=caregiver, post=post, kind="helpful")
    assert Post.objects.get(pk=post.pk).reaction_counts == {"helpful": 1}
    assert Reaction.objects.count() == 1

    actions.remove_reaction(actor=caregiver, post=post, kind="helpful")
    actions.remove_reaction(actor=caregiver, post=post, kind="helpful")
    assert Post.objects.get(pk=post.pk).reaction_counts == {}
    assert Reaction.objects.count() == 0


@pytest.mark.parametrize("action", ["toggle_reaction", "add_reaction"])
def test_unknown_reaction_kinds_are_refused(topic, caregiver, action):
    before = db_state()
    with pytest.raises(ValidationFailed) as caught:
        getattr(actions, action)(actor=caregiver, post=first_post(topic), kind="angry")
    assert caught.value.field == "kind"
    assert str(caught.value.message) == "Please choose one of the reactions."
    assert db_state() == before


@pytest.mark.parametrize("action", ["toggle_reaction", "add_reaction", "remove_reaction"])
def test_non_members_and_visitors_cannot_react(topic, outsider, action):
    post = first_post(topic)
    Reaction.objects.create(post=post, user=outsider, kind="like")
    before = db_state()
    for actor in (outsider, VISITOR):
        with pytest.raises(PermissionDeniedError) as caught:
            getattr(actions, action)(actor=actor, post=post, kind="like")
        assert caught.value.code == "not_member"
        assert str(caught.value.message) == "Join this community to react."
    assert db_state() == before


def test_nobody_reacts_to_a_deleted_post(topic, caregiver):
    post = first_post(topic)
    Post.objects.filter(pk=post.pk).update(is_deleted=True)
    post.refresh_from_db()
    before = db_state()
    with pytest.raises(PermissionDeniedError):
        actions.toggle_reaction(actor=caregiver, post=post, kind="hug")
    assert db_state() == before


# --- pin, lock, move ---------------------------------------------------------------------------


def test_moderator_pins_and_unpins(topic, moderator):
    actions.set_topic_pinned(actor=moderator, topic=topic, is_pinned=True)
    assert Topic.objects.get(pk=topic.pk).is_pinned is True

    actions.set_topic_pinned(actor=moderator, topic=topic, is_pinned=False)
    assert Topic.objects.get(pk=topic.pk).is_pinned is False
    assert audit_verbs() == [
        ("topic.pin", "discussions.topic", str(topic.pk)),
        ("topic.unpin", "discussions.topic", str(topic.pk)),
    ]


def test_moderator_locks_and_unlocks(topic, moderator):
    actions.set_topic_locked(actor=moderator, topic=topic, is_locked=True)
    assert Topic.objects.get(pk=topic.pk).is_locked is True

    actions.set_topic_locked(actor=moderator, topic=topic, is_locked=False)
    assert Topic.objects.get(pk=topic.pk).is_locked is False
    assert [verb for verb, _type, _id in audit_verbs()] == ["topic.lock", "topic.unlock"]


def test_site_managers_moderate_every_community(topic, manager):
    actions.set_topic_pinned(actor=manager, topic=topic, is_pinned=True)
    actions.set_topic_locked(actor=manager, topic=topic, is_locked=True)
    topic.refresh_from_db()
    assert (topic.is_pinned, topic.is_locked) == (True, True)


@pytest.mark.parametrize("persona", ["patient", "caregiver", "outsider"])
@pytest.mark.parametrize(
    ("action", "argument"), [("set_topic_pinned", "is_pinned"), ("set_topic_locked", "is_locked")]
)
def test_only_moderators_pin_and_lock(request, topic, persona, action, argument):
    actor = request.getfixturevalue(persona)
    before = db_state()
    with pytest.raises(PermissionDeniedError) as caught:
        getattr(actions, action)(actor=actor, topic=topic, **{argument: True})
    assert caught.value.code == "not_moderator"
    assert str(caught.value.message) == "Only this community's moderators can do that."
    assert db_state() == before


def test_moving_a_topic_moves_its_counters(
    live_topic, community, other_community, caregiver, moderator
):
    actions.reply_to_topic(actor=caregiver, topic=live_topic, body="Me too")
    assert counters(community) == (1, 2)

    actions.move_topic(actor=moderator, topic=live_topic, destination=other_community)

    assert Topic.objects.get(pk=live_topic.pk).community_id == other_community.pk
    assert counters(community) == (0, 0)
    assert counters(other_community) == (1, 2)
    event = AuditEvent.objects.get()
    assert (event.verb, event.target_id) == ("topic.move", str(live_topic.pk))
    assert event.data == {"source": community.pk, "to": other_community.pk}


def test_moving_a_topic_with_a_deleted_reply_leaves_no_stray_counts(
    live_topic, community, other_community, caregiver, moderator
):
    reply = actions.reply_to_topic(actor=caregiver, topic=live_topic, body="Oops")
    actions.delete_post(actor=caregiver, post=reply)
    source_counts = counters(community)

    actions.move_topic(actor=moderator, topic=live_topic, destination=other_community)

    assert counters(community) == (0, 0)
    assert counters(other_community) == source_counts


def test_moving_to_the_same_community_changes_nothing(live_topic, community, moderator):
    before = db_state()
    actions.move_topic(actor=moderator, topic=live_topic, destination=community)
    assert db_state() == before


def test_moving_needs_moderating_both_communities(live_topic, private_community, moderator):
    before = db_state()
    with pytest.raises(PermissionDeniedError) as caught:
        actions.move_topic(actor=moderator, topic=live_topic, destination=private_community)
    assert caught.value.code == "not_moderator"
    assert db_state() == before


def test_members_cannot_move_topics(live_topic, other_community, patient):
    before = db_state()
    with pytest.raises(PermissionDeniedError):
        actions.move_topic(actor=patient, topic=live_topic, destination=other_community)
    assert db_state() == before


# --- accept_answer -----------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["patient", "moderator"])
def test_asker_or_moderator_accepts_an_answer(request, question, persona):
    actor = request.getfixturevalue(persona)
    answer = Post.objects.get(topic=question, position=3)

    actions.accept_answer(actor=actor, topic=question, post=answer)

    assert Topic.objects.get(pk=question.pk).accepted_post_id == answer.pk
    event = AuditEvent.objects.get()
    assert (event.verb, event.actor_id, event.data) == (
        "topic.accept_answer",
        actor.pk,
        {"post": answer.pk},
    )


def test_an_accepted_answer_can_be_cleared(question, patient):
    actions.accept_answer(
        actor=patient, topic=question, post=Post.objects.get(topic=question, position=2)
    )
    actions.accept_answer(actor=patient, topic=question, post=None)
    assert Topic.objects.get(pk=question.pk).accepted_post_id is None
    assert AuditEvent.objects.order_by("pk").last().data == {"post": None}


@pytest.mark.parametrize("persona", ["caregiver", "outsider"])
def test_only_the_asker_or_a_moderator_accepts(request, question, persona):
    actor = request.getfixturevalue(persona)
    before = db_state()
    with pytest.raises(PermissionDeniedError) as caught:
        actions.accept_answer(
            actor=actor, topic=question, post=Post.objects.get(topic=question, position=2)
        )
    assert caught.value.code == "not_author"
    assert str(caught.value.message) == (
        "Only the person who asked, or a moderator, can accept an answer."
    )
    assert db_state() == before


def test_only_question_topics_have_accepted_answers(community, patient, moderator):
    topic = make_topic(community, patient, title="Just sharing", replies=1)
    before = db_state()
    for actor in (patient, moderator):
        with pytest.raises(PermissionDeniedError) as caught:
            actions.accept_answer(
                actor=actor, topic=topic, post=Post.objects.get(topic=topic, position=2)
            )
        assert caught.value.code == "not_question"
    assert db_state() == before


def test_the_answer_must_be_a_live_reply_in_the_topic(question, topic, patient):
    Post.objects.filter(topic=question, position=3).update(is_deleted=True)
    candidates = [
        Post.objects.get(topic=question, position=1),
        Post.objects.get(topic=question, position=3),
        first_post(topic),
    ]
    before = db_state()
    for post in candidates:
        with pytest.raises(ValidationFailed) as caught:
            actions.accept_answer(actor=patient, topic=question, post=post)
        assert caught.value.field == "post"
        assert str(caught.value.message) == "Choose a reply in this topic as the answer."
    assert db_state() == before


# --- drafts ------------------------------------------------------------------------------------


def test_save_draft_keeps_one_draft_per_key(patient):
    actions.save_draft(actor=patient, key="reply:1", body="first")
    draft = actions.save_draft(actor=patient, key="reply:1", body="second", title="T")
    assert list(Draft.objects.values_list("user_id", "key", "title", "body")) == [
        (patient.pk, "reply:1", "T", "second")
    ]
    assert draft is not None and draft.body == "second"


def test_an_empty_draft_is_removed(patient):
    actions.save_draft(actor=patient, key="topic:1", body="typed", title="A title")
    assert actions.save_draft(actor=patient, key="topic:1", body="  \n", title=" ") is None
    assert Draft.objects.count() == 0


def test_visitors_have_no_drafts(db):
    assert actions.save_draft(actor=VISITOR, key="reply:1", body="typed") is None
    assert Draft.objects.count() == 0


def test_draft_keys_are_cut_to_their_column(patient):
    actions.save_draft(actor=patient, key="k" * 100, body="typed")
    assert Draft.objects.get().key == "k" * 80


def test_a_too_long_message_is_kept_whole_in_the_draft(patient):
    typed = "w" * 30005
    actions.save_draft(actor=patient, key="reply:1", body=typed)
    assert Draft.objects.get().body == typed


# --- rate limit --------------------------------------------------------------------------------


def test_posting_faster_than_the_rate_is_refused(settings, community, caregiver, patient):
    settings.CARECIRCLE_POST_RATE = "3/m"
    away_from_window_edge()
    topic = actions.create_topic(actor=caregiver, community=community, title="One two", body="1st")
    actions.reply_to_topic(actor=caregiver, topic=topic, body="2nd")
    actions.create_topic(actor=caregiver, community=community, title="Three four", body="3rd")
    before = db_state()

    with pytest.raises(RateLimitedError) as caught:
        actions.reply_to_topic(actor=caregiver, topic=topic, body="4th")
    with pytest.raises(RateLimitedError):
        actions.create_topic(actor=caregiver, community=community, title="Five six", body="5th")

    assert caught.value.code == "rate_limited"
    assert caught.value.status == 429
    assert str(caught.value.message) == (
        "You are doing that too often. Please wait a minute and try again."
    )
    assert db_state() == before
    # The limit is per member: someone else still posts.
    actions.reply_to_topic(actor=patient, topic=topic, body="Still fine")
    assert Post.objects.filter(topic=topic).count() == 3


def test_refused_invalid_posts_do_not_use_up_the_rate(settings, community, caregiver):
    settings.CARECIRCLE_POST_RATE = "2/m"
    away_from_window_edge()
    for _attempt in range(3):
        with pytest.raises(ValidationFailed):
            actions.create_topic(actor=caregiver, community=community, title="No", body="x")
    actions.create_topic(actor=caregiver, community=community, title="First one", body="ok")
    actions.create_topic(actor=caregiver, community=community, title="Second one", body="ok")
    assert Topic.objects.count() == 2
