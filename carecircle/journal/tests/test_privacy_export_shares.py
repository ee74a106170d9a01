"""A member's account export says whom each of their journal shares was for."""

from __future__ import annotations

import pytest

from carecircle.accounts.models import User
from carecircle.communities.models import Community
from carecircle.journal.models import JournalShare
from carecircle.privacy.registry import REGISTRY

pytestmark = pytest.mark.django_db


def test_each_share_names_its_member_community_or_carer(
    patient: User, caregiver: User, outsider: User, community: Community
) -> None:
    from carecircle.caregivers.models import CaregiverLink

    link = CaregiverLink.objects.create(
        patient=patient, carer=caregiver, requested_by="patient", status="active"
    )
    JournalShare.objects.create(owner=patient, audience="member", member=outsider, parts=["mood"])
    JournalShare.objects.create(
        owner=patient, audience="community", community=community, parts=["symptoms"]
    )
    JournalShare.objects.create(
        owner=patient, audience="caregiver", caregiver_link=link, parts=["goals"], title="For you"
    )
    JournalShare.objects.create(owner=outsider, audience="member", member=patient, parts=["mood"])
    rows = REGISTRY["journal.journalshare"].rows(patient)
    assert [(r["audience"], r["shared_with"], r["parts"], r["title"]) for r in rows] == [
        ("member", outsider.display_name, ["mood"], ""),
        ("community", community.name, ["symptoms"], ""),
        ("caregiver", caregiver.display_name, ["goals"], "For you"),
    ]


def test_erasing_an_account_drops_its_chart_digest_from_memory(patient: User) -> None:
    from carecircle.journal import charts

    charts.clear_cache()
    from carecircle.journal.models import JournalEntry

    JournalEntry.objects.create(
        owner=patient, kind="mood", recorded_at="2026-01-01T10:00Z", data={"mood": 3}
    )
    charts.build_charts(patient, period="all", parts={"mood"})
    assert patient.pk in charts._cache
    for eraser in [e.erase for e in REGISTRY.values() if e.erase is not None]:
        if eraser.__module__ == "carecircle.journal.privacy_export":
            eraser(patient, False)
    assert patient.pk not in charts._cache
