"""The privacy app's own registrations, and fallbacks for the core apps' models.

Registrations marked `default=True` give way to an app's own `privacy_export.py`, so an app
that wants to describe its data differently just registers it there.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.db.models import Q

from carecircle.privacy.registry import Row, display_name, exclude, register


def _author_of(post: Any, member: Any) -> str | None:
    if post.author_id is not None:
        return "you" if post.author_id == member.pk else display_name(post.author)
    return str(post.alias.label) if post.alias_id is not None else None


def account(member: Any) -> Iterator[Row]:
    yield {
        "email": member.email,
        "display_name": member.display_name,
        "handle": member.handle,
        "roles": list(member.role_labels),
        "time_zone": member.time_zone,
        "date_joined": member.date_joined,
        "last_login": member.last_login,
        "groups": [group.name for group in member.groups.all()],
    }


def profile(member: Any) -> Iterator[Row]:
    model = apps.get_model("accounts", "Profile")
    for obj in model._default_manager.filter(user=member):
        yield {
            f.name: getattr(obj, f.attname)
            for f in model._meta.concrete_fields
            if f.name not in ("id", "user")
        }


def avatar_files(member: Any) -> Iterator[tuple[str, Path]]:
    model = apps.get_model("accounts", "Profile")
    for path in model._default_manager.filter(user=member).values_list("avatar", flat=True):
        if path:
            full = Path(settings.MEDIA_ROOT) / path
            if full.is_file():
                yield f"avatar/{full.name}", full


def erase_avatar(member: Any, keep_posts: bool) -> None:
    """Delete the avatar file once the erasure has committed (the row cascades)."""
    paths = [path for _arcname, path in avatar_files(member)]

    def delete() -> None:
        for path in paths:
            path.unlink(missing_ok=True)

    transaction.on_commit(delete)


def topics(member: Any) -> Iterator[Row]:
    from carecircle.discussions.models import Topic
    from carecircle.discussions.queries import started_by

    condition = started_by(member) | Q(on_behalf_of=member)
    for topic in Topic.objects.filter(condition).select_related("community").order_by("pk"):
        yield {
            "id": topic.pk,
            "title": topic.title,
            "community": topic.community.name,
            "created_at": topic.created_at,
            "is_question": topic.is_question,
            "is_deleted": topic.is_deleted,
            "started_by_you": topic.author_id == member.pk,
            "anonymous": topic.author_alias_id is not None,
            "on_your_behalf": topic.on_behalf_of_id == member.pk,
        }


def _posts_query(member: Any) -> Any:
    from carecircle.discussions.models import Post
    from carecircle.discussions.queries import written_by

    return Post.objects.filter(written_by(member) | Q(on_behalf_of=member))


def posts(member: Any) -> Iterator[Row]:
    query = _posts_query(member).select_related("topic__community").order_by("pk")
    for post in query.iterator(chunk_size=2000):
        yield {
            "id": post.pk,
            "topic_id": post.topic_id,
            "topic": post.topic.title,
            "community": post.topic.community.name,
            "position": post.position,
            "body": post.body,
            "created_at": post.created_at,
            "edited_at": post.edited_at,
            "is_deleted": post.is_deleted,
            "written_by_you": post.author_id == member.pk,
            "anonymous": post.alias_id is not None,
            "on_your_behalf": post.on_behalf_of_id == member.pk,
        }


def revisions(member: Any) -> Iterator[Row]:
    from carecircle.discussions.models import PostRevision

    query = (
        PostRevision.objects.filter(post__in=_posts_query(member).values("pk"))
        .select_related("editor")
        .order_by("post_id", "number")
    )
    for revision in query:
        yield {
            "post_id": revision.post_id,
            "number": revision.number,
            "title": revision.title,
            "body": revision.body,
            "reason": revision.reason,
            "edited_by": "you"
            if revision.editor_id == member.pk
            else display_name(revision.editor),
            "created_at": revision.created_at,
        }


def reactions(member: Any) -> Iterator[Row]:
    from carecircle.discussions.models import Reaction

    for reaction in Reaction.objects.filter(user=member).order_by("pk"):
        yield {
            "post_id": reaction.post_id,
            "kind": reaction.kind,
            "created_at": reaction.created_at,
        }


def mentions(member: Any) -> Iterator[Row]:
    from carecircle.core.models import ModerationState
    from carecircle.discussions.models import Mention

    # Only mentions the member could read: a post or topic held or hidden by moderators
    # (its words, even its title) is not theirs to receive.
    query = Mention.objects.filter(
        user=member,
        post__moderation_state=ModerationState.VISIBLE,
        post__topic__moderation_state=ModerationState.VISIBLE,
    ).select_related("post__author", "post__topic", "post__alias")
    for mention in query.order_by("pk"):
        yield {
            "post_id": mention.post_id,
            "topic": mention.post.topic.title,
            "mentioned_by": _author_of(mention.post, member),
        }


def anonymous_names(member: Any) -> Iterator[Row]:
    model = apps.get_model("discussions", "TopicAlias")
    for alias in model._default_manager.filter(user=member).order_by("pk"):
        yield {"topic_id": alias.topic_id, "name": str(alias.label), "created_at": alias.created_at}


def memberships(member: Any) -> Iterator[Row]:
    from carecircle.communities.models import Membership

    for membership in Membership.objects.filter(user=member).select_related("community"):
        yield {
            "community": membership.community.name,
            "role": membership.role,
            "joined_at": membership.created_at,
            "guidelines_version": membership.guidelines_version,
            "guidelines_accepted_at": membership.guidelines_accepted_at,
        }


def guidelines(member: Any) -> Iterator[Row]:
    from carecircle.communities.models import GuidelinesAcceptance

    query = GuidelinesAcceptance.objects.filter(user=member).select_related("community")
    for acceptance in query.order_by("accepted_at", "pk"):
        yield {
            "community": acceptance.community.name,
            "guidelines_version": acceptance.guidelines_version,
            "accepted_at": acceptance.accepted_at,
        }


def invitations(member: Any) -> Iterator[Row]:
    from carecircle.communities.models import Invitation

    query = (
        Invitation.objects.filter(Q(user=member) | Q(invited_by=member))
        .select_related("community", "user", "invited_by")
        .order_by("pk")
    )
    for invitation in query:
        received = invitation.user_id == member.pk
        yield {
            "community": invitation.community.name,
            "direction": "received" if received else "sent",
            "other_member": display_name(invitation.invited_by if received else invitation.user),
            "created_at": invitation.created_at,
            "accepted_at": invitation.accepted_at,
        }


def api_tokens(member: Any) -> Iterator[Row]:
    from carecircle.accounts.models import ApiToken

    # Names and prefixes only: the hash is never exported.
    for token in ApiToken.objects.filter(user=member).order_by("pk"):
        yield {
            "name": token.name,
            "starts_with": token.prefix,
            "created_at": token.created_at,
            "last_used_at": token.last_used_at,
            "revoked_at": token.revoked_at,
        }


def audit_events(member: Any) -> Iterator[Row]:
    from carecircle.core.models import AuditEvent

    query = AuditEvent.objects.filter(subject=member).select_related("actor").order_by("pk")
    for event in query:
        yield {
            "when": event.created_at,
            "what": event.verb,
            "by": "you" if event.actor_id == member.pk else display_name(event.actor),
            "about": f"{event.target_type}:{event.target_id}",
            "details": event.data,
        }


def admin_actions(member: Any) -> Iterator[Row]:
    from django.contrib.admin.models import LogEntry

    # The object's name is left out: it can be another member's.
    for entry in LogEntry.objects.filter(user=member).select_related("content_type"):
        yield {
            "when": entry.action_time,
            "kind": entry.content_type.model if entry.content_type else None,
            "action": {1: "added", 2: "changed", 3: "deleted"}.get(entry.action_flag),
        }


def social_accounts(member: Any) -> Iterator[Row]:
    model = apps.get_model("socialaccount", "SocialAccount")
    for account in model._default_manager.filter(user=member).order_by("pk"):
        yield {
            "provider": account.provider,
            "connected_at": account.date_joined,
            "last_login": account.last_login,
        }


def consents(member: Any) -> Iterator[Row]:
    from carecircle.privacy.models import ConsentRecord

    for record in ConsentRecord.objects.filter(user=member).select_related("document"):
        yield {
            "document": record.document.get_kind_display(),
            "version": record.document.version,
            "accepted_at": record.accepted_at,
            "withdrawn_at": record.withdrawn_at,
        }


def _register_all() -> None:
    register("accounts.User", name="account", export=account, default=True)
    register("accounts.ApiToken", name="api_tokens", export=api_tokens, default=True)
    register(
        "accounts.Profile",
        name="profile",
        export=profile,
        files=avatar_files,
        erase=erase_avatar,
        default=True,
    )
    register(
        "account.EmailAddress",
        name="email_addresses",
        fields=["email", "verified", "primary"],
        default=True,
    )
    # The kind and dates only: secrets and recovery codes never leave the database.
    register(
        "mfa.Authenticator",
        name="sign_in_methods",
        fields=["type", "created_at", "last_used_at"],
        default=True,
    )
    register(
        "socialaccount.SocialAccount", name="linked_accounts", export=social_accounts, default=True
    )
    register("admin.LogEntry", name="admin_actions", export=admin_actions, default=True)
    register("core.AuditEvent", name="activity_on_my_data", export=audit_events, default=True)
    register(
        "communities.Community",
        name="communities_created",
        fields=["name", "slug", "created_at"],
        default=True,
    )
    register("communities.Membership", name="memberships", export=memberships, default=True)
    register(
        "communities.GuidelinesAcceptance",
        name="guidelines_acceptances",
        export=guidelines,
        default=True,
    )
    register("communities.Invitation", name="invitations", export=invitations, default=True)
    register("discussions.Topic", name="topics", export=topics, default=True)
    register("discussions.Post", name="posts", export=posts, default=True)
    register("discussions.PostRevision", name="post_revisions", export=revisions, default=True)
    register("discussions.Reaction", name="reactions", export=reactions, default=True)
    register("discussions.Mention", name="mentions", export=mentions, default=True)
    register(
        "discussions.Draft",
        name="drafts",
        fields=["key", "title", "body", "updated_at"],
        default=True,
    )
    register("discussions.TopicAlias", name="anonymous_names", export=anonymous_names, default=True)
    register("privacy.ConsentRecord", name="consents", export=consents, default=True)
    register(
        "privacy.DataExport",
        name="data_exports",
        fields=["requested_at", "status", "expires_at"],
        default=True,
    )
    # Fallbacks for the sign-in and caregiver apps until they register their own.
    register(
        "signin.MemberSession",
        name="sign_in_sessions",
        fields=["created_at", "last_seen_at", "device", "place", "ip_network", "method"],
        default=True,
    )
    register(
        "caregivers.CaregiverLink",
        name="caregiver_links",
        fields=[
            "patient",
            "carer",
            "status",
            "requested_by",
            "shared_fields",
            "may_post",
            "created_at",
            "accepted_at",
            "ended_at",
        ],
        default=True,
    )
    exclude(
        "privacy.MemorialNote",
        reason="Written by staff at a family's request after the member died; staff-only.",
        default=True,
    )
    exclude(
        "sessions.Session",
        reason="Sign-in cookies' server side: no member content; erasure deletes them.",
        default=True,
    )


_register_all()
