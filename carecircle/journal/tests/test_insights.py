"""Community insights: who counts, the suppression rules, and the attacks they defeat.

The attack tests build the data an attacker would exploit, run the same computation the task
runs, and show that the published figures are identical whether the target has the value or
not (or whether the target is in the group or not): nothing to subtract, nothing to compare.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from carecircle.communities.actions import leave_community
from carecircle.communities.models import Community
from carecircle.core.factories import CommunityFactory, UserFactory, make_member
from carecircle.journal import insights, payloads
from carecircle.journal.insights import Contribution, MedicationUse, figures_for
from carecircle.journal.models import (
    InsightSnapshot,
    JournalEntry,
    JournalPreferences,
    Medication,
)
from carecircle.journal.tasks import compute_all_insights_task
from conftest import client_for


def people(count: int, *, start: int = 0, symptoms: set[str] | None = None, **medicine) -> list:
    """`count` contributions with the same symptoms (and one medicine if given)."""
    made = []
    for i in range(start, start + count):
        contribution = Contribution(member_id=i, symptoms=set(symptoms or set()))
        if medicine:
            contribution.medications[medicine["name"]] = MedicationUse(
                effectiveness=medicine.get("effectiveness"),
                side_effects=set(medicine.get("side_effects", set())),
            )
        made.append(contribution)
    return made


def symptom_counts(figures: dict) -> dict[str, int]:
    return {row["key"]: row["count"] for row in figures.get("symptoms", [])}


# --- Rules on the pure computation ---------------------------------------------------------


def test_fewer_than_k_contributors_publish_nothing_at_all():
    figures = figures_for(people(9, symptoms={"fatigue"}), k=10)
    assert figures == {"suppressed": True, "reason": "too_few", "k": 10}


def test_published_figures_are_rounded_and_complete():
    group = [
        *people(12, symptoms={"fatigue", "headache"}, name="metformin", effectiveness=3),
        *people(11, start=12, symptoms={"fatigue"}, name="metformin", effectiveness=1),
        *people(8, start=23, symptoms={"nausea"}),
    ]
    for contribution in group[:10]:
        contribution.medications["metformin"].side_effects = {"nausea"}
    figures = figures_for(group, k=5)
    assert figures == {
        "suppressed": False,
        "k": 5,
        "round_to": 5,
        "period_days": 365,
        "contributors": 30,  # 31 rounded down
        "symptoms": [
            # fatigue 23 of 31: its complement is 8; headache 12 of 31; nausea 8 of 31.
            {"key": "fatigue", "count": 20, "percent": 67, "name": "Fatigue"},
            {"key": "headache", "count": 10, "percent": 33, "name": "Headache"},
            {"key": "nausea", "count": 5, "percent": 17, "name": "Nausea"},
        ],
        "medications": [
            {
                "key": "metformin",
                "count": 20,
                "percent": 67,
                "name": "Metformin",
                "effectiveness": [
                    {"key": 0, "hidden": True},
                    {"key": 1, "count": 10, "percent": 50, "hidden": False},
                    {"key": 2, "hidden": True},
                    {"key": 3, "count": 10, "percent": 50, "hidden": False},
                    {"key": 4, "hidden": True},
                    {"key": "not_said", "hidden": True},
                ],
                "side_effects": [{"key": "nausea", "count": 10, "percent": 50, "name": "Nausea"}],
            }
        ],
    }


def test_a_count_below_k_is_never_published():
    # (a) small counts: 4 of 20 report a rare symptom; with k = 5 it is left out.
    figures = figures_for([*people(4, symptoms={"rare"}), *people(16, start=4)], k=5)
    assert symptom_counts(figures) == {}


@pytest.mark.parametrize(("reporting", "total"), [(10, 11), (11, 11), (15, 19)])
def test_complement_attack_a_value_nearly_everyone_shares_is_hidden(reporting, total):
    # (b) 10 of 11 report fatigue: publishing it would single out the one who does not (and
    # 11 of 11 would tell it about every contributor). The target is member 0.
    def group(target_has_it: bool) -> list:
        made = people(total)
        for contribution in made[:reporting]:
            contribution.symptoms.add("fatigue")
        if not target_has_it:
            made[0].symptoms.discard("fatigue")
        return made

    with_target, without_target = figures_for(group(True), k=10), figures_for(group(False), k=10)
    assert symptom_counts(with_target) == {}
    assert with_target == without_target


def test_secondary_suppression_two_answers_hide_together():
    # (c) one answer (code 4) has too few people; shown alone, the total minus the other five
    # would give it. The next smallest answer is hidden too, so the target's answer (4, or 0)
    # cannot be derived: both datasets publish exactly the same figures.
    def group(target_answer: int) -> list:
        made = []
        for code, count in ((0, 5), (1, 6), (2, 7), (3, 8), (4, 1), (None, 7)):
            made += people(count, start=len(made), name="sertraline", effectiveness=code)
        made += people(40, start=len(made))
        made.append(
            Contribution(
                member_id=999,
                medications={"sertraline": MedicationUse(effectiveness=target_answer)},
            )
        )
        return made

    answer_4, answer_0 = figures_for(group(4), k=5), figures_for(group(0), k=5)
    assert answer_4 == answer_0
    answers = answer_4["medications"][0]["effectiveness"]
    assert [answer["key"] for answer in answers if answer["hidden"]] == [0, 4]


@pytest.mark.parametrize("change", ["opt_in", "opt_out", "join"])
def test_difference_attack_between_releases_one_member_changes_nothing(change):
    # (d) before and after the target opts in, opts out or joins: identical releases.
    others = [
        *people(11, symptoms={"fatigue"}, name="metformin", effectiveness=3),
        *people(11, start=11, symptoms={"pain"}, name="insulin", effectiveness=2),
    ]
    target = Contribution(
        member_id=99,
        symptoms={"fatigue", "pain"},
        medications={"metformin": MedicationUse(effectiveness=3, side_effects={"nausea"})},
    )
    before = others if change != "opt_out" else [*others, target]
    after = [*others, target] if change != "opt_out" else others
    assert figures_for(before, k=5) == figures_for(after, k=5)
    assert figures_for(after, k=5)["contributors"] == 20


def test_listing_order_does_not_reveal_exact_counts():
    # 14 report "tremor" and 10 "fatigue": both show 10+, listed by name, not by exact count.
    group = [*people(14, symptoms={"tremor"}), *people(10, start=14, symptoms={"fatigue"})]
    group += people(14, start=24)
    assert [row["key"] for row in figures_for(group, k=10)["symptoms"]] == ["fatigue", "tremor"]


# --- Contributors and the task (database) ---------------------------------------------------


def contributor(community: Community | None, *, symptom: str = "", medicine: dict | None = None):
    member = UserFactory()
    if community is not None:
        make_member(community, member)
    JournalPreferences.objects.create(
        member=member, contributes_to_insights=True, contributes_since=timezone.now()
    )
    if symptom:
        JournalEntry.objects.create(
            owner=member,
            kind="symptom",
            recorded_at=timezone.now() - timedelta(days=3),
            data=payloads.clean_entry("symptom", {"name": symptom, "severity": 4}),
        )
    if medicine:
        Medication.objects.create(owner=member, data=payloads.clean_medication(medicine))
    return member


@pytest.mark.django_db
def test_who_counts_opt_in_active_current_members_only(community, patient, caregiver, outsider):
    opted_in = contributor(community)
    JournalPreferences.objects.create(member=patient, contributes_to_insights=True)
    JournalPreferences.objects.create(member=caregiver, contributes_to_insights=False)
    JournalPreferences.objects.create(member=outsider, contributes_to_insights=True)
    inactive = contributor(community)
    inactive.is_active = False
    inactive.save()
    memorialised = contributor(community)
    memorialised.memorialised_at = timezone.now()
    memorialised.save()
    assert insights.contributor_ids(community) == {opted_in.pk, patient.pk}
    leave_community(actor=patient, community=community)
    assert insights.contributor_ids(community) == {opted_in.pk}
    assert insights.contributor_ids(None) == {opted_in.pk, patient.pk, outsider.pk}


@pytest.mark.django_db
def test_only_the_last_twelve_months_count():
    member = contributor(None, symptom="Fatigue")
    JournalEntry.objects.create(
        owner=member,
        kind="symptom",
        recorded_at=timezone.now() - timedelta(days=400),
        data=payloads.clean_entry("symptom", {"name": "Old pain", "severity": 4}),
    )
    for name, started, stopped, effect in (
        ("Metformin", "2020-01-01", None, 1),
        ("metformin ", "2024-01-01", None, 3),
        ("Ibuprofen", "2020-01-01", "2020-06-01", 2),
    ):
        Medication.objects.create(
            owner=member,
            data=payloads.clean_medication(
                {
                    "name": name,
                    "started_on": started,
                    "stopped_on": stopped,
                    "effectiveness": effect,
                    "side_effects": "Nausea:3",
                }
            ),
        )
    contribution = insights.load_contributions([member.pk])[member.pk]
    assert contribution.symptoms == {"fatigue"}
    assert list(contribution.medications) == ["metformin"]
    assert contribution.medications["metformin"].effectiveness == 3
    assert contribution.medications["metformin"].side_effects == {"nausea"}


@pytest.mark.django_db
def test_the_task_writes_every_snapshot_with_overlap_and_opt_out(settings):
    settings.CARECIRCLE_JOURNAL_INSIGHTS_K = 5
    big = CommunityFactory(slug="big")
    near_copy = CommunityFactory(slug="near-copy")
    small = CommunityFactory(slug="small")
    members = [contributor(big, symptom="Fatigue") for _i in range(10)]
    members += [contributor(big, symptom="Pain") for _i in range(10)]
    for member in members[:-2]:
        make_member(near_copy, member)
    make_member(small, members[0])
    assert compute_all_insights_task.enqueue().return_value == 4
    snapshots = {
        s.community.slug if s.community else None: s for s in InsightSnapshot.objects.all()
    }
    assert snapshots[None].figures == snapshots["big"].figures
    assert symptom_counts(snapshots["big"].figures) == {"fatigue": 10, "pain": 10}
    # The near copy differs from "big" by two members: subtracting would expose them.
    assert snapshots["near-copy"].figures == {"suppressed": True, "reason": "overlap", "k": 5}
    assert snapshots["small"].figures == {"suppressed": True, "reason": "too_few", "k": 5}
    # Turning the opt-in off leaves the member out of the next computation.
    JournalPreferences.objects.filter(member=members[0]).update(contributes_to_insights=False)
    compute_all_insights_task.enqueue()
    after = InsightSnapshot.objects.get(community=big).figures
    assert (after["contributors"], symptom_counts(after)) == (15, {"fatigue": 5, "pain": 10})


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "slug", "status"),
    [
        ("outsider", "secret-circle", 404),
        ("outsider", "breast-cancer", 403),
        ("patient", "secret-circle", 200),
        ("patient", "breast-cancer", 200),
        ("outsider", "type-2-diabetes", 200),
    ],
)
def test_who_may_read_a_community_s_figures(
    who, slug, status, request, community, private_community, hidden_community
):
    compute_all_insights_task.enqueue()
    before = list(InsightSnapshot.objects.order_by("pk").values())
    client = client_for(request.getfixturevalue(who))
    page = client.get(f"/journal/insights/{slug}/")
    api = client.get(f"/api/v1/journal/insights/{slug}")
    assert (page.status_code, api.status_code) == (status, status)
    if status == 200:
        assert "Not enough members have joined in yet (at least 10 are needed)." in (
            page.content.decode()
        )
        assert api.json()["figures"] == {"suppressed": True, "reason": "too_few", "k": 10}
    assert list(InsightSnapshot.objects.order_by("pk").values()) == before


@pytest.mark.django_db
def test_a_visitor_is_sent_to_sign_in(community):
    assert client_for(None).get("/journal/insights/type-2-diabetes/").status_code == 302
    assert client_for(None).get("/api/v1/journal/insights/type-2-diabetes").status_code == 401
