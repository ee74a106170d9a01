"""Erasing a member leaves nothing of theirs anywhere: database, files, cache or logs."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.db import connection
from django.test import Client

from carecircle.accounts.actions import create_api_token
from carecircle.accounts.models import ApiToken, User
from carecircle.communities.models import Community, Invitation, Membership
from carecircle.core.crypto import TOKEN_PREFIX, decrypt_text
from carecircle.core.errors import PermissionDeniedError
from carecircle.core.factories import PASSWORD, UserFactory, make_member, make_topic
from carecircle.core.markdown import render_markdown
from carecircle.core.models import AuditEvent
from carecircle.discussions.models import Draft, Mention, Post, PostRevision, Reaction, Topic
from carecircle.messaging.models import Message
from carecircle.privacy import actions
from carecircle.privacy.models import DataExport

pytestmark = pytest.mark.django_db(transaction=True)

PERSONAL = "zqxperson"  # must vanish in every case
CONTENT = "zqxcontent"  # what they wrote: vanishes, or stays when they keep their posts


def _values_in_database() -> list[tuple[str, str, str]]:
    """(table, column, text) for every text-ish value of every table; encrypted ones decrypted."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"SELECT * FROM {quoted}")  # noqa: S608 - names from introspection
            columns = [c[0] for c in cursor.description]
            for row in cursor.fetchall():
                for column, value in zip(columns, row, strict=True):
                    if value is None:
                        continue
                    text = value.decode("latin-1") if isinstance(value, bytes) else str(value)
                    if text.startswith(TOKEN_PREFIX):
                        text = decrypt_text(text)
                    found.append((table, column, text))
    return found


def _in_database(marker: str) -> list[tuple[str, str]]:
    return sorted({(t, c) for t, c, text in _values_in_database() if marker in text})


def _in_files(marker: str) -> list[str]:
    hits = []
    for root in (Path(settings.MEDIA_ROOT), Path(settings.CARECIRCLE_EXPORT_ROOT)):
        for path in root.rglob("*") if root.exists() else []:
            if path.is_file() and (marker in path.name or marker.encode() in path.read_bytes()):
                hits.append(str(path))
    return hits


def _cache_entries() -> list[tuple[str, bytes]]:
    """Every stored (key, raw value) of the default cache: local memory or Redis."""
    from django.core.cache.backends.redis import RedisCache

    backend = caches["default"]
    if isinstance(backend, RedisCache):
        client = backend._cache.get_client()
        keys = list(client.scan_iter(match=f"{backend.key_prefix}*"))
        return [(key.decode(), client.get(key) or b"") for key in keys]
    store: dict[str, Any] = backend._cache  # type: ignore[attr-defined] - LocMemCache internals
    return list(store.items())


def _in_cache(marker: str) -> list[str]:
    return [key for key, value in _cache_entries() if marker.encode() in value]


