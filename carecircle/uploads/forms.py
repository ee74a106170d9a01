"""Reading the attachment part of a compose form (posts and messages alike).

The compose component (`uploads/components/attach_field.html`) sends, for every upload the
member chose, a hidden `attachment` input with its id, `alt_<id>` (the description),
`decorative_<id>` (the "only decorative" box) and `remove_<id>` (let it go). Without
JavaScript the picker's files (`files`) travel with the form itself and are stored here; with
JavaScript they were already uploaded one by one and only their ids come back.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db.models import Q
from django.http import HttpRequest
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from carecircle.core.errors import DomainError, ValidationFailed
from carecircle.uploads.attachments import AttachmentChoice, max_per_post
from carecircle.uploads.display import kind_label, thumbnail_url
from carecircle.uploads.models import Upload

# More ids than any form could carry legitimately are ignored rather than looked up.
IDS_READ_MAX = 50


def choices_from_form(request: HttpRequest) -> tuple[list[AttachmentChoice], dict[str, str]]:
    """The uploads chosen in the form, with their descriptions, and errors for refused files.

    Files sent with the form itself (the path without JavaScript) are stored first as the
    member's waiting uploads, so a form shown again with an error keeps them.
    """
    choices: list[AttachmentChoice] = []
    seen: set[int] = set()
    for raw in request.POST.getlist("attachment")[:IDS_READ_MAX]:
        try:
            upload_id = int(raw)
        except (TypeError, ValueError):
            continue
        if upload_id <= 0 or upload_id in seen:
            continue
        seen.add(upload_id)
        if request.POST.get(f"remove_{upload_id}"):
            continue
        choices.append(
            AttachmentChoice(
                upload_id=upload_id,
                alt_text=request.POST.get(f"alt_{upload_id}", "").strip(),
                is_decorative=bool(request.POST.get(f"decorative_{upload_id}")),
            )
        )
    errors: dict[str, str] = {}
    if request.user.is_authenticated:
        errors.update(_store_captions(request, choices))
    files = request.FILES.getlist("files")
    if files and request.user.is_authenticated:
        problems = _store_files(request.user, files, room=max_per_post() - len(choices))
        choices.extend(problems[0])
        if problems[1]:
            errors["files"] = " ".join(problems[1])
    return choices, errors


def _store_captions(request: HttpRequest, choices: list[AttachmentChoice]) -> dict[str, str]:
    """Captions files sent for chosen videos (`captions_<id>`), added to the member's own
    videos in the page's language; errors under `captions_<id>`."""
    wanted: dict[int, UploadedFile] = {}
    for choice in choices:
        file = request.FILES.get(f"captions_{choice.upload_id}")
        if isinstance(file, UploadedFile):
            wanted[choice.upload_id] = file
    if not wanted:
        return {}
    from carecircle.uploads.actions import attach_captions

    errors: dict[str, str] = {}
    videos = Upload.objects.filter(owner_id=request.user.pk, pk__in=list(wanted))
    for upload in videos:
        try:
            attach_captions(
                actor=request.user,
                upload=upload,
                file=wanted[upload.pk],
                language=get_language() or "en",
            )
        except DomainError as error:
            errors[f"captions_{upload.pk}"] = str(error.message)
    return errors


def _store_files(
    actor: Any, files: Sequence[Any], *, room: int
) -> tuple[list[AttachmentChoice], list[str]]:
    """Store the form's own files as waiting uploads; what was stored and what was refused."""
    # Imported here: the uploads actions import the processing stack, which page modules that
    # only render a compose form should not pay for at import time.
    from carecircle.uploads.actions import create_upload

    stored: list[AttachmentChoice] = []
    problems: list[str] = []
    for index, file in enumerate(files):
        name = str(getattr(file, "name", "") or _("file"))
        if index >= max(room, 0):
            problems.append(
                _("%(name)s: a post or message takes at most %(count)d files.")
                % {"name": name, "count": max_per_post()}
            )
            continue
        try:
            upload = create_upload(actor=actor, file=file)
        except DomainError as error:
            problems.append(
                _("%(name)s: %(problem)s") % {"name": name, "problem": str(error.message)}
            )
            continue
        stored.append(AttachmentChoice(upload_id=upload.pk))
    return stored, problems


