"""Producers end to end: the real discussions, messaging and moderation actions, committed, and
the exact notification rows they leave behind.

Badge lines (the engagement app's) are left out of the comparisons: they are not these events.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from carecircle.communities.models import Community
from carecircle.core.factories import UserFactory, make_member
from carecircle.core.markdown import quote_markdown
from carecircle.discussions import actions as discussions
from carecircle.discussions.models import Post, Topic
from carecircle.discussions.queries import quote_of
from carecircle.messaging.actions import conversations as messaging
from carecircle.messaging.models import MemberBlock
from carecircle.moderation import actions as moderation
from carecircle.moderation.models import ModerationAction, ModerationSettings, ReviewItem
from carecircle.notifications import events
from carecircle.notifications.actions import set_watch_level, update_notification_settings
from carecircle.notifications.models import Notification, Watch, WatchLevel
from conftest import client_for

FIELDS = ("recipient_id", "kind", "count", "actor_id", "actor_label", "url", "group_key")


@pytest.fixture(autouse=True)
def _established_members(settings):
    """Members are established (trust level 2): new members may not post links or write to
    strangers, which is not what these tests are about."""
    from django.db.models.signals import post_save

    from carecircle.accounts.models import User
    from carecircle.moderation.models import MemberTrust, TrustLevel

    settings.CARECIRCLE_TRACK_VISITS = False
    settings.WHITENOISE_AUTOREFRESH = True

    def established(sender, instance, created, **kwargs):
        if created:
            MemberTrust.objects.get_or_create(
                user_id=instance.pk, defaults={"level": TrustLevel.MEMBER}
            )

    post_save.connect(established, sender=User, dispatch_uid="test-events-established")
    yield
    post_save.disconnect(sender=User, dispatch_uid="test-events-established")


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run a block and its after-commit work (delivery tasks run at once in tests)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def member(community):
    """A third ordinary member of `community`."""
    user = UserFactory(display_name="Meg Member", handle="meg")
    make_member(community, user)
    return user


@pytest.fixture
def anonymous_community(community) -> Community:
    Community.objects.filter(pk=community.pk).update(allow_anonymous_posts=True)
    community.allow_anonymous_posts = True
    return community


def rows() -> list[tuple[Any, ...]]:
    """Every notification but badges, as comparable tuples, by recipient then id."""
    return [tuple(row) for row in lines().order_by("recipient_id", "pk").values_list(*FIELDS)]


def lines() -> Any:
    """The notifications these events made (badge lines left out)."""
    return Notification.objects.exclude(kind="badge")


def permalink(post: Post) -> str:
    return reverse("post_permalink", kwargs={"post_id": post.pk})


def premoderate(community: Community) -> None:
    """Hold members' first posts in `community` for a moderator's approval."""
    ModerationSettings.objects.create(community=community, premoderate_first_posts=5)
    # The policy is remembered on the community object the actions were given.
    community.__dict__.pop("_moderation_settings", None)


def start_topic(committed, actor, community, **fields) -> Topic:
    with committed():
        return discussions.create_topic(
            actor=actor,
            community=community,
            title=fields.pop("title", "Tired after metformin"),
            body=fields.pop("body", "Anyone else?"),
            **fields,
        )


def reply(committed, actor, topic, body, **fields) -> Post:
    with committed():
        return discussions.reply_to_topic(actor=actor, topic=topic, body=body, **fields)


# --- replies, watching, collapse -------------------------------------------------------------


def test_a_reply_notifies_the_topic_starter_and_collapses_further_replies(
    committed, community, patient, caregiver, member
):
    topic = start_topic(committed, patient, community)
    # Starting a topic follows it.
    assert list(Watch.objects.filter(topic=topic).values_list("user_id", "level")) == [
        (patient.pk, "watching")
    ]
    first = reply(committed, caregiver, topic, "Yes, the first weeks were hard.")
    key = f"topic:{topic.pk}:posts"
    assert rows() == [(patient.pk, "reply", 1, caregiver.pk, "", permalink(first), key)]

    second = reply(committed, member, topic, "Same here, it got better.")
    assert rows() == [(patient.pk, "reply", 2, member.pk, "", permalink(second), key)]
    line = lines().get()
    assert (line.community_id, line.topic_id, line.post_id) == (community.pk, topic.pk, second.pk)


def test_the_author_of_the_answered_post_hears_of_the_reply(
    committed, community, patient, caregiver, member
):
    topic = start_topic(committed, patient, community)
    answered = reply(committed, caregiver, topic, "Try taking it with food.")
    Notification.objects.all().delete()

    answer = reply(committed, member, topic, "Good idea, it helped me.", reply_to=answered)
    key = f"topic:{topic.pk}:posts"
    assert rows() == [
        (patient.pk, "reply", 1, member.pk, "", permalink(answer), key),
        (caregiver.pk, "reply", 1, member.pk, "", permalink(answer), key),
    ]


def test_nobody_is_notified_of_their_own_reply(committed, community, patient):
    topic = start_topic(committed, patient, community)
    reply(committed, patient, topic, "An update on my own question.")
    assert rows() == []


def test_watchers_of_the_topic_and_of_the_community_hear_of_replies(
    committed, community, patient, caregiver, member, moderator
):
    topic = start_topic(committed, patient, community)
    set_watch_level(actor=member, level=WatchLevel.WATCHING, topic=topic)
    set_watch_level(actor=moderator, level=WatchLevel.WATCHING, community=community)
    # The caregiver watches the community but muted this topic.
    set_watch_level(actor=caregiver, level=WatchLevel.WATCHING, community=community)
    set_watch_level(actor=caregiver, level=WatchLevel.MUTED, topic=topic)
    Notification.objects.all().delete()

    writer = UserFactory(display_name="Wes Writer", handle="wes")
    make_member(community, writer)
    post = reply(committed, writer, topic, "Welcome, it does get easier.")
    key = f"topic:{topic.pk}:posts"
    assert rows() == [
        (patient.pk, "reply", 1, writer.pk, "", permalink(post), key),
        (moderator.pk, "watched_reply", 1, writer.pk, "", permalink(post), key),
        (member.pk, "watched_reply", 1, writer.pk, "", permalink(post), key),
    ]


def test_a_new_topic_reaches_community_watchers_and_a_mention_in_it_wins(
    committed, community, patient, caregiver, member
):
    set_watch_level(actor=caregiver, level=WatchLevel.WATCHING, community=community)
    set_watch_level(actor=member, level=WatchLevel.WATCHING, community=community)
    topic = start_topic(
        committed, patient, community, title="Meters with big digits", body="What do you use @meg?"
    )
    url = topic.get_absolute_url()
    assert rows() == [
        (caregiver.pk, "watched_topic", 1, patient.pk, "", url, ""),
        (member.pk, "mention", 1, patient.pk, "", url, ""),
    ]


# --- mentions and quotes ---------------------------------------------------------------------


def test_a_mention_wins_over_the_reply_and_the_watch(committed, community, patient, caregiver):
    topic = start_topic(committed, patient, community)
    post = reply(committed, caregiver, topic, "@patient did your doctor change the dose?")
    assert rows() == [(patient.pk, "mention", 1, caregiver.pk, "", permalink(post), "")]


def test_quote_markdown_links_the_author_to_the_post():
    assert quote_markdown("Pat [P]", "first\n\nsecond", url="/p/7/") == (
        "> **[Pat \\[P\\]](/p/7/)** wrote:\n>\n> first\n>\n> second\n\n"
    )
    assert quote_markdown("Pat", "first") == "> **Pat** wrote:\n>\n> first\n\n"


def test_quoted_post_ids_reads_permalinks_in_quotes_only():
    body = (
        "> **[Pat](/p/12/)** wrote:\n>\n> text\n\n"
        "See also /p/13/ here.\n"
        "> > **[Cam](https://example.org/p/14/)** wrote:\n"
        "> again [Pat](/p/12/)"
    )
    assert events.quoted_post_ids(body) == [12, 14]


def test_a_quote_notifies_the_quoted_writer(committed, community, patient, caregiver, member):
    topic = start_topic(committed, patient, community)
    quoted = reply(committed, caregiver, topic, "Metformin XR was gentler for me.")
    Notification.objects.all().delete()

    body = quote_markdown(caregiver.display_name, quoted.body, url=permalink(quoted)) + "Agreed!"
    post = reply(committed, member, topic, body)
    key = f"topic:{topic.pk}:posts"
    assert rows() == [
        (patient.pk, "reply", 1, member.pk, "", permalink(post), key),
        (caregiver.pk, "quote", 1, member.pk, "", permalink(post), ""),
    ]


def test_the_quote_button_text_notifies_the_quoted_writer(
    committed, community, patient, caregiver, member
):
    topic = start_topic(committed, patient, community)
    quoted = reply(committed, caregiver, topic, "Metformin XR was gentler for me.")
    Notification.objects.all().delete()

    # What the Quote button puts in the reply box (page and API alike).
    post = reply(committed, member, topic, quote_of(quoted) + "Agreed!")

    assert (caregiver.pk, "quote", 1, member.pk, "", permalink(post), "") in rows()


# --- anonymous writing -----------------------------------------------------------------------


def test_an_anonymous_reply_names_only_the_alias(
    committed, anonymous_community, patient, caregiver
):
    topic = start_topic(committed, patient, anonymous_community)
    post = reply(committed, caregiver, topic, "It happened to me too.", is_anonymous=True)
    assert rows() == [
        (
            patient.pk,
            "reply",
            1,
            None,
            "Anonymous member 1",
            permalink(post),
            f"topic:{topic.pk}:posts",
        )
    ]


def test_the_person_behind_an_alias_hears_of_replies_reactions_and_quotes(
    committed, anonymous_community, patient, caregiver, member
):
    topic = start_topic(committed, caregiver, anonymous_community, is_anonymous=True)
    # Starting anonymously still follows the topic (the watch is private to its owner).
    assert Watch.objects.filter(user=caregiver, topic=topic, level="watching").count() == 1
    # Writing again under the alias in one's own topic tells nobody, least of all oneself.
    own = reply(committed, caregiver, topic, "More details on my side.", is_anonymous=True)
    assert rows() == []

    answer = reply(committed, patient, topic, "Have you asked your nurse?")
    with committed():
        discussions.add_reaction(actor=member, post=own, kind="hug")
    body = quote_markdown(own.public_author_name, own.body, url=permalink(own)) + "Same."
    quote = reply(committed, member, topic, body)
    key = f"topic:{topic.pk}:posts"
    assert rows() == [
        (caregiver.pk, "reply", 1, patient.pk, "", permalink(answer), key),
        (caregiver.pk, "reaction", 1, member.pk, "", permalink(own), f"post:{own.pk}:reactions"),
        (caregiver.pk, "quote", 1, member.pk, "", permalink(quote), ""),
    ]
    # Nothing anywhere names the caregiver as the actor of the anonymous writing.
    assert not Notification.objects.filter(actor=caregiver).exists()


def test_an_anonymous_writer_does_not_reach_a_member_who_blocked_them(
    committed, anonymous_community, patient, caregiver
):
    topic = start_topic(committed, patient, anonymous_community)
    MemberBlock.objects.create(blocker=patient, blocked=caregiver, level=MemberBlock.Level.BLOCK)
    reply(committed, caregiver, topic, "Openly this time.")
    reply(committed, caregiver, topic, "And now anonymously.", is_anonymous=True)
    reply(committed, caregiver, topic, "@patient with a mention.", is_anonymous=True)
    assert rows() == []


def test_an_anonymous_topic_skips_its_writer_and_their_blockers_among_watchers(
    committed, anonymous_community, patient, caregiver, member
):
    for watcher in (patient, caregiver, member):
        set_watch_level(actor=watcher, level=WatchLevel.WATCHING, community=anonymous_community)
    MemberBlock.objects.create(blocker=patient, blocked=caregiver, level=MemberBlock.Level.BLOCK)
    topic = start_topic(committed, caregiver, anonymous_community, is_anonymous=True)
    assert rows() == [
        (member.pk, "watched_topic", 1, None, "Anonymous member 1", topic.get_absolute_url(), "")
    ]


def test_a_muted_writer_does_not_reach_the_member_who_muted_them(
    committed, community, patient, caregiver
):
    topic = start_topic(committed, patient, community)
    MemberBlock.objects.create(blocker=patient, blocked=caregiver, level=MemberBlock.Level.MUTE)
    reply(committed, caregiver, topic, "Hello there.")
    assert rows() == []


# --- reactions and answers -------------------------------------------------------------------


def test_reactions_to_one_post_collapse_and_taking_one_back_tells_nobody(
    committed, community, patient, caregiver, member
):
    topic = start_topic(committed, patient, community)
    first = Post.objects.get(topic=topic, position=1)
    with committed():
        discussions.add_reaction(actor=caregiver, post=first, kind="like")
    with committed():
        discussions.add_reaction(actor=member, post=first, kind="hug")
    with committed():
        discussions.remove_reaction(actor=member, post=first, kind="hug")
    with committed():
        discussions.add_reaction(actor=patient, post=first, kind="helpful")
    assert rows() == [
        (patient.pk, "reaction", 2, member.pk, "", permalink(first), f"post:{first.pk}:reactions")
    ]
    assert lines().get().data == {"reaction": "hug"}


def test_an_accepted_answer_tells_its_writer(committed, anonymous_community, patient, caregiver):
    question = start_topic(committed, patient, anonymous_community, is_question=True)
    answer = reply(committed, caregiver, question, "The big-digit meters are easiest.")
    Notification.objects.all().delete()
    with committed():
        discussions.accept_answer(actor=patient, topic=question, post=answer)
    with committed():
        # Accepting the same answer again is no news.
        discussions.accept_answer(actor=patient, topic=question, post=answer)
    assert rows() == [(caregiver.pk, "accepted_answer", 1, patient.pk, "", permalink(answer), "")]

    asked = start_topic(
        committed,
        patient,
        anonymous_community,
        title="Night sweats",
        is_question=True,
        is_anonymous=True,
    )
    second = reply(committed, caregiver, asked, "Check your evening dose.")
    Notification.objects.all().delete()
    with committed():
        discussions.accept_answer(actor=patient, topic=asked, post=second)
    assert rows() == [
        (caregiver.pk, "accepted_answer", 1, None, "Anonymous member 1", permalink(second), "")
    ]


def test_an_anonymous_askers_acceptance_does_not_reach_a_member_who_blocked_them(
    committed, anonymous_community, patient, caregiver
):
    asked = start_topic(
        committed,
        patient,
        anonymous_community,
        title="Night sweats",
        is_question=True,
        is_anonymous=True,
    )
    answer = reply(committed, caregiver, asked, "Check your evening dose.")
    MemberBlock.objects.create(blocker=caregiver, blocked=patient, level=MemberBlock.Level.BLOCK)
    Notification.objects.all().delete()

    with committed():
        discussions.accept_answer(actor=patient, topic=asked, post=answer)

    assert rows() == []


# --- held for approval -----------------------------------------------------------------------


def test_a_held_reply_notifies_only_once_a_moderator_approves_it(
    committed, community, patient, caregiver, moderator
):
    topic = start_topic(committed, patient, community)
    premoderate(community)
    post = reply(committed, caregiver, topic, "My first reply here @patient")
    assert post.moderation_state == "pending"
    assert rows() == []

    item = ReviewItem.objects.get(queue="approval", post=post)
    with committed():
        moderation.resolve_item(actor=moderator, item=item, decision="approve")
    assert rows() == [(patient.pk, "mention", 1, caregiver.pk, "", permalink(post), "")]


def test_a_held_topic_tells_watchers_and_is_followed_once_approved(
    committed, community, patient, caregiver, moderator
):
    set_watch_level(actor=patient, level=WatchLevel.WATCHING, community=community)
    premoderate(community)
    topic = start_topic(committed, caregiver, community, title="A new topic")
    assert topic.moderation_state == "pending"
    assert rows() == []
    assert not Watch.objects.filter(topic=topic).exists()

    item = ReviewItem.objects.get(queue="approval", topic=topic)
    with committed():
        moderation.resolve_item(actor=moderator, item=item, decision="approve")
    assert rows() == [
        (patient.pk, "watched_topic", 1, caregiver.pk, "", topic.get_absolute_url(), "")
    ]
    assert Watch.objects.filter(user=caregiver, topic=topic, level="watching").count() == 1


def test_a_rejected_held_reply_tells_only_its_writer(
    committed, community, patient, caregiver, moderator
):
    topic = start_topic(committed, patient, community)
    premoderate(community)
    post = reply(committed, caregiver, topic, "My first reply here")
    item = ReviewItem.objects.get(queue="approval", post=post)
    with committed():
        action = moderation.resolve_item(
            actor=moderator, item=item, decision="reject", reason="Off topic here"
        )
    assert rows() == [
        (caregiver.pk, "moderation", 1, None, "The moderators", "/account/moderation/", "")
    ]
    assert lines().get().data == {"action_id": action.pk, "verb": "reject"}


# --- moderation ------------------------------------------------------------------------------


def test_hiding_an_anonymous_post_tells_the_person_behind_it_in_the_bell_only(
    committed, anonymous_community, patient, caregiver, moderator, mailoutbox
):
    topic = start_topic(committed, patient, anonymous_community)
    post = reply(committed, caregiver, topic, "Stop taking it, it is poison.", is_anonymous=True)
    Notification.objects.all().delete()
    with committed():
        moderation.report_content(actor=patient, kind="post", target_id=post.pk, reason="spam")
    item = ReviewItem.objects.get(post=post)
    assert item.member_id is None
    with committed():
        action = moderation.resolve_item(
            actor=moderator, item=item, decision="hide", reason="Dangerous advice"
        )
    assert action.member_id is None
    assert rows() == [(caregiver.pk, "moderation", 1, None, "The moderators", permalink(post), "")]
    line = lines().get()
    assert line.data == {"action_id": action.pk, "verb": "hide", "post_id": post.pk}
    assert (line.topic_id, line.post_id, line.community_id) == (None, None, None)
    # No email: the notice email goes only to a named member.
    assert mailoutbox == []


def test_a_warning_reaches_the_member_by_email_and_in_the_bell(
    committed, community, caregiver, moderator, mailoutbox
):
    with committed():
        sanction = moderation.sanction_member(
            actor=moderator,
            member=caregiver,
            community=community,
            kind="warning",
            reason="Please be kind",
        )
    assert rows() == [
        (caregiver.pk, "moderation", 1, None, "The moderators", "/account/moderation/", "")
    ]
    assert lines().get().data["action_id"] == sanction.action_id
    assert [mail.to for mail in mailoutbox] == [[caregiver.email]]


def test_decisions_that_tell_nobody_make_no_line(committed, community, patient, moderator):
    topic = start_topic(committed, patient, community)
    with committed():
        discussions.set_topic_slow_mode(actor=moderator, topic=topic, seconds=60)
    assert ModerationAction.objects.filter(verb="slow_mode").count() == 1
    assert rows() == []


# --- reading ---------------------------------------------------------------------------------


def test_opening_the_topic_reads_its_notifications(
    committed, community, patient, caregiver, member
):
    topic = start_topic(committed, patient, community)
    other = start_topic(committed, patient, community, title="Another question")
    reply(committed, caregiver, topic, "First answer")
    reply(committed, caregiver, other, "Second answer")

    client_for(member).get(topic.get_absolute_url())
    assert lines().filter(read_at__isnull=True).count() == 2
    response = client_for(patient).get(topic.get_absolute_url())
    assert response.status_code == 200
    unread = lines().filter(read_at__isnull=True)
    assert list(unread.values_list("topic_id", flat=True)) == [other.pk]


# --- messaging -------------------------------------------------------------------------------


def test_messages_notify_the_others_once_per_conversation(
    committed, community, patient, caregiver, member
):
    with committed():
        group = messaging.start_conversation(
            actor=patient, recipients=[caregiver, member], title="Carers", body="Hello both"
        )
    with committed():
        messaging.send_message(actor=patient, conversation=group, body="Are you there?")
    url = reverse("conversation_detail", kwargs={"conversation_id": group.pk})
    key = f"conversation:{group.pk}"
    assert rows() == [
        (caregiver.pk, "message", 2, patient.pk, "", url, key),
        (member.pk, "message", 2, patient.pk, "", url, key),
    ]
    assert {row.conversation_id for row in lines()} == {group.pk}

    # The member mutes the conversation; the caregiver answers, which reads their own line.
    with committed():
        messaging.set_conversation_muted(actor=member, conversation=group, is_muted=True)
    with committed():
        messaging.send_message(actor=caregiver, conversation=group, body="Yes, here")
    assert rows() == [
        (patient.pk, "message", 1, caregiver.pk, "", url, key),
        (caregiver.pk, "message", 2, patient.pk, "", url, key),
        (member.pk, "message", 2, patient.pk, "", url, key),
    ]
    assert lines().get(recipient=caregiver).read_at is not None

    # Opening the conversation reads the member's line about it.
    client_for(member).get(url)
    assert lines().get(recipient=member).read_at is not None


def test_a_stranger_gets_a_message_request_not_a_message(committed, community, patient):
    stranger = UserFactory(display_name="Sam Stranger", handle="stranger")
    with committed():
        conversation = messaging.start_conversation(
            actor=patient, recipients=[stranger], body="Hi, I read your post"
        )
    with committed():
        messaging.send_message(actor=patient, conversation=conversation, body="Anyone there?")
    url = reverse("conversation_detail", kwargs={"conversation_id": conversation.pk})
    assert rows() == [(stranger.pk, "message_request", 1, patient.pk, "", url, "")]

    with committed():
        messaging.accept_request(actor=stranger, conversation=conversation)
    assert lines().get().read_at is not None
    with committed():
        messaging.send_message(actor=patient, conversation=conversation, body="Thanks!")
    assert rows() == [
        (stranger.pk, "message_request", 1, patient.pk, "", url, ""),
        (stranger.pk, "message", 1, patient.pk, "", url, f"conversation:{conversation.pk}"),
    ]


def test_a_blocked_sender_reaches_nobody_by_message(committed, community, patient, caregiver):
    with committed():
        conversation = messaging.start_conversation(
            actor=patient, recipients=[caregiver], body="Hello"
        )
    Notification.objects.all().delete()
    MemberBlock.objects.create(blocker=caregiver, blocked=patient, level=MemberBlock.Level.MUTE)
    with committed():
        messaging.send_message(actor=patient, conversation=conversation, body="Hello again")
    assert rows() == []


def test_a_held_message_notifies_only_once_approved(committed, community, patient, caregiver):
    from carecircle.moderation.models import WatchedWord

    with committed():
        conversation = messaging.start_conversation(actor=patient, recipients=[caregiver])
    WatchedWord.objects.create(community=None, pattern="cheap pills", action="require_approval")
    with committed():
        held = messaging.send_message(
            actor=patient, conversation=conversation, body="cheap pills here"
        )
    assert held.moderation_state == "pending"
    assert rows() == []

    site_moderator = UserFactory(display_name="Sid", handle="sitemod", is_site_moderator=True)
    item = ReviewItem.objects.get(message=held)
    with committed():
        moderation.resolve_item(actor=site_moderator, item=item, decision="approve")
    url = reverse("conversation_detail", kwargs={"conversation_id": conversation.pk})
    assert rows() == [
        (caregiver.pk, "message", 1, patient.pk, "", url, f"conversation:{conversation.pk}")
    ]


# --- content that moves or disappears after the event ----------------------------------------


def test_moving_a_topic_moves_its_lines_and_no_email_reaches_who_cannot_follow(
    committed, community, patient, caregiver, member, moderator, settings
):
    from datetime import timedelta

    from django.core import mail
    from django.utils import timezone

    from carecircle.communities.models import Membership
    from carecircle.notifications.actions import update_notification_settings
    from carecircle.notifications.delivery.email import send_due_emails

    closed = Community.objects.create(
        name="Closed Circle", slug="closed-circle", visibility=Community.Visibility.MEMBERS
    )
    make_member(closed, moderator, Membership.Role.MODERATOR)
    update_notification_settings(actor=member, email_includes_details=True)
    topic = start_topic(committed, member, community, title="My secret title")
    reply(committed, caregiver, topic, "Private words of the reply.")
    line = lines().get(recipient=member, kind="reply")
    assert line.community_id == community.pk

    with committed():
        discussions.move_topic(actor=moderator, topic=topic, destination=closed)

    line.refresh_from_db()
    assert line.community_id == closed.pk
    mail.outbox.clear()
    send_due_emails(now=timezone.now() + timedelta(minutes=11))
    assert [message for message in mail.outbox if member.email in message.to] == []
    line.refresh_from_db()
    assert (line.email_due_at, line.emailed_at) == (None, None)


def test_a_reply_email_survives_a_later_post_in_the_watched_topic(
    committed, community, patient, caregiver, member, moderator, settings
):
    from datetime import timedelta

    from django.core import mail
    from django.utils import timezone

    from carecircle.notifications.actions import update_notification_settings
    from carecircle.notifications.delivery.email import send_due_emails

    settings.CARECIRCLE_NOTIFICATION_EMAIL_DELAY_MINUTES = 10
    topic = start_topic(committed, patient, community)
    megs = reply(committed, member, topic, "Mine got better after a month.")
    set_watch_level(actor=member, level=WatchLevel.WATCHING, topic=topic)
    # Meg wants email for replies to her, not for every post in topics she watches.
    update_notification_settings(actor=member, channels={"watched_reply": {"email": False}})
    Notification.objects.all().delete()

    reply(committed, caregiver, topic, "Thanks Meg, good to know.", reply_to=megs)
    reply(committed, moderator, topic, "Reminder: be kind.")

    assert list(lines().filter(recipient=member).values_list("kind", "count")) == [("reply", 2)]
    mail.outbox.clear()
    send_due_emails(now=timezone.now() + timedelta(minutes=11))
    assert [message.to for message in mail.outbox if member.email in message.to] == [[member.email]]


# --- edits -----------------------------------------------------------------------------------


def test_an_edit_that_adds_a_mention_tells_only_the_newly_mentioned_once(
    committed, community, patient, caregiver, member
):
    topic = start_topic(committed, patient, community)
    post = reply(committed, caregiver, topic, "Try taking it with food, @patient.")
    assert list(lines().values_list("recipient_id", "kind")) == [(patient.pk, "mention")]
    lines().delete()

    with committed():
        discussions.edit_post(
            actor=caregiver, post=post, body="Try taking it with food, @patient and @meg."
        )
    assert rows() == [(member.pk, "mention", 1, caregiver.pk, "", permalink(post), "")]

    with committed():
        discussions.edit_post(
            actor=caregiver, post=post, body="Try taking it with food, @patient and @meg!"
        )
    assert rows() == [(member.pk, "mention", 1, caregiver.pk, "", permalink(post), "")]


def test_an_anonymous_edit_mention_names_the_alias_and_skips_who_muted_the_writer(
    committed, anonymous_community, patient, caregiver, member
):
    topic = start_topic(committed, member, anonymous_community)
    post = reply(committed, caregiver, topic, "It happened to me too.", is_anonymous=True)
    MemberBlock.objects.create(blocker=patient, blocked=caregiver, level=MemberBlock.Level.MUTE)
    lines().delete()

    with committed():
        discussions.edit_post(
            actor=caregiver, post=post, body="It happened to me too, @patient and @meg."
        )

    assert rows() == [(member.pk, "mention", 1, None, "Anonymous member 1", permalink(post), "")]


def test_an_edit_of_a_hidden_post_that_adds_a_mention_tells_nobody(
    committed, community, patient, caregiver, member
):
    topic = start_topic(committed, patient, community)
    post = reply(committed, caregiver, topic, "Try taking it with food.")
    with committed():
        discussions.hide_post(post)
    lines().delete()

    with committed():
        discussions.edit_post(actor=caregiver, post=post, body="Try taking it with food, @meg.")

    assert rows() == []
    assert Post.objects.get(pk=post.pk).body == "Try taking it with food, @meg."


# --- unread counts follow content that goes or comes back --------------------------------------


@pytest.fixture
def no_badges(monkeypatch):
    """No badge lines: the counts below are those of the events themselves."""
    from carecircle.engagement import badges

    monkeypatch.setattr(badges, "schedule_badge_check", lambda ids: None)


def _counts(listener) -> list[int]:
    return [event["unread"] for event in listener.events() if event["type"] == "notifications"]


def test_deleting_hiding_and_restoring_a_post_update_the_count_of_those_it_told(
    committed, community, patient, caregiver, member, moderator, listen, no_badges
):
    from carecircle.notifications import queries

    topic = start_topic(committed, patient, community)
    post = reply(committed, caregiver, topic, "Only reply, @meg.")
    assert (queries.unread_count(patient), queries.unread_count(member)) == (1, 1)
    patients, members, writers = (
        listen(f"user:{user.pk}") for user in (patient, member, caregiver)
    )

    with committed():
        discussions.delete_post(actor=caregiver, post=post)
    assert (queries.unread_count(patient), queries.unread_count(member)) == (0, 0)
    assert (_counts(patients), _counts(members), _counts(writers)) == ([0], [0], [])

    with committed():
        discussions.restore_post(actor=moderator, post=post)
    assert (queries.unread_count(patient), queries.unread_count(member)) == (1, 1)
    assert (_counts(patients), _counts(members)) == ([1], [1])

    with committed():
        discussions.hide_post(post)
    assert (queries.unread_count(patient), queries.unread_count(member)) == (0, 0)
    assert (_counts(patients), _counts(members)) == ([0], [0])


def test_deleting_the_latest_of_two_replies_keeps_the_line_and_its_count(
    committed, community, patient, caregiver, member, no_badges
):
    from carecircle.notifications import queries

    topic = start_topic(committed, patient, community)
    reply(committed, caregiver, topic, "A genuine answer.")
    spam = reply(committed, member, topic, "Buy cheap pills here.")
    assert queries.unread_count(patient) == 1

    with committed():
        discussions.delete_post(actor=member, post=spam)

    assert queries.notifications_for(patient).count() == 1
    assert queries.unread_count(patient) == 1


def test_moving_a_topic_where_a_member_cannot_follow_drops_it_from_their_count(
    committed, community, patient, caregiver, moderator, listen, no_badges
):
    from carecircle.communities.models import Membership
    from carecircle.notifications import queries

    closed = Community.objects.create(
        name="Closed Circle", slug="closed-circle", visibility=Community.Visibility.MEMBERS
    )
    make_member(closed, moderator, Membership.Role.MODERATOR)
    topic = start_topic(committed, patient, community)
    reply(committed, caregiver, topic, "A reply.")
    assert queries.unread_count(patient) == 1
    patients = listen(f"user:{patient.pk}")

    with committed():
        discussions.move_topic(actor=moderator, topic=topic, destination=closed)

    assert queries.unread_count(patient) == 0
    assert _counts(patients) == [0]


def test_leaving_a_members_only_community_drops_its_lines_from_the_count(
    committed, private_community, private_topic, patient, caregiver, listen, no_badges
):
    from carecircle.communities import actions as communities
    from carecircle.notifications import queries
    from carecircle.notifications.tests.factories import make_notification

    make_notification(patient, topic=private_topic)
    assert queries.unread_count(patient) == 1
    patients = listen(f"user:{patient.pk}")

    with committed():
        communities.leave_community(actor=patient, community=private_community)

    assert queries.unread_count(patient) == 0
    assert _counts(patients) == [0]


def test_a_mention_switched_off_in_the_bell_leaves_the_reply_and_the_watch(
    committed, community, patient, caregiver, member
):
    """A member who does not want mentions in the bell still hears of the post the way they
    would have without the mention: as the topic's starter, or as a watcher."""
    topic = start_topic(committed, patient, community)
    set_watch_level(actor=member, level=WatchLevel.WATCHING, topic=topic)
    for person in (patient, member):
        update_notification_settings(actor=person, channels={"mention": {"in_app": False}})

    post = reply(committed, caregiver, topic, "@meg and @patient, what do you think?")

    key = f"topic:{topic.pk}:posts"
    assert rows() == [
        (patient.pk, "reply", 1, caregiver.pk, "", permalink(post), key),
        (member.pk, "watched_reply", 1, caregiver.pk, "", permalink(post), key),
    ]
