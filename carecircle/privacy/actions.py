"""Every write about a member's data rights: consents, exports, erasure and memorial state."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Count, F
from django.db.models.functions import Greatest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from carecircle.accounts.models import ApiToken, User
from carecircle.communities.models import Community, Membership
from carecircle.core.audit import record_event
from carecircle.core.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    ValidationFailed,
)
from carecircle.core.ratelimit import check_rate
from carecircle.privacy import exports, permissions, queries
from carecircle.privacy.models import ConsentRecord, DataExport, MemorialNote, PolicyDocument
from carecircle.privacy.registry import erasers
from carecircle.search.indexing import (
    erase_from_index_later,
    index_member_later,
)
from carecircle.signin.actions import end_member_sessions

logger = logging.getLogger(__name__)

EXPORTS_PER_DAY = 3
NOTE_MIN, NOTE_MAX = 10, 2000
# Visitor pages of a topic are cached per content version (discussions.views); erasure drops
# the entries of this many recent versions of every affected topic.
CACHED_VERSIONS = 20


# --- consents ------------------------------------------------------------------------------------


def _published(document_id: int) -> PolicyDocument:
    document = PolicyDocument.objects.filter(
        pk=document_id, published_at__isnull=False, published_at__lte=timezone.now()
    ).first()
    if document is None:
        raise NotFoundError(_("That document was not found."))
    return document


def _accept(actor: User, document: PolicyDocument) -> ConsentRecord:
    now = timezone.now()
    record, created = ConsentRecord.objects.get_or_create(
        user=actor, document=document, defaults={"accepted_at": now}
    )
    if not created and record.withdrawn_at is not None:
        record.accepted_at, record.withdrawn_at = now, None
        record.save(update_fields=["accepted_at", "withdrawn_at"])
    elif not created:
        return record
    record_event(
        actor=actor,
        verb="consent.accept",
        target=record,
        subject=actor,
        kind=document.kind,
        version=document.version,
    )
    return record


def accept_document(*, actor: User, document_id: int) -> ConsentRecord:
    """Accept one published document version (or give an optional consent); idempotent."""
    document = _published(document_id)
    if document.pk not in {d.pk for d in queries.current_documents()}:
        raise ConflictError(_("A newer version of this document exists. Please read that one."))
    with transaction.atomic():
        return _accept(actor, document)


def accept_current_documents(*, actor: User) -> list[ConsentRecord]:
    """Accept the current terms and privacy policy (at sign-up, or after they change)."""
    with transaction.atomic():
        return [_accept(actor, d) for d in queries.current_documents() if d.is_required]


def accept_shown_documents(*, actor: User, document_ids: list[int]) -> list[ConsentRecord]:
    """Accept exactly the required document versions the member was shown.

    If a newer version was published after the page was shown, nothing is accepted and a
    ConflictError asks the member to read it: nobody accepts a text they never saw.
    """
    current = {d.pk: d for d in queries.current_documents() if d.is_required}
    shown = set(document_ids)
    if not shown or shown - set(current):
        raise ConflictError(
            _("A newer version was published while you were reading. Please read it first.")
        )
    with transaction.atomic():
        return [_accept(actor, current[pk]) for pk in sorted(shown)]


def publish_policy_document(*, actor: User, document: PolicyDocument) -> PolicyDocument:
    """Save a document version from the admin; a published one is recorded and offered to
    every member from their next page on."""
    from django.core.cache import cache

    with transaction.atomic():
        document.save()
        if document.published_at is not None:
            record_event(
                actor=actor,
                verb="policy.publish",
                target=document,
                kind=document.kind,
                version=document.version,
            )
    cache.delete(queries.REQUIRED_IDS_CACHE_KEY)
    return document


def withdraw_consent(*, actor: User, document_id: int) -> ConsentRecord:
    """Withdraw an optional consent; the terms and privacy policy cannot be withdrawn."""
    record = (
        ConsentRecord.objects.select_related("document")
        .filter(user=actor, document_id=document_id)
        .first()
    )
    if record is None:
        raise NotFoundError(_("You have not given that consent."))
    if record.document.is_required:
        raise ValidationFailed(
            _(
                "The terms and privacy policy cannot be withdrawn while you have an account. "
                "If you no longer agree, you can delete your account."
            ),
            code="required_document",
        )
    if record.withdrawn_at is None:
        with transaction.atomic():
            record.withdrawn_at = timezone.now()
            record.save(update_fields=["withdrawn_at"])
            record_event(
                actor=actor,
                verb="consent.withdraw",
                target=record,
                subject=actor,
                kind=record.document.kind,
                version=record.document.version,
            )
    return record


# --- data export ---------------------------------------------------------------------------------


def request_data_export(*, actor: User) -> DataExport:
    """Ask for a copy of the actor's data; one at a time, a few a day, built in the background."""
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDeniedError(_("Please sign in first."))
    check_rate(scope="data_export", key=str(actor.pk), rate="10/h")
    now = timezone.now()
    with transaction.atomic():
        # Lock the member's row so two clicks at once cannot both start an export.
        User.objects.select_for_update().filter(pk=actor.pk).first()
        if DataExport.objects.filter(user=actor, status=DataExport.Status.PENDING).exists():
            raise ConflictError(
                _("Your data is already being prepared. We will email you when it is ready.")
            )
        recent = DataExport.objects.filter(user=actor, requested_at__gte=now - timedelta(days=1))
        if recent.count() >= EXPORTS_PER_DAY:
            raise RateLimitedError(
                _("You can ask for %(count)d copies a day. Please try again tomorrow.")
                % {"count": EXPORTS_PER_DAY}
            )
        export = DataExport.objects.create(user=actor, requested_at=now)
        record_event(actor=actor, verb="export.request", target=export, subject=actor)
        transaction.on_commit(lambda: _enqueue_build(export.pk))
    return export