@pytest.fixture
def world(community: Community, caregiver: User) -> dict[str, Any]:
    """A member who filled every field they can, with a topic others replied to."""
    member = UserFactory(
        email=f"{PERSONAL}1@example.org",
        display_name=f"{PERSONAL}2 name",
        handle=f"{PERSONAL}3",
        time_zone="Europe/Paris",
    )
    make_member(community, member)
    hidden = Community.objects.create(
        name="Hidden", slug="hidden", description="d", guidelines="g", visibility="hidden"
    )
    Invitation.objects.create(community=hidden, user=member, invited_by=caregiver)
    if apps.is_installed("carecircle.accounts") and _has_profile():
        _fill_profile(member)
    replied = make_topic(
        community, member, title=f"{CONTENT}1 title", body=f"{CONTENT}2 body @caregiver"
    )
    first = replied.posts.get()
    Mention.objects.create(post=first, user=caregiver)
    Post.objects.create(
        topic=replied, author=caregiver, position=2, body="A reply", body_html="<p>A reply</p>"
    )
    Topic.objects.filter(pk=replied.pk).update(reply_count=1)
    alone = make_topic(community, member, title=f"{CONTENT}3 title", body=f"{CONTENT}4 body")
    theirs = make_topic(community, caregiver, title="Caregiver's topic", body="Hello")
    reply = Post.objects.create(
        topic=theirs,
        author=member,
        position=2,
        body=f"{CONTENT}5 reply",
        body_html=render_markdown(f"{CONTENT}5 reply"),
    )
    PostRevision.objects.create(post=reply, editor=member, number=1, body=f"{PERSONAL}4 old")
    Reaction.objects.create(post=theirs.posts.get(position=1), user=member, kind="hug")
    Post.objects.filter(topic=theirs, position=1).update(reaction_counts={"hug": 1})
    Mention.objects.create(post=theirs.posts.get(position=1), user=member)
    Draft.objects.create(user=member, key="k", title=f"{PERSONAL}5", body=f"{PERSONAL}6 draft")
    messaging = _fill_messaging(community, member, caregiver)
    create_api_token(actor=member, name=f"{PERSONAL}7 phone")
    actions.accept_current_documents(actor=member)
    export = actions.request_data_export(actor=member)  # built at once by the test backend
    client = Client()
    client.force_login(member)
    Client().get(replied.get_absolute_url())  # a visitor's cached page shows their name
    Community.objects.filter(pk=community.pk).update(topic_count=3, post_count=5)
    return {
        "member": member,
        "replied": replied,
        "alone": alone,
        "theirs": theirs,
        "reply": reply,
        "export": export,
        "client": client,
        "community": community,
        **messaging,
    }


def _fill_messaging(community: Community, member: User, caregiver: User) -> dict[str, Any]:
    """A private conversation, a group they named, a room message, reports both ways, a block,
    settings, presence and a room restriction (message bodies are encrypted at rest)."""
    from django.utils import timezone

    from carecircle.messaging.models import (
        ChatRoom,
        Conversation,
        MemberBlock,
        Message,
        MessageReport,
        MessagingSettings,
        Participant,
        RoomPresence,
        RoomRestriction,
    )

    def message(body: str, author: User, **place: Any) -> Message:
        return Message.objects.create(
            author=author, body=body, body_html=render_markdown(body), **place
        )

    direct = Conversation.objects.create(
        kind="direct", direct_key=f"{min(member.pk, caregiver.pk)}:{max(member.pk, caregiver.pk)}"
    )
    group = Conversation.objects.create(kind="group", title=f"{CONTENT}9 group", created_by=member)
    for conversation in (direct, group):
        Participant.objects.create(conversation=conversation, user=member)
        Participant.objects.create(conversation=conversation, user=caregiver)
    private = message(f"{CONTENT}6 private message", member, conversation=direct)
    answer = message("An answer", caregiver, conversation=direct)
    room = ChatRoom.objects.create(community=community, name="Chat", slug="chat")
    in_room = message(f"{CONTENT}7 room message", member, room=room)
    MessageReport.objects.create(
        message=private, reporter=caregiver, reason="abusive", body_snapshot=private.body
    )
    MessageReport.objects.create(
        message=answer, reporter=member, reason="other", note=f"{CONTENT}8 report note"
    )
    MemberBlock.objects.create(blocker=member, blocked=caregiver, level="mute")
    MemberBlock.objects.create(blocker=caregiver, blocked=member)
    MessagingSettings.objects.create(user=member, requests_from="new_people")
    RoomPresence.objects.create(
        room=room, user=member, channel_name=f"{PERSONAL}12 socket", last_seen_at=timezone.now()
    )
    RoomRestriction.objects.create(
        room=room, user=member, until=timezone.now(), reason=f"{PERSONAL}13 flooding"
    )
    return {"private_message": private, "room_message": in_room, "direct": direct}


def _has_profile() -> bool:
    try:
        apps.get_model("accounts", "Profile")
    except LookupError:
        return False
    return True


