""" "People like me": members who opted in, matched on what both chose to share.

A member who turns on "suggest me to people like me" picks which of their conditions,
treatments and stage a match may use and show (`JournalPreferences.match_fields`). For those
fields only, `MatchToken` rows hold a keyed hash of each normalised value (like
search/sealed.py: an HMAC keyed from SECRET_KEY, so a copy of the database alone names no
condition; rotating SECRET_KEY means refreshing the tokens, which the 6-hourly task does).
Matching is an indexed join on (field, token).

Values: conditions and treatments come from the member's profile (encrypted lists); treatments
also include the names of the medicines in their journal they take now (started on or before
today, not stopped on or before today, in the member's own time zone). Only the first
MAX_VALUES_PER_FIELD (5) values of each field count, in the order the member listed them
(profile treatments before medicines, medicines newest first). Stage is the stage chosen in the
preferences (stored encrypted). Stage has only five values, so its tokens sort members into
five buckets: anyone holding a copy of the database AND the key-derivation secret can seal the
five stages and read every matchable member's stage (with the secret, the same holds for any
condition they guess); without the secret the tokens say only who shares a stage with whom.

Against probing. A viewer could otherwise type condition after condition into their profile
and read who has each one. So:
- matching uses STORED tokens only, on both sides: the viewer's own current values count only
  where they are also among the viewer's stored tokens (a value just added does not match yet;
  a value just removed stops matching at once);
- stored tokens grow at most once per REFRESH_EVERY (24 h, `tokens_refreshed_at`): a refresh
  that would add tokens sooner only removes stale ones and leaves the additions to the
  6-hourly task once the day has passed; removals (a value gone, a field or matching turned
  off) take effect at once;
- at most five values per field, and the page and API are rate-limited (PEOPLE_LIKE_ME_RATE).
So a member can try at most five new values per field a day.

Whatever is shown is also re-checked against both members' current, decrypted values, so a
stale token can never show a value that is no longer true or no longer shared.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from carecircle.accounts.models import Profile, User
from carecircle.core.errors import RateLimitedError
from carecircle.core.ratelimit import check_rate
from carecircle.journal.insights import active_bans
from carecircle.journal.models import JournalPreferences, MatchToken, Medication, Stage
from carecircle.journal.queries import data_of, preferences_for
from carecircle.messaging.models import MemberBlock
from carecircle.notifications.preferences import member_zone

FIELDS: tuple[str, ...] = ("conditions", "treatments", "stage")
MAX_VALUES_PER_FIELD = 5
REFRESH_EVERY = timedelta(hours=24)
# Looking for people like me, page and API together; plenty for a person, a wall for probing.
PEOPLE_LIKE_ME_RATE = "30/h"
_SALT = "carecircle.journal.matching"
# How many candidates past `limit` are re-checked, for those a fresh check drops.
_SLACK = 20


def normalise(value: str) -> str:
    """A matching value as compared: spaces collapsed, case folded."""
    return " ".join(str(value).split()).casefold()


def seal(field_name: str, value: str) -> str:
    """The keyed token of one value of one field (64 hex digits, never the word itself)."""
    return salted_hmac(_SALT, f"{field_name}:{normalise(value)}", algorithm="sha256").hexdigest()


def chosen_fields(preferences: JournalPreferences) -> list[str]:
    """The fields a member lets matches use, in FIELDS order (none unless matchable)."""
    if not preferences.is_matchable:
        return []
    chosen = set(preferences.match_fields or [])
    return [name for name in FIELDS if name in chosen]


def check_people_like_me_rate(member: Any) -> None:
    """Count one look at "people like me" (page or API); RateLimitedError past the rate."""
    rate = getattr(settings, "CARECIRCLE_JOURNAL_PEOPLE_LIKE_ME_RATE", PEOPLE_LIKE_ME_RATE)
    try:
        check_rate(scope="journal-people-like-me", key=str(member.pk), rate=rate)
    except RateLimitedError as error:
        raise RateLimitedError(
            _("You have looked for people like you many times this hour. Please try again later.")
        ) from error


def is_refresh_due(preferences: JournalPreferences, now: datetime) -> bool:
    """Whether the member's stored tokens may grow now (once per REFRESH_EVERY)."""
    last = preferences.tokens_refreshed_at
    return last is None or last <= now - REFRESH_EVERY


def is_current(record: dict[str, Any], today: date) -> bool:
    """A medicine taken on `today`: started by then (or no start given), not stopped by then."""
    started, stopped = record.get("started_on"), record.get("stopped_on")
    if started and str(started) > today.isoformat():
        return False
    return not (stopped and str(stopped) <= today.isoformat())


@dataclass
class Sources:
    """What matching reads of one member besides their preferences."""

    profile: Profile | None = None
    medicines: list[str] = field(default_factory=list)


def load_sources(members: Iterable[User]) -> dict[int, Sources]:
    """Profiles and current medicine names of `members`, in two queries whatever their
    number."""
    by_id = {member.pk: member for member in members}
    sources = {member_id: Sources() for member_id in by_id}
    if not by_id:
        return sources
    for profile in Profile.objects.filter(user_id__in=list(by_id)):
        sources[profile.user_id].profile = profile
    now = timezone.now()
    today = {pk: timezone.localtime(now, member_zone(user)).date() for pk, user in by_id.items()}
    for medication in Medication.objects.filter(owner_id__in=list(by_id)).only(
        "owner_id", "data", "created_at"
    ):
        data = data_of(medication)
        if is_current(data, today[medication.owner_id]):
            sources[medication.owner_id].medicines.append(str(data.get("name") or ""))
    return sources