def _enqueue_build(export_id: int) -> None:
    from carecircle.privacy.tasks import build_data_export_task

    build_data_export_task.enqueue(export_id)


def build_data_export(*, export_id: int) -> DataExport | None:
    """Build the ZIP of a pending export and tell its owner; does nothing if already done."""
    export = DataExport.objects.select_related("user").filter(pk=export_id).first()
    if export is None or export.status != DataExport.Status.PENDING:
        return export
    try:
        file_name, size = exports.build_zip(export.user)
    except Exception:
        logger.exception("data export %s of member %s failed", export.pk, export.user_id)
        DataExport.objects.filter(pk=export.pk).update(
            status=DataExport.Status.FAILED, finished_at=timezone.now()
        )
        raise
    now = timezone.now()
    with transaction.atomic():
        changed = DataExport.objects.filter(pk=export.pk, status=DataExport.Status.PENDING).update(
            status=DataExport.Status.READY,
            finished_at=now,
            expires_at=now + timedelta(days=exports.export_days()),
            file_name=file_name,
            size_bytes=size,
        )
        if not changed:  # erased or built meanwhile: this copy is not wanted
            transaction.on_commit(lambda: exports.delete_file(file_name))
            return export
        record_event(actor=None, verb="export.ready", target=export, subject=export.user)
        user_id = export.user_id
        transaction.on_commit(lambda: _send_export_ready(user_id))
    export.refresh_from_db()
    return export


def _send_export_ready(user_id: int) -> None:
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        return
    site = settings.SITE_NAME
    link = settings.SITE_URL.rstrip("/") + reverse("data_export")
    # No health content, nothing from the export itself: just where to fetch it.
    send_mail(
        _("Your %(site)s data export is ready") % {"site": site},
        _(
            "Hello,\n\nThe copy of your %(site)s data you asked for is ready. Sign in and "
            "download it here:\n\n%(link)s\n\nIt will be deleted after %(days)d days. If you "
            "did not ask for it, please change your password.\n"
        )
        % {"site": site, "link": link, "days": exports.export_days()},
        None,
        [user.email],
    )


def delete_expired_exports(*, now: Any = None) -> int:
    """Delete the files of exports past their expiry date; returns how many expired."""
    now = now or timezone.now()
    expired = list(DataExport.objects.filter(status=DataExport.Status.READY, expires_at__lte=now))
    for export in expired:
        with transaction.atomic():
            DataExport.objects.filter(pk=export.pk).update(
                status=DataExport.Status.EXPIRED, file_name=""
            )
        exports.delete_file(export.file_name)
    return len(expired)


# --- erasure -------------------------------------------------------------------------------------


def check_password_for_erasure(*, actor: User, password: str) -> None:
    """Confirm the member's password before their account is erased; rate-limited."""
    check_rate(scope="erase_password", key=str(actor.pk), rate="5/h")
    if not password or not actor.check_password(password):
        raise ValidationFailed(
            _("That password is not right. Please type your current password."),
            code="wrong_password",
            field="password",
        )