def _fill_profile(member: User) -> None:
    """Every text field of the profile gets a marker; an avatar file is written."""
    from django.db import models

    from carecircle.core.crypto import EncryptedJSONField

    model = apps.get_model("accounts", "Profile")
    values: dict[str, Any] = {}
    for field in model._meta.concrete_fields:
        if field.name in ("id", "user", "visibility", "country"):
            continue
        if field.name == "avatar":
            path = Path(settings.MEDIA_ROOT) / "avatars" / f"{PERSONAL}8.webp"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(f"RIFF{PERSONAL}9".encode())
            values["avatar"] = f"avatars/{PERSONAL}8.webp"
        elif isinstance(field, EncryptedJSONField | models.JSONField):
            values[field.name] = [f"{PERSONAL}10 {field.name}"]
        elif isinstance(field, models.CharField | models.TextField):
            values[field.name] = f"{PERSONAL}11 {field.name}"[: field.max_length or 100]
    model._default_manager.update_or_create(user=member, defaults=values)


def _erase(world: dict[str, Any], keep_posts: bool, caplog: Any) -> None:
    member = world["member"]
    member_id = member.pk
    assert _in_database(PERSONAL) and _in_files(PERSONAL) and _in_cache(PERSONAL)
    world["export"].refresh_from_db()
    assert world["export"].status == DataExport.Status.READY
    exported = Path(settings.CARECIRCLE_EXPORT_ROOT) / world["export"].file_name
    assert exported.is_file()
    with caplog.at_level(logging.DEBUG):
        actions.erase_member(actor=member, member=member, keep_posts=keep_posts)
    assert PERSONAL not in caplog.text and CONTENT not in caplog.text
    assert f"member {member_id} erased" in caplog.text
    assert not exported.exists()


def test_erasure_removing_posts_leaves_no_trace(world, caplog):
    member_id = world["member"].pk
    versions = {t.pk: t.content_version for t in Topic.objects.all()}

    _erase(world, keep_posts=False, caplog=caplog)

    assert _in_database(PERSONAL) == []
    assert _in_database(CONTENT) == []
    assert _in_files(PERSONAL) == [] and _in_files(CONTENT) == []
    assert _in_cache(PERSONAL) == [] and _in_cache(CONTENT) == []
    assert not User.objects.filter(pk=member_id).exists()
    # The topic nobody answered is gone; the answered one keeps the reply, without their text.
    assert not Topic.objects.filter(pk=world["alone"].pk).exists()
    replied = Topic.objects.get(pk=world["replied"].pk)
    assert (replied.title, replied.author_id) == ("Removed topic", None)
    assert list(replied.posts.values_list("position", "body", "is_deleted", "author_id")) == [
        (1, "", True, None),
        (2, "A reply", False, replied.posts.get(position=2).author_id),
    ]
    reply = Post.objects.get(pk=world["reply"].pk)
    assert (reply.body, reply.body_html, reply.is_deleted) == ("", "", True)
    theirs_first = world["theirs"].posts.get(position=1)
    assert theirs_first.reaction_counts == {}
    assert (
        Topic.objects.get(pk=world["theirs"].pk).content_version == versions[world["theirs"].pk] + 1
    )
    assert replied.content_version == versions[replied.pk] + 1
    community = Community.objects.get(pk=world["community"].pk)
    assert (community.member_count, community.topic_count, community.post_count) == (3, 2, 4)
    assert Membership.objects.filter(user_id=member_id).count() == 0
    assert DataExport.objects.count() == 0 and ApiToken.objects.count() == 0
    # Their messages keep their place in the conversation and the room, with no words.
    for key in ("private_message", "room_message"):
        message = Message.objects.get(pk=world[key].pk)
        assert (message.author_id, message.body, message.body_html) == (None, "", "")
        assert message.deleted_at is not None
    assert Message.objects.get(conversation=world["direct"], author__isnull=False).body == (
        "An answer"
    )