def values_for(
    fields: list[str], preferences: JournalPreferences, sources: Sources
) -> dict[str, list[str]]:
    """The member's current values (as they wrote them) for `fields`, deduplicated, at most
    MAX_VALUES_PER_FIELD each (the first ones listed)."""
    profile = sources.profile
    values: dict[str, list[str]] = {}
    for name in fields:
        found: list[str] = []
        if name == "conditions" and profile is not None:
            found = [str(value) for value in profile.conditions or []]
        elif name == "treatments":
            found = [str(value) for value in (profile.treatments or [])] if profile else []
            found += sources.medicines
        elif name == "stage" and preferences.stage:
            found = [str(preferences.stage)]
        unique: dict[str, str] = {}
        for value in found:
            if normalise(value):
                unique.setdefault(normalise(value), value.strip())
        values[name] = list(unique.values())[:MAX_VALUES_PER_FIELD]
    return values


def tokens_for(preferences: JournalPreferences, sources: Sources) -> set[tuple[str, str]]:
    """The (field, token) pairs the member's current data and choices give (none if not
    opted in)."""
    fields = chosen_fields(preferences)
    values = values_for(fields, preferences, sources)
    return {(name, seal(name, value)) for name, found in values.items() for value in found}


@dataclass
class Match:
    """One suggested member and the values they share with the viewer, by field."""

    member: User
    shared: dict[str, list[str]] = field(default_factory=dict)

    @property
    def shared_count(self) -> int:
        return sum(len(values) for values in self.shared.values())

    @property
    def profile_url(self) -> str:
        return self.member.get_absolute_url()

    @property
    def message_url(self) -> str:
        return f"{reverse('conversation_start')}?to={self.member.handle}"


def display_value(field_name: str, value: str) -> str:
    """A value as shown: a stage by its label, anything else as its owner wrote it."""
    if field_name == "stage":
        return str(Stage(value).label) if value in Stage.values else value
    return value


def _excluded_ids(viewer: User) -> set[int]:
    """Members the viewer blocked or muted, and members who blocked the viewer."""
    made = MemberBlock.objects.filter(blocker_id=viewer.pk).values_list("blocked_id", flat=True)
    received = MemberBlock.objects.filter(
        blocked_id=viewer.pk, level=MemberBlock.Level.BLOCK
    ).values_list("blocker_id", flat=True)
    return {viewer.pk, *made, *received}


def _effective_tokens(member: User, preferences: JournalPreferences) -> dict[str, set[str]]:
    """The viewer's tokens that match: stored AND still true of their current data."""
    fields = chosen_fields(preferences)
    current = values_for(fields, preferences, load_sources([member])[member.pk])
    stored = set(
        MatchToken.objects.filter(member_id=member.pk, field__in=fields).values_list(
            "field", "token"
        )
    )
    return {
        name: {seal(name, value) for value in current[name]} & {t for f, t in stored if f == name}
        for name in fields
    }


def people_like_me(member: User, limit: int = 20) -> list[Match]:
    """Other opted-in members sharing at least one value on fields both chose, best first.

    Empty unless `member` opted in. Matches on stored tokens only (see the module docstring).
    Leaves out inactive, memorialised and site-banned members, hidden profiles, and anyone
    blocked either way (or muted by the viewer). Each match lists only the matching values of
    fields both members chose to share. A fixed number of queries, whatever the candidates.
    """
    preferences = preferences_for(member)
    fields = chosen_fields(preferences)
    if not fields:
        return []
    own_tokens = _effective_tokens(member, preferences)
    condition = Q()
    for name, tokens in own_tokens.items():
        if tokens:
            condition |= Q(field=name, token__in=sorted(tokens))
    if not condition:
        return []
    ranked = (
        MatchToken.objects.filter(condition)
        .exclude(member_id__in=_excluded_ids(member))
        .exclude(
            member_id__in=active_bans(timezone.now())
            .filter(community__isnull=True)
            .values("member_id")
        )
        .filter(
            member__is_active=True,
            member__memorialised_at__isnull=True,
            member__journal_preferences__is_matchable=True,
        )
        .exclude(member__profile__is_hidden=True)
        .values("member_id")
        .annotate(shared=Count("id"))
        .order_by("-shared", "member_id")[: limit + _SLACK]
    )
    candidate_ids = [row["member_id"] for row in ranked]
    if not candidate_ids:
        return []
    members = {
        user.pk: user
        for user in User.objects.filter(pk__in=candidate_ids).select_related("journal_preferences")
    }
    their_tokens = set(
        MatchToken.objects.filter(condition, member_id__in=candidate_ids).values_list(
            "member_id", "field", "token"
        )
    )
    sources = load_sources(members.values())
    matches: list[Match] = []
    for candidate_id in candidate_ids:
        candidate = members.get(candidate_id)
        theirs = getattr(candidate, "journal_preferences", None) if candidate else None
        if candidate is None or theirs is None:
            continue
        both = [name for name in chosen_fields(theirs) if name in fields]
        current = values_for(both, theirs, sources[candidate_id])
        shared = {
            name: [
                display_value(name, value)
                for value in current[name]
                if seal(name, value) in own_tokens[name]
                and (candidate_id, name, seal(name, value)) in their_tokens
            ]
            for name in both
        }
        shared = {name: values for name, values in shared.items() if values}
        if shared:
            matches.append(Match(member=candidate, shared=shared))
    matches.sort(key=lambda m: (-m.shared_count, m.member.display_name.casefold(), m.member.pk))
    return matches[:limit]
