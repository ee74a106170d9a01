"""The demo a new install shows: communities, topics, chat rooms and a private conversation."""

from __future__ import annotations

import pytest

from carecircle.core.demo import load_demo
from carecircle.messaging.models import ChatRoom, ChatSession, Conversation, Message, Participant

pytestmark = pytest.mark.django_db


def test_the_demo_has_chat_rooms_a_session_and_a_read_conversation():
    load_demo()

    rooms = dict(ChatRoom.objects.values_list("name", "community__name"))
    assert rooms == {
        "Coffee corner": "Type 2 Diabetes",
        "Tuesday evening support group": "Type 2 Diabetes",
    }
    assert Message.objects.filter(room__name="Coffee corner").count() == 2
    session = ChatSession.objects.get()
    assert (session.room.name, session.publishes_transcript) == (
        "Tuesday evening support group",
        True,
    )
    assert (session.ends_at - session.starts_at).total_seconds() == 90 * 60
    conversation = Conversation.objects.get()
    assert conversation.kind == Conversation.Kind.DIRECT
    assert conversation.messages.count() == 2
    # Nobody starts the demo with an unread badge.
    last = conversation.messages.order_by("-id").first()
    assert set(
        Participant.objects.filter(conversation=conversation).values_list(
            "user__handle", "last_read_message_id"
        )
    ) == {("sunnydays", last.pk), ("slowwalker", last.pk)}


def _bell(handle: str, *, unread: bool) -> list[tuple[str, str, int, str]]:
    """(kind, actor handle, count, url) of a member's lines, newest first."""
    from carecircle.accounts.models import User
    from carecircle.notifications.models import Notification

    member = User.objects.get(handle=handle)
    return [
        (kind, actor or "", count, url)
        for kind, actor, count, url in Notification.objects.filter(
            recipient=member, read_at__isnull=unread
        )
        .order_by("-updated_at", "-pk")
        .values_list("kind", "actor__handle", "count", "url")
    ]


def _permalink(author: str, title: str, position: int | None = None) -> str:
    from carecircle.discussions.models import Post

    posts = Post.objects.filter(author__handle=author, topic__title=title).order_by("position")
    return f"/p/{(posts.get(position=position) if position else posts.last()).pk}/"


def test_sunnydays_signs_in_to_five_unread_lines_about_real_posts_and_older_read_ones(
    django_capture_on_commit_callbacks,
):
    from django.test import Client

    from carecircle.notifications.models import Notification

    # The commit callbacks run as a worker would run what was queued: nothing more arrives.
    with django_capture_on_commit_callbacks(execute=True):
        load_demo()

    breakfasts = "Favourite low-sugar breakfasts"
    question = "How do you keep track of several medicines?"
    assert _bell("sunnydays", unread=True) == [
        ("badge", "", 1, "/members/sunnydays/#badges"),
        ("reply", "slowwalker", 1, _permalink("slowwalker", "Getting through chemo week three")),
        ("accepted_answer", "caringson", 1, _permalink("sunnydays", question)),
        (
            "reaction",
            "amira",
            3,
            _permalink("sunnydays", "Looking after Dad and working full time"),
        ),
        ("mention", "caringson", 1, _permalink("caringson", breakfasts)),
    ]
    assert [(kind, count) for kind, _actor, count, _url in _bell("sunnydays", unread=False)] == [
        ("badge", 1),
        ("badge", 1),
        ("badge", 1),
        ("reply", 3),
        ("message", 1),
        ("reaction", 2),
        ("reply", 1),
        ("reaction", 2),
        ("welcome", 1),
    ]
    assert _bell("caringson", unread=True) == [
        ("reply", "sunnydays", 1, _permalink("sunnydays", question))
    ]
    # Amira watches Type 2 Diabetes: CaringSon's reply there reached her.
    assert _bell("amira", unread=True) == [
        ("watched_reply", "caringson", 1, _permalink("caringson", breakfasts))
    ]
    assert _bell("slowwalker", unread=True) == [
        ("reply", "caringson", 1, _permalink("caringson", breakfasts))
    ]
    for handle in ("maya", "theo", "quickfix", "admin"):
        assert _bell(handle, unread=True) == []
    # One welcome each (the community whose managers wrote one), already read.
    assert sorted(
        Notification.objects.filter(kind="welcome").values_list("recipient__handle", "url")
    ) == [
        (handle, "/c/type-2-diabetes/welcome/")
        for handle in ("amira", "caringson", "quickfix", "slowwalker", "sunnydays", "theo")
    ]

    client = Client()
    response = client.post(
        "/accounts/login/",
        {"login": "patient@demo.carecircle.test", "password": "carecircle-demo"},
    )
    # Demo people are not new members: signing in does not send them through /welcome/.
    assert (response.status_code, response["Location"]) == (302, "/")
    page = client.get("/notifications/").content.decode()
    assert "3 reactions to your post" in page
    assert "CaringSon mentioned you in “Favourite low-sugar breakfasts”" in page
    assert "CaringSon marked your reply as the answer to" in page


