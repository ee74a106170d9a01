"""Every write to a member's own account."""

from __future__ import annotations

import secrets
import zoneinfo
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from carecircle.accounts.handles import is_valid_handle, normalise_handle
from carecircle.accounts.models import ApiToken, Profile, User
from carecircle.core.audit import record_event
from carecircle.core.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationFailed,
)
from carecircle.core.models import ModerationState
from carecircle.core.ratelimit import check_rate
from carecircle.search.indexing import index_member_later

TOKEN_PREFIX = "cc_"  # noqa: S105 - a public prefix, not a secret
MAX_ACTIVE_TOKENS = 20


def update_profile(
    *,
    actor: User,
    display_name: str,
    handle: str,
    is_patient: bool,
    is_caregiver: bool,
    time_zone: str = "",
) -> User:
    """Change the actor's own display name, handle, self-described roles and time zone.

    Being a health professional is not self-described: it grants curating and medical review,
    so only site staff set it, after checking (`set_professional_verification`).
    """
    display_name = " ".join((display_name or "").split())
    if len(display_name) < 2 or len(display_name) > 60:
        raise ValidationFailed(
            _("Please use a display name of 2 to 60 characters."), field="display_name"
        )
    handle = normalise_handle(handle)
    if not is_valid_handle(handle):
        raise ValidationFailed(
            _("A handle is 2 to 40 letters, numbers, dots, dashes or underscores."),
            field="handle",
        )
    if User.objects.filter(handle=handle).exclude(pk=actor.pk).exists():
        raise ConflictError(_("That handle is taken. Please choose another."), field="handle")
    time_zone = (time_zone or "").strip()
    if time_zone:
        try:
            zoneinfo.ZoneInfo(time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as error:
            raise ValidationFailed(
                _("We do not know that time zone. Try a name like Europe/Paris."),
                field="time_zone",
            ) from error
    with transaction.atomic():
        actor.display_name = display_name
        actor.handle = handle
        actor.is_patient = is_patient
        actor.is_caregiver = is_caregiver
        actor.time_zone = time_zone
        actor.save(
            update_fields=[
                "display_name",
                "handle",
                "is_patient",
                "is_caregiver",
                "time_zone",
            ]
        )
        index_member_later(actor.pk)
    return actor


def create_api_token(*, actor: User, name: str) -> tuple[ApiToken, str]:
    """Create a personal API token; returns it with the secret, which is never shown again."""
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(_("Please give the token a name."), field="name")
    check_rate(scope="api_token", key=str(actor.pk), rate="10/h")
    if ApiToken.objects.filter(user=actor, revoked_at__isnull=True).count() >= MAX_ACTIVE_TOKENS:
        raise ConflictError(
            _("You have %(max)d active tokens. Revoke one first.") % {"max": MAX_ACTIVE_TOKENS},
            field="name",
        )
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=actor, name=name[:80], prefix=secret[:10], key_hash=ApiToken.hash_key(secret)
        )
        record_event(actor=actor, verb="api_token.create", target=token)
    return token, secret


def revoke_api_token(*, actor: User, token_id: int) -> ApiToken:
    """Revoke one of the actor's own tokens; someone else's token is 'not found'."""
    token = ApiToken.objects.filter(pk=token_id, user=actor).first()
    if token is None:
        raise NotFoundError(_("Token not found."))
    if token.revoked_at is None:
        with transaction.atomic():
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            record_event(actor=actor, verb="api_token.revoke", target=token)
    return token


def authenticate_api_token(secret: str) -> User | None:
    """The active member behind a token secret, or None; marks the token as used."""
    if not secret or not secret.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=ApiToken.hash_key(secret), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def set_site_roles(
    *, actor: Any, member: User, is_site_moderator: bool, is_site_manager: bool
) -> User:
    """Give or take site moderator/manager roles; site admins only."""
    if not getattr(actor, "is_site_admin", False):
        raise PermissionDeniedError(_("Only site administrators can change site roles."))
    with transaction.atomic():
        member.is_site_moderator = is_site_moderator
        member.is_site_manager = is_site_manager
        member.save(update_fields=["is_site_moderator", "is_site_manager"])
        record_event(
            actor=actor,
            verb="member.site_roles",
            target=member,
            moderator=is_site_moderator,
            manager=is_site_manager,
        )
    return member


MAX_VERIFICATION_NOTE = 500


