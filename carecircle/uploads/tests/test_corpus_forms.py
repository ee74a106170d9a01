"""The hostile-file corpus through the compose forms that work without JavaScript.

Without script the picker's files travel with the form itself (`files`, or `file` on the
library form) and are stored before the post, message or resource is written. Each path here:
no file answers 500; a refused file leaves no upload row, no stored file and nothing written;
a stored file keeps none of its planted bytes in any stored copy, every copy is a WebP, PDF or
video by its content (never HTML or SVG), and a picture is attached only with a description.

The whole corpus goes through the reply form; a hostile sample through the four other forms
(the same `choices_from_form` / `create_upload` code runs under all of them, so each form is
checked for its own wiring rather than for the processing again).
"""

from __future__ import annotations

import io
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import magic
import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils.html import escape
from PIL import Image

from carecircle.accounts.models import User
from carecircle.communities.models import Community
from carecircle.discussions.models import Post, Topic
from carecircle.messaging.actions import conversations as conversation_actions
from carecircle.messaging.models import ChatRoom, Message
from carecircle.moderation.models import MemberTrust, TrustLevel
from carecircle.moderation.queries import forget_trust_level
from carecircle.resources.models import Resource
from carecircle.uploads.models import Upload
from carecircle.uploads.tests.conftest import stored_files
from carecircle.uploads.tests.corpus import (
    CASE_NAMES,
    REFUSED,
    STORED,
    CorpusFile,
    build_corpus,
)
from conftest import client_for

pytestmark = pytest.mark.django_db

ALT = "A hand holding a glucose meter that shows 6.2"
# What a stored copy may be, by libmagic on its bytes.
STORED_TYPES = {"image/webp", "application/pdf", "video/mp4", "video/webm", "video/quicktime"}

# The hostile sample for the other forms: each kind of attack once.
SAMPLE = (
    "jpeg_exif_gps",
    "gifar_polyglot",
    "jpeg_html_polyglot",
    "html_as_jpg",
    "svg_as_png",
    "png_100000x100000",
    "truncated_jpeg",
    "zip_bomb_as_pdf",
    "elf_as_pdf",
    "html_as_mp4",
    "pdf_with_javascript",
)
# The compose component's error under its file picker (its id prefix differs per page).
FILES_ERROR = re.compile(r'<p class="field-error" id="[\w-]*-error-files">([^<]*)</p>')
OTHER_FORMS = ("new_topic", "direct_message", "chat_room", "library_file")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, CorpusFile]:
    return {item.case: item for item in build_corpus(tmp_path_factory.mktemp("corpus"))}


@dataclass
class Form:
    """One compose form: where it posts, what it needs besides the file, what it writes."""

    client: Client
    url: str
    fields: dict[str, str]
    written: Callable[[], int]  # how many posts/messages/resources exist
    newest: Callable[[], int]  # the pk the upload must then be attached to
    link: str  # the Upload foreign key that points at it
    file_field: str = "files"
    # The library form takes the file's description with the file; the others ask for it
    # when the form comes back, once the picture is stored.
    described_with_file: bool = False

    def refusal_shown(self, response: Any, declared_name: str) -> bool:
        """The refusal is next to the file field (the compose component names the file)."""
        if self.file_field == "file":
            return '<p class="field-error" id="error_file">' in response.text
        found = FILES_ERROR.search(response.text)
        return found is not None and found.group(1).startswith(escape(declared_name) + ": ")


def _established(user: User) -> User:
    """An established member (trust level 2): new members' limits are not under test here."""
    MemberTrust.objects.update_or_create(user_id=user.pk, defaults={"level": TrustLevel.MEMBER})
    forget_trust_level(user)
    return user


def _form(name: str, request: pytest.FixtureRequest) -> Form:
    community: Community = request.getfixturevalue("community")
    patient = _established(request.getfixturevalue("patient"))
    if name == "reply":
        topic: Topic = request.getfixturevalue("topic")
        return Form(
            client_for(patient),
            f"/t/{topic.pk}/reply",
            {"body": "Here is what my meter said this morning."},
            written=lambda: Post.objects.filter(topic=topic).count(),
            newest=lambda: Post.objects.latest("pk").pk,
            link="post",
        )
    if name == "new_topic":
        return Form(
            client_for(patient),
            f"/c/{community.slug}/new-topic/",
            {"title": "My meter readings", "body": "Here is what my meter said this morning."},
            written=Topic.objects.count,
            newest=lambda: Post.objects.latest("pk").pk,
            link="post",
        )
    if name == "direct_message":
        caregiver = _established(request.getfixturevalue("caregiver"))
        direct = conversation_actions.start_conversation(
            actor=patient, recipients=[caregiver], body="Hello Cam"
        )
        return Form(
            client_for(patient),
            f"/messages/{direct.pk}/send/",
            {"body": "Here is what my meter said this morning."},
            written=Message.objects.count,
            newest=lambda: Message.objects.latest("pk").pk,
            link="message",
        )
    if name == "chat_room":
        room = ChatRoom.objects.create(
            community=community,
            name="Tuesday evening support group",
            slug="tuesday-evening-support-group",
            created_by=request.getfixturevalue("moderator"),
        )
        return Form(
            client_for(patient),
            f"/c/{community.slug}/chat/{room.slug}/send",
            {"body": "Here is what my meter said this morning."},
            written=Message.objects.count,
            newest=lambda: Message.objects.latest("pk").pk,
            link="message",
        )
    assert name == "library_file"
    # The community's moderator curates its library: the resource is published at once.
    curator = _established(request.getfixturevalue("moderator"))
    return Form(
        client_for(curator),
        f"/c/{community.slug}/library/new/",
        {
            "kind": "file",
            "title": "Meter reading guide",
            "reading_level": "easy",
            "upload_description": ALT,
        },
        written=Resource.objects.count,
        newest=lambda: Resource.objects.latest("pk").pk,
        link="resource",
        file_field="file",
        described_with_file=True,
    )


