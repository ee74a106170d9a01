"""Community and site moderation settings: policy, report reasons, watched words, crisis
resources; and the notes and checklists moderators keep on items and posts."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from carecircle.communities.models import Community
from carecircle.core.audit import record_event
from carecircle.core.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationFailed,
)
from carecircle.core.realtime import broadcast
from carecircle.moderation import permissions
from carecircle.moderation.actions.common import log_action
from carecircle.moderation.models import (
    ContextNote,
    CrisisResource,
    ModerationAction,
    ModerationSettings,
    ReportReason,
    ReviewItem,
    TrustLevel,
    WatchedWord,
)

# The safeguarding follow-up a moderator works through for a member who may be in crisis.
SAFEGUARDING_STEPS: tuple[tuple[str, Any], ...] = (
    ("read", gettext_lazy("Read the post and its thread")),
    ("resources_shown", gettext_lazy("Checked the member was shown crisis resources")),
    ("contacted", gettext_lazy("Sent the member a private, caring message")),
    ("escalated", gettext_lazy("Told the safeguarding lead, if there is immediate risk")),
    ("recorded", gettext_lazy("Recorded what was done in a member note")),
)
CONTEXT_NOTE_MAX = 1000


def _text(value: str | None, *, field: str, maximum: int, required: bool = True) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ValidationFailed(_("Please fill this in."), field=field)
    if len(text) > maximum:
        raise ValidationFailed(
            _("Please keep this under %(max)d characters.") % {"max": maximum}, field=field
        )
    return text


def update_moderation_settings(
    *,
    actor: Any,
    community: Community,
    premoderate_first_posts: int,
    auto_hide_reports: int,
    auto_hide_trust_level: int,
    new_member_posts_per_day: int,
    show_medical_notice: bool,
    medical_notice: str,
) -> ModerationSettings:
    """Save a community's moderation policy (its managers)."""
    permissions.check_can_manage_moderation_settings(actor, community)
    numbers = {
        "premoderate_first_posts": (premoderate_first_posts, 0, 50),
        "auto_hide_reports": (auto_hide_reports, 0, 50),
        "new_member_posts_per_day": (new_member_posts_per_day, 1, 500),
    }
    for field, (value, low, high) in numbers.items():
        if not isinstance(value, int) or not low <= value <= high:
            raise ValidationFailed(
                _("Please give a number from %(low)d to %(high)d.") % {"low": low, "high": high},
                field=field,
            )
    if auto_hide_trust_level not in TrustLevel.values:
        raise ValidationFailed(_("Please choose a trust level."), field="auto_hide_trust_level")
    notice = _text(medical_notice, field="medical_notice", maximum=600, required=False)
    with transaction.atomic():
        policy, _created = ModerationSettings.objects.update_or_create(
            community=community,
            defaults={
                "premoderate_first_posts": premoderate_first_posts,
                "auto_hide_reports": auto_hide_reports,
                "auto_hide_trust_level": auto_hide_trust_level,
                "new_member_posts_per_day": new_member_posts_per_day,
                "show_medical_notice": bool(show_medical_notice),
                "medical_notice": notice,
            },
        )
        record_event(actor=actor, verb="moderation.settings_update", target=community)
    community.__dict__.pop("_moderation_settings", None)
    return policy


def save_report_reason(
    *,
    actor: Any,
    community: Community,
    label: str,
    description: str = "",
    is_active: bool = True,
    reason_id: int | None = None,
) -> ReportReason:
    """Add or change one of the community's own report reasons (its managers)."""
    permissions.check_can_manage_moderation_settings(actor, community)
    label = _text(label, field="label", maximum=80)
    description = _text(description, field="description", maximum=300, required=False)
    try:
        with transaction.atomic():
            if reason_id is not None:
                reason = ReportReason.objects.filter(pk=reason_id, community=community).first()
                if reason is None:
                    raise NotFoundError(_("That reason was not found."))
                reason.label, reason.description, reason.is_active = label, description, is_active
                reason.save(update_fields=["label", "description", "is_active"])
            else:
                reason = ReportReason.objects.create(
                    community=community, label=label, description=description, is_active=is_active
                )
    except IntegrityError:
        raise ValidationFailed(
            _("This community already has a reason with that name."), field="label"
        ) from None
    return reason


