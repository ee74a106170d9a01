"""Attachments, polls, bookmarks and citation help in topics and posts: pages and API."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from PIL import Image

from carecircle.bookmarks.models import Bookmark
from carecircle.core.factories import make_topic
from carecircle.core.models import ModerationState
from carecircle.discussions import actions
from carecircle.discussions.models import Post, PostRevision, Topic
from carecircle.discussions.tests.helpers import count_queries, db_state
from carecircle.discussions.views import VISITOR_PAGE_SECONDS, _visitor_cache_seconds
from carecircle.polls.actions import add_poll, vote_in_poll
from carecircle.polls.models import Poll, PollOption
from carecircle.polls.specs import PollSpec
from carecircle.resources.models import Resource, ResourceCitation
from carecircle.uploads.attachments import AttachmentChoice
from carecircle.uploads.models import Upload
from conftest import client_for

API = "/api/v1"

pytestmark = pytest.mark.usefixtures("upload_root")


def make_upload(owner: Any, kind: str = Upload.Kind.IMAGE, **fields: Any) -> Upload:
    """A waiting upload row as the upload action leaves it (no bytes: pages never read them)."""
    values: dict[str, Any] = {
        Upload.Kind.IMAGE: {
            "mime_type": "image/webp",
            "original_name": "knee.jpg",
            "width": 1600,
            "height": 1200,
            "variants": [
                {"width": 320, "name": "uploads/x/w320.webp", "bytes": 9000},
                {"width": 640, "name": "uploads/x/w640.webp", "bytes": 30000},
                {"width": 1280, "name": "uploads/x/w1280.webp", "bytes": 90000},
            ],
            "stored_bytes": 250000,
        },
        Upload.Kind.DOCUMENT: {
            "mime_type": "application/pdf",
            "original_name": "leaflet.pdf",
            "stored_bytes": 52000,
        },
    }[kind]
    return Upload.objects.create(
        owner=owner, kind=kind, sha256="0" * 64, file="uploads/x/file", **{**values, **fields}
    )


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (120, 90), (200, 120, 40))
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (51.0, 30.0, 0.0), 3: "W", 4: (0.0, 7.0, 0.0)}
    output = io.BytesIO()
    image.save(output, "JPEG", exif=exif)
    return output.getvalue()


def html(response: Any) -> str:
    return response.content.decode()


def first_post(topic: Topic) -> Post:
    return Post.objects.get(topic=topic, position=1)


def upload_state() -> list[dict[str, Any]]:
    return list(Upload.objects.order_by("pk").values())


def post_json(client: Client, path: str, payload: dict[str, Any], method: str = "post") -> Any:
    return getattr(client, method)(
        API + path, data=json.dumps(payload), content_type="application/json"
    )


POLL_FORM = {
    "add_poll": "on",
    "poll_question": "What helped you most with fatigue?",
    "poll_option": ["Walking", "Earlier nights", ""],
    "poll_choice": "single",
    "poll_voters": "anonymous",
    "poll_results": "always",
    "poll_closes_at": "",
}


# --- new topic form ------------------------------------------------------------------------------


def test_new_topic_form_offers_files_a_poll_and_citation_help(community, patient):
    page = html(client_for(patient).get(f"/c/{community.slug}/new-topic/"))

    assert 'enctype="multipart/form-data"' in page
    assert '<input type="file" id="attach-files" name="files" multiple' in page
    assert "<summary>Add a poll</summary>" in page
    assert '<input type="checkbox" id="id_add_poll" name="add_poll" value="on"' in page
    assert "<summary>Cite a library resource</summary>" in page
    assert f'href="/c/{community.slug}/library/"' in page


def test_topic_with_a_described_picture_and_a_poll(community, patient):
    upload = make_upload(patient)

    response = client_for(patient).post(
        f"/c/{community.slug}/new-topic/",
        {
            "title": "Fatigue after knee surgery",
            "body": "Here is my knee.",
            "attachment": [str(upload.pk)],
            f"alt_{upload.pk}": "  My knee with a long scar, six weeks after surgery. ",
            **POLL_FORM,
        },
    )

    assert response.status_code == 302
    topic = Topic.objects.get(title="Fatigue after knee surgery")
    upload.refresh_from_db()
    assert (upload.post_id, upload.position, upload.is_decorative) == (
        first_post(topic).pk,
        0,
        False,
    )
    assert upload.alt_text == "My knee with a long scar, six weeks after surgery."
    poll = Poll.objects.get(topic=topic)
    assert (poll.question, poll.is_anonymous, poll.results_visibility) == (
        "What helped you most with fatigue?",
        True,
        "always",
    )
    assert list(poll.options.values_list("position", "label")) == [
        (1, "Walking"),
        (2, "Earlier nights"),
    ]


def test_a_picture_without_description_saves_nothing_and_keeps_everything(community, patient):
    upload = make_upload(patient)
    before, uploads_before = db_state(), upload_state()

    response = client_for(patient).post(
        f"/c/{community.slug}/new-topic/",
        {
            "title": "Fatigue after knee surgery",
            "body": "Here is my knee.",
            "attachment": [str(upload.pk)],
            f"alt_{upload.pk}": "   ",
            **POLL_FORM,
        },
    )

    assert response.status_code == 400
    # Only the draft of the text is kept, as for any refused topic.
    after = db_state()
    assert after.pop("discussions.Draft") != before.pop("discussions.Draft")
    assert after == before
    assert upload_state() == uploads_before
    assert Poll.objects.count() == 0
    page = html(response)
    assert (
        f'<p class="field-error" id="error_alt_{upload.pk}">Please describe this picture for '
        "people who cannot see it, or tick “It is only decorative”.</p>"
    ) in page
    assert (
        f'aria-describedby="help_alt_{upload.pk} error_alt_{upload.pk}" aria-invalid="true"' in page
    )
    # The picture stays chosen, and the text and the poll as they were typed.
    assert f'<input type="hidden" name="attachment" value="{upload.pk}">' in page
    assert 'value="Fatigue after knee surgery"' in page
    assert ">Here is my knee.</textarea>" in page
    assert 'value="What helped you most with fatigue?"' in page
    assert 'name="poll_option" maxlength="200" value="Earlier nights"' in page
    assert '<input type="checkbox" id="id_add_poll" name="add_poll" value="on" checked' in page


def test_someone_elses_upload_is_refused(community, patient, caregiver):
    upload = make_upload(patient)
    before, uploads_before = db_state(), upload_state()

    response = client_for(caregiver).post(
        f"/c/{community.slug}/new-topic/",
        {
            "title": "Borrowing a picture",
            "body": "Look.",
            "attachment": [str(upload.pk)],
            f"alt_{upload.pk}": "A knee.",
        },
    )

    assert response.status_code == 400
    after = db_state()
    del after["discussions.Draft"], before["discussions.Draft"]
    assert after == before
    assert upload_state() == uploads_before
    assert (
        '<p class="field-error" id="attach-error-attachments">One of the files is no longer '
        "available. Remove it and upload it again.</p>"
    ) in html(response)


def test_a_refused_poll_shows_each_problem_at_its_field(community, patient):
    response = client_for(patient).post(
        f"/c/{community.slug}/new-topic/",
        {
            "title": "A poll with problems",
            "body": "Vote please.",
            **POLL_FORM,
            "poll_question": "",
            "poll_option": ["Only one"],
        },
    )

    assert response.status_code == 400
    assert Topic.objects.count() == 0
    page = html(response)
    assert (
        '<p class="field-error" id="error_poll_question">Please write the poll&#x27;s question.</p>'
        in page
    )
    assert (
        '<p class="field-error" id="error_poll_options">A poll needs at least 2 options.</p>'
    ) in page


def test_without_javascript_files_travel_with_the_form(community, patient, upload_root):
    client = client_for(patient)
    photo = io.BytesIO(jpeg_with_gps())
    photo.name = "IMG_2041.jpg"

    refused = client.post(
        f"/c/{community.slug}/new-topic/",
        {"title": "My new glucose meter", "body": "It has big digits.", "files": [photo]},
    )

    # Stored (without its GPS position), then asked for its description: nothing posted yet.
    assert refused.status_code == 400
    assert Topic.objects.count() == 0
    upload = Upload.objects.get(owner=patient)
    assert (upload.kind, upload.mime_type, upload.post_id) == ("image", "image/webp", None)
    stored = [path.read_bytes() for path in upload_root.rglob("*") if path.is_file()]
    assert stored and all(b"GPS" not in data and b"Exif" not in data for data in stored)
    page = html(refused)
    assert f'<input type="hidden" name="attachment" value="{upload.pk}">' in page
    assert f'id="error_alt_{upload.pk}"' in page

    posted = client.post(
        f"/c/{community.slug}/new-topic/",
        {
            "title": "My new glucose meter",
            "body": "It has big digits.",
            "attachment": [str(upload.pk)],
            f"alt_{upload.pk}": "A glucose meter showing 5.4 in large digits.",
        },
    )

    assert posted.status_code == 302
    upload.refresh_from_db()
    assert upload.post_id == first_post(Topic.objects.get()).pk


def test_a_file_that_is_not_what_its_name_says_stops_the_post(community, patient, upload_root):
    page = io.BytesIO(b"<html><script>alert(1)</script></html>")
    page.name = "holiday.jpg"

    response = client_for(patient).post(
        f"/c/{community.slug}/new-topic/",
        {"title": "Holiday", "body": "Sunny.", "files": [page]},
    )

    assert response.status_code == 400
    assert (Topic.objects.count(), Upload.objects.count()) == (0, 0)
    assert [path for path in upload_root.rglob("*") if path.is_file()] == []
    assert '<p class="field-error" id="attach-error-files">holiday.jpg: ' in html(response)
    assert ">Sunny.</textarea>" in html(response)


# --- replies and edits ---------------------------------------------------------------------------


def test_files_sent_with_a_reply_to_a_locked_topic_are_not_stored(topic, caregiver, upload_root):
    Topic.objects.filter(pk=topic.pk).update(is_locked=True)
    photo = io.BytesIO(jpeg_with_gps())
    photo.name = "meter.jpg"

    response = client_for(caregiver).post(
        f"/t/{topic.pk}/reply", {"body": "Too late.", "files": [photo]}
    )

    assert response.status_code == 403
    assert (Post.objects.filter(topic=topic).count(), Upload.objects.count()) == (1, 0)
    assert [path for path in upload_root.rglob("*") if path.is_file()] == []


def test_reply_with_a_document_and_a_decorative_picture(topic, caregiver):
    document = make_upload(caregiver, Upload.Kind.DOCUMENT)
    picture = make_upload(caregiver)

    response = client_for(caregiver).post(
        f"/t/{topic.pk}/reply",
        {
            "body": "The leaflet from my clinic.",
            "attachment": [str(picture.pk), str(document.pk)],
            f"decorative_{picture.pk}": "1",
        },
    )

    assert response.status_code == 302
    reply = Post.objects.get(topic=topic, position=2)
    assert list(
        Upload.objects.filter(post=reply)
        .order_by("position")
        .values_list("pk", "position", "is_decorative")
    ) == [(picture.pk, 0, True), (document.pk, 1, False)]


def test_a_refused_reply_keeps_its_files_and_text(topic, caregiver):
    picture = make_upload(caregiver)

    response = client_for(caregiver).post(
        f"/t/{topic.pk}/reply",
        {"body": "My picture.", "attachment": [str(picture.pk)]},
    )

    assert response.status_code == 400
    assert Post.objects.filter(topic=topic).count() == 1
    page = html(response)
    assert f'<input type="hidden" name="attachment" value="{picture.pk}">' in page
    assert f'id="error_alt_{picture.pk}"' in page
    assert ">My picture.</textarea>" in page


def test_author_edits_files_and_an_unchanged_form_is_no_edit(topic, patient):
    post = first_post(topic)
    kept, dropped = make_upload(patient), make_upload(patient, Upload.Kind.DOCUMENT)
    actions.edit_post(
        actor=patient,
        post=post,
        body=post.body,
        attachments=[AttachmentChoice(kept.pk, alt_text="A knee."), AttachmentChoice(dropped.pk)],
    )
    client = client_for(patient)
    form = html(client.get(f"/p/{post.pk}/edit/"))
    assert '<input type="hidden" name="attachments_shown" value="1">' in form
    assert ">A knee.</textarea>" in form
    same = {
        "body": post.body,
        "title": topic.title,
        "attachments_shown": "1",
        "attachment": [str(kept.pk), str(dropped.pk)],
        f"alt_{kept.pk}": "A knee.",
    }
    revisions = PostRevision.objects.count()

    assert client.post(f"/p/{post.pk}/edit/", same).status_code == 302
    assert PostRevision.objects.count() == revisions

    response = client.post(f"/p/{post.pk}/edit/", {**same, f"remove_{dropped.pk}": "1"})

    assert response.status_code == 302
    assert list(Upload.objects.filter(post=post).values_list("pk", flat=True)) == [kept.pk]
    dropped.refresh_from_db()
    # Let go: the hourly clean-up removes it once it has waited long enough.
    assert dropped.post_id is None and dropped.attached_at is not None


def test_a_moderators_edit_leaves_the_authors_files(topic, patient, moderator):
    post = first_post(topic)
    picture = make_upload(patient)
    actions.edit_post(
        actor=patient,
        post=post,
        body=post.body,
        attachments=[AttachmentChoice(picture.pk, "A knee.")],
    )
    client = client_for(moderator)
    assert 'name="attachments_shown"' not in html(client.get(f"/p/{post.pk}/edit/"))

    response = client.post(
        f"/p/{post.pk}/edit/",
        {"body": "Edited by a moderator.", "title": topic.title, "attachments_shown": "1"},
    )

    assert response.status_code == 302
    assert list(Upload.objects.filter(post=post).values_list("pk", flat=True)) == [picture.pk]


# --- the topic page ------------------------------------------------------------------------------


def attach(post: Post, *uploads: Upload, alt: str = "My knee after surgery.") -> None:
    Upload.objects.filter(pk__in=[u.pk for u in uploads]).update(
        post=post, alt_text=alt, attached_at=timezone.now()
    )
    for position, upload in enumerate(uploads):
        Upload.objects.filter(pk=upload.pk).update(position=position)


def test_page_shows_pictures_with_srcset_and_documents_as_downloads(topic, patient):
    picture, document = make_upload(patient), make_upload(patient, Upload.Kind.DOCUMENT)
    attach(first_post(topic), picture, document)

    page = html(Client().get(topic.get_absolute_url()))

    p = picture.pk
    assert (
        f'<img src="/uploads/{p}/w640" srcset="/uploads/{p}/w320 320w, /uploads/{p}/w640 640w, '
        f'/uploads/{p}/w1280 1280w, /uploads/{p}/file 1600w" '
        'sizes="(max-width: 40rem) 100vw, 40rem" alt="My knee after surgery." width="1600" '
        'height="1200" loading="lazy"'
    ) in page
    assert f'<a href="/uploads/{document.pk}/file" download="leaflet.pdf">leaflet.pdf</a>' in page
    assert '<link rel="stylesheet" href="/static/uploads/attachments.css">' in page


def test_files_of_a_hidden_or_deleted_post_are_not_shown(topic, patient, caregiver, moderator):
    reply = make_topic(topic.community, patient, title="Two posts", replies=1)
    hidden = Post.objects.get(topic=reply, position=2)
    picture = make_upload(patient)
    attach(hidden, picture)
    Post.objects.filter(pk=hidden.pk).update(moderation_state=ModerationState.HIDDEN)

    assert f"/uploads/{picture.pk}/" not in html(
        client_for(caregiver).get(reply.get_absolute_url())
    )
    assert f"/uploads/{picture.pk}/" in html(client_for(patient).get(reply.get_absolute_url()))
    assert f"/uploads/{picture.pk}/" in html(client_for(moderator).get(reply.get_absolute_url()))

    Post.objects.filter(pk=hidden.pk).update(
        moderation_state=ModerationState.VISIBLE, is_deleted=True
    )
    cache.clear()
    assert f"/uploads/{picture.pk}/" not in html(Client().get(reply.get_absolute_url()))


def test_bookmark_buttons_for_members_only(topic, patient, caregiver):
    reply = make_topic(topic.community, patient, title="With a reply", replies=1)
    second = Post.objects.get(topic=reply, position=2)
    Bookmark.objects.create(user=caregiver, post=second)

    page = html(client_for(caregiver).get(reply.get_absolute_url()))

    assert f'action="/bookmarks/topic/{reply.pk}"' in page
    assert (
        f'<button type="submit" id="bookmark-topic-{reply.pk}" class="button-secondary '
        'button-small" aria-pressed="false">Bookmark<span class="visually-hidden"> this topic'
    ) in page
    assert (
        f'<button type="submit" id="bookmark-post-{second.pk}" class="button-secondary '
        'button-small" aria-pressed="true">Bookmarked<span class="visually-hidden"> post #2'
    ) in page
    assert "/bookmarks/" not in html(Client().get(reply.get_absolute_url()))


def make_poll(topic: Topic, author: Any, **fields: Any) -> Poll:
    spec = PollSpec(question="Which meter?", options=["Big digits", "Small one"], **fields)
    return add_poll(actor=author, topic=topic, spec=spec)


def test_poll_follows_the_first_post_and_a_vote_refreshes_the_visitors_page(
    topic, patient, caregiver
):
    topic = make_topic(topic.community, patient, title="A question with a poll", replies=1)
    poll = make_poll(topic, patient, results_visibility="always")
    url = topic.get_absolute_url()
    first = html(Client().get(url))
    # After the question's post, before the first reply's.
    assert (
        first.index('id="post-1"')
        < first.index(f'id="poll-{poll.pk}"')
        < first.index('id="post-2"')
    )
    assert "0% (0 votes)" in first

    option = PollOption.objects.get(poll=poll, position=1)
    vote_in_poll(actor=caregiver, poll=poll, option_ids=[option.pk])

    assert "100% (1 vote)" in html(Client().get(url))


def test_the_visitors_page_is_not_cached_past_a_polls_closing_time():
    now = timezone.now()
    assert _visitor_cache_seconds(None) == VISITOR_PAGE_SECONDS
    assert _visitor_cache_seconds({"closes_at": None, "is_closed": False}) == VISITOR_PAGE_SECONDS
    assert _visitor_cache_seconds(
        {"closes_at": now + timedelta(seconds=90), "is_closed": False}
    ) in (
        90,
        91,
    )
    assert (
        _visitor_cache_seconds({"closes_at": now + timedelta(hours=2), "is_closed": False})
        == VISITOR_PAGE_SECONDS
    )
    assert _visitor_cache_seconds({"closes_at": now - timedelta(hours=1), "is_closed": True}) == (
        VISITOR_PAGE_SECONDS
    )


# Over TOPIC_PAGE_QUERIES (test_views): the poll's options (+1) and, for members, their votes
# (+1); the poll itself comes with the topic. Attachments stay one query however many.
POLL_PAGE_QUERIES = {"visitor": 8, "caregiver": 23}


@pytest.mark.parametrize("persona", ["visitor", "caregiver"])
def test_topic_page_with_a_poll_and_files_costs_the_same_for_few_or_many(
    request, community, patient, persona
):
    user = None if persona == "visitor" else request.getfixturevalue(persona)
    counts = []
    for replies in (1, 15):
        topic = make_topic(community, patient, title=f"Topic with {replies}", replies=replies)
        make_poll(topic, patient)
        for post in Post.objects.filter(topic=topic):
            attach(post, make_upload(patient), make_upload(patient, Upload.Kind.DOCUMENT))
        cache.clear()
        queries, response = count_queries(client_for(user), topic.get_absolute_url())
        assert response.status_code == 200
        assert html(response).count("<figure>") == replies + 1
        counts.append(queries)
    assert counts == [POLL_PAGE_QUERIES[persona]] * 2


# --- API -----------------------------------------------------------------------------------------


def test_api_topic_with_attachments_and_a_poll(community, patient):
    picture = make_upload(patient)
    client = client_for(patient)

    response = post_json(
        client,
        f"/communities/{community.slug}/topics",
        {
            "title": "Meters compared",
            "body": "Pictures of both.",
            "attachments": [{"upload_id": picture.pk, "alt_text": "Two glucose meters."}],
            "poll": {
                "question": "Which one?",
                "options": ["Left", "Right"],
                "is_multiple_choice": True,
                "max_choices": 2,
                "is_anonymous": False,
                "results_visibility": "after_close",
                "closes_at": (timezone.now() + timedelta(days=3)).isoformat(),
            },
        },
    )

    assert response.status_code == 201
    topic = Topic.objects.get(title="Meters compared")
    poll = Poll.objects.get(topic=topic)
    assert response.json()["poll_id"] == poll.pk
    assert (poll.is_multiple_choice, poll.max_choices, poll.is_anonymous) == (True, 2, False)
    post = client.get(f"{API}/posts/{first_post(topic).pk}").json()
    p = picture.pk
    assert post["attachments"] == [
        {
            "id": p,
            "kind": "image",
            "mime_type": "image/webp",
            "name": "knee.jpg",
            "size": 250000,
            "url": f"/uploads/{p}/file",
            "alt_text": "Two glucose meters.",
            "is_decorative": False,
            "width": 1600,
            "height": 1200,
            "variants": [
                {"width": 320, "url": f"/uploads/{p}/w320"},
                {"width": 640, "url": f"/uploads/{p}/w640"},
                {"width": 1280, "url": f"/uploads/{p}/w1280"},
            ],
            "poster_url": None,
            "captions_url": None,
            "captions_language": None,
            "duration_seconds": None,
        }
    ]
    assert client.get(f"{API}/topics/{topic.pk}").json()["poll_id"] == poll.pk


def test_api_refusals_save_nothing(community, patient, caregiver):
    picture, theirs = make_upload(patient), make_upload(caregiver)
    before, uploads_before = db_state(), upload_state()
    client = client_for(patient)

    missing_alt = post_json(
        client,
        f"/communities/{community.slug}/topics",
        {
            "title": "No description",
            "body": "Look.",
            "attachments": [{"upload_id": picture.pk}, {"upload_id": theirs.pk, "alt_text": "x"}],
        },
    )
    bad_poll = post_json(
        client,
        f"/communities/{community.slug}/topics",
        {"title": "Bad poll", "body": "Vote.", "poll": {"question": "Q?", "options": ["a", "A"]}},
    )

    assert missing_alt.status_code == 400
    assert missing_alt.json()["code"] == "alt_text_required"
    assert missing_alt.json()["field"] == f"alt_{picture.pk}"
    assert [(d["field"], d["code"]) for d in missing_alt.json()["details"]] == [
        (f"alt_{picture.pk}", "alt_text_required"),
        ("attachments", "upload_not_available"),
    ]
    assert bad_poll.status_code == 400
    assert [(d["field"], d["code"]) for d in bad_poll.json()["details"]] == [
        ("poll_option_2", "duplicate")
    ]
    assert db_state() == before
    assert upload_state() == uploads_before
    assert Poll.objects.count() == 0


def test_api_reply_and_edit_attachments(topic, caregiver, patient):
    picture, document = make_upload(caregiver), make_upload(caregiver, Upload.Kind.DOCUMENT)
    client = client_for(caregiver)

    created = post_json(
        client,
        f"/topics/{topic.pk}/posts",
        {
            "body": "Two files.",
            "attachments": [
                {"upload_id": document.pk},
                {"upload_id": picture.pk, "is_decorative": True},
            ],
        },
    )

    assert created.status_code == 201
    body = created.json()
    assert [(a["id"], a["alt_text"], a["is_decorative"]) for a in body["attachments"]] == [
        (document.pk, "", False),
        (picture.pk, "", True),
    ]
    post_id = body["id"]
    kept = post_json(client, f"/posts/{post_id}", {"body": "Two files, edited."}, "patch")
    assert [a["id"] for a in kept.json()["attachments"]] == [document.pk, picture.pk]

    edited = post_json(
        client,
        f"/posts/{post_id}",
        {"body": "Two files, edited.", "attachments": [{"upload_id": document.pk}]},
        "patch",
    )

    assert edited.status_code == 200
    assert [a["id"] for a in edited.json()["attachments"]] == [document.pk]
    assert Upload.objects.get(pk=picture.pk).post_id is None
    # Another member sees the files of the post, not when it is hidden from them.
    listed = client_for(patient).get(f"{API}/topics/{topic.pk}/posts").json()["items"]
    assert [a["id"] for a in listed[1]["attachments"]] == [document.pk]
    Post.objects.filter(pk=post_id).update(moderation_state=ModerationState.HIDDEN)
    assert client_for(patient).get(f"{API}/posts/{post_id}").json()["attachments"] == []
    # Its author still sees them, as they still read its text.
    assert [a["id"] for a in client.get(f"{API}/posts/{post_id}").json()["attachments"]] == [
        document.pk
    ]


# --- citations -----------------------------------------------------------------------------------


def test_a_reply_linking_a_library_resource_cites_it_until_edited_away(topic, caregiver):
    resource = Resource.objects.create(
        community=topic.community, kind=Resource.Kind.WEBSITE, title="Living with diabetes"
    )
    client = client_for(caregiver)

    response = client.post(
        f"/t/{topic.pk}/reply",
        {"body": f"This helped me: /library/{resource.pk}/living-with-diabetes/"},
    )

    assert response.status_code == 302
    reply = Post.objects.get(topic=topic, position=2)
    assert list(ResourceCitation.objects.values_list("post_id", "resource_id")) == [
        (reply.pk, resource.pk)
    ]
    assert Resource.objects.get(pk=resource.pk).citation_count == 1

    client.post(f"/p/{reply.pk}/edit/", {"body": "Never mind the link."})

    assert ResourceCitation.objects.count() == 0
    assert Resource.objects.get(pk=resource.pk).citation_count == 0
