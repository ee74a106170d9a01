"""Every write to the resource library: add or suggest, edit, review, and its categories.

The same form serves curators and members: a curator's resource is published at once (and
counts as reviewed by them today), a member's waits as a suggestion in the review queue.
Side effects (the link preview, the search index, the suggester's notification) run after
commit.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from carecircle.communities.models import Community
from carecircle.core.audit import record_event
from carecircle.core.errors import ValidationFailed
from carecircle.core.ids import parse_id
from carecircle.core.ratelimit import check_rate
from carecircle.resources import permissions
from carecircle.resources.models import Resource, ResourceCategory

TITLE_MAX = 200
SUMMARY_MAX = 5000
URL_MAX = 2000
SOURCE_MAX = 200
AUTHOR_MAX = 300
PUBLISHER_MAX = 200
TAGS_MAX = 10
TAG_MAX = 40
NOTE_MAX = 2000
CATEGORY_NAME_MAX = 80
# A library is a curated shelf, not a warehouse: a few dozen categories is already many.
CATEGORIES_PER_LIBRARY_MAX = 50
CATEGORIES_PER_RESOURCE_MAX = 10

_TAG = re.compile(r"^[\w-]+$")


class Decision:
    """What a review does (the API's and the form's `decision`)."""

    APPROVE = "approve"
    REJECT = "reject"
    MARK_REVIEWED = "mark_reviewed"
    ARCHIVE = "archive"
    ALL = (APPROVE, REJECT, MARK_REVIEWED, ARCHIVE)


@dataclass(frozen=True)
class ResourceInput:
    """A resource as a form or the API sends it; `clean_resource` checks every field."""

    kind: str
    title: str
    summary: str = ""
    url: str = ""
    source: str = ""
    author: str = ""
    publisher: str = ""
    # "YYYY-MM-DD" as typed, a date, or empty/None for unknown.
    published_on: date | str | None = None
    category_ids: Sequence[int] = ()
    # A list, or one string of words separated by commas.
    tags: Sequence[str] | str = ()
    reading_level: str = Resource.ReadingLevel.GENERAL
    # For a file resource: the actor's waiting upload (see uploads.actions.create_upload).
    upload_id: int | None = None
    upload_description: str = ""


@dataclass
class _Cleaned:
    values: dict[str, Any] = field(default_factory=dict)
    categories: list[ResourceCategory] = field(default_factory=list)
    upload: Any = None


def _problem(problems: list[dict[str, Any]], field_name: str, code: str, message: str) -> None:
    problems.append({"field": field_name, "code": code, "message": message})


def _text(value: Any) -> str:
    return str(value or "").strip()


def parse_tags(raw: Sequence[str] | str) -> list[str]:
    """Tags as stored: lower-case, spaces to hyphens, each once, in the order given."""
    items = raw.split(",") if isinstance(raw, str) else list(raw)
    tags: list[str] = []
    for item in items:
        tag = re.sub(r"\s+", "-", str(item).strip().lower().lstrip("#"))
        if tag and tag not in tags:
            tags.append(tag)
    return tags


def _parse_date(value: date | str | None) -> date | None:
    if value is None or isinstance(value, date):
        return value
    text = value.strip()
    if not text:
        return None
    return date.fromisoformat(text)


def _site_url_allowed(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def clean_resource(
    data: ResourceInput,
    *,
    actor: Any,
    community: Community | None,
    resource: Resource | None = None,
) -> _Cleaned:
    """Check every field; raise one ValidationFailed whose `details` list each problem."""
    problems: list[dict[str, Any]] = []
    cleaned = _Cleaned()
    values = cleaned.values

    kind = _text(data.kind)
    if kind not in Resource.Kind.values:
        _problem(problems, "kind", "bad_kind", _("Choose what kind of resource this is."))
    values["kind"] = kind

    title = _text(data.title)
    if not title:
        _problem(problems, "title", "title_required", _("Give the resource a title."))
    elif len(title) > TITLE_MAX:
        _problem(
            problems,
            "title",
            "title_too_long",
            _("Keep the title to %(max)d characters.") % {"max": TITLE_MAX},
        )
    values["title"] = title

    summary = str(data.summary or "").strip()
    if len(summary) > SUMMARY_MAX:
        _problem(
            problems,
            "summary",
            "summary_too_long",
            _("Keep the summary to %(max)d characters.") % {"max": SUMMARY_MAX},
        )
    values["summary"] = summary

    url = _text(data.url)
    if url:
        if len(url) > URL_MAX:
            _problem(problems, "url", "url_too_long", _("This link is too long."))
        elif not _site_url_allowed(url):
            _problem(
                problems,
                "url",
                "bad_url",
                _("Enter a web address starting with https:// or http://."),
            )
    elif kind in (Resource.Kind.WEBSITE, Resource.Kind.VIDEO):
        _problem(problems, "url", "url_required", _("Enter the link to the resource."))
    values["url"] = url

    for name, limit in (
        ("source", SOURCE_MAX),
        ("author", AUTHOR_MAX),
        ("publisher", PUBLISHER_MAX),
    ):
        text = _text(getattr(data, name))
        if len(text) > limit:
            _problem(
                problems,
                name,
                f"{name}_too_long",
                _("Keep this to %(max)d characters.") % {"max": limit},
            )
        values[name] = text

    try:
        published_on = _parse_date(data.published_on)
    except ValueError:
        published_on = None
        _problem(
            problems,
            "published_on",
            "bad_date",
            _("Enter the date as year-month-day, like 2024-03-01."),
        )
    if published_on is not None and published_on > timezone.localdate():
        _problem(
            problems,
            "published_on",
            "date_in_future",
            _("The publication date cannot be in the future."),
        )
    values["published_on"] = published_on

    tags = parse_tags(data.tags)
    if len(tags) > TAGS_MAX:
        _problem(
            problems,
            "tags",
            "too_many_tags",
            _("Use at most %(max)d tags.") % {"max": TAGS_MAX},
        )
    elif any(len(tag) > TAG_MAX or not _TAG.match(tag) for tag in tags):
        _problem(
            problems,
            "tags",
            "bad_tag",
            _("Tags are single words (letters, numbers and hyphens), up to %(max)d characters.")
            % {"max": TAG_MAX},
        )
    values["tags"] = tags

    reading_level = _text(data.reading_level) or Resource.ReadingLevel.GENERAL
    if reading_level not in Resource.ReadingLevel.values:
        _problem(problems, "reading_level", "bad_reading_level", _("Choose a reading level."))
    values["reading_level"] = reading_level

    parsed = list(dict.fromkeys(parse_id(pk) for pk in data.category_ids))
    wanted = [pk for pk in parsed if pk is not None]
    if len(wanted) != len(parsed):
        # Not an id at all (a form's "²", an API's 2**70): no category of this library.
        _problem(
            problems,
            "categories",
            "bad_category",
            _("Choose categories of this library only."),
        )
    elif len(wanted) > CATEGORIES_PER_RESOURCE_MAX:
        _problem(
            problems,
            "categories",
            "too_many_categories",
            _("Choose at most %(max)d categories.") % {"max": CATEGORIES_PER_RESOURCE_MAX},
        )
    elif wanted:
        found = list(
            ResourceCategory.objects.filter(pk__in=wanted, community=community).order_by(
                "position", "name"
            )
        )
        if len(found) != len(wanted):
            _problem(
                problems,
                "categories",
                "bad_category",
                _("Choose categories of this library only."),
            )
        cleaned.categories = found

    cleaned.upload = _clean_upload(data, actor=actor, resource=resource, problems=problems)
    if kind == Resource.Kind.FILE and cleaned.upload is None and not url:
        _problem(
            problems,
            "file",
            "file_required",
            _("Choose the file to add, or give a link to it."),
        )

    if problems:
        first = problems[0]
        raise ValidationFailed(
            first["message"], code=first["code"], field=first["field"], details=problems
        )
    return cleaned


def _upload_choice(data: ResourceInput) -> Any:
    """The file chosen in the form as an uploads.attachments choice (None: no file chosen)."""
    from carecircle.uploads.attachments import AttachmentChoice

    upload_id = parse_id(data.upload_id)
    if upload_id is None:
        return None
    return AttachmentChoice(upload_id=upload_id, alt_text=_text(data.upload_description)[:1000])


def _upload_problem(error: ValidationFailed) -> tuple[str, str, str]:
    """(field, code, message) in the resource form's terms for a refused attachment."""
    for detail in error.details or [{"field": error.field}]:
        field = str(detail.get("field", "") if isinstance(detail, dict) else "")
        if field.startswith("alt_"):
            return (
                "upload_description",
                "alt_required",
                _("Describe this picture for people who cannot see it."),
            )
    return "file", "bad_upload", _("This file cannot be used here. Please choose it again.")


