"""Anonymous community figures from the journals of members who opted in.

Computed only by the background task (`tasks.compute_all_insights_task`, every 6 hours), never
per request, and stored in `InsightSnapshot.figures` already suppressed: the database holds no
count that was not published. Pages and the API read the snapshot.

Who counts. A member counts when all of these hold at the computation:
- they turned on "add my journal to anonymous community figures" (turning it off takes them
  out of the next computation), their account is active and not memorialised;
- no site-wide ban is in force on them (a ban keeps the account and its memberships, so this is
  checked explicitly); for a community's figures, no ban in that community either;
- their account is at least M days old (M = settings.CARECIRCLE_JOURNAL_INSIGHTS_MIN_DAYS) and,
  for a community's figures, they have been a member of it for at least M days (a member who
  left and came back counts from the new joining date);
- they wrote journal entries on at least MIN_ENTRY_DAYS (3) different days of the period,
  counted by when each entry was saved, not by the date the member gave it (which they can
  set to any day), so an account has to be used on three separate days, and empty accounts
  never count.
The site-wide snapshot (community None) counts every such member, in a community or not.
The age and activity conditions are there against a crowd of made-up accounts (see below).

What is counted, over the last 12 months of each contributor's journal: symptoms recorded
(each contributor once per symptom), medicines taken at some point in that period (each
contributor once per medicine, names case-folded and spaces collapsed; brand and generic names
stay apart, as written), per medicine its perceived effectiveness (the contributor's latest
record of it) and its side effects. Shown names are the shared list's spelling or the folded
name, never one contributor's own way of writing it.

THE RULES (k = settings.CARECIRCLE_JOURNAL_INSIGHTS_K, R = ROUND_TO = 5):

1. Too few. A group with fewer than k contributors publishes nothing but "suppressed":
   not the number of contributors, not a single figure. A group held back by rule 5 publishes
   exactly the same thing: one reason ("suppressed"), one message, so nobody learns which rule
   held it back (that would say how large the group is). The detail goes to the log only.
2. Small counts and complements. A count c out of a group of n (contributors for symptoms and
   medicines; a medicine's takers for its effectiveness and side effects) is published only
   when c >= k AND n - c >= k. There is no "everyone" exception (n - c = 0): a value that every
   contributor shares would tell anyone who knows a person contributes that they have it (the
   homogeneity attack), which is the complement attack with an empty complement.
3. Differences inside one release. The effectiveness answers of a medicine are a partition of
   its takers (five answers plus "not said"), so one hidden answer would be the total minus the
   shown ones: whenever any answer is hidden, at least two are. The second one is chosen from
   the ROUNDED counts (the smallest), ties broken by the fixed order of the answers, never by
   the exact counts: choosing by exact count would let one person's answer decide which cell
   is hidden, and so be read off the page. Side effects and symptoms are not partitions (a
   person can report several or none), so no cell is the difference of others.
4. Differences between releases and between groups. Every published count is rounded DOWN to
   a multiple of R (never below k) and shown as "N+"; percentages are computed from the rounded
   counts ("about 40%"). One member opting in or out, joining or leaving between two
   computations moves an exact count by one, which leaves the rounded figure unchanged unless
   the count crosses a multiple of R. Listing order uses the rounded counts (then the name),
   so it does not leak the exact counts either.
5. Overlapping groups in one release. Two groups published together whose contributor sets
   differ by fewer than k members (but are not equal) would expose that handful by subtraction
   (a community that is the whole site but three members): the smaller group is suppressed;
   groups are considered from the largest down.

What remains possible (said plainly, for whoever improves this):
- Thresholds and rounding are deterministic. When a count sits just below a multiple of R, or
  one below k (or n - c one below k), a single member's change moves what is published, and
  an attacker who knows that member was the only change between two releases, or who knows
  every other contributor's answer, learns that member's answer for that one figure. Other
  members' new entries between releases (every 6 hours) usually blur this, and rules 1-3 still
  hold; the same applies to subtracting three or more overlapping groups, which rule 5 checks
  only in pairs.
- Made-up accounts ("Sybils"). Anyone can join a public community and opt in; with k - 1
  accounts whose journals the attacker controls, one real contributor is the only unknown in
  the group and every figure describes them. The age and activity conditions above make this
  slow and visible (accounts and memberships at least M days old, used on three different
  days), but they do not stop a determined attacker who prepared old accounts in advance.
Closing both fully needs noise added to every published count (differential privacy), or
releases held back until enough members changed; neither is done here.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from carecircle.communities.models import Community, Membership
from carecircle.journal import vocabulary
from carecircle.journal.models import (
    EntryKind,
    InsightSnapshot,
    JournalEntry,
    JournalPreferences,
    Medication,
)
from carecircle.journal.queries import data_of
from carecircle.moderation.models import Sanction

logger = logging.getLogger(__name__)

ROUND_TO = 5
PERIOD_DAYS = 365
TOP_SYMPTOMS = 10
TOP_MEDICATIONS = 10
TOP_SIDE_EFFECTS = 5
NOT_SAID = "not_said"
EFFECTIVENESS_CODES: tuple[int | str, ...] = (0, 1, 2, 3, 4, NOT_SAID)
# Entries saved on at least this many different days make an account count (see "Who counts").
MIN_ENTRY_DAYS = 3
# The one reason a group without figures publishes, whatever rule held it back (rule 1).
SUPPRESSED = "suppressed"


@dataclass
class MedicationUse:
    """One contributor's use of one medicine (all their records of it folded together)."""

    effectiveness: int | None = None
    latest: str = ""  # sort key of the record the effectiveness came from
    side_effects: set[str] = field(default_factory=set)