def choices_from_data(items: Any) -> list[AttachmentChoice]:
    """Attachments as JSON clients send them (API bodies, socket frames):
    `[{"upload_id": 12, "alt_text": "…", "is_decorative": false}, …]`; ValidationFailed
    (field "attachments") when the shape is wrong. The action checks the rest."""
    if items is None:
        return []
    if not isinstance(items, list | tuple):
        raise ValidationFailed(_("Attachments must be a list."), field="attachments")
    choices: list[AttachmentChoice] = []
    # One more than any form may carry is enough for the action to say "too many".
    for item in list(items)[: IDS_READ_MAX + 1]:
        if isinstance(item, AttachmentChoice):
            choices.append(item)
            continue
        if isinstance(item, dict):
            raw_id, alt_text, decorative = (
                item.get("upload_id"),
                item.get("alt_text") or "",
                item.get("is_decorative", False),
            )
        else:
            raw_id = getattr(item, "upload_id", None)
            alt_text = getattr(item, "alt_text", "") or ""
            decorative = getattr(item, "is_decorative", False)
        if isinstance(raw_id, bool) or not isinstance(raw_id, int) or raw_id <= 0:
            raise ValidationFailed(
                _("Each attachment needs the number of an upload."), field="attachments"
            )
        if not isinstance(alt_text, str) or not isinstance(decorative, bool):
            raise ValidationFailed(
                _("A description must be text, and “decorative” true or false."),
                field="attachments",
            )
        choices.append(
            AttachmentChoice(upload_id=raw_id, alt_text=alt_text.strip(), is_decorative=decorative)
        )
    return choices


def choices_for(uploads: Iterable[Upload]) -> list[AttachmentChoice]:
    """What an edit form starts from: the attachments already there, with their descriptions."""
    return [
        AttachmentChoice(
            upload_id=upload.pk, alt_text=upload.alt_text, is_decorative=upload.is_decorative
        )
        for upload in uploads
    ]


def errors_from(error: DomainError) -> dict[str, str]:
    """{"field": "message"} for every problem an attachment check found (its `details`), the
    first per field, so each shows next to its own description box; fieldless → "attachments"."""
    details = [d for d in error.details if isinstance(d, dict) and "message" in d]
    if not details:
        details = [{"field": error.field, "message": str(error.message)}]
    errors: dict[str, str] = {}
    for detail in details:
        errors.setdefault(str(detail.get("field") or "attachments"), str(detail["message"]))
    return errors


def attachment_rows(
    actor: Any, choices: list[AttachmentChoice], *, post: Any = None, message: Any = None
) -> list[dict[str, Any]]:
    """What the compose component needs to show the chosen uploads again with typed text.

    Only the actor's own uploads are shown, and those already on the `post` or `message`
    being edited (a moderator's edit keeps the author's files); an id typed into the form for
    someone else's upload names nothing here, and the action refuses it with its own message.
    """
    if not choices or not getattr(actor, "is_authenticated", False):
        return []
    ids = [choice.upload_id for choice in choices]
    usable = Q(owner_id=actor.pk)
    if post is not None and getattr(post, "pk", None):
        usable |= Q(post_id=post.pk)
    if message is not None and getattr(message, "pk", None):
        usable |= Q(message_id=message.pk)
    found = {upload.pk: upload for upload in Upload.objects.filter(usable, pk__in=ids)}
    rows: list[dict[str, Any]] = []
    for choice in choices:
        upload = found.get(choice.upload_id)
        if upload is None:
            continue
        rows.append(
            {
                "upload": upload,
                "id": upload.pk,
                "kind": upload.kind,
                "kind_label": kind_label(upload),
                "name": upload.original_name,
                "size": upload.stored_bytes,
                "thumbnail_url": thumbnail_url(upload),
                "needs_alt": upload.kind == Upload.Kind.IMAGE,
                "alt_text": choice.alt_text,
                "is_decorative": choice.is_decorative,
                "alt_field": f"alt_{upload.pk}",
                "captions_field": f"captions_{upload.pk}",
                "has_captions": bool(upload.captions),
            }
        )
    return rows