def _clean_upload(
    data: ResourceInput, *, actor: Any, resource: Resource | None, problems: list[dict[str, Any]]
) -> Any:
    """The upload to attach: the actor's own waiting one (an edit may keep the resource's
    current file). uploads.attachments decides, as for posts; `_attach_upload` checks again
    under lock."""
    if data.upload_id is None:
        return None
    from carecircle.uploads.attachments import check_choices
    from carecircle.uploads.models import Upload

    choice = _upload_choice(data)
    if choice is None:
        _problem(
            problems,
            "file",
            "bad_upload",
            _("This file cannot be used here. Please choose it again."),
        )
        return None
    try:
        check_choices(actor=actor, choices=[choice], resource=resource)
    except ValidationFailed as error:
        field, code, message = _upload_problem(error)
        _problem(problems, field, code, message)
        if field == "file":
            return None
    # Only its kind and current resource are read from here on (a missing description still
    # counts as a chosen file, so the form does not also ask for one).
    return Upload.objects.filter(pk=choice.upload_id).first()


def _attach_upload(actor: Any, resource: Resource, data: ResourceInput) -> None:
    """Make the chosen upload the resource's one file; a file it replaces is let go for
    cleanup (attachments records when, so it waits its full grace period).

    Through uploads.attachments, which locks the upload and checks again: a second tab
    attaching the same file meanwhile gets the form's error, not a 500 or a moved file.
    """
    from carecircle.uploads.attachments import attach_to_resource

    choice = _upload_choice(data)
    try:
        attach_to_resource(actor=actor, resource=resource, choices=[choice] if choice else [])
    except ValidationFailed as error:
        field, code, message = _upload_problem(error)
        raise ValidationFailed(
            message,
            code=code,
            field=field,
            details=[{"field": field, "code": code, "message": message}],
        ) from None