@dataclass
class Contribution:
    """What one contributor adds to the figures: folded names only."""

    member_id: int
    symptoms: set[str] = field(default_factory=set)
    medications: dict[str, MedicationUse] = field(default_factory=dict)


def normalise(name: str) -> str:
    """A name as compared: spaces collapsed, case folded ("Metformin " == "metformin")."""
    return " ".join(str(name).split()).casefold()


@cache
def _shared_spellings() -> dict[str, str]:
    names = [*vocabulary.symptom_names(), *vocabulary.medication_names()]
    return {normalise(name): name for name in reversed(names)}


def label_for(key: str) -> str:
    """How a folded name is shown: the shared list's spelling, else the folded name capitalised."""
    return _shared_spellings().get(key) or key[:1].upper() + key[1:]


def k_threshold() -> int:
    """The smallest group any published count may describe."""
    return max(1, int(settings.CARECIRCLE_JOURNAL_INSIGHTS_K))


def min_days() -> int:
    """How many days an account (and a community membership) must be old to count."""
    return max(0, int(settings.CARECIRCLE_JOURNAL_INSIGHTS_MIN_DAYS))


def suppressed(k: int) -> dict[str, Any]:
    """What a group without figures publishes: the same whichever rule held it back."""
    return {"suppressed": True, "reason": SUPPRESSED, "k": k}


def publishable(count: int, total: int, k: int) -> bool:
    """Rule 2: the count and its complement both describe at least k people."""
    return count >= k and total - count >= k


def rounded(count: int, k: int) -> int:
    """Rule 4: down to a multiple of ROUND_TO, never below k (so "N+" stays true)."""
    return max(k, count - count % ROUND_TO)


def _percent(part: int, whole: int) -> int:
    return round(100 * part / whole) if whole else 0


def _cell(key: Any, count: int, total_published: int, k: int) -> dict[str, Any]:
    shown = rounded(count, k)
    return {"key": key, "count": shown, "percent": _percent(shown, total_published)}


def _top(counts: Counter[str], total: int, k: int, limit: int) -> list[tuple[str, int]]:
    """Publishable (key, exact count) pairs, ordered by rounded count then shown name."""
    kept = [(key, count) for key, count in counts.items() if publishable(count, total, k)]
    kept.sort(key=lambda item: (-rounded(item[1], k), label_for(item[0]), item[0]))
    return kept[:limit]


def _effectiveness(uses: list[MedicationUse], takers_published: int, k: int) -> list[Any]:
    """Rule 3: the answers as a partition of the takers, with at least two hidden if any is."""
    counts: dict[int | str, int] = dict.fromkeys(EFFECTIVENESS_CODES, 0)
    for use in uses:
        counts[NOT_SAID if use.effectiveness is None else use.effectiveness] += 1
    total = len(uses)
    hidden = {code for code, count in counts.items() if not publishable(count, total, k)}
    if len(hidden) == 1:
        # Rounded counts, then the fixed order: the choice never depends on an exact count.
        shown = sorted(
            (code for code in EFFECTIVENESS_CODES if code not in hidden),
            key=lambda code: (rounded(counts[code], k), EFFECTIVENESS_CODES.index(code)),
        )
        hidden.add(shown[0])
    return [
        {"key": code, "hidden": True}
        if code in hidden
        else {**_cell(code, counts[code], takers_published, k), "hidden": False}
        for code in EFFECTIVENESS_CODES
    ]


