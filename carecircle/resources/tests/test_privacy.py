"""The library in a member's data export, and what erasing an account leaves."""

from __future__ import annotations

from carecircle.accounts.models import User
from carecircle.communities.models import Community
from carecircle.privacy.actions import erase_member
from carecircle.privacy.registry import REGISTRY
from carecircle.resources.models import Resource, ResourceCitation
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


def test_erasure_deletes_archived_suggestions_never_published_only(
    community: Community, patient: User, moderator: User
) -> None:
    from carecircle.resources import actions

    archived_unseen = make_resource(
        community, title="Archived from queue", status="suggested", suggested_by=patient
    )
    actions.review_resource(actor=moderator, resource=archived_unseen, decision="archive")
    once_published = make_resource(
        community, title="Was in the library", status="suggested", suggested_by=patient
    )
    actions.review_resource(actor=moderator, resource=once_published, decision="approve")
    actions.review_resource(actor=moderator, resource=once_published, decision="archive")
    assert set(Resource.objects.values_list("title", "status")) == {
        ("Archived from queue", "archived"),
        ("Was in the library", "archived"),
    }
    erase_member(actor=patient, member=patient, keep_posts=False)
    assert list(Resource.objects.values_list("title", "suggested_by")) == [
        ("Was in the library", None)
    ]


def test_erasing_the_posts_that_cite_a_resource_brings_its_count_down(
    community: Community, patient: User, caregiver: User
) -> None:
    from carecircle.discussions import actions as discussion_actions

    resource = make_resource(community, title="Kept")
    discussion_actions.create_topic(
        actor=caregiver, community=community, title="Reading", body=f"See /library/{resource.pk}/"
    )
    discussion_actions.create_topic(
        actor=patient, community=community, title="Mine too", body=f"Also /library/{resource.pk}/"
    )
    assert Resource.objects.get(pk=resource.pk).citation_count == 2
    erase_member(actor=caregiver, member=caregiver, keep_posts=False)
    assert Resource.objects.get(pk=resource.pk).citation_count == 1
    assert ResourceCitation.objects.count() == 1