def _rate(actor: Any, *, curator: bool) -> None:
    if curator:
        rate = getattr(settings, "CARECIRCLE_RESOURCE_WRITE_RATE", "120/h")
        check_rate(scope="resource_write", key=str(actor.pk), rate=rate)
    else:
        rate = getattr(settings, "CARECIRCLE_RESOURCE_SUGGEST_RATE", "10/h")
        check_rate(scope="resource_suggest", key=str(actor.pk), rate=rate)


def _after_write(resource: Resource, *, link_changed: bool) -> None:
    """Schedule the preview (when the link changed) and reindexing, after commit."""
    from carecircle.resources.previews import schedule_preview
    from carecircle.search.indexing import index_resource_later

    if link_changed and resource.url:
        schedule_preview(resource)
    index_resource_later(resource.pk)


def _preview_fields(resource: Resource) -> list[str]:
    """Reset the preview for a new or changed link; the task fills it in."""
    resource.preview_state = (
        Resource.PreviewState.PENDING if resource.url else Resource.PreviewState.NONE
    )
    resource.preview_title = ""
    resource.preview_description = ""
    resource.preview_site_name = ""
    resource.preview_fetched_at = None
    return [
        "preview_state",
        "preview_title",
        "preview_description",
        "preview_site_name",
        "preview_fetched_at",
    ]


def create_resource(*, actor: Any, community: Community | None, data: ResourceInput) -> Resource:
    """Add a resource to a library: published for curators, a suggestion for members.

    Raises PermissionDeniedError for visitors, outsiders and restricted members,
    ValidationFailed (every problem in `details`) and RateLimitedError.
    """
    permissions.check_can_add_to_library(actor, community)
    is_curator = permissions.can_curate_library(actor, community)
    cleaned = clean_resource(data, actor=actor, community=community)
    _rate(actor, curator=is_curator)
    with transaction.atomic():
        resource = Resource(community=community, **cleaned.values)
        if is_curator:
            resource.status = Resource.Status.PUBLISHED
            resource.added_by = actor
            resource.last_reviewed_on = timezone.localdate()
            resource.last_reviewed_by = actor
        else:
            resource.status = Resource.Status.SUGGESTED
            resource.suggested_by = actor
        _preview_fields(resource)
        resource.save()
        if cleaned.categories:
            resource.categories.set(cleaned.categories)
        if cleaned.upload is not None:
            _attach_upload(actor, resource, data)
        record_event(
            actor=actor,
            verb="resource.add" if is_curator else "resource.suggest",
            target=resource,
            community_id=community.pk if community else None,
        )
        _after_write(resource, link_changed=True)
    return resource