# The search index's rows, and on SQLite the FTS5 tables that keep their words.
SEARCH_INDEX_TABLES = {"search_searchdocument"} | (
    {"search_fts", "search_fts_data", "search_fts_people", "search_fts_people_data"}
    if connection.vendor == "sqlite"
    else set()
)


def test_erasure_keeping_posts_keeps_only_what_they_wrote(world, caplog):
    member_id = world["member"].pk

    _erase(world, keep_posts=True, caplog=caplog)

    assert _in_database(PERSONAL) == []
    assert _in_files(PERSONAL) == [] and _in_cache(PERSONAL) == []
    found = _in_database(CONTENT)
    # Kept posts stay findable, now without an author: only the search index's own tables
    # (its rows, and the full-text structures beside them) hold their words besides the posts.
    in_index = [(table, column) for table, column in found if table.startswith("search_")]
    assert ("search_searchdocument", "body") in in_index
    assert {table for table, _column in in_index} <= SEARCH_INDEX_TABLES
    assert [entry for entry in found if entry not in in_index] == [
        ("discussions_post", "body"),
        ("discussions_post", "body_html"),
        ("discussions_topic", "title"),
        ("messaging_conversation", "title"),
        ("messaging_message", "body"),
        ("messaging_message", "body_html"),
        ("messaging_messagereport", "body_snapshot"),
        ("messaging_messagereport", "note"),
    ]
    # Bodies are encrypted: compared after reading, not in SQL.
    kept = [m for m in Message.objects.filter(author__isnull=True) if m.body.startswith(CONTENT)]
    assert sorted(m.pk for m in kept) == sorted(
        [world["private_message"].pk, world["room_message"].pk]
    )
    assert Post.objects.filter(body__startswith=CONTENT, author__isnull=True).count() == 3
    assert Topic.objects.filter(title__startswith=CONTENT, author__isnull=True).count() == 2
    assert PostRevision.objects.count() == 0
    community = Community.objects.get(pk=world["community"].pk)
    assert (community.member_count, community.topic_count, community.post_count) == (3, 3, 5)
    [event] = AuditEvent.objects.filter(verb="member.erase")
    assert (event.actor_id, event.actor_ref, event.subject_id, event.subject_ref) == (
        None,
        member_id,
        None,
        member_id,
    )
    assert event.data == {"keep_posts": True}


def test_erasure_ends_every_session_of_the_member(world, caplog):
    other = Client()
    other.force_login(world["member"])
    assert Session.objects.count() == 2

    actions.erase_member(actor=world["member"], member=world["member"], keep_posts=True)

    assert Session.objects.count() == 0
    assert world["client"].get("/account/privacy/").status_code == 302


def test_nobody_else_can_erase_a_member(world, caregiver):
    before = User.objects.count()
    with pytest.raises(PermissionDeniedError):
        actions.erase_member(actor=caregiver, member=world["member"], keep_posts=False)
    assert User.objects.count() == before
    assert Post.objects.filter(body__startswith=CONTENT).count() == 3


def test_the_delete_page_needs_the_password_and_keeps_the_choice(world):
    client = world["client"]
    response = client.post(
        "/account/privacy/delete/", {"posts": "remove", "password": "wrong", "confirm": "on"}
    )
    assert response.status_code == 400
    assert "That password is not right" in response.content.decode()
    assert (
        'value="remove" checked' in response.content.decode().replace('id="id_posts_1" ', "")
        or "checked" in response.content.decode()
    )
    assert User.objects.filter(pk=world["member"].pk).exists()

    response = client.post(
        "/account/privacy/delete/", {"posts": "remove", "password": PASSWORD, "confirm": "on"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/account/privacy/deleted/"
    assert not User.objects.filter(pk=world["member"].pk).exists()
    assert not Topic.objects.filter(pk=world["alone"].pk).exists()
