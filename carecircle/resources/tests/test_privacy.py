"""The library in a member's data export, and what erasing an account leaves."""

from __future__ import annotations

from carecircle.accounts.models import User
from carecircle.communities.models import Community
from carecircle.privacy.actions import erase_member
from carecircle.privacy.registry import REGISTRY
from carecircle.resources.models import Resource
from carecircle.resources.tests.conftest import make_resource


def test_export_lists_what_the_member_suggested_or_added_with_their_note(
    community: Community, patient: User, moderator: User
) -> None:
    make_resource(
        community,
        title="Declined idea",
        status=Resource.Status.REJECTED,
        suggested_by=patient,
        review_note="Sells supplements",
        tags=["diet"],
    )
    make_resource(None, title="Added by me", added_by=patient, review_note="curators only")
    make_resource(community, title="Someone else's", added_by=moderator)
    rows = REGISTRY["resources.resource"].rows(patient)
    assert [
        (r["title"], r["role"], r["library"], r["status"], r["review_note"], r["tags"])
        for r in rows
    ] == [
        (
            "Declined idea",
            "suggested",
            "Type 2 Diabetes",
            "rejected",
            "Sells supplements",
            ["diet"],
        ),
        ("Added by me", "added", "site", "published", "", []),
    ]


def test_erasure_deletes_unpublished_suggestions_and_keeps_the_library(
    community: Community, patient: User
) -> None:
    waiting = make_resource(community, title="Waiting", status="suggested", suggested_by=patient)
    declined = make_resource(community, title="No", status="rejected", suggested_by=patient)
    published = make_resource(
        community, title="Kept", suggested_by=patient, last_reviewed_by=patient
    )
    erase_member(actor=patient, member=patient, keep_posts=False)
    assert not Resource.objects.filter(pk__in=[waiting.pk, declined.pk]).exists()
    published.refresh_from_db()
    assert (published.title, published.suggested_by, published.last_reviewed_by) == (
        "Kept",
        None,
        None,
    )