def edit_resource(*, actor: Any, resource: Resource, data: ResourceInput) -> Resource:
    """Change a resource's details (curators; a member their own waiting suggestion).

    An unchanged link keeps its preview; a changed one is fetched again. `data.upload_id`
    None keeps the current file.
    """
    permissions.check_can_read_resource(actor, resource)
    permissions.check_can_edit_resource(actor, resource)
    is_curator = permissions.can_curate_library(actor, resource.community)
    cleaned = clean_resource(data, actor=actor, community=resource.community, resource=resource)
    _rate(actor, curator=is_curator)
    with transaction.atomic():
        locked = Resource.objects.select_for_update().get(pk=resource.pk)
        changed = [name for name, value in cleaned.values.items() if getattr(locked, name) != value]
        old_categories = set(locked.categories.values_list("pk", flat=True))
        new_categories = {category.pk for category in cleaned.categories}
        if old_categories != new_categories:
            changed.append("categories")
        if cleaned.upload is not None and cleaned.upload.resource_id != locked.pk:
            changed.append("file")
        if not changed:
            return locked
        link_changed = "url" in changed
        for name, value in cleaned.values.items():
            setattr(locked, name, value)
        update_fields = [*cleaned.values, "updated_at"]
        if link_changed:
            update_fields += _preview_fields(locked)
        locked.save(update_fields=update_fields)
        if "categories" in changed:
            locked.categories.set(cleaned.categories)
        if "file" in changed:
            _attach_upload(actor, locked, data)
        record_event(
            actor=actor,
            verb="resource.edit",
            target=locked,
            fields=sorted(changed),
        )
        _after_write(locked, link_changed=link_changed)
    return locked


def decision_applies(decision: str, status: str) -> bool:
    Status = Resource.Status
    return {
        Decision.APPROVE: status in (Status.SUGGESTED, Status.REJECTED, Status.ARCHIVED),
        Decision.REJECT: status == Status.SUGGESTED,
        Decision.MARK_REVIEWED: status == Status.PUBLISHED,
        Decision.ARCHIVE: status in (Status.PUBLISHED, Status.SUGGESTED),
    }.get(decision, False)


def review_resource(*, actor: Any, resource: Resource, decision: str, note: str = "") -> Resource:
    """A curator's review: approve (publish), reject with a note, mark reviewed today, archive.

    Approving or rejecting a suggestion tells the member who suggested it. A decision that
    does not fit the resource's state (rejecting a published one) is refused with nothing
    changed.
    """
    permissions.check_can_read_resource(actor, resource)
    permissions.check_can_review_resource(actor, resource)
    if decision not in Decision.ALL:
        raise ValidationFailed(
            _("Choose what to do with this resource."), code="bad_decision", field="decision"
        )
    note = str(note or "").strip()
    if decision == Decision.REJECT and not note:
        raise ValidationFailed(
            _("Say in a sentence why it is not added: the member who suggested it reads this."),
            code="note_required",
            field="note",
        )
    if len(note) > NOTE_MAX:
        raise ValidationFailed(
            _("Keep the note to %(max)d characters.") % {"max": NOTE_MAX},
            code="note_too_long",
            field="note",
        )
    _rate(actor, curator=True)
    with transaction.atomic():
        locked = Resource.objects.select_for_update().get(pk=resource.pk)
        if not decision_applies(decision, locked.status):
            raise ValidationFailed(
                _("This resource is %(status)s: that review does not apply.")
                % {"status": locked.get_status_display()},
                code="wrong_status",
                field="decision",
            )
        was_suggestion = locked.status == Resource.Status.SUGGESTED
        today = timezone.localdate()
        if decision == Decision.APPROVE:
            locked.status = Resource.Status.PUBLISHED
            locked.review_note = note
            locked.last_reviewed_on, locked.last_reviewed_by = today, actor
        elif decision == Decision.REJECT:
            locked.status = Resource.Status.REJECTED
            locked.review_note = note
        elif decision == Decision.MARK_REVIEWED:
            locked.last_reviewed_on, locked.last_reviewed_by = today, actor
        else:
            locked.status = Resource.Status.ARCHIVED
        locked.save(
            update_fields=[
                "status",
                "review_note",
                "last_reviewed_on",
                "last_reviewed_by",
                "updated_at",
            ]
        )
        # The note may hold the curator's words about a member's suggestion: not in the log.
        record_event(
            actor=actor,
            verb="resource.review",
            target=locked,
            subject=locked.suggested_by if was_suggestion else None,
            decision=decision,
            status=locked.status,
        )
        if was_suggestion and decision in (Decision.APPROVE, Decision.REJECT):
            _notify_suggester(actor, locked, decision)
        _after_write(locked, link_changed=False)
    return locked