def add_watched_word(
    *,
    actor: Any,
    community: Community | None,
    pattern: str,
    is_regex: bool,
    action: str,
    replacement: str = "",
    message: str = "",
) -> WatchedWord:
    """Watch a word or pattern in a community (its managers) or site-wide (site admins)."""
    from carecircle.moderation.screening.watched import pattern_problem

    permissions.check_can_manage_moderation_settings(actor, community)
    pattern = _text(pattern, field="pattern", maximum=200)
    if action not in WatchedWord.Action.values:
        raise ValidationFailed(_("Please choose what happens."), field="action")
    problem = pattern_problem(pattern, is_regex=is_regex)
    if problem:
        raise ValidationFailed(problem, field="pattern")
    replacement = _text(
        replacement, field="replacement", maximum=200, required=action == WatchedWord.Action.REPLACE
    )
    message = _text(message, field="message", maximum=300, required=False)
    try:
        with transaction.atomic():
            word = WatchedWord.objects.create(
                community=community,
                pattern=pattern,
                is_regex=is_regex,
                action=action,
                replacement=replacement,
                message=message,
                created_by=actor,
            )
            record_event(actor=actor, verb="moderation.watched_word_add", target=word)
    except IntegrityError:
        raise ConflictError(
            _("That word is already watched here."), code="duplicate", field="pattern"
        ) from None
    return word


def delete_watched_word(*, actor: Any, word: WatchedWord) -> None:
    """Stop watching a word."""
    permissions.check_can_manage_moderation_settings(actor, word.community)
    with transaction.atomic():
        record_event(actor=actor, verb="moderation.watched_word_delete", target=word)
        word.delete()


def save_crisis_resource(
    *,
    actor: Any,
    country: str,
    name: str,
    phone: str = "",
    url: str = "",
    description: str = "",
    is_emergency: bool = False,
    position: int = 0,
    resource_id: int | None = None,
) -> CrisisResource:
    """Add or change a helpline shown to members in crisis (site admins and managers)."""
    permissions.check_can_manage_moderation_settings(actor, None)
    country = (country or "").strip().upper()
    if country and (len(country) != 2 or not country.isalpha()):
        raise ValidationFailed(_("Please give a two-letter country code."), field="country")
    name = _text(name, field="name", maximum=120)
    phone = _text(phone, field="phone", maximum=40, required=False)
    url = _text(url, field="url", maximum=200, required=False)
    if url and not url.startswith(("https://", "http://")):
        raise ValidationFailed(_("Please give a web address starting with https://."), field="url")
    if not phone and not url and not is_emergency:
        raise ValidationFailed(_("Please give a phone number or a web address."), field="phone")
    fields = {
        "country": country,
        "name": name,
        "phone": phone,
        "url": url,
        "description": _text(description, field="description", maximum=300, required=False),
        "is_emergency": bool(is_emergency),
        "position": max(0, min(int(position or 0), 1000)),
    }
    with transaction.atomic():
        if resource_id is not None:
            resource = CrisisResource.objects.filter(pk=resource_id).first()
            if resource is None:
                raise NotFoundError(_("That resource was not found."))
            for key, value in fields.items():
                setattr(resource, key, value)
            resource.save()
        else:
            resource = CrisisResource.objects.create(**fields)
        record_event(actor=actor, verb="moderation.crisis_resource_save", target=resource)
    return resource


def delete_crisis_resource(*, actor: Any, resource: CrisisResource) -> None:
    permissions.check_can_manage_moderation_settings(actor, None)
    with transaction.atomic():
        record_event(actor=actor, verb="moderation.crisis_resource_delete", target=resource)
        resource.delete()


