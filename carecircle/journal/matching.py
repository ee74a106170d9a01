""" "People like me": members who opted in, matched on what both chose to share.

A member who turns on "suggest me to people like me" picks which of their conditions,
treatments and stage a match may use and show (`JournalPreferences.match_fields`). For those
fields only, `MatchToken` rows hold a keyed hash of each normalised value (like
search/sealed.py: an HMAC keyed from SECRET_KEY, so a copy of the database names no condition;
rotating SECRET_KEY means refreshing the tokens, which the 6-hourly task does). Matching is an
indexed join on (field, token).

Values: conditions and treatments come from the member's profile (encrypted lists); treatments
also include the names of the medicines in their journal they take now. Stage is the stage
chosen in the preferences.

Freshness: the viewer's own tokens are computed on the fly from their current data; another
member's stored tokens are refreshed when they change their preferences (at once, on commit)
and by the 6-hourly task (profile and medicine changes). Whatever is shown is re-checked
against both members' current, decrypted values, so a stale token can never show a value that
is no longer true or no longer shared.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.crypto import salted_hmac

from carecircle.accounts.models import Profile, User
from carecircle.journal.models import JournalPreferences, MatchToken, Medication, Stage
from carecircle.journal.queries import data_of, preferences_for
from carecircle.messaging.models import MemberBlock

FIELDS: tuple[str, ...] = ("conditions", "treatments", "stage")
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


def _current_medicine_names(member_id: int) -> list[str]:
    return [
        str(data_of(medication).get("name") or "")
        for medication in Medication.objects.filter(owner_id=member_id)
        if not data_of(medication).get("stopped_on")
    ]


def values_for(
    member_id: int, fields: list[str], preferences: JournalPreferences
) -> dict[str, list[str]]:
    """The member's current values (as they wrote them) for `fields`, deduplicated."""
    values: dict[str, list[str]] = {}
    profile = Profile.objects.filter(user_id=member_id).first() if fields else None
    for name in fields:
        found: list[str] = []
        if name == "conditions" and profile is not None:
            found = [str(value) for value in profile.conditions or []]
        elif name == "treatments":
            found = [str(value) for value in (profile.treatments or [])] if profile else []
            found += _current_medicine_names(member_id)
        elif name == "stage" and preferences.stage:
            found = [preferences.stage]
        unique: dict[str, str] = {}
        for value in found:
            if normalise(value):
                unique.setdefault(normalise(value), value.strip())
        values[name] = list(unique.values())
    return values


def tokens_for(member: User) -> set[tuple[str, str]]:
    """The (field, token) pairs the member's current data and choices give (none if not
    opted in)."""
    preferences = preferences_for(member)
    fields = chosen_fields(preferences)
    values = values_for(member.pk, fields, preferences)
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


def people_like_me(member: User, limit: int = 20) -> list[Match]:
    """Other opted-in members sharing at least one value on fields both chose, best first.

    Empty unless `member` opted in. Leaves out inactive and memorialised members, hidden
    profiles, and anyone blocked either way (or muted by the viewer). Each match lists only
    the matching values of fields both members chose to share.
    """
    preferences = preferences_for(member)
    fields = chosen_fields(preferences)
    if not fields:
        return []
    own_values = values_for(member.pk, fields, preferences)
    own_tokens = {
        name: {seal(name, value) for value in values} for name, values in own_values.items()
    }
    condition = Q()
    for name, tokens in own_tokens.items():
        if tokens:
            condition |= Q(field=name, token__in=sorted(tokens))
    if not condition:
        return []
    ranked = (
        MatchToken.objects.filter(condition)
        .exclude(member_id__in=_excluded_ids(member))
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
    members = {user.pk: user for user in User.objects.filter(pk__in=candidate_ids)}
    their_preferences = {
        p.member_id: p for p in JournalPreferences.objects.filter(member_id__in=candidate_ids)
    }
    matches: list[Match] = []
    for candidate_id in candidate_ids:
        theirs = their_preferences.get(candidate_id)
        if theirs is None or candidate_id not in members:
            continue
        both = [name for name in chosen_fields(theirs) if name in fields]
        current = values_for(candidate_id, both, theirs)
        shared = {
            name: [
                display_value(name, value)
                for value in current[name]
                if seal(name, value) in own_tokens[name]
            ]
            for name in both
        }
        shared = {name: values for name, values in shared.items() if values}
        if shared:
            matches.append(Match(member=members[candidate_id], shared=shared))
    matches.sort(key=lambda m: (-m.shared_count, m.member.display_name.casefold(), m.member.pk))
    return matches[:limit]
