"""One owner of an upload's names, labels, sizes and JSON shapes (display), one set of API
schemas (uploads.schemas), and neutral file names in anonymous posts."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.test import Client

from carecircle.api.api import api
from carecircle.discussions import actions as discussion_actions
from carecircle.discussions.models import Post
from carecircle.messaging.api import attachments as message_schemas
from carecircle.uploads import display, schemas
from carecircle.uploads.models import Upload
from carecircle.uploads.presenters import upload_document
from carecircle.uploads.tests.conftest import make_upload

ATTACHMENT_FIELDS = {
    "id", "kind", "mime_type", "name", "size", "url", "alt_text", "is_decorative", "width",
    "height", "variants", "poster_url", "captions_url", "captions_language", "duration_seconds",
}  # fmt: skip


def test_one_schema_per_name_shared_by_posts_messages_and_uploads():
    components = api.get_openapi_schema()["components"]["schemas"]

    assert "VariantOut" not in components and "AttachmentVariantOut" not in components
    assert "MessageAttachmentOut" not in components and "MessageAttachmentIn" not in components
    assert set(components["UploadVariantOut"]["properties"]) == {"width", "url"}
    assert set(components["AttachmentOut"]["properties"]) == ATTACHMENT_FIELDS
    assert set(components["AttachmentIn"]["properties"]) == {
        "upload_id",
        "alt_text",
        "is_decorative",
    }
    assert message_schemas.MessageAttachmentOut is schemas.AttachmentOut
    assert message_schemas.MessageAttachmentIn is schemas.AttachmentIn


def test_the_upload_document_is_the_attachment_shape_plus_the_uploaders_fields(patient):
    leaflet = make_upload(patient, kind=Upload.Kind.DOCUMENT, stored_bytes=1843)
    photo = make_upload(
        patient,
        stored_bytes=303,
        is_decorative=True,
        alt_text="kept for the owner",
        variants=[{"width": 320, "name": "x/320.webp", "bytes": 10}],
    )

    document = upload_document(leaflet)
    payload = display.attachment_payload(leaflet)

    assert {key: document[key] for key in payload} == payload
    assert set(document) - set(payload) == {
        "thumbnail_url", "needs_alt", "is_processed", "is_attached", "created_at",
        "kind_label", "size_text",
    }  # fmt: skip
    assert (document["thumbnail_url"], document["kind_label"], document["size_text"]) == (
        None,
        "PDF document",
        "1.8\xa0KB",
    )
    picture = upload_document(photo)
    assert (picture["thumbnail_url"], picture["size_text"], picture["alt_text"]) == (
        f"/uploads/{photo.pk}/w320",
        "303\xa0bytes",
        "kept for the owner",
    )
    # Clients reading posts get no text for a decorative picture.
    assert display.attachment_payload(photo)["alt_text"] == ""


def test_the_hint_lists_what_the_settings_allow(settings):
    settings.CARECIRCLE_UPLOAD_IMAGE_TYPES = ["image/png", "image/gif"]
    settings.CARECIRCLE_UPLOAD_VIDEO_TYPES = ""
    settings.CARECIRCLE_UPLOAD_DOCUMENT_TYPES = "application/pdf,application/epub+zip"

    assert display.allowed_types_text() == (
        "You can attach pictures (PNG, GIF) and documents (PDF, EPUB+ZIP)."
    )


def anonymous_post(community, patient) -> Post:
    community.allow_anonymous_posts = True
    community.save(update_fields=["allow_anonymous_posts"])
    topic = discussion_actions.create_topic(
        actor=patient,
        community=community,
        title="Keeping a diagnosis private",
        body="Between us.",
        is_anonymous=True,
    )
    return Post.objects.get(topic=topic, position=1)


def test_an_anonymous_post_shows_and_gives_neutral_file_names(community, patient, caregiver):
    post = anonymous_post(community, patient)
    letter = make_upload(
        patient, kind=Upload.Kind.DOCUMENT, original_name="Pat Smith letter.pdf", post=post
    )
    photo = make_upload(patient, original_name="pat-at-home.jpg", post=post, position=1)
    clip = make_upload(patient, kind=Upload.Kind.VIDEO, original_name="pat.mp4", post=post)

    assert [display.public_name(u) for u in (letter, photo, clip)] == [
        "document.pdf",
        "picture.webp",
        "video.mp4",
    ]
    # The owner still recognises their own file (My uploads, the uploads API).
    assert display.public_name(letter, patient) == "Pat Smith letter.pdf"
    assert display.public_name(letter, caregiver) == "document.pdf"

    html = render_to_string(
        "uploads/components/attachments.html", {"attachments": [letter, photo, clip]}
    )
    assert "Pat" not in html and "pat" not in html
    assert f'<a href="/uploads/{letter.pk}/file" download="document.pdf">document.pdf</a>' in html
    assert '<span class="attachment-name">video.mp4</span>' in html

    posts = Client().get(f"/api/v1/topics/{post.topic_id}/posts").json()["items"]
    assert sorted(item["name"] for item in posts[0]["attachments"]) == [
        "document.pdf",
        "picture.webp",
        "video.mp4",
    ]
    # The download itself is named neutrally too (the header would otherwise name the writer).
    served = Client().get(f"/uploads/{letter.pk}/file")
    assert served["Content-Disposition"] == (
        "attachment; filename=\"document.pdf\"; filename*=UTF-8''document.pdf"
    )


def test_an_open_post_shows_the_name_the_member_chose(topic, patient):
    post = Post.objects.get(topic=topic, position=1)
    letter = make_upload(
        patient, kind=Upload.Kind.DOCUMENT, original_name="My letter.pdf", post=post
    )

    assert display.public_name(letter) == "My letter.pdf"
    assert display.attachment_payload(letter)["name"] == "My letter.pdf"


def test_my_uploads_uses_the_same_kind_label_and_size(patient):
    make_upload(patient, kind=Upload.Kind.DOCUMENT, original_name="leaflet.pdf", stored_bytes=1843)
    client = Client()
    client.force_login(patient)

    page = client.get("/account/uploads/").content.decode()

    assert "PDF document,\n        1.8\xa0KB," in page