def figures_for(contributions: Sequence[Contribution], *, k: int | None = None) -> dict[str, Any]:
    """The published figures for one group of contributors, every rule applied (pure)."""
    k = k_threshold() if k is None else k
    total = len(contributions)
    if total < k:
        return suppressed(k)
    total_published = rounded(total, k)
    symptoms: Counter[str] = Counter()
    takers: dict[str, list[MedicationUse]] = {}
    for contribution in contributions:
        symptoms.update(contribution.symptoms)
        for key, use in contribution.medications.items():
            takers.setdefault(key, []).append(use)
    medications = []
    taken = Counter({key: len(uses) for key, uses in takers.items()})
    for key, count in _top(taken, total, k, TOP_MEDICATIONS):
        uses = takers[key]
        cell = _cell(key, count, total_published, k)
        side_effects: Counter[str] = Counter()
        for use in uses:
            side_effects.update(use.side_effects)
        medications.append(
            {
                **cell,
                "name": label_for(key),
                "effectiveness": _effectiveness(uses, cell["count"], k),
                "side_effects": [
                    {**_cell(effect, n, cell["count"], k), "name": label_for(effect)}
                    for effect, n in _top(side_effects, count, k, TOP_SIDE_EFFECTS)
                ],
            }
        )
    return {
        "suppressed": False,
        "k": k,
        "round_to": ROUND_TO,
        "period_days": PERIOD_DAYS,
        "contributors": total_published,
        "symptoms": [
            {**_cell(key, count, total_published, k), "name": label_for(key)}
            for key, count in _top(symptoms, total, k, TOP_SYMPTOMS)
        ],
        "medications": medications,
    }


# --- Reading the contributors' journals (the task only) -------------------------------------


def active_bans(now: datetime) -> QuerySet[Sanction]:
    """Bans in force now, site-wide or in one community (a ban keeps the account active and
    its memberships in place, so whoever counts members must leave the banned out)."""
    return Sanction.objects.filter(
        kind=Sanction.Kind.BAN, lifted_at__isnull=True, starts_at__lte=now
    ).filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now))


def _eligible_preferences(now: datetime) -> QuerySet[JournalPreferences]:
    """Opt-ins that count for the site: active, old enough, used on enough days, not banned."""
    since = now - timedelta(days=PERIOD_DAYS)
    used_on_enough_days = (
        JournalEntry.objects.filter(created_at__gte=since)
        .order_by()
        .values("owner_id")
        .annotate(days=Count(TruncDate("created_at"), distinct=True))
        .filter(days__gte=MIN_ENTRY_DAYS)
        .values("owner_id")
    )
    site_banned = active_bans(now).filter(community__isnull=True).values("member_id")
    return (
        JournalPreferences.objects.filter(
            contributes_to_insights=True,
            member__is_active=True,
            member__memorialised_at__isnull=True,
            member__date_joined__lte=now - timedelta(days=min_days()),
            member_id__in=used_on_enough_days,
        )
        .exclude(member_id__in=site_banned)
        .order_by()
    )


def _counting_memberships(now: datetime, contributors: QuerySet[Any]) -> QuerySet[Membership]:
    """Memberships old enough to count, of `contributors` (a subquery of user ids), without
    members banned from that community."""
    community_ban = active_bans(now).filter(
        member_id=OuterRef("user_id"), community_id=OuterRef("community_id")
    )
    return Membership.objects.filter(
        user_id__in=contributors, created_at__lte=now - timedelta(days=min_days())
    ).filter(~Exists(community_ban))


def contributor_ids(community: Community | None = None) -> set[int]:
    """Members whose journals count for `community` (None: the whole site) right now."""
    now = timezone.now()
    eligible = _eligible_preferences(now).values("member_id")
    if community is None:
        return set(eligible.values_list("member_id", flat=True))
    return set(
        _counting_memberships(now, eligible)
        .filter(community=community)
        .values_list("user_id", flat=True)
    )


def _overlaps_period(record: dict[str, Any], since: date, today: date) -> bool:
    started, stopped = record.get("started_on"), record.get("stopped_on")
    if started and started > today.isoformat():
        return False
    return not (stopped and stopped < since.isoformat())


