"""The bookmark button, the list page with its filters, and the edit page."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from carecircle.bookmarks.models import Bookmark
from carecircle.bookmarks.tests.helpers import bookmark_of
from carecircle.core.factories import CommunityFactory, make_member, make_topic
from carecircle.core.models import ModerationState
from carecircle.discussions.models import Post
from conftest import client_for

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return response.content.decode()


# --- the button -----------------------------------------------------------------------------


def test_button_for_a_member_without_bookmark(patient, topic, rf):
    request = rf.get("/")
    request.user = patient
    html = render_to_string(
        "bookmarks/components/button.html",
        {"kind": "topic", "target_id": topic.pk, "bookmark": None, "next": "/t/1/x/"},
        request=request,
    )
    assert f'action="/bookmarks/topic/{topic.pk}"' in html
    assert 'aria-pressed="false"' in html
    assert re.search(r">\s*Bookmark\s*<", html)
    assert 'name="bookmarked" value="1"' in html
    assert 'name="next" value="/t/1/x/"' in html
    assert "csrfmiddlewaretoken" in html
    assert "/edit/" not in html


def test_button_for_a_bookmarked_post_offers_the_note(patient, reply, rf):
    bookmark = bookmark_of(patient, post=reply)
    request = rf.get("/")
    request.user = patient
    html = render_to_string(
        "bookmarks/components/button.html",
        {"kind": "post", "target_id": reply.pk, "bookmark": bookmark, "label": "post #2"},
        request=request,
    )
    assert f'action="/bookmarks/post/{reply.pk}"' in html
    assert 'aria-pressed="true"' in html
    assert "Bookmarked" in html
    assert 'name="bookmarked" value="0"' in html
    assert f'href="/bookmarks/{bookmark.pk}/edit/"' in html
    assert '<span class="visually-hidden"> post #2</span>' in html


def test_button_draws_nothing_for_visitors(topic, rf):
    from django.contrib.auth.models import AnonymousUser

    request = rf.get("/")
    request.user = AnonymousUser()
    html = render_to_string(
        "bookmarks/components/button.html",
        {"kind": "topic", "target_id": topic.pk, "bookmark": None},
        request=request,
    )
    assert html.strip() == ""


def test_bookmark_state_reads_topic_and_posts_in_one_query(
    patient, topic, reply, django_assert_num_queries
):
    from carecircle.bookmarks.queries import bookmark_state

    first = Post.objects.get(topic=topic, position=1)
    topic_mark = bookmark_of(patient, topic=topic)
    post_mark = bookmark_of(patient, post=reply)
    with django_assert_num_queries(1):
        state = bookmark_state(patient, topic, [first, reply])
    assert state.topic_bookmark == topic_mark
    assert state.post_bookmarks == {reply.pk: post_mark}
    assert (first.actor_bookmark, reply.actor_bookmark) == (None, post_mark)


def test_bookmark_state_costs_visitors_nothing(topic, django_assert_num_queries):
    from django.contrib.auth.models import AnonymousUser

    from carecircle.bookmarks.queries import bookmark_state

    with django_assert_num_queries(0):
        state = bookmark_state(AnonymousUser(), topic, [])
    assert (state.topic_bookmark, state.post_bookmarks) == (None, {})


# --- pressing it ----------------------------------------------------------------------------


def test_pressing_the_button_without_javascript(patient, topic, patient_client):
    response = patient_client.post(
        f"/bookmarks/topic/{topic.pk}", {"bookmarked": "1", "next": "/t/9/back/"}
    )
    assert (response.status_code, response["Location"]) == (302, "/t/9/back/")
    assert Bookmark.objects.filter(user=patient, topic=topic).count() == 1

    again = patient_client.post(f"/bookmarks/topic/{topic.pk}", {"bookmarked": "0"})
    assert (again.status_code, again["Location"]) == (302, topic.get_absolute_url())
    assert Bookmark.objects.count() == 0


def test_next_to_another_site_is_ignored(patient, reply, patient_client):
    response = patient_client.post(f"/bookmarks/post/{reply.pk}", {"next": "https://evil.example/"})
    assert response["Location"] == f"/p/{reply.pk}/"
    assert Bookmark.objects.filter(post=reply).count() == 1


def test_pressing_it_with_htmx_swaps_the_button(patient, reply, patient_client):
    response = patient_client.post(
        f"/bookmarks/post/{reply.pk}", {"bookmarked": "1"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert 'aria-pressed="true"' in text(response)
    assert "no-store" in response["Cache-Control"]
    bookmark = Bookmark.objects.get()
    assert f"/bookmarks/{bookmark.pk}/edit/" in text(response)
    # The swapped button keeps the words that tell it apart from the page's other buttons.
    label = f'<span class="visually-hidden"> post #{reply.position}</span>'
    assert text(response).count(label) == 2


def test_unreadable_target_answers_404_and_saves_nothing(outsider, private_topic, private_reply):
    client = client_for(outsider)
    assert client.post(f"/bookmarks/topic/{private_topic.pk}").status_code == 404
    assert client.post(f"/bookmarks/post/{private_reply.pk}").status_code == 404
    assert client.post("/bookmarks/topic/99999999999999999999").status_code == 404
    assert Bookmark.objects.count() == 0


def test_visitor_is_sent_to_sign_in(topic, visitor_client):
    response = visitor_client.post(f"/bookmarks/topic/{topic.pk}")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert Bookmark.objects.count() == 0


def test_get_is_not_allowed(patient_client, topic):
    assert patient_client.get(f"/bookmarks/topic/{topic.pk}").status_code == 405
    assert Bookmark.objects.count() == 0


# --- the list page --------------------------------------------------------------------------


def test_list_shows_each_row(patient, topic, reply, patient_client):
    patient.time_zone = "Asia/Tokyo"
    patient.save(update_fields=["time_zone"])
    later = datetime(timezone.now().year + 1, 3, 1, 1, 30, tzinfo=UTC)
    saved = bookmark_of(patient, topic=topic, note="Ask Dr Lee").created_at
    bookmark_of(patient, post=reply, remind_at=later)

    page = text(patient_client.get("/bookmarks/"))

    assert page.count('class="notification-item"') == 2
    assert "Tired after metformin" in page
    assert "Type 2 Diabetes" in page
    assert "Try taking it with food &amp; water." in page  # the excerpt, as text, escaped once
    assert "<em>food</em>" not in page
    assert "Ask Dr Lee" in page
    # Shown in the member's time zone: 01:30 UTC is 10:30 in Tokyo.
    year = later.year
    shown = f'<time datetime="{year}-03-01T10:30:00+09:00">1 Mar {year}, 10:30</time>'
    assert f"Reminder: {shown}" in page
    saved_shown = timezone.localtime(saved, ZoneInfo("Asia/Tokyo")).strftime("%-d %b %Y, %H:%M")
    assert f"{saved_shown}</time>" in page


@pytest.mark.parametrize(
    ("show", "expected"),
    [("all", 3), ("reminders", 1), ("topics", 1), ("posts", 2), ("nonsense", 3)],
)
def test_list_filters(patient, topic, reply, patient_client, show, expected):
    first = Post.objects.get(topic=topic, position=1)
    bookmark_of(patient, topic=topic)
    bookmark_of(patient, post=reply, remind_at=timezone.now() + timedelta(days=1))
    bookmark_of(patient, post=first)

    page = text(patient_client.get(f"/bookmarks/?show={show}"))

    assert page.count('class="notification-item"') == expected


@pytest.mark.parametrize(
    ("show", "current"),
    [("all", "All"), ("reminders", "With reminders"), ("posts", "Posts"), ("nonsense", "All")],
)
def test_list_marks_the_current_filter_and_keeps_notifications_apart(patient_client, show, current):
    page = text(patient_client.get(f"/bookmarks/?show={show}"))

    nav = re.search(r'<nav aria-label="Show bookmarks" class="search-tabs">(.*?)</nav>', page, re.S)
    assert nav is not None
    links = re.findall(r'<a href="([^"]*)"( aria-current="page")?>([^<]*)</a>', nav.group(1))
    assert links == [
        ("/bookmarks/", ' aria-current="page"' if current == "All" else "", "All"),
        (
            "/bookmarks/?show=reminders",
            ' aria-current="page"' if current == "With reminders" else "",
            "With reminders",
        ),
        ("/bookmarks/?show=topics", "", "Topics"),
        ("/bookmarks/?show=posts", ' aria-current="page"' if current == "Posts" else "", "Posts"),
    ]
    # The way to the bell is by the heading, not one of the filters.
    assert "/notifications/" not in nav.group(1)
    head = page[page.index('<div class="page-head">') : page.index('class="search-tabs"')]
    assert '<a class="button button-secondary" href="/notifications/">Notifications</a>' in head


def test_list_shows_only_the_members_own(patient, caregiver, topic, patient_client):
    bookmark_of(caregiver, topic=topic, note="caregiver's secret")

    page = text(patient_client.get("/bookmarks/"))

    assert "caregiver&#x27;s secret" not in page and "caregiver's secret" not in page
    assert "No bookmarks yet" in page


def test_unreadable_targets_show_no_title_or_text(patient, private_topic, private_reply, reply):
    bookmark_of(patient, topic=private_topic, note="my own words")
    bookmark_of(patient, post=private_reply)
    bookmark_of(patient, post=reply)
    patient.memberships.filter(community=private_topic.community).delete()
    Post.objects.filter(pk=reply.pk).update(moderation_state=ModerationState.HIDDEN)

    page = text(client_for(patient).get("/bookmarks/"))

    assert page.count("No longer available") == 3
    for secret in ("Secret chemo diary", "Cycle 3", "Breast Cancer", "taking it with food"):
        assert secret not in page
    assert "my own words" in page
    assert page.count("Remove bookmark") == 3
    assert "/bookmarks/" in page and "/edit/" not in page


def test_list_page_query_count_is_constant(patient, caregiver, community, patient_client):
    other = CommunityFactory(name="Sleep", slug="sleep")
    make_member(other, patient)

    def add(count: int) -> None:
        for n in range(count):
            place = community if n % 2 else other
            new_topic = make_topic(place, caregiver, title=f"T{n}", replies=1)
            bookmark_of(patient, topic=new_topic)
            bookmark_of(patient, post=new_topic.posts.get(position=2), note=f"n{n}")

    add(2)
    patient_client.get("/bookmarks/")  # the first page of a session also sets it up
    with CaptureQueriesContext(connection) as few:
        assert patient_client.get("/bookmarks/").status_code == 200
    add(8)
    with CaptureQueriesContext(connection) as many:
        page = text(patient_client.get("/bookmarks/"))
    assert page.count('class="notification-item"') == 20
    # Session, member, count, the page's rows with their topics and posts, the member's
    # memberships of their communities, the consent check: whatever the number of rows.
    assert len(many) == len(few) == 6, [q["sql"] for q in many.captured_queries]


def test_list_is_private_and_needs_sign_in(patient_client, visitor_client):
    response = patient_client.get("/bookmarks/")
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert visitor_client.get("/bookmarks/").status_code == 302


# --- the edit page --------------------------------------------------------------------------


def test_edit_reminder_is_typed_in_the_members_time_zone(patient, topic, patient_client):
    patient.time_zone = "Europe/Paris"
    patient.save(update_fields=["time_zone"])
    bookmark = bookmark_of(patient, topic=topic)
    next_year = timezone.now().year + 1

    response = patient_client.post(
        f"/bookmarks/{bookmark.pk}/edit/",
        {"note": "Bring the list", "remind_at": f"{next_year}-07-01T09:30"},
    )

    assert (response.status_code, response["Location"]) == (302, "/bookmarks/")
    stored = Bookmark.objects.get()
    assert stored.note == "Bring the list"
    # 09:30 in Paris in summer (UTC+2) is 07:30 UTC.
    assert stored.remind_at == datetime(next_year, 7, 1, 7, 30, tzinfo=UTC)
    form = text(patient_client.get(f"/bookmarks/{bookmark.pk}/edit/"))
    assert f'value="{next_year}-07-01T09:30"' in form
    # Beside the field, the reminder is shown in the site's own date format.
    shown = f'<time datetime="{next_year}-07-01T09:30:00+02:00">1 Jul {next_year}, 09:30</time>'
    assert f"Reminder: {shown}" in form


def test_edit_error_is_shown_by_the_field_and_keeps_the_typing(patient, topic, patient_client):
    bookmark = bookmark_of(patient, topic=topic, note="before")

    response = patient_client.post(
        f"/bookmarks/{bookmark.pk}/edit/", {"note": "My new note", "remind_at": "2001-01-01T10:00"}
    )

    assert response.status_code == 400
    page = text(response)
    assert 'id="error_remind_at"' in page
    assert 'aria-describedby="help_remind_at error_remind_at"' in page
    assert "Choose a reminder time in the future." in page
    assert ">My new note</textarea>" in page
    assert 'value="2001-01-01T10:00"' in page
    stored = Bookmark.objects.get()
    assert (stored.note, stored.remind_at) == ("before", None)


def test_edit_unreadable_date_text(patient, topic, patient_client):
    bookmark = bookmark_of(patient, topic=topic)

    response = patient_client.post(f"/bookmarks/{bookmark.pk}/edit/", {"remind_at": "soon"})

    assert response.status_code == 400
    assert "for example 2027-03-01 09:30" in text(response)
    assert Bookmark.objects.get().remind_at is None


def test_someone_elses_bookmark_is_not_found(patient, caregiver, topic):
    bookmark = bookmark_of(patient, topic=topic, note="mine")
    client = client_for(caregiver)

    assert client.get(f"/bookmarks/{bookmark.pk}/edit/").status_code == 404
    assert client.post(f"/bookmarks/{bookmark.pk}/edit/", {"note": "x"}).status_code == 404
    assert client.post(f"/bookmarks/{bookmark.pk}/delete").status_code == 404
    assert list(Bookmark.objects.values_list("note", flat=True)) == ["mine"]


def test_delete_returns_to_the_list(patient, topic, patient_client):
    bookmark = bookmark_of(patient, topic=topic)

    response = patient_client.post(
        f"/bookmarks/{bookmark.pk}/delete", {"next": "/bookmarks/?show=topics"}
    )

    assert (response.status_code, response["Location"]) == (302, "/bookmarks/?show=topics")
    assert Bookmark.objects.count() == 0