def test_the_demo_shows_watches_a_welcome_message_badges_and_a_daily_digest():
    from carecircle.engagement.models import BadgeAward, CommunityWelcome
    from carecircle.notifications.models import NotificationSettings, Watch

    load_demo()

    assert sorted(
        Watch.objects.filter(topic__isnull=True).values_list(
            "user__handle", "community__name", "level"
        )
    ) == [("amira", "Type 2 Diabetes", "watching"), ("slowwalker", "General", "muted")]
    # Every topic's starter follows it.
    assert sorted(
        Watch.objects.filter(topic__isnull=False).values_list(
            "user__handle", "topic__title", "level"
        )
    ) == sorted(
        (handle, title, "watching")
        for handle, title in [
            ("sunnydays", "Tired all the time after starting metformin?"),
            ("slowwalker", "Favourite low-sugar breakfasts"),
            ("sunnydays", "Getting through chemo week three"),
            ("slowwalker", "Pacing: how do you plan your day?"),
            ("caringson", "Looking after Dad and working full time"),
            ("maya", "Welcome! Introduce yourself here"),
            ("maya", "How we keep this community safe"),
            ("caringson", "How do you keep track of several medicines?"),
            ("amira", "How often do you check your blood glucose?"),
        ]
    )
    welcome = CommunityWelcome.objects.get()
    assert (welcome.community.name, welcome.updated_by.handle, welcome.is_enabled) == (
        "Type 2 Diabetes",
        "maya",
        True,
    )
    assert "glad you found us" in welcome.body_html
    assert sorted(BadgeAward.objects.values_list("user__handle", "badge")) == [
        ("amira", "accepted_answer"),
        ("amira", "first_post"),
        ("amira", "first_topic"),
        ("caringson", "first_post"),
        ("caringson", "first_topic"),
        ("maya", "first_post"),
        ("maya", "first_topic"),
        ("quickfix", "first_post"),
        ("slowwalker", "first_post"),
        ("slowwalker", "first_topic"),
        ("sunnydays", "accepted_answer"),
        ("sunnydays", "first_post"),
        ("sunnydays", "first_topic"),
        ("sunnydays", "welcomed_newcomer"),
    ]
    assert list(
        NotificationSettings.objects.exclude(digest="off").values_list(
            "user__handle", "digest", "email_includes_details"
        )
    ) == [("caringson", "daily", True)]


def test_the_demo_has_a_poll_a_cited_library_resource_and_a_bookmark():
    from carecircle.bookmarks.models import Bookmark
    from carecircle.polls.models import Poll
    from carecircle.resources.models import Resource, ResourceCitation
    from carecircle.uploads.models import Upload

    load_demo()

    poll = Poll.objects.get(topic__title="How often do you check your blood glucose?")
    assert (poll.voter_count, [o.vote_count for o in poll.options.order_by("position")]) == (
        3,
        [0, 2, 1, 0],
    )
    citation = ResourceCitation.objects.get()
    assert (citation.resource.title, citation.post.topic_id) == ("Type 2 diabetes", poll.topic_id)
    assert Resource.objects.get(pk=citation.resource_id).citation_count == 1
    bookmark = Bookmark.objects.get(user__handle="sunnydays")
    # SunnyDays' accepted answer shows her pill organiser, described for screen readers.
    question = "How do you keep track of several medicines?"
    [picture] = Upload.objects.filter(post__topic__title=question)
    assert (picture.kind, picture.owner.handle, picture.alt_text.startswith("A weekly pill")) == (
        "image",
        "sunnydays",
        True,
    )
    assert [v["width"] for v in picture.variants] == [320, 640]
    assert (bookmark.post_id, bookmark.note) == (
        citation.post_id,
        "Ask the nurse about testing before my walks.",
    )
