"""uploads.forms: reading the compose form's attachment part and JSON attachment lists."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory

from carecircle.core.errors import ValidationFailed
from carecircle.core.factories import CommunityFactory, UserFactory, make_topic
from carecircle.uploads import forms
from carecircle.uploads.attachments import AttachmentChoice
from carecircle.uploads.models import Upload
from carecircle.uploads.tests.conftest import make_upload, stored_files
from carecircle.uploads.tests.corpus import jpeg, pdf

VTT = b"WEBVTT\n\n00:00:00.000 --> 00:00:02.000\nHello there\n"


def posted(user, data):
    request = RequestFactory().post("/compose/", data)
    request.user = user
    return request


@pytest.fixture
def member(db):
    return UserFactory(handle="pat", display_name="Pat")


def test_chosen_ids_come_back_in_order_with_descriptions_and_removals_left_out(member):
    request = posted(
        member,
        {
            "attachment": ["7", "3", "x", "-1", "7", "9"],
            "alt_7": "  A walk by the river  ",
            "decorative_3": "1",
            "remove_9": "1",
        },
    )

    assert forms.choices_from_form(request) == (
        [
            AttachmentChoice(upload_id=7, alt_text="A walk by the river", is_decorative=False),
            AttachmentChoice(upload_id=3, alt_text="", is_decorative=True),
        ],
        {},
    )


def test_files_sent_with_the_form_are_stored_and_a_refused_one_is_named(member, upload_root):
    request = posted(
        member,
        {
            "attachment": ["41"],
            "files": [
                SimpleUploadedFile("walk.jpg", jpeg()),
                SimpleUploadedFile("page.jpg", b"<html><body>hi</body></html>"),
                SimpleUploadedFile("letter.pdf", pdf()),
            ],
        },
    )

    choices, errors = forms.choices_from_form(request)

    photo, letter = Upload.objects.order_by("pk")
    assert choices == [
        AttachmentChoice(upload_id=41),
        AttachmentChoice(upload_id=photo.pk),
        AttachmentChoice(upload_id=letter.pk),
    ]
    assert (photo.owner_id, photo.kind, letter.kind) == (member.pk, "image", "document")
    assert list(errors) == ["files"]
    assert errors["files"].startswith("page.jpg: ")
    assert len(stored_files(upload_root)) == 2


def test_files_beyond_the_limit_are_refused_before_they_are_stored(member, settings, upload_root):
    settings.CARECIRCLE_UPLOAD_MAX_PER_POST = 1
    request = posted(
        member,
        {"attachment": ["5"], "files": [SimpleUploadedFile("a.pdf", pdf())]},
    )

    choices, errors = forms.choices_from_form(request)

    assert choices == [AttachmentChoice(upload_id=5)]
    assert errors == {"files": "a.pdf: a post or message takes at most 1 files."}
    assert (Upload.objects.count(), stored_files(upload_root)) == (0, [])


def test_a_captions_file_goes_to_the_members_own_video_only(member, upload_root):
    video = make_upload(member, kind=Upload.Kind.VIDEO)
    theirs = make_upload(UserFactory(), kind=Upload.Kind.VIDEO)
    request = posted(
        member,
        {
            "attachment": [str(video.pk), str(theirs.pk)],
            f"captions_{video.pk}": SimpleUploadedFile("en.vtt", VTT),
            f"captions_{theirs.pk}": SimpleUploadedFile("en.vtt", VTT),
        },
    )

    choices, errors = forms.choices_from_form(request)

    assert (errors, len(choices)) == ({}, 2)
    video.refresh_from_db()
    theirs.refresh_from_db()
    assert (video.captions_language, bool(video.captions)) == ("en", True)
    assert (theirs.captions, theirs.captions_language) == ("", "")


def test_a_bad_captions_file_is_an_error_beside_its_video(member, upload_root):
    video = make_upload(member, kind=Upload.Kind.VIDEO)
    files_before = stored_files(upload_root)
    request = posted(
        member,
        {
            "attachment": [str(video.pk)],
            f"captions_{video.pk}": SimpleUploadedFile("x.vtt", b"<script>alert(1)</script>"),
        },
    )

    _choices, errors = forms.choices_from_form(request)

    assert list(errors) == [f"captions_{video.pk}"]
    video.refresh_from_db()
    assert (video.captions, stored_files(upload_root)) == ("", files_before)


def test_json_attachment_lists_are_read_strictly():
    assert forms.choices_from_data(None) == []
    assert forms.choices_from_data(
        [{"upload_id": 4, "alt_text": " A dog ", "is_decorative": False}, {"upload_id": 5}]
    ) == [AttachmentChoice(4, "A dog", False), AttachmentChoice(5, "", False)]
    wrong_lists = [
        "all",
        [{"upload_id": "4"}],
        [{"upload_id": True}],
        [{"upload_id": 0}],
        [{"upload_id": 4, "alt_text": 3}],
        [{"upload_id": 4, "is_decorative": "yes"}],
    ]
    for wrong in wrong_lists:
        with pytest.raises(ValidationFailed) as refused:
            forms.choices_from_data(wrong)
        assert refused.value.field == "attachments"


def test_every_attachment_problem_lands_beside_its_own_field():
    error = ValidationFailed(
        "first",
        field="alt_3",
        details=[
            {"field": "alt_3", "message": "Describe it"},
            {"field": "attachments", "message": "Gone"},
            {"field": "attachments", "message": "Also gone"},
        ],
    )
    assert forms.errors_from(error) == {"alt_3": "Describe it", "attachments": "Gone"}
    assert forms.errors_from(ValidationFailed("Too big")) == {"attachments": "Too big"}


def test_rows_show_the_actors_own_uploads_and_those_of_the_post_being_edited(member):
    mine = make_upload(member, original_name="walk.jpg")
    author = UserFactory()
    theirs = make_upload(author)
    post = make_topic(CommunityFactory(), author).posts.get()
    on_post = make_upload(author, kind=Upload.Kind.DOCUMENT, post=post)
    choices = [
        AttachmentChoice(theirs.pk),
        AttachmentChoice(mine.pk, alt_text="typed", is_decorative=True),
        AttachmentChoice(on_post.pk),
    ]

    rows = forms.attachment_rows(member, choices)
    edit_rows = forms.attachment_rows(member, choices, post=post)

    assert [(r["id"], r["name"], r["alt_text"], r["is_decorative"]) for r in rows] == [
        (mine.pk, "walk.jpg", "typed", True)
    ]
    assert (rows[0]["needs_alt"], rows[0]["thumbnail_url"]) == (True, f"/uploads/{mine.pk}/file")
    assert [(r["id"], r["needs_alt"], r["kind_label"]) for r in edit_rows] == [
        (mine.pk, True, "Picture"),
        (on_post.pk, False, "PDF document"),
    ]


def test_an_edit_starts_from_the_attachments_already_there(member):
    photo = make_upload(member, alt_text="Sunrise", position=1)
    leaflet = make_upload(member, kind=Upload.Kind.DOCUMENT, is_decorative=False)

    assert forms.choices_for([leaflet, photo]) == [
        AttachmentChoice(leaflet.pk, "", False),
        AttachmentChoice(photo.pk, "Sunrise", False),
    ]


def test_visitors_get_no_rows_and_store_nothing(db, upload_root: Path):
    from django.contrib.auth.models import AnonymousUser

    request = posted(AnonymousUser(), {"files": [SimpleUploadedFile("a.pdf", pdf())]})
    assert forms.choices_from_form(request) == ([], {})
    assert forms.attachment_rows(AnonymousUser(), [AttachmentChoice(1)]) == []
    assert stored_files(upload_root) == []
