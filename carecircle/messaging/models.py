"""Private conversations, community chat rooms and the messages in both.

Message bodies (and their rendered HTML, which holds the same words) are encrypted at rest
with the site's field keys; the admin never shows them. Messages are ordered by id, which is
also the cursor clients use to catch up after a reconnect.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from carecircle.core.crypto import EncryptedTextField
from carecircle.core.models import ModerationState


class MessagingSettings(models.Model):
    """A member's choices about private messages (a row exists only once they change one)."""

    class RequestsFrom(models.TextChoices):
        STRANGERS = "strangers", _("Members I share no community with")
        NEW_PEOPLE = "new_people", _("Anyone I have not talked to before")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="messaging_settings",
    )
    requests_from = models.CharField(
        _("messages arrive as requests from"),
        max_length=20,
        choices=RequestsFrom.choices,
        default=RequestsFrom.STRANGERS,
    )
    # Seen indicators work both ways: a member who hides theirs does not see others'.
    shares_read_receipts = models.BooleanField(_("show others when I have read"), default=True)

    def __str__(self) -> str:
        return f"messaging settings of {self.user_id}"


class Conversation(models.Model):
    """A private one-to-one or group conversation."""

    class Kind(models.TextChoices):
        DIRECT = "direct", _("One to one")
        GROUP = "group", _("Group")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    title = models.CharField(_("name"), max_length=120, blank=True)
    # "<lower user id>:<higher user id>" for a one-to-one conversation, so two members have
    # exactly one; null for groups.
    direct_key = models.CharField(max_length=64, null=True, blank=True, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_message_at = models.DateTimeField(null=True, blank=True, db_index=True)
    last_message_id = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"conversation {self.pk}"


class Participant(models.Model):
    """One member's place in a conversation: whether they accepted it, and what they read."""

    class State(models.TextChoices):
        ACTIVE = "active", _("In the conversation")
        REQUESTED = "requested", _("Message request")
        DECLINED = "declined", _("Declined")
        LEFT = "left", _("Left")

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="participants"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="conversation_places"
    )
    state = models.CharField(max_length=12, choices=State.choices, default=State.ACTIVE)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    joined_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    left_at = models.DateTimeField(null=True, blank=True)
    # Messages with an id up to this one count as read.
    last_read_message_id = models.BigIntegerField(default=0)
    # The member reads only messages with a greater id: 0 for the people who started the
    # conversation, its last message id for a member added later (or added back after leaving).
    history_from_message_id = models.BigIntegerField(default=0)
    is_muted = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["conversation", "user"], name="one_place_per_member")
        ]
        indexes = [models.Index(fields=["user", "state"], name="messaging_place_user_state")]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.conversation_id}"


class MemberBlock(models.Model):
    """One member muting or blocking another.

    Mute: the other's messages raise no badge and their requests wait silently. Block: they
    can no longer message the blocker, mention them or see their online status either.
    """

    class Level(models.TextChoices):
        MUTE = "mute", _("Muted")
        BLOCK = "block", _("Blocked")

    blocker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="blocks_made"
    )
    blocked = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="blocks_received"
    )
    level = models.CharField(max_length=8, choices=Level.choices, default=Level.BLOCK)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["blocker", "blocked"], name="one_block_per_pair"),
            models.CheckConstraint(
                condition=~Q(blocker=models.F("blocked")), name="no_blocking_oneself"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.blocker_id} {self.level} {self.blocked_id}"


class ChatRoom(models.Model):
    """A live chat room in a community, open to its members."""

    community = models.ForeignKey(
        "communities.Community", on_delete=models.CASCADE, related_name="chat_rooms"
    )
    name = models.CharField(_("name"), max_length=80)
    slug = models.SlugField(max_length=80)
    description = models.TextField(_("description"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Messages older than this many days are deleted by a background task; None keeps them.
    retention_days = models.PositiveIntegerField(
        _("keep messages for (days)"), null=True, blank=True
    )
    # A member may send one message per this many seconds; 0 is off.
    slow_mode_seconds = models.PositiveIntegerField(_("slow mode (seconds)"), default=0)
    is_archived = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["community", "slug"], name="room_slug_per_community")
        ]

    def __str__(self) -> str:
        return self.name


