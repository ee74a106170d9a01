"""The uploads components: the compose form's attachment part and attachments as shown."""

from __future__ import annotations

import re

import pytest
from django.template.loader import render_to_string

from carecircle.core.factories import UserFactory
from carecircle.uploads.attachments import AttachmentChoice
from carecircle.uploads.forms import attachment_rows
from carecircle.uploads.models import Upload
from carecircle.uploads.tests.conftest import make_upload


@pytest.fixture
def member(db):
    return UserFactory(handle="pat", display_name="Pat")


def image(owner, **fields):
    widths = fields.pop("widths", (320, 640, 1280))
    return make_upload(
        owner,
        width=fields.pop("width", 1600),
        height=fields.pop("height", 1200),
        variants=[{"width": w, "name": f"x/{w}.webp", "bytes": 10} for w in widths],
        **fields,
    )


def shown(uploads) -> str:
    return render_to_string("uploads/components/attachments.html", {"attachments": uploads})


def compact(html: str) -> str:
    return re.sub(r"\s+", " ", html)


def test_a_picture_is_shown_in_every_width_with_its_description(member):
    photo = image(member, alt_text="Two cups of tea on a garden table")
    p = photo.pk

    html = shown([photo])

    assert (
        f'<img src="/uploads/{p}/w640" srcset="/uploads/{p}/w320 320w, /uploads/{p}/w640 640w, '
        f'/uploads/{p}/w1280 1280w, /uploads/{p}/file 1600w" sizes="(max-width: 40rem) 100vw, '
        '40rem" alt="Two cups of tea on a garden table" width="1600" height="1200" '
        'loading="lazy" decoding="async">'
    ) in html
    assert (
        f'<a href="/uploads/{p}/file">Full size<span class="visually-hidden"> (Two cups of tea '
        "on a garden table)</span></a>"
    ) in html
    # Only the serving view's addresses: never a storage name.
    assert photo.file not in html and "x/320.webp" not in html


def test_a_decorative_or_small_picture_has_an_empty_alt_and_no_full_size_link(member):
    small = image(member, widths=(320,), width=320, height=200, is_decorative=True, alt_text="x")

    html = shown([small])

    assert f'<img src="/uploads/{small.pk}/w320" srcset="/uploads/{small.pk}/w320 320w"' in html
    assert 'alt="" width="320" height="200"' in html
    assert "Full size" not in html


def test_a_video_has_its_poster_captions_and_a_download_link(member):
    video = make_upload(
        member,
        kind=Upload.Kind.VIDEO,
        poster="x/poster.webp",
        captions="x/captions.vtt",
        captions_language="fr",
        duration_seconds=83.6,
    )
    v = video.pk

    html = compact(shown([video]))

    assert (
        f'<video controls preload="metadata" poster="/uploads/{v}/poster"> '
        f'<source src="/uploads/{v}/file" type="video/mp4"> '
        f'<track kind="captions" src="/uploads/{v}/captions" srclang="fr" '
        'label="Captions (French)" default>'
    ) in html
    assert "<span>1:24 long</span>" in html
    assert (
        f'<a href="/uploads/{v}/file">Download<span class="visually-hidden"> clip.mp4</span>'
        in (html)
    )


def test_a_video_without_ffmpeg_extras_still_plays_and_says_it_has_no_captions(member):
    video = make_upload(member, kind=Upload.Kind.VIDEO, is_processed=False)

    html = compact(shown([video]))

    assert '<video controls preload="metadata"> <source src=' in html
    assert "<track" not in html and " long" not in html
    assert "· no captions ·" in html


def test_a_pdf_is_a_download_with_its_size_and_kind(member):
    leaflet = make_upload(member, kind=Upload.Kind.DOCUMENT, stored_bytes=1_572_864)

    html = shown([leaflet])

    assert (
        f'<a href="/uploads/{leaflet.pk}/file" download="leaflet.pdf">leaflet.pdf</a> '
        '<span class="meta">PDF document, 1.5\xa0MB</span>'
    ) in html
    assert "<iframe" not in html and "<embed" not in html and "<object" not in html