def load_contributions(member_ids: Iterable[int]) -> dict[int, Contribution]:
    """Each contributor's folded symptoms and medicines of the last PERIOD_DAYS days."""
    ids = sorted(set(member_ids))
    contributions = {member_id: Contribution(member_id=member_id) for member_id in ids}
    now = timezone.now()
    since = now - timedelta(days=PERIOD_DAYS)
    chunk = 500
    for start in range(0, len(ids), chunk):
        batch = ids[start : start + chunk]
        entries = JournalEntry.objects.filter(
            owner_id__in=batch, kind=EntryKind.SYMPTOM, recorded_at__gte=since
        ).only("owner_id", "data")
        for entry in entries.iterator(chunk_size=2000):
            name = normalise(data_of(entry).get("name", ""))
            if name:
                contributions[entry.owner_id].symptoms.add(name)
        for medication in Medication.objects.filter(owner_id__in=batch).only(
            "owner_id", "data", "created_at"
        ):
            data = data_of(medication)
            key = normalise(data.get("name", ""))
            if not key or not _overlaps_period(data, since.date(), now.date()):
                continue
            uses = contributions[medication.owner_id].medications
            use = uses.setdefault(key, MedicationUse())
            use.side_effects.update(
                normalise(effect.get("name", ""))
                for effect in data.get("side_effects") or []
                if normalise(effect.get("name", ""))
            )
            order = f"{data.get('started_on') or ''}|{medication.created_at.isoformat()}"
            if order >= use.latest:
                use.latest = order
                use.effectiveness = data.get("effectiveness")
    return contributions


def compute_insights(community: Community | None) -> dict[str, Any]:
    """The figures one group would publish now (rules 1-4; rule 5 needs every group: see
    `compute_all_insights`, the only writer of snapshots)."""
    contributions = load_contributions(contributor_ids(community))
    return figures_for(list(contributions.values()))


def _groups() -> list[tuple[Community | None, set[int]]]:
    now = timezone.now()
    eligible = _eligible_preferences(now).values("member_id")
    everyone = set(eligible.values_list("member_id", flat=True))
    memberships: dict[int, set[int]] = {}
    for community_id, user_id in _counting_memberships(now, eligible).values_list(
        "community_id", "user_id"
    ):
        memberships.setdefault(community_id, set()).add(user_id)
    groups: list[tuple[Community | None, set[int]]] = [(None, everyone)]
    for community in Community.objects.order_by("pk"):
        groups.append((community, memberships.get(community.pk, set())))
    return groups


def _log_suppressed(community: Community | None, why: str) -> None:
    # The detail stays in the log: published, it would tell the group's size (rule 1).
    logger.info(
        "Journal figures of %s suppressed: %s", community.slug if community else "the site", why
    )


def compute_all_insights() -> int:
    """Recompute and store every community's snapshot and the site's; returns how many."""
    k = k_threshold()
    groups = _groups()
    everyone = groups[0][1]
    contributions = load_contributions(everyone)
    # Largest first, the site before a community of the same size (rule 5).
    order = sorted(
        range(len(groups)), key=lambda i: (-len(groups[i][1]), groups[i][0] is not None, i)
    )
    published: list[set[int]] = []
    results: dict[int, dict[str, Any]] = {}
    for index in order:
        members = groups[index][1]
        community = groups[index][0]
        if len(members) < k:
            _log_suppressed(community, "fewer than k contributors")
            results[index] = suppressed(k)
            continue
        # Sorted by size, so only sets less than k larger can differ by fewer than k.
        too_close = any(
            len(other) - len(members) < k and 0 < len(other ^ members) < k for other in published
        )
        if too_close:
            _log_suppressed(community, "overlaps a larger group")
            results[index] = suppressed(k)
            continue
        published.append(members)
        results[index] = figures_for([contributions[i] for i in sorted(members)], k=k)
    now = timezone.now()
    with transaction.atomic():
        for index, (community, _members) in enumerate(groups):
            InsightSnapshot.objects.update_or_create(
                community=community,
                defaults={"computed_at": now, "k": k, "figures": results[index]},
            )
    return len(groups)


def snapshot_for(community: Community | None) -> InsightSnapshot | None:
    """The stored snapshot for a community (None: the site), if the task has run."""
    return InsightSnapshot.objects.filter(community=community).first()