def archive_resource(*, actor: Any, resource: Resource) -> Resource:
    """Take a resource out of its library (kept for curators; approving brings it back)."""
    return review_resource(actor=actor, resource=resource, decision=Decision.ARCHIVE)


def _notify_suggester(actor: Any, resource: Resource, decision: str) -> None:
    from carecircle.notifications.actions import notify

    if resource.suggested_by_id is None:
        return
    notify(
        recipient_ids=[resource.suggested_by_id],
        kind="resource_reviewed",
        url=reverse("resource_detail", args=[resource.pk]),
        actor=actor,
        community_id=resource.community_id,
        group_key=f"resource_reviewed:{resource.pk}",
        data={"resource_id": resource.pk, "decision": decision},
    )


# --- categories ------------------------------------------------------------------------------


def _clean_category_name(name: str) -> tuple[str, str]:
    name = _text(name)
    if not name:
        raise ValidationFailed(_("Give the category a name."), code="name_required", field="name")
    if len(name) > CATEGORY_NAME_MAX:
        raise ValidationFailed(
            _("Keep the name to %(max)d characters.") % {"max": CATEGORY_NAME_MAX},
            code="name_too_long",
            field="name",
        )
    slug = slugify(name)[:80]
    if not slug:
        raise ValidationFailed(
            _("Use at least one letter or number in the name."), code="bad_name", field="name"
        )
    return name, slug


# Positions order a few dozen shelves; the column is a small integer, so an API's huge number
# is brought back into range instead of failing in the database.
POSITION_MAX = 1000


def _position(position: int) -> int:
    return max(0, min(POSITION_MAX, position))


def _name_taken() -> ValidationFailed:
    return ValidationFailed(
        _("This library already has a category with that name."), code="name_taken", field="name"
    )


def create_category(
    *, actor: Any, community: Community | None, name: str, position: int | None = None
) -> ResourceCategory:
    """Add a category to a library (curators); placed last unless `position` is given."""
    permissions.check_can_manage_categories(actor, community)
    name, slug = _clean_category_name(name)
    _rate(actor, curator=True)
    with transaction.atomic():
        existing = ResourceCategory.objects.filter(community=community)
        if existing.count() >= CATEGORIES_PER_LIBRARY_MAX:
            raise ValidationFailed(
                _("A library has at most %(max)d categories.")
                % {"max": CATEGORIES_PER_LIBRARY_MAX},
                code="too_many_categories",
                field="name",
            )
        if existing.filter(slug=slug).exists():
            raise _name_taken()
        if position is None:
            position = (existing.aggregate(last=Max("position"))["last"] or 0) + 1
        try:
            with transaction.atomic():
                category = ResourceCategory.objects.create(
                    community=community, name=name, slug=slug, position=_position(position)
                )
        except IntegrityError:
            raise _name_taken() from None
        record_event(
            actor=actor,
            verb="resource.category_add",
            target=category,
            community_id=community.pk if community else None,
        )
    return category


def edit_category(
    *, actor: Any, category: ResourceCategory, name: str, position: int | None = None
) -> ResourceCategory:
    """Rename or move a category (curators); its resources are reindexed (names are searched)."""
    permissions.check_can_manage_categories(actor, category.community)
    name, slug = _clean_category_name(name)
    _rate(actor, curator=True)
    with transaction.atomic():
        if (
            ResourceCategory.objects.filter(community=category.community, slug=slug)
            .exclude(pk=category.pk)
            .exists()
        ):
            raise _name_taken()
        renamed = name != category.name
        category.name, category.slug = name, slug
        if position is not None:
            category.position = _position(position)
        category.save(update_fields=["name", "slug", "position"])
        record_event(actor=actor, verb="resource.category_edit", target=category)
        if renamed:
            _reindex_category(category)
    return category


def delete_category(*, actor: Any, category: ResourceCategory) -> None:
    """Remove a category (curators); its resources stay in the library without it."""
    permissions.check_can_manage_categories(actor, category.community)
    _rate(actor, curator=True)
    with transaction.atomic():
        _reindex_category(category)
        record_event(actor=actor, verb="resource.category_delete", target=category)
        category.delete()


def _reindex_category(category: ResourceCategory) -> None:
    from carecircle.search.indexing import index_resource_later

    for resource_id in category.resources.values_list("pk", flat=True):
        index_resource_later(resource_id)