def erase_own_account(*, actor: User, password: str, keep_posts: bool) -> None:
    """The member deletes their own account: password first, then `erase_member`."""
    check_password_for_erasure(actor=actor, password=password)
    erase_member(actor=actor, member=actor, keep_posts=keep_posts)


def _recount_reactions(post_ids: Iterable[int]) -> None:
    from carecircle.discussions.models import Post, Reaction

    ids = list(post_ids)
    counts: dict[int, dict[str, int]] = {pk: {} for pk in ids}
    for row in (
        Reaction.objects.filter(post_id__in=ids).values("post_id", "kind").annotate(n=Count("pk"))
    ):
        counts[row["post_id"]][row["kind"]] = row["n"]
    posts = list(Post.objects.filter(pk__in=ids).only("pk", "reaction_counts"))
    for post in posts:
        post.reaction_counts = counts.get(post.pk, {})
    Post.objects.bulk_update(posts, ["reaction_counts"], batch_size=500)


def _forget_cached_pages(topics: list[tuple[int, int, int]]) -> None:
    """Drop cached visitor pages of these (topic id, content version, reply count) triples."""
    size = settings.CARECIRCLE_PAGE_SIZE
    languages = [code for code, _name in settings.LANGUAGES]
    keys = [
        f"topic-page:{topic_id}:{v}:{page}:{language}"
        for topic_id, version, replies in topics
        for v in range(max(0, version - CACHED_VERSIONS), version + 2)
        for page in range(1, replies // size + 2)
        for language in languages
    ]
    for start in range(0, len(keys), 1000):
        cache.delete_many(keys[start : start + 1000])


def erase_member(*, actor: Any, member: User, keep_posts: bool) -> None:
    """Erase a member's account and personal data, keeping their posts anonymised or not.

    The member themself (after confirming their password) or a site administrator. Runs in one
    transaction; files (avatar, export ZIPs) are deleted after it commits. Audit events about
    the member keep their ids only.
    """
    from carecircle.discussions.models import Mention, Post, PostRevision, Reaction, Topic
    from carecircle.discussions.queries import started_by, written_by

    if not getattr(actor, "is_authenticated", False) or not (
        actor.pk == member.pk or actor.is_site_admin
    ):
        raise PermissionDeniedError(_("You can only delete your own account."))
    member_id = member.pk
    now = timezone.now()
    with transaction.atomic():
        own_post_ids = list(Post.objects.filter(written_by(member)).values_list("pk", flat=True))
        started = list(Topic.objects.filter(started_by(member)).values_list("pk", flat=True))
        reacted_post_ids = set(
            Reaction.objects.filter(user=member).values_list("post_id", flat=True)
        )
        affected_topic_ids = (
            set(Post.objects.filter(pk__in=own_post_ids).values_list("topic_id", flat=True))
            | set(started)
            | set(Post.objects.filter(pk__in=reacted_post_ids).values_list("topic_id", flat=True))
            | set(Topic.objects.filter(last_poster=member).values_list("pk", flat=True))
        )
        cached = list(
            Topic.objects.filter(pk__in=affected_topic_ids).values_list(
                "pk", "content_version", "reply_count"
            )
        )

        # Old versions of their posts go in both cases: "keep my posts" keeps what they show now.
        PostRevision.objects.filter(post_id__in=own_post_ids).delete()
        Reaction.objects.filter(user=member).delete()
        if not keep_posts:
            _remove_posts(member, own_post_ids, started, now)
        _recount_reactions(
            reacted_post_ids - set(own_post_ids) if not keep_posts else reacted_post_ids
        )
        Mention.objects.filter(user=member).delete()

        Community.objects.filter(memberships__user=member).update(
            member_count=Greatest(F("member_count") - 1, 0)
        )
        Membership.objects.filter(user=member).delete()
        ApiToken.objects.filter(user=member).delete()

        export_files = list(
            DataExport.objects.filter(user=member)
            .exclude(file_name="")
            .values_list("file_name", flat=True)
        )
        for erase in erasers():
            erase(member, keep_posts)
        Topic.objects.filter(pk__in=affected_topic_ids).update(
            content_version=F("content_version") + 1
        )
        record_event(
            actor=actor,
            verb="member.erase",
            target=member,
            subject=member,
            keep_posts=keep_posts,
        )
        end_member_sessions(member_id)
        member.delete()

        def after_commit() -> None:
            for name in export_files:
                exports.delete_file(name)
            _forget_cached_pages(cached)

        transaction.on_commit(after_commit)
        erase_from_index_later(member_id, affected_topic_ids)
    logger.info("member %s erased (keep_posts=%s)", member_id, keep_posts)


def _remove_posts(member: User, post_ids: list[int], started: list[int], now: Any) -> None:
    """Remove the text of the member's posts; their topics go unless others replied."""
    from carecircle.discussions.models import Mention, Post, Reaction, Topic

    mine = set(post_ids)
    others_replied = set(
        Post.objects.filter(topic_id__in=started)
        .exclude(pk__in=mine)
        .values_list("topic_id", flat=True)
    )
    doomed = [pk for pk in started if pk not in others_replied]
    for topic in Topic.objects.filter(pk__in=doomed).annotate(posts_in=Count("posts")):
        Community.objects.filter(pk=topic.community_id).update(
            topic_count=Greatest(F("topic_count") - (0 if topic.is_deleted else 1), 0),
            post_count=Greatest(F("post_count") - topic.posts_in, 0),
        )
    Topic.objects.filter(pk__in=doomed).delete()
    # Kept threads keep their replies; the removed topic's title is not the member's any more.
    Topic.objects.filter(pk__in=set(started) - set(doomed)).update(
        title=_("Removed topic"), author=None
    )
    remaining = list(Post.objects.filter(pk__in=mine).values_list("pk", flat=True))
    Topic.objects.filter(accepted_post_id__in=remaining).update(accepted_post=None)
    Reaction.objects.filter(post_id__in=remaining).delete()
    Mention.objects.filter(post_id__in=remaining).delete()
    # The rows stay so the thread's positions and reply links hold; no text remains.
    fields: dict[str, Any] = {
        "body": "",
        "body_html": "",
        "is_deleted": True,
        "deleted_at": now,
        "author": None,
        "reaction_counts": {},
    }
    for start in range(0, len(remaining), 5000):
        Post.objects.filter(pk__in=remaining[start : start + 5000]).update(**fields)


# --- memorial state ------------------------------------------------------------------------------


def _clean_note(note: str) -> str:
    note = (note or "").strip()
    if len(note) < NOTE_MIN:
        raise ValidationFailed(
            _(
                "Please write a short note for staff: who asked, and when "
                "(%(min)d characters or more)."
            )
            % {"min": NOTE_MIN},
            field="note",
        )
    if len(note) > NOTE_MAX:
        raise ValidationFailed(
            _("Notes can be at most %(max)d characters.") % {"max": NOTE_MAX}, field="note"
        )
    return note


def memorialise_member(*, actor: Any, member: User, note: str) -> User:
    """Mark a member as in memory at their family's request; sign-in stops, posts stay."""
    permissions.check_can_memorialise(actor, member)
    note = _clean_note(note)
    if member.memorialised_at is not None:
        raise ConflictError(_("This member is already shown as in memory."))
    with transaction.atomic():
        member.memorialised_at = timezone.now()
        member.save(update_fields=["memorialised_at"])
        written = MemorialNote.objects.create(member=member, written_by=actor, note=note)
        ApiToken.objects.filter(user=member, revoked_at__isnull=True).update(
            revoked_at=member.memorialised_at
        )
        end_member_sessions(member.pk)
        record_event(
            actor=actor, verb="member.memorialise", target=member, subject=member, note=written.pk
        )
        index_member_later(member.pk)
    return member


def unmemorialise_member(*, actor: Any, member: User, note: str) -> User:
    """Undo the memorial state (a mistake, or the family changed their mind); admins only."""
    permissions.check_can_undo_memorial(actor, member)
    note = _clean_note(note)
    if member.memorialised_at is None:
        raise ConflictError(_("This member is not shown as in memory."))
    with transaction.atomic():
        member.memorialised_at = None
        member.save(update_fields=["memorialised_at"])
        written = MemorialNote.objects.create(
            member=member, written_by=actor, note=note, is_undo=True
        )
        record_event(
            actor=actor, verb="member.unmemorialise", target=member, subject=member, note=written.pk
        )
        index_member_later(member.pk)
    return member