def update_safeguarding_checklist(
    *, actor: Any, item: ReviewItem, step: str, is_done: bool
) -> ReviewItem:
    """Tick (or untick) one step of a safeguarding item's follow-up."""
    permissions.check_can_act_on_item(actor, item, "escalate")
    if item.queue != ReviewItem.Queue.SAFEGUARDING:
        raise ValidationFailed(_("Only safeguarding items have a checklist."), field="step")
    if step not in dict(SAFEGUARDING_STEPS):
        raise ValidationFailed(_("Please choose a step."), field="step")
    with transaction.atomic():
        locked = ReviewItem.objects.select_for_update().get(pk=item.pk)
        checklist = dict(locked.checklist or {})
        checklist[step] = timezone.now().isoformat() if is_done else ""
        locked.checklist = checklist
        locked.save(update_fields=["checklist", "updated_at"])
        if is_done:
            log_action(
                actor=actor,
                verb=ModerationAction.Verb.SAFEGUARDING,
                community=item.community,
                member=item.member,
                item=item,
                reason=str(dict(SAFEGUARDING_STEPS)[step]),
            )
    item.checklist = checklist
    return item


def add_context_note(
    *,
    actor: Any,
    post: Any,
    body: str,
    resource_url: str = "",
    resource_title: str = "",
    item: ReviewItem | None = None,
) -> ContextNote:
    """A professional's (or moderator's) note shown under a post, with an optional resource."""
    permissions.check_can_add_context_note(actor, post)
    if item is not None and not (
        item.post_id == post.pk or (post.position == 1 and item.topic_id == post.topic_id)
    ):
        # The note is logged against the item: it must be about this very post.
        raise ValidationFailed(_("That review item is about something else."), field="item")
    body = _text(body, field="body", maximum=CONTEXT_NOTE_MAX)
    resource_url = _text(resource_url, field="resource_url", maximum=200, required=False)
    if resource_url and not resource_url.startswith("https://"):
        raise ValidationFailed(
            _("Please give a web address starting with https://."), field="resource_url"
        )
    resource_title = _text(resource_title, field="resource_title", maximum=200, required=False)
    with transaction.atomic():
        note = ContextNote.objects.create(
            post=post,
            author=actor,
            body=body,
            resource_url=resource_url,
            resource_title=resource_title,
        )
        log_action(
            actor=actor,
            verb=ModerationAction.Verb.CONTEXT_NOTE,
            community=post.topic.community,
            member=None,
            item=item,
            target_key=f"post:{post.pk}",
        )
        from django.db.models import F

        from carecircle.discussions.models import Topic

        Topic.objects.filter(pk=post.topic_id).update(content_version=F("content_version") + 1)
        broadcast(f"topic:{post.topic_id}", {"type": "post.edited", "post_id": post.pk})
    return note


def remove_context_note(*, actor: Any, note: ContextNote) -> ContextNote:
    """Take a context note down: its author or the community's moderators."""
    post = note.post
    if not (
        (
            note.author_id == getattr(actor, "pk", None)
            and permissions.can_add_context_note(actor, post)
        )
        or permissions.can_moderate(actor, post.topic.community)
    ):
        raise PermissionDeniedError(
            _("Only the note's author or a moderator can remove it."), code="not_author"
        )
    if note.removed_at is not None:
        return note
    with transaction.atomic():
        note.removed_at = timezone.now()
        note.save(update_fields=["removed_at"])
        record_event(actor=actor, verb="moderation.context_note_remove", target=note)
        from django.db.models import F

        from carecircle.discussions.models import Topic

        Topic.objects.filter(pk=post.topic_id).update(content_version=F("content_version") + 1)
        broadcast(f"topic:{post.topic_id}", {"type": "post.edited", "post_id": post.pk})
    return note