def test_nothing_is_drawn_without_attachments():
    assert shown([]).strip() == ""


def render_field(member, choices, errors=None):
    return render_to_string(
        "uploads/components/attach_field.html",
        {
            "attachment_rows": attachment_rows(member, choices),
            "errors": errors or {},
            "csp_nonce": "nonce-1",
        },
    )


def test_the_picker_works_without_script_and_names_what_it_takes(member, settings):
    settings.CARECIRCLE_UPLOAD_IMAGE_TYPES = "image/jpeg,image/png"
    settings.CARECIRCLE_UPLOAD_MAX_PER_POST = 4

    html = render_field(member, [])

    assert '<label for="attach-files" class="attach-pick">Choose files</label>' in html
    assert (
        '<input type="file" id="attach-files" name="files" multiple accept="image/jpeg,image/png,'
        'video/mp4,video/webm,video/quicktime,application/pdf,.pdf" '
        'aria-describedby="attach-help attach-describe-later">'
    ) in html
    # The hint names exactly what the settings allow (as the refusal of a type does).
    assert (
        '<p class="help" id="attach-help">You can attach pictures (JPEG, PNG), short videos '
        "(MP4, WebM, MOV) and PDF documents. We remove location and camera details from "
        "pictures.</p>"
    ) in html
    # Said before any script runs: a picture will need a description.
    assert (
        '<p class="help" id="attach-describe-later">If you add a picture, we will ask you to '
        "describe it before posting.</p>"
    ) in html
    assert 'data-upload-url="/uploads/"' in html and 'data-max="4"' in html
    assert '<script src="/static/uploads/attach.js" nonce="nonce-1" defer></script>' in html
    assert 'role="status" aria-live="polite" data-attach-status' in html
    # The empty row the script copies for each new file.
    assert '<input type="hidden" name="attachment" value="__id__">' in html


def test_a_chosen_picture_asks_for_its_description_and_keeps_what_was_typed(member):
    photo = image(member, original_name="garden.jpg")
    p = photo.pk

    html = render_field(
        member,
        [AttachmentChoice(p, alt_text="Tea <b>outside</b>")],
        errors={f"alt_{p}": "Please describe this picture.", "files": "a.svg: refused."},
    )

    assert f'<input type="hidden" name="attachment" value="{p}">' in html
    assert (
        f'<label for="id_alt_{p}">Describe this picture for people who cannot see it</label>'
    ) in html
    assert (
        f'<textarea id="id_alt_{p}" name="alt_{p}" rows="2" maxlength="1000" '
        f'aria-describedby="help_alt_{p} error_alt_{p}" aria-invalid="true">'
        "Tea &lt;b&gt;outside&lt;/b&gt;</textarea>"
    ) in html
    assert f'<p class="field-error" id="error_alt_{p}">Please describe this picture.</p>' in html
    assert f'<input type="checkbox" id="id_decorative_{p}" name="decorative_{p}" value="1">' in html
    assert f'<input type="checkbox" id="id_remove_{p}" name="remove_{p}" value="1">' in html
    assert '<p class="field-error" id="attach-error-files">a.svg: refused.</p>' in html
    assert f'src="/uploads/{p}/w320"' in html


def test_a_document_row_has_no_description_box_to_fill(member):
    leaflet = make_upload(member, kind=Upload.Kind.DOCUMENT)
    d = leaflet.pk

    html = render_field(member, [AttachmentChoice(d)])

    assert '<div class="field attach-alt" data-attach-alt hidden>' in html
    assert f'aria-describedby="help_alt_{d}" disabled></textarea>' in html
    assert (
        f'name="captions_{d}" accept=".vtt,text/vtt" aria-describedby="help_captions_{d}" disabled>'
        in html
    )