def _post(form: Form, data: dict[str, Any], capture: Any) -> Any:
    # A video's poster is made by a task after commit: run it, so its copy is checked too.
    with capture(execute=True):
        response = form.client.post(form.url, {**form.fields, **data})
    assert response.status_code != 500
    return response


def _check_stored_copies(item: CorpusFile, upload: Upload, upload_root: Path) -> None:
    """Every stored copy of the upload, read back from the storage: a WebP, PDF or video by
    its bytes, with none of the planted bytes, and a WebP without any metadata."""
    storage = storages["uploads"]
    folder = upload.file.rsplit("/", 1)[0]
    names = [f"{folder}/{name}" for name in storage.listdir(folder)[1]]
    # Nothing stored outside the upload's own folder.
    assert sorted(names) == stored_files(upload_root), item.case
    assert upload.file in names and upload.poster in [*names, ""], item.case
    for name in names:
        with storage.open(name, "rb") as handle:
            data = handle.read()
        sniffed = magic.from_buffer(data[:65536], mime=True)
        assert sniffed in STORED_TYPES, (item.case, name, sniffed)
        assert not [bad for bad in item.forbidden if bad in data], (item.case, name)
        if sniffed == "image/webp":
            with Image.open(io.BytesIO(data)) as image:
                assert image.format == "WEBP", (item.case, name)
                assert dict(image.getexif()) == {}, (item.case, name)
                assert not {"exif", "xmp", "icc_profile"} & set(image.info), (item.case, name)


def _run(form: Form, item: CorpusFile, upload_root: Path, capture: Any) -> None:
    if item.needs_ffmpeg and shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg is not installed: this corpus file is made (or checked) with it")
    written = form.written()
    sent = {form.file_field: SimpleUploadedFile(item.declared_name, item.data)}
    response = _post(form, sent, capture)

    if item.expect == REFUSED:
        # The form comes back naming the file; nothing stored, nothing written.
        assert response.status_code == 400, (item.case, response.status_code)
        assert form.refusal_shown(response, item.declared_name), item.case
        assert (Upload.objects.count(), stored_files(upload_root), form.written()) == (
            0,
            [],
            written,
        ), item.case
        return

    assert item.expect == STORED
    upload = Upload.objects.get()
    assert (upload.kind, upload.owner_id) == (item.kind, response.wsgi_request.user.pk)
    if item.kind == Upload.Kind.IMAGE and not form.described_with_file:
        # Stored and kept waiting; the form asks for the picture's description.
        assert response.status_code == 400, (item.case, response.status_code)
        assert f'id="error_alt_{upload.pk}"' in response.text, item.case
        assert (upload.is_attached, form.written()) == (False, written), item.case
        _check_stored_copies(item, upload, upload_root)
        response = _post(form, {"attachment": str(upload.pk), f"alt_{upload.pk}": ALT}, capture)
    assert response.status_code == 302, (item.case, response.status_code)
    assert form.written() == written + 1, item.case
    upload.refresh_from_db()
    assert getattr(upload, f"{form.link}_id") == form.newest(), item.case
    if item.kind == Upload.Kind.IMAGE:
        assert (upload.alt_text, upload.is_decorative) == (ALT, False), item.case
    assert Upload.objects.count() == 1, item.case
    _check_stored_copies(item, upload, upload_root)


@pytest.mark.parametrize("case", CASE_NAMES)
def test_reply_form(
    case: str,
    corpus: dict[str, CorpusFile],
    request: pytest.FixtureRequest,
    upload_root: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    _run(_form("reply", request), corpus[case], upload_root, django_capture_on_commit_callbacks)


@pytest.mark.parametrize("case", SAMPLE)
@pytest.mark.parametrize("path", OTHER_FORMS)
def test_other_compose_forms(
    path: str,
    case: str,
    corpus: dict[str, CorpusFile],
    request: pytest.FixtureRequest,
    upload_root: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    _run(_form(path, request), corpus[case], upload_root, django_capture_on_commit_callbacks)


def test_every_corpus_case_goes_through_the_reply_form(corpus: dict[str, CorpusFile]) -> None:
    assert set(CASE_NAMES) == set(corpus)
    assert set(SAMPLE) <= set(corpus)
    # The sample holds both outcomes, so the other forms' success paths are run too.
    assert {corpus[case].expect for case in SAMPLE} == {STORED, REFUSED}