def set_professional_verification(
    *, actor: Any, member: User, is_verified: bool, note: str
) -> User:
    """Verify `member` as a health professional, or withdraw it; site staff only, audited.

    The note (what was checked, or why it is withdrawn) is required and kept in the audit log.
    Asking for the state the member is already in is a ConflictError: nothing is recorded.
    """
    from carecircle.accounts.permissions import check_can_verify_professionals

    check_can_verify_professionals(actor)
    note = " ".join((note or "").split())
    if not note:
        raise ValidationFailed(
            _("Please say what you checked, or why the verification is withdrawn."),
            code="note_required",
            field="note",
        )
    if len(note) > MAX_VERIFICATION_NOTE:
        raise ValidationFailed(
            _("Please keep the note to %(max)d characters.") % {"max": MAX_VERIFICATION_NOTE},
            field="note",
        )
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=member.pk)
        if is_verified and (not locked.is_active or locked.memorialised_at is not None):
            raise ValidationFailed(
                _("Only an active member can be verified as a health professional."),
                field="handle",
            )
        if locked.is_professional == is_verified:
            message = (
                _("%(name)s is already a verified health professional.")
                if is_verified
                else _("%(name)s is not a verified health professional.")
            )
            raise ConflictError(message % {"name": locked.display_name}, field="handle")
        locked.is_professional = is_verified
        locked.save(update_fields=["is_professional"])
        record_event(
            actor=actor,
            verb="member.professional_verify" if is_verified else "member.professional_withdraw",
            target=locked,
            subject=locked,
            note=note,
        )
        index_member_later(locked.pk)
    member.is_professional = is_verified
    return member


# --- Profiles -------------------------------------------------------------------------------

MAX_BIO = 300
MAX_PRONOUNS = 40
MAX_REGION = 80
MAX_STORY = 20_000
MAX_LIST_ITEMS = 30
MAX_ITEM_LENGTH = 120


def _clean_list(values: list[str] | None, *, field: str, label: str) -> list[str]:
    """Trimmed, de-duplicated (case-insensitively) items; ValidationFailed when too long."""
    cleaned: list[str] = []
    seen: set[str] = set()
    for value in values or []:
        item = " ".join(str(value).split())
        if not item or item.lower() in seen:
            continue
        if len(item) > MAX_ITEM_LENGTH:
            raise ValidationFailed(
                _("“%(item)s…” is too long: %(label)s can be up to %(max)d characters each.")
                % {"item": item[:30], "label": label, "max": MAX_ITEM_LENGTH},
                field=field,
            )
        seen.add(item.lower())
        cleaned.append(item)
    if len(cleaned) > MAX_LIST_ITEMS:
        raise ValidationFailed(
            _("Please list at most %(max)d %(label)s.") % {"max": MAX_LIST_ITEMS, "label": label},
            field=field,
        )
    return cleaned


def _clean_visibility(visibility: dict[str, str] | None) -> dict[str, str]:
    from carecircle.accounts.privacy import FIELDS, LEVEL_RANK, levels_of

    chosen = dict(visibility or {})
    for name, level in chosen.items():
        if name not in FIELDS:
            raise ValidationFailed(
                _("There is no profile field called “%(name)s”.") % {"name": str(name)[:40]},
                field="visibility",
            )
        if level not in LEVEL_RANK:
            raise ValidationFailed(
                _("Please choose who can see this from the list."), field=f"visibility_{name}"
            )
    return levels_of(chosen)


def _locked_profile(actor: User) -> Profile:
    """The actor's profile row, created if missing, locked until the transaction ends."""
    profile, _created = Profile.objects.select_for_update().get_or_create(user=actor)
    return profile


