"""Attaching a member's waiting uploads to what they write (posts, messages, resources).

A form or API call names uploads by id, each with its description; `check_choices` refuses the
whole set before anything is saved (another member's upload, one already attached elsewhere,
an image without a description, too many files), and `attach_to_*` links them inside the
caller's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from carecircle.core.errors import ValidationFailed
from carecircle.uploads.models import Upload

ALT_TEXT_MAX = 1000
DEFAULT_MAX_PER_POST = 10


@dataclass(frozen=True)
class AttachmentChoice:
    upload_id: int
    alt_text: str = ""
    is_decorative: bool = False


def max_per_post() -> int:
    return int(getattr(settings, "CARECIRCLE_UPLOAD_MAX_PER_POST", DEFAULT_MAX_PER_POST))


def _usable(actor: Any, *, post: Any = None, message: Any = None, resource: Any = None) -> Q:
    """Uploads `actor` may choose: their own waiting ones, and those already on this post or
    message (a moderator editing a post keeps its author's files without owning them)."""
    condition = Q(
        owner_id=getattr(actor, "pk", None),
        post__isnull=True,
        message__isnull=True,
        resource__isnull=True,
    )
    if post is not None and getattr(post, "pk", None):
        condition |= Q(post_id=post.pk)
    if message is not None and getattr(message, "pk", None):
        condition |= Q(message_id=message.pk)
    if resource is not None and getattr(resource, "pk", None):
        condition |= Q(resource_id=resource.pk)
    return condition


def _description(choice: AttachmentChoice, upload: Upload) -> tuple[str, bool]:
    """The description to keep: the one typed with the post, else the one given at upload."""
    typed = (choice.alt_text or "").strip()
    if typed or choice.is_decorative:
        return typed, bool(choice.is_decorative)
    return upload.alt_text.strip(), upload.is_decorative


def _problems(
    choices: Sequence[AttachmentChoice],
    uploads: dict[int, Upload],
) -> list[dict[str, Any]]:
    problems: list[dict[str, Any]] = []
    limit = max_per_post()
    if len(choices) > limit:
        problems.append(
            {
                "field": "attachments",
                "code": "too_many_attachments",
                "message": ngettext(
                    "You can attach at most %(count)d file.",
                    "You can attach at most %(count)d files.",
                    limit,
                )
                % {"count": limit},
            }
        )
    seen: set[int] = set()
    for choice in choices:
        upload_id = choice.upload_id
        if upload_id in seen:
            problems.append(
                {
                    "field": "attachments",
                    "code": "duplicate_attachment",
                    "message": _("The same file was chosen twice."),
                    "upload_id": upload_id,
                }
            )
            continue
        seen.add(upload_id)
        upload = uploads.get(upload_id)
        if upload is None:
            # Someone else's file, a missing one and one already used elsewhere read the same:
            # the answer must not tell whether another member's upload exists.
            problems.append(
                {
                    "field": "attachments",
                    "code": "upload_not_available",
                    "message": _(
                        "One of the files is no longer available. Remove it and upload it again."
                    ),
                    "upload_id": upload_id,
                }
            )
            continue
        alt_text, is_decorative = _description(choice, upload)
        if len(alt_text) > ALT_TEXT_MAX:
            problems.append(
                {
                    "field": f"alt_{upload_id}",
                    "code": "alt_text_too_long",
                    "message": _("Please keep the description under %(count)d characters.")
                    % {"count": ALT_TEXT_MAX},
                    "upload_id": upload_id,
                }
            )
        elif upload.kind == Upload.Kind.IMAGE and not alt_text and not is_decorative:
            problems.append(
                {
                    "field": f"alt_{upload_id}",
                    "code": "alt_text_required",
                    "message": _(
                        "Please describe this picture for people who cannot see it, or tick "
                        "“It is only decorative”."
                    ),
                    "upload_id": upload_id,
                }
            )
    return problems


def check_choices(
    *,
    actor: Any,
    choices: Sequence[AttachmentChoice],
    post: Any = None,
    message: Any = None,
    resource: Any = None,
) -> None:
    """Raise ValidationFailed (every problem in `details`) unless `choices` may be attached."""
    if not choices:
        return
    ids = [choice.upload_id for choice in choices]
    uploads = {
        upload.pk: upload
        for upload in Upload.objects.filter(
            _usable(actor, post=post, message=message, resource=resource), pk__in=ids
        )
    }
    problems = _problems(choices, uploads)
    if problems:
        first = problems[0]
        raise ValidationFailed(
            first["message"], code=first["code"], field=first["field"], details=problems
        )


def _attach(
    *,
    actor: Any,
    choices: Sequence[AttachmentChoice],
    target_field: str,
    target: Any,
) -> list[Upload]:
    targets = {target_field: target}
    now = timezone.now()
    with transaction.atomic():
        chosen_ids = [choice.upload_id for choice in choices]
        # Locked and checked again: a second tab may have attached the same file meanwhile.
        uploads = {
            upload.pk: upload
            for upload in Upload.objects.select_for_update().filter(
                _usable(actor, **targets), pk__in=chosen_ids
            )
        }
        problems = _problems(choices, uploads)
        if problems:
            first = problems[0]
            raise ValidationFailed(
                first["message"], code=first["code"], field=first["field"], details=problems
            )
        # Let go of what is no longer chosen: `attached_at` then records when it was detached,
        # which is where the cleanup task counts its waiting time from.
        Upload.objects.filter(**{f"{target_field}_id": target.pk}).exclude(
            pk__in=chosen_ids
        ).update(**{target_field: None}, attached_at=now, position=0)
        attached: list[Upload] = []
        for position, choice in enumerate(choices):
            upload = uploads[choice.upload_id]
            alt_text, is_decorative = _description(choice, upload)
            was_here = getattr(upload, f"{target_field}_id") == target.pk
            setattr(upload, target_field, target)
            upload.position = position
            upload.alt_text = alt_text
            upload.is_decorative = is_decorative
            if not was_here:
                upload.attached_at = now
            upload.save(
                update_fields=[
                    target_field,
                    "position",
                    "alt_text",
                    "is_decorative",
                    "attached_at",
                ]
            )
            attached.append(upload)
    return attached


def attach_to_post(*, actor: Any, post: Any, choices: Sequence[AttachmentChoice]) -> list[Upload]:
    """Make `choices` the post's attachments, in order; uploads no longer chosen are let go."""
    return _attach(actor=actor, choices=choices, target_field="post", target=post)


def attach_to_message(
    *, actor: Any, message: Any, choices: Sequence[AttachmentChoice]
) -> list[Upload]:
    """Make `choices` the message's attachments, in order."""
    return _attach(actor=actor, choices=choices, target_field="message", target=message)


def attach_to_resource(
    *, actor: Any, resource: Any, choices: Sequence[AttachmentChoice]
) -> list[Upload]:
    """Make `choices` the library resource's files, in order (the caller checks curation)."""
    return _attach(actor=actor, choices=choices, target_field="resource", target=resource)
