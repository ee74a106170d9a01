"""Library writes: adding, suggesting, validation, review, categories; denials change nothing."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import override_settings
from django.utils import timezone

from carecircle.accounts.models import User
from carecircle.communities.models import Community, Membership
from carecircle.core.errors import (
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    ValidationFailed,
)
from carecircle.core.factories import UserFactory, make_member
from carecircle.core.models import AuditEvent
from carecircle.moderation.models import Sanction
from carecircle.notifications.models import Notification
from carecircle.resources import actions
from carecircle.resources.actions import Decision, ResourceInput
from carecircle.resources.models import Resource, ResourceCategory


def data(**fields: Any) -> ResourceInput:
    values: dict[str, Any] = {
        "kind": Resource.Kind.WEBSITE,
        "title": "  Eating well with diabetes ",
        "url": "https://www.example.org/eating",
        "summary": "Plain advice.",
        "publisher": "Example Health",
        "tags": "Diet, easy read, diet",
        "published_on": "2024-03-01",
    }
    values.update(fields)
    return ResourceInput(**values)


def snapshot() -> tuple[int, int, int]:
    return (Resource.objects.count(), ResourceCategory.objects.count(), AuditEvent.objects.count())


def test_a_curator_publishes_at_once_and_counts_as_its_reviewer(
    community: Community, moderator: User, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks() as callbacks:
        resource = actions.create_resource(actor=moderator, community=community, data=data())
    resource.refresh_from_db()
    assert (resource.status, resource.title, resource.tags) == (
        Resource.Status.PUBLISHED,
        "Eating well with diabetes",
        ["diet", "easy-read"],
    )
    assert (resource.added_by, resource.suggested_by, resource.last_reviewed_by) == (
        moderator,
        None,
        moderator,
    )
    assert resource.last_reviewed_on == timezone.localdate()
    assert resource.published_on == date(2024, 3, 1)
    assert resource.preview_state == Resource.PreviewState.PENDING
    # The link preview and the search index, both after commit.
    assert len(callbacks) == 2
    assert AuditEvent.objects.filter(verb="resource.add", target_id=str(resource.pk)).count() == 1


def test_a_member_suggests_and_the_suggestion_waits(community: Community, patient: User) -> None:
    resource = actions.create_resource(actor=patient, community=community, data=data())
    assert (resource.status, resource.suggested_by, resource.added_by) == (
        Resource.Status.SUGGESTED,
        patient,
        None,
    )
    assert resource.last_reviewed_on is None


def test_curators_are_moderators_managers_member_professionals_and_staff(
    community: Community, professional: User, manager: User
) -> None:
    other = UserFactory(is_professional=True)
    make_member(community, professional)
    community_manager = UserFactory()
    make_member(community, community_manager, Membership.Role.MANAGER)
    site_library = [
        actions.create_resource(actor=user, community=None, data=data()).status
        for user in (manager, other, UserFactory())
    ]
    here = [
        actions.create_resource(actor=user, community=community, data=data()).status
        for user in (professional, community_manager)
    ]
    assert site_library == ["published", "published", "suggested"]
    assert here == ["published", "published"]


@pytest.mark.parametrize(
    "who", ["visitor", "outsider", "outside_professional", "banned", "suspended"]
)
def test_outsiders_and_restricted_members_cannot_add_or_suggest(
    community: Community, patient: User, outsider: User, who: str
) -> None:
    actor: Any = {
        "visitor": AnonymousUser(),
        "outsider": outsider,
        "outside_professional": UserFactory(is_professional=True),
    }.get(who, patient)
    if who in ("banned", "suspended"):
        Sanction.objects.create(
            member=patient,
            community=community,
            kind=Sanction.Kind.BAN if who == "banned" else Sanction.Kind.SUSPENSION,
            ends_at=timezone.now() + timedelta(days=3),
        )
    before = snapshot()
    with pytest.raises(PermissionDeniedError) as denied:
        actions.create_resource(actor=actor, community=community, data=data())
    assert denied.value.code == {
        "visitor": "not_authenticated",
        "banned": "banned",
        "suspended": "suspended",
    }.get(who, "not_member")
    assert snapshot() == before


def test_every_problem_is_reported_at_once_and_nothing_is_saved(
    community: Community, moderator: User, private_community: Community
) -> None:
    foreign = ResourceCategory.objects.create(community=private_community, name="X", slug="x")
    before = snapshot()
    with pytest.raises(ValidationFailed) as failed:
        actions.create_resource(
            actor=moderator,
            community=community,
            data=data(
                title=" ",
                url="javascript:alert(1)",
                published_on=(timezone.localdate() + timedelta(days=2)).isoformat(),
                tags=[f"t{n}" for n in range(11)],
                reading_level="expert",
                category_ids=[foreign.pk],
                author="a" * 301,
            ),
        )
    assert [(d["field"], d["code"]) for d in failed.value.details] == [
        ("title", "title_required"),
        ("url", "bad_url"),
        ("author", "author_too_long"),
        ("published_on", "date_in_future"),
        ("tags", "too_many_tags"),
        ("reading_level", "bad_reading_level"),
        ("categories", "bad_category"),
    ]
    assert (failed.value.field, failed.value.code) == ("title", "title_required")
    assert snapshot() == before


def test_websites_need_a_link_and_files_need_a_file(community: Community, moderator: User) -> None:
    with pytest.raises(ValidationFailed) as website:
        actions.create_resource(actor=moderator, community=community, data=data(url=""))
    with pytest.raises(ValidationFailed) as file:
        actions.create_resource(
            actor=moderator, community=community, data=data(kind=Resource.Kind.FILE, url="")
        )
    with pytest.raises(ValidationFailed) as bad_date:
        actions.create_resource(
            actor=moderator, community=community, data=data(published_on="1 March")
        )
    assert (website.value.code, file.value.code, bad_date.value.code) == (
        "url_required",
        "file_required",
        "bad_date",
    )
    paper = actions.create_resource(
        actor=moderator, community=community, data=data(kind=Resource.Kind.RESEARCH_PAPER, url="")
    )
    assert (paper.url, paper.preview_state) == ("", Resource.PreviewState.NONE)


@override_settings(CARECIRCLE_RESOURCE_SUGGEST_RATE="2/h")
def test_suggestions_are_rate_limited(community: Community, patient: User) -> None:
    for _ in range(2):
        actions.create_resource(actor=patient, community=community, data=data())
    with pytest.raises(RateLimitedError):
        actions.create_resource(actor=patient, community=community, data=data())
    assert Resource.objects.count() == 2


def test_a_file_resource_takes_the_members_own_waiting_upload(
    community: Community, moderator: User, patient: User
) -> None:
    from carecircle.uploads.models import Upload

    def upload(owner: User, **fields: Any) -> Upload:
        return Upload.objects.create(
            owner=owner,
            kind=Upload.Kind.DOCUMENT,
            mime_type="application/pdf",
            original_name="leaflet.pdf",
            sha256="0" * 64,
            file="uploads/x/leaflet.pdf",
            **fields,
        )

    mine, theirs = upload(moderator), upload(patient)
    with pytest.raises(ValidationFailed) as refused:
        actions.create_resource(
            actor=moderator,
            community=community,
            data=data(kind=Resource.Kind.FILE, url="", upload_id=theirs.pk),
        )
    assert (refused.value.code, Resource.objects.count()) == ("bad_upload", 0)
    resource = actions.create_resource(
        actor=moderator,
        community=community,
        data=data(
            kind=Resource.Kind.FILE, url="", upload_id=mine.pk, upload_description="Foot care"
        ),
    )
    mine.refresh_from_db()
    assert (mine.resource_id, mine.alt_text, mine.attached_at is not None) == (
        resource.pk,
        "Foot care",
        True,
    )
    # A second file replaces the first, which is let go for the cleanup job.
    second = upload(moderator)
    actions.edit_resource(
        actor=moderator,
        resource=resource,
        data=data(kind=Resource.Kind.FILE, url="", upload_id=second.pk),
    )
    mine.refresh_from_db()
    second.refresh_from_db()
    assert (mine.resource_id, second.resource_id) == (None, resource.pk)


def test_a_file_taken_by_another_tab_meanwhile_is_refused_and_stays_where_it_is(
    community: Community, moderator: User, published: Resource, monkeypatch: Any
) -> None:
    from carecircle.uploads.models import Upload

    taken = Upload.objects.create(
        owner=moderator,
        kind=Upload.Kind.DOCUMENT,
        mime_type="application/pdf",
        original_name="leaflet.pdf",
        sha256="0" * 64,
        file="uploads/x/leaflet.pdf",
    )
    rate = actions._rate

    def other_tab_attaches_it(actor: Any, *, curator: bool) -> None:
        # Runs after the form's checks, before the write: another tab wins the file.
        Upload.objects.filter(pk=taken.pk).update(resource=published)
        rate(actor, curator=curator)

    monkeypatch.setattr(actions, "_rate", other_tab_attaches_it)
    before = Resource.objects.count()
    with pytest.raises(ValidationFailed) as refused:
        actions.create_resource(
            actor=moderator,
            community=community,
            data=data(kind=Resource.Kind.FILE, url="", upload_id=taken.pk),
        )
    taken.refresh_from_db()
    assert (refused.value.code, refused.value.field) == ("bad_upload", "file")
    assert (Resource.objects.count(), taken.resource_id) == (before, published.pk)


def test_editing_the_link_fetches_a_new_preview_and_other_edits_keep_it(
    published: Resource, moderator: User, django_capture_on_commit_callbacks: Any
) -> None:
    Resource.objects.filter(pk=published.pk).update(
        preview_state=Resource.PreviewState.FETCHED, preview_title="Old title"
    )
    published.refresh_from_db()
    same_link = data(url=published.url, title="Diabetes basics, revised")
    with django_capture_on_commit_callbacks() as kept:
        actions.edit_resource(actor=moderator, resource=published, data=same_link)
    published.refresh_from_db()
    assert (published.title, published.preview_title, len(kept)) == (
        "Diabetes basics, revised",
        "Old title",
        1,  # reindex only
    )
    with django_capture_on_commit_callbacks() as changed:
        actions.edit_resource(
            actor=moderator, resource=published, data=data(url="https://other.example/")
        )
    published.refresh_from_db()
    assert (published.preview_state, published.preview_title, len(changed)) == (
        Resource.PreviewState.PENDING,
        "",
        2,
    )
    event = AuditEvent.objects.filter(verb="resource.edit").order_by("pk").first()
    assert event is not None
    assert event.data == {"fields": ["published_on", "publisher", "summary", "title"]}


def test_a_member_edits_only_their_own_waiting_suggestion(
    suggestion: Resource, patient: User, caregiver: User, moderator: User
) -> None:
    actions.edit_resource(actor=patient, resource=suggestion, data=data(title="Fixed typo"))
    assert Resource.objects.get(pk=suggestion.pk).title == "Fixed typo"
    # Someone else's suggestion is not even there for them.
    with pytest.raises(NotFoundError):
        actions.edit_resource(actor=caregiver, resource=suggestion, data=data(title="Mine now"))
    actions.review_resource(actor=moderator, resource=suggestion, decision=Decision.APPROVE)
    suggestion.refresh_from_db()
    with pytest.raises(PermissionDeniedError):
        actions.edit_resource(actor=patient, resource=suggestion, data=data(title="Changed"))
    assert Resource.objects.get(pk=suggestion.pk).title == "Fixed typo"


def test_approving_a_suggestion_publishes_it_and_tells_the_member(
    suggestion: Resource, moderator: User, patient: User, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        actions.review_resource(actor=moderator, resource=suggestion, decision=Decision.APPROVE)
    suggestion.refresh_from_db()
    assert (suggestion.status, suggestion.last_reviewed_by, suggestion.last_reviewed_on) == (
        Resource.Status.PUBLISHED,
        moderator,
        timezone.localdate(),
    )
    note = Notification.objects.get(recipient=patient)
    assert (note.kind, note.actor, note.url, note.data) == (
        "resource_reviewed",
        moderator,
        f"/library/{suggestion.pk}/",
        {"resource_id": suggestion.pk, "decision": "approve"},
    )
    from carecircle.notifications.presenters import describe

    assert describe(note) == "Mo the moderator added your suggestion to the library"


def test_rejecting_needs_a_note_which_the_member_reads(
    suggestion: Resource, moderator: User, patient: User, django_capture_on_commit_callbacks: Any
) -> None:
    before = snapshot()
    with pytest.raises(ValidationFailed) as failed:
        actions.review_resource(actor=moderator, resource=suggestion, decision=Decision.REJECT)
    assert (failed.value.code, snapshot()) == ("note_required", before)
    with django_capture_on_commit_callbacks(execute=True):
        actions.review_resource(
            actor=moderator,
            resource=suggestion,
            decision=Decision.REJECT,
            note="This blog sells supplements.",
        )
    suggestion.refresh_from_db()
    assert (suggestion.status, suggestion.review_note) == (
        Resource.Status.REJECTED,
        "This blog sells supplements.",
    )
    assert Notification.objects.get(recipient=patient).data["decision"] == "reject"
    event = AuditEvent.objects.get(verb="resource.review")
    # The curator's note is about a member's suggestion: it stays out of the audit log.
    assert event.data == {"decision": "reject", "status": "rejected"}


def test_mark_reviewed_and_archive_apply_only_where_they_fit(
    published: Resource, suggestion: Resource, moderator: User, patient: User
) -> None:
    actions.review_resource(actor=moderator, resource=published, decision=Decision.MARK_REVIEWED)
    published.refresh_from_db()
    assert (published.last_reviewed_on, published.last_reviewed_by) == (
        timezone.localdate(),
        moderator,
    )
    with pytest.raises(ValidationFailed) as wrong:
        actions.review_resource(
            actor=moderator, resource=published, decision=Decision.REJECT, note="x"
        )
    assert wrong.value.code == "wrong_status"
    actions.archive_resource(actor=moderator, resource=published)
    assert Resource.objects.get(pk=published.pk).status == Resource.Status.ARCHIVED
    before = snapshot()
    with pytest.raises(PermissionDeniedError):
        actions.review_resource(actor=patient, resource=suggestion, decision=Decision.APPROVE)
    with pytest.raises(ValidationFailed):
        actions.review_resource(actor=moderator, resource=suggestion, decision="publish")
    assert snapshot() == before
    assert Resource.objects.get(pk=suggestion.pk).status == Resource.Status.SUGGESTED


def test_categories_belong_to_one_library_and_curators_arrange_them(
    community: Community, moderator: User, patient: User, published: Resource
) -> None:
    food = actions.create_category(actor=moderator, community=community, name="Food")
    sleep = actions.create_category(actor=moderator, community=community, name="Sleep")
    assert [(food.slug, food.position), (sleep.slug, sleep.position)] == [("food", 1), ("sleep", 2)]
    site_food = actions.create_category(
        actor=UserFactory(is_site_manager=True), community=None, name="Food"
    )
    assert site_food.community is None
    before = snapshot()
    with pytest.raises(ValidationFailed) as taken:
        actions.create_category(actor=moderator, community=community, name="FOOD")
    with pytest.raises(ValidationFailed) as taken_by_rename:
        actions.edit_category(actor=moderator, category=sleep, name="Food")
    with pytest.raises(PermissionDeniedError):
        actions.create_category(actor=patient, community=community, name="Mine")
    with pytest.raises(PermissionDeniedError):
        actions.delete_category(actor=patient, category=food)
    assert (taken.value.code, taken_by_rename.value.code) == ("name_taken", "name_taken")
    assert snapshot() == before

    published.categories.set([food])
    actions.edit_category(actor=moderator, category=food, name="Food and drink", position=5)
    food.refresh_from_db()
    assert (food.name, food.slug, food.position) == ("Food and drink", "food-and-drink", 5)
    actions.delete_category(actor=moderator, category=food)
    assert list(published.categories.all()) == []
    assert Resource.objects.filter(pk=published.pk).exists()