def update_profile_details(
    *,
    actor: User,
    bio: str = "",
    pronouns: str = "",
    interests: list[str] | None = None,
    conditions: list[str] | None = None,
    treatments: list[str] | None = None,
    country: str = "",
    region: str = "",
    story: str = "",
    visibility: dict[str, str] | None = None,
    is_hidden: bool = False,
    is_presence_hidden: bool = False,
    confirmed: bool = False,
) -> Profile:
    """Save the actor's own profile and who may see each part; audits changed field names.

    Changed free text (about me, story) passes the moderation gate: personal details (a phone
    number, an address) ask for confirmation (ConfirmationNeeded) until sent with
    `confirmed=True`; medical claims and crisis words never stop a profile being saved.
    """
    from carecircle.accounts.countries import COUNTRY_NAMES
    from carecircle.accounts.privacy import visibility_of
    from carecircle.accounts.queries import canonical_condition_names

    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        raise PermissionDeniedError(_("Please sign in to change your profile."))
    bio = (bio or "").strip()
    if len(bio) > MAX_BIO:
        raise ValidationFailed(
            _("Please keep “about me” to %(max)d characters (it has %(count)d).")
            % {"max": MAX_BIO, "count": len(bio)},
            field="bio",
        )
    pronouns = " ".join((pronouns or "").split())
    if len(pronouns) > MAX_PRONOUNS:
        raise ValidationFailed(
            _("Please keep pronouns to %(max)d characters.") % {"max": MAX_PRONOUNS},
            field="pronouns",
        )
    country = (country or "").strip().upper()
    if country and country not in COUNTRY_NAMES:
        raise ValidationFailed(_("Please choose a country from the list."), field="country")
    region = " ".join((region or "").split())
    if len(region) > MAX_REGION:
        raise ValidationFailed(
            _("Please keep the region to %(max)d characters.") % {"max": MAX_REGION},
            field="region",
        )
    if region and not country:
        raise ValidationFailed(_("Please choose a country for this region."), field="country")
    story = (story or "").strip()
    if len(story) > MAX_STORY:
        raise ValidationFailed(
            _("Your story is %(count)d characters long; the limit is %(max)d.")
            % {"count": len(story), "max": MAX_STORY},
            field="story",
        )
    interests = _clean_list(interests, field="interests", label=_("interests"))
    conditions = _clean_list(conditions, field="conditions", label=_("conditions"))
    treatments = _clean_list(treatments, field="treatments", label=_("treatments"))
    levels = _clean_visibility(visibility)
    check_rate(scope="profile_update", key=str(actor.pk), rate="60/h")
    # A condition typed in another case takes the shared list's spelling.
    canonical = canonical_condition_names(conditions)
    conditions = [canonical.get(name.lower(), name) for name in conditions]
    current = Profile.objects.filter(user=actor).values_list("bio", "story").first() or ("", "")
    screened = None
    if (bio, story) != tuple(current) and (bio or story):
        screened = _screen_profile_text(actor, bio, story, confirmed=confirmed)
        bio, _separator, story = screened.text.partition(_PROFILE_SEPARATOR)

    with transaction.atomic():
        profile = _locked_profile(actor)
        new_values: dict[str, Any] = {
            "bio": bio,
            "pronouns": pronouns,
            "interests": interests,
            "conditions": conditions,
            "treatments": treatments,
            "country": country,
            "region": region,
            "story": story,
            "is_hidden": is_hidden,
            "is_presence_hidden": is_presence_hidden,
        }
        changed = [name for name, value in new_values.items() if getattr(profile, name) != value]
        # Stored choices as they apply now: never re-validated as input, so an entry left by
        # an older version cannot make the profile impossible to save.
        old_levels = visibility_of(profile)
        changed += [f"visibility.{name}" for name in levels if old_levels.get(name) != levels[name]]
        if not changed and profile.visibility == levels:
            return profile
        for name, value in new_values.items():
            setattr(profile, name, value)
        profile.visibility = levels
        profile.save()
        index_member_later(actor.pk)
        if {"conditions", "treatments"} & set(changed):
            from carecircle.journal.actions.preferences import refresh_match_tokens_if_matchable

            refresh_match_tokens_if_matchable(actor)
        if changed:
            # Field names only: the values are the member's own words and health data.
            record_event(
                actor=actor, verb="profile.update", target=profile, subject=actor, fields=changed
            )
        if screened is not None and screened.flags:
            from carecircle.moderation import gate

            gate.after_content_saved(actor=actor, community=None, result=screened, kind="profile")
    return profile


# "About me" and the story are screened as one text; a rule never joins them across this line.
_PROFILE_SEPARATOR = "\n\n\u2063\n\n"


