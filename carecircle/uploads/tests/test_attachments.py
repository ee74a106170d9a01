"""Choosing uploads for a post or message: every problem reported at once, nothing saved."""

from __future__ import annotations

import pytest

from carecircle.accounts.models import User
from carecircle.core.errors import ValidationFailed
from carecircle.discussions.actions import edit_post, reply_to_topic
from carecircle.discussions.models import Post, Topic
from carecircle.uploads.attachments import AttachmentChoice, attach_to_post, check_choices
from carecircle.uploads.models import Upload
from carecircle.uploads.tests.conftest import make_upload

pytestmark = pytest.mark.django_db


def test_reply_attaches_in_order_with_descriptions(patient: User, topic: Topic) -> None:
    photo = make_upload(patient)
    leaflet = make_upload(patient, kind=Upload.Kind.DOCUMENT)
    post = reply_to_topic(
        actor=patient,
        topic=topic,
        body="Here is my meter and its leaflet.",
        attachments=[
            AttachmentChoice(leaflet.pk),
            AttachmentChoice(photo.pk, alt_text="  A glucose meter showing 6.1  "),
        ],
    )
    rows = list(
        Upload.objects.filter(post=post)
        .order_by("position")
        .values_list("pk", "position", "alt_text", "is_decorative")
    )
    assert rows == [
        (leaflet.pk, 0, "", False),
        (photo.pk, 1, "A glucose meter showing 6.1", False),
    ]
    assert Upload.objects.get(pk=photo.pk).attached_at is not None


def test_every_problem_is_listed_and_nothing_is_saved(
    patient: User, caregiver: User, topic: Topic
) -> None:
    no_alt = make_upload(patient)
    theirs = make_upload(caregiver)
    posts_before = Post.objects.count()
    with pytest.raises(ValidationFailed) as caught:
        reply_to_topic(
            actor=patient,
            topic=topic,
            body="Pictures",
            attachments=[AttachmentChoice(no_alt.pk), AttachmentChoice(theirs.pk)],
        )
    error = caught.value
    assert error.code == "alt_text_required"
    assert error.field == f"alt_{no_alt.pk}"
    assert [(d["field"], d["code"], d["upload_id"]) for d in error.details] == [
        (f"alt_{no_alt.pk}", "alt_text_required", no_alt.pk),
        ("attachments", "upload_not_available", theirs.pk),
    ]
    assert Post.objects.count() == posts_before
    assert Upload.objects.filter(post__isnull=False).count() == 0


def test_decorative_image_needs_no_description(patient: User, topic: Topic) -> None:
    flower = make_upload(patient)
    post = reply_to_topic(
        actor=patient,
        topic=topic,
        body="Spring!",
        attachments=[AttachmentChoice(flower.pk, is_decorative=True)],
    )
    flower.refresh_from_db()
    assert (flower.post_id, flower.is_decorative, flower.alt_text) == (post.pk, True, "")


def test_description_given_at_upload_is_kept(patient: User, topic: Topic) -> None:
    photo = make_upload(patient, alt_text="My insulin pen")
    post = reply_to_topic(
        actor=patient, topic=topic, body="Pen", attachments=[AttachmentChoice(photo.pk)]
    )
    photo.refresh_from_db()
    assert (photo.post_id, photo.alt_text) == (post.pk, "My insulin pen")


def test_limits_duplicates_and_long_descriptions(settings, patient: User) -> None:
    settings.CARECIRCLE_UPLOAD_MAX_PER_POST = 2
    first, second = make_upload(patient), make_upload(patient, kind=Upload.Kind.DOCUMENT)
    with pytest.raises(ValidationFailed) as caught:
        check_choices(
            actor=patient,
            choices=[
                AttachmentChoice(first.pk, alt_text="x" * 1001),
                AttachmentChoice(second.pk),
                AttachmentChoice(second.pk),
            ],
        )
    assert [d["code"] for d in caught.value.details] == [
        "too_many_attachments",
        "alt_text_too_long",
        "duplicate_attachment",
    ]


def test_upload_attached_elsewhere_is_refused(patient: User, topic: Topic) -> None:
    photo = make_upload(patient, alt_text="Meter")
    first = reply_to_topic(
        actor=patient, topic=topic, body="One", attachments=[AttachmentChoice(photo.pk)]
    )
    with pytest.raises(ValidationFailed) as caught:
        reply_to_topic(
            actor=patient, topic=topic, body="Two", attachments=[AttachmentChoice(photo.pk)]
        )
    assert caught.value.code == "upload_not_available"
    assert Upload.objects.get(pk=photo.pk).post_id == first.pk


def test_edit_keeps_reorders_and_lets_go(patient: User, topic: Topic) -> None:
    kept = make_upload(patient, alt_text="Kept")
    dropped = make_upload(patient, alt_text="Dropped")
    added = make_upload(patient, kind=Upload.Kind.DOCUMENT)
    post = reply_to_topic(
        actor=patient,
        topic=topic,
        body="Before",
        attachments=[AttachmentChoice(dropped.pk), AttachmentChoice(kept.pk)],
    )
    edit_post(
        actor=patient,
        post=post,
        body="After",
        attachments=[AttachmentChoice(added.pk), AttachmentChoice(kept.pk, alt_text="Still kept")],
    )
    assert list(
        Upload.objects.filter(post=post).order_by("position").values_list("pk", "alt_text")
    ) == [(added.pk, ""), (kept.pk, "Still kept")]
    dropped.refresh_from_db()
    # Let go: waiting again, so the cleanup task removes it after the waiting time.
    assert (dropped.post_id, dropped.attached_at is not None) == (None, True)


def test_moderator_edit_keeps_the_authors_files(
    patient: User, moderator: User, topic: Topic
) -> None:
    photo = make_upload(patient, alt_text="Meter")
    post = reply_to_topic(
        actor=patient, topic=topic, body="Mine", attachments=[AttachmentChoice(photo.pk)]
    )
    attach_to_post(actor=moderator, post=post, choices=[AttachmentChoice(photo.pk)])
    assert Upload.objects.get(pk=photo.pk).post_id == post.pk