class ChatSession(models.Model):
    """A scheduled session in a room ("Tuesday evening support group", 19:00 to 20:30)."""

    room = models.ForeignKey(ChatRoom, on_delete=models.CASCADE, related_name="sessions")
    title = models.CharField(_("title"), max_length=120)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    # Told to everyone in the room before they write: the transcript may become a topic.
    publishes_transcript = models.BooleanField(
        _("the transcript may be published as a topic"), default=False
    )
    published_topic = models.ForeignKey(
        "discussions.Topic", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="session_ends_after_start"
            )
        ]
        indexes = [models.Index(fields=["room", "starts_at"], name="messaging_session_room")]

    def __str__(self) -> str:
        return self.title


class RoomRestriction(models.Model):
    """A moderator stopping one member from writing in a room until a time."""

    room = models.ForeignKey(ChatRoom, on_delete=models.CASCADE, related_name="restrictions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    until = models.DateTimeField()
    reason = models.CharField(max_length=300, blank=True)
    restricted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["room", "user"], name="one_restriction_per_member")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} muted in {self.room_id}"


class RoomPresence(models.Model):
    """One open socket in a room; who is "here now" is read from the fresh rows."""

    room = models.ForeignKey(ChatRoom, on_delete=models.CASCADE, related_name="presences")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    channel_name = models.CharField(max_length=200, unique=True)
    last_seen_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["room", "last_seen_at"], name="messaging_presence_room")]

    def __str__(self) -> str:
        return f"{self.user_id} in room {self.room_id}"


class Message(models.Model):
    """One message, in a private conversation or in a chat room (exactly one of the two)."""

    conversation = models.ForeignKey(
        Conversation, null=True, blank=True, on_delete=models.CASCADE, related_name="messages"
    )
    room = models.ForeignKey(
        ChatRoom, null=True, blank=True, on_delete=models.CASCADE, related_name="messages"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Chosen by the sending client, so a send retried after a lost connection is stored once.
    client_id = models.UUIDField(null=True, blank=True)
    body = EncryptedTextField(blank=True)
    body_html = EncryptedTextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    # A deleted message keeps its place (and id) but not its words.
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Pending and hidden messages are shown only to their author and moderators.
    moderation_state = models.CharField(
        max_length=10, choices=ModerationState.choices, default=ModerationState.VISIBLE
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(Q(conversation__isnull=False) & Q(room__isnull=True))
                | (Q(conversation__isnull=True) & Q(room__isnull=False)),
                name="message_in_conversation_or_room",
            ),
            models.UniqueConstraint(
                fields=["author", "client_id"],
                condition=Q(client_id__isnull=False),
                name="message_client_id_once",
            ),
        ]
        indexes = [
            models.Index(fields=["conversation", "id"], name="messaging_message_conv"),
            models.Index(fields=["room", "id"], name="messaging_message_room"),
            models.Index(fields=["room", "created_at"], name="messaging_message_room_time"),
        ]

    def __str__(self) -> str:
        return f"message {self.pk}"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class MessageReport(models.Model):
    """A member reporting a message to moderators, with the words as they were reported."""

    class Reason(models.TextChoices):
        SPAM = "spam", _("Spam or advertising")
        ABUSIVE = "abusive", _("Abusive, harassing or threatening")
        PRIVATE_INFORMATION = "private_information", _("Shares someone's private information")
        MEDICALLY_INACCURATE = "medically_inaccurate", _("Medically inaccurate or harmful advice")
        CRISIS = "crisis", _("The writer may be in crisis")
        OTHER = "other", _("Something else")

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting for a moderator")
        CLOSED = "closed", _("Dealt with")

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(max_length=30, choices=Reason.choices)
    note = EncryptedTextField(blank=True)
    # The reported words, kept even if the author edits or deletes the message afterwards.
    body_snapshot = EncryptedTextField(blank=True)
    # The message's files when it was reported: while the report is open they are kept for its
    # reviewers even if the writer removes them or deletes the message (erasure still deletes
    # them at once). Closing the report lets the cleanup job have them.
    files = models.ManyToManyField("uploads.Upload", blank=True, related_name="held_by_reports")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["message", "reporter"], name="one_report_per_reporter")
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="messaging_report_status")]

    def __str__(self) -> str:
        return f"report {self.pk} on message {self.message_id}"