def _screen_profile_text(actor: User, bio: str, story: str, *, confirmed: bool) -> Any:
    """The gate's result for the profile's free text; only personal details ask to confirm."""
    from carecircle.core.errors import ConfirmationNeeded
    from carecircle.moderation import gate

    text = bio + _PROFILE_SEPARATOR + story

    def screen(is_confirmed: bool) -> Any:
        return gate.screen_content(
            actor=actor, community=None, text=text, kind="profile", confirmed=is_confirmed
        )

    try:
        result = screen(confirmed)
    except ConfirmationNeeded as error:
        personal = [d for d in error.details if d.get("kind") == "personal_details"]
        if personal:
            from carecircle.moderation.screening import find_personal_details

            field = "story" if story and find_personal_details(story) else "bio"
            raise ConfirmationNeeded(
                _("Your profile may share personal details. Check them, or save again to confirm."),
                code="confirmation_needed",
                field=field,
                details=personal,
            ) from None
        # Medical claims on one's own profile are the member's story: saved as written.
        result = screen(True)
    except ValidationFailed as error:
        if error.code != "watched_word":
            raise
        # The gate speaks of a post's "body"; on the profile the error belongs next to the
        # part that used the words, with the typed text kept.
        raise ValidationFailed(
            error.message,
            code=error.code,
            field=_part_with_watched_word(bio, story, blocked=True),
        ) from None
    if result.moderation_state != ModerationState.VISIBLE:
        # A profile has no "waiting for approval" state: saving the words would publish them
        # at once. The simplest correct answer is to refuse them here (nothing is saved, the
        # form keeps the text) and say that this wording needs a moderator.
        raise ValidationFailed(
            _(
                "Your profile uses wording that a moderator must approve first, so it was not "
                "saved. Please reword it, or contact the moderators."
            ),
            code="needs_approval",
            field=_part_with_watched_word(bio, story, blocked=False),
        )
    # Crisis words on a profile are not a post: nothing is queued for them here.
    result.is_crisis = False
    result.misinformation = []
    return result


def _part_with_watched_word(bio: str, story: str, *, blocked: bool) -> str:
    """Which profile field ("bio" or "story") trips a site-wide watched word: "story" only
    when "about me" alone does not."""
    from carecircle.moderation.queries import watched_rules
    from carecircle.moderation.screening.watched import apply_watched_words

    outcome = apply_watched_words(bio, watched_rules(None))
    tripped = outcome.blocked_by is not None if blocked else bool(outcome.approval_by)
    return "bio" if tripped or not story else "story"


def set_avatar(*, actor: User, data: bytes) -> Profile:
    """Replace the actor's picture with a re-encoded copy of the uploaded image."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from carecircle.accounts.avatars import make_avatar

    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        raise PermissionDeniedError(_("Please sign in to change your picture."))
    check_rate(scope="avatar_upload", key=str(actor.pk), rate="20/h")
    webp = make_avatar(data)
    # A random name: the address of a picture reveals nothing and cannot be guessed.
    name = default_storage.save(f"avatars/{secrets.token_urlsafe(18)}.webp", ContentFile(webp))
    try:
        with transaction.atomic():
            profile = _locked_profile(actor)
            old = profile.avatar
            profile.avatar = name
            profile.save(update_fields=["avatar", "updated_at"])
            record_event(
                actor=actor, verb="profile.update", target=profile, subject=actor, fields=["avatar"]
            )
    except BaseException:
        default_storage.delete(name)
        raise
    if old:
        transaction.on_commit(lambda: default_storage.delete(old))
    return profile


def remove_avatar(*, actor: User) -> Profile:
    """Go back to the generated avatar and delete the uploaded picture."""
    from django.core.files.storage import default_storage

    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        raise PermissionDeniedError(_("Please sign in to change your picture."))
    with transaction.atomic():
        profile = _locked_profile(actor)
        old = profile.avatar
        if not old:
            return profile
        profile.avatar = ""
        profile.save(update_fields=["avatar", "updated_at"])
        record_event(
            actor=actor, verb="profile.update", target=profile, subject=actor, fields=["avatar"]
        )
    transaction.on_commit(lambda: default_storage.delete(old))
    return profile


def record_sensitive_view(*, viewer: Any, member: User, fields: list[str]) -> bool:
    """Audit that someone else was shown `member`'s health fields; once a day per viewer.

    Returns whether an event was written. Visitors share one daily slot per member. The
    once-a-day check reads the audit log itself, so an outage of the cache never skips one.
    """
    from carecircle.core.models import AuditEvent

    viewer_id = viewer.pk if getattr(viewer, "is_authenticated", False) else None
    if not fields or viewer_id == member.pk:
        return False
    start_of_day = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0)
    if AuditEvent.objects.filter(
        verb="profile.view_sensitive",
        subject_ref=member.pk,
        actor_ref=viewer_id,
        created_at__gte=start_of_day,
    ).exists():
        return False
    # Only the row's id is needed: no decrypting of the profile a second time.
    profile, _created = Profile.objects.only("id").get_or_create(user=member)
    record_event(
        actor=viewer,
        verb="profile.view_sensitive",
        target=profile,
        subject=member,
        fields=sorted(fields),
    )
    return True
