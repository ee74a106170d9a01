"""Notification pages: the list, opening and marking, settings, watch levels, the header bell."""

from __future__ import annotations

import re
from datetime import time, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from carecircle.core.factories import make_topic
from carecircle.notifications.models import Notification, NotificationSettings, Watch
from carecircle.notifications.queries import unread_count
from carecircle.notifications.tests.factories import make_notification, make_settings, set_watch
from conftest import client_for

pytestmark = pytest.mark.django_db


def text_of(html: str) -> str:
    """The visible words of some HTML, with whitespace collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def reply(patient, caregiver, topic, **fields):
    return make_notification(
        patient,
        kind="reply",
        actor=caregiver,
        topic=topic,
        url=topic.get_absolute_url(),
        group_key=f"topic:{topic.pk}:posts",
        **fields,
    )


# --- the list ------------------------------------------------------------------------------


def test_visitor_is_sent_to_sign_in(visitor_client):
    response = visitor_client.get("/notifications/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/notifications/"


def test_list_shows_sentences_new_marker_and_links(patient, caregiver, topic, patient_client):
    unread = reply(patient, caregiver, topic, count=3)
    read = make_notification(
        patient,
        kind="mention",
        actor=caregiver,
        topic=topic,
        url="/p/1/",
        read_at=timezone.now(),
        updated_at=timezone.now() - timedelta(hours=1),
    )
    response = patient_client.get("/notifications/")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    items = re.findall(
        r'<li class="notification-item[^"]*" id="notification-(\d+)">(.*?)</li>', html, re.S
    )
    assert [int(pk) for pk, _body in items] == [unread.pk, read.pk]
    assert text_of(items[0][1]).startswith(
        "New 3 new replies to you in “Tired after metformin”, the latest from Cam the caregiver"
    )
    assert "Mark as read" in text_of(items[0][1])
    assert text_of(items[1][1]).startswith(
        "Cam the caregiver mentioned you in “Tired after metformin”"
    )
    assert "New" not in text_of(items[1][1]).split()
    assert "Mark as read" not in items[1][1]
    assert f'href="/notifications/{unread.pk}/open/"' in items[0][1]
    assert 'class="notification-item notification-unread"' in html
    assert "Mark all as read" in html


def test_header_bell_shows_the_unread_count(patient, caregiver, topic, patient_client):
    reply(patient, caregiver, topic)
    make_notification(patient, kind="badge")
    html = patient_client.get("/communities/").content.decode()
    bell = re.search(r'<a href="/notifications/"[^>]*>(.*?)</a>', html, re.S)
    assert bell is not None
    assert text_of(bell.group(1)) == "Notifications 2 unread"
    assert "data-notification-badge>" in bell.group(1)  # not hidden
    assert 'src="/static/carecircle/notifications.js"' in html


def test_header_bell_is_hidden_at_zero_and_absent_for_visitors(patient_client, visitor_client):
    html = patient_client.get("/communities/").content.decode()
    assert "data-notification-badge hidden> <span data-notification-count>0</span>" in html
    visitor_html = visitor_client.get("/communities/").content.decode()
    assert "data-notification-badge" not in visitor_html
    assert "notifications.js" not in visitor_html


def test_bell_count_comes_from_the_cache(patient, caregiver, topic, patient_client):
    def bell_queries() -> tuple[str, int]:
        with CaptureQueriesContext(connection) as context:
            html = patient_client.get("/messages/settings/").content.decode()
        found = re.search(r"<span data-notification-count>(\d+)</span>", html)
        assert found is not None
        touching = [q for q in context.captured_queries if "notifications_notification" in q["sql"]]
        return found.group(1), len(touching)

    reply(patient, caregiver, topic)
    assert bell_queries() == ("1", 1)  # a cold cache: one count
    assert bell_queries() == ("1", 0)  # then from the cache
    Notification.objects.all().delete()  # behind the actions' back: the cache still says 1
    assert bell_queries() == ("1", 0)


def test_unread_filter(patient, caregiver, topic, patient_client):
    unread = reply(patient, caregiver, topic)
    make_notification(patient, kind="badge", read_at=timezone.now())
    html = patient_client.get("/notifications/?unread=1").content.decode()
    assert re.findall(r'id="notification-(\d+)"', html) == [str(unread.pk)]
    assert '<a href="/notifications/?unread=1" aria-current="page">Unread only</a>' in html


def test_unread_filter_when_nothing_is_unread(patient, patient_client):
    make_notification(patient, kind="badge", read_at=timezone.now())
    html = patient_client.get("/notifications/?unread=1").content.decode()
    assert "You have no unread notifications." in html
    assert "Mark all as read" not in html


def test_empty_list(patient_client):
    html = patient_client.get("/notifications/").content.decode()
    assert "No notifications yet." in html


def test_only_own_notifications_are_listed(patient, caregiver, topic, patient_client):
    mine = reply(patient, caregiver, topic)
    theirs = reply(caregiver, patient, topic)
    html = patient_client.get("/notifications/").content.decode()
    assert re.findall(r'id="notification-(\d+)"', html) == [str(mine.pk)]
    assert f"/notifications/{theirs.pk}/" not in html


def test_pagination_is_clamped(patient, patient_client, settings):
    settings.CARECIRCLE_PAGE_SIZE = 2
    rows = [
        make_notification(patient, kind="badge", updated_at=timezone.now() - timedelta(minutes=i))
        for i in range(5)
    ]
    html = patient_client.get("/notifications/?page=99999999999999999999").content.decode()
    assert re.findall(r'id="notification-(\d+)"', html) == [str(rows[4].pk)]
    assert "Page 3 of 3" in text_of(html)
    second = patient_client.get("/notifications/?unread=1&page=2").content.decode()
    assert re.findall(r'id="notification-(\d+)"', second) == [str(rows[2].pk), str(rows[3].pk)]
    assert 'href="?unread=1&page=1"' in second or 'href="?unread=1&amp;page=1"' in second


def test_list_query_count_does_not_grow_with_rows(patient, caregiver, community, patient_client):
    def count_queries() -> list[str]:
        patient_client.get("/notifications/")  # warms the header's caches
        with CaptureQueriesContext(connection) as context:
            assert patient_client.get("/notifications/").status_code == 200
        return [q["sql"] for q in context.captured_queries]

    topic = make_topic(community, caregiver, title="First")
    reply(patient, caregiver, topic)
    one = count_queries()
    for number in range(6):
        other = make_topic(community, caregiver, title=f"Topic {number}")
        reply(patient, caregiver, other)
        make_notification(patient, kind="welcome", community=community)
    many = count_queries()
    assert len(many) == len(one)
    # Session, user, the page's count, the page of rows (actor, topic, community and post
    # joined in), the privacy consent check; the header's counts come from the cache.
    assert len(one) == 5


# --- opening and marking -------------------------------------------------------------------


def test_open_marks_read_and_redirects(patient, caregiver, topic, patient_client):
    row = reply(patient, caregiver, topic)
    response = patient_client.get(f"/notifications/{row.pk}/open/")
    assert response.status_code == 302
    assert response["Location"] == topic.get_absolute_url()
    row.refresh_from_db()
    assert row.read_at is not None
    assert unread_count(patient) == 0


def test_open_goes_to_the_topic_when_the_latest_reply_is_gone(
    patient, caregiver, topic, patient_client
):
    from carecircle.discussions.models import Post

    gone = Post.objects.create(
        topic=topic, author=caregiver, position=2, body="x", body_html="<p>x</p>", is_deleted=True
    )
    row = reply(patient, caregiver, topic)
    Notification.objects.filter(pk=row.pk).update(post=gone, url=f"/p/{gone.pk}/", count=2)

    response = patient_client.get(f"/notifications/{row.pk}/open/")

    assert response.status_code == 302
    assert response["Location"] == topic.get_absolute_url()


@pytest.mark.parametrize("url", ["https://evil.example/", "//evil.example/x", "/\\evil.example"])
def test_open_never_leaves_the_site(patient, patient_client, url):
    row = make_notification(patient, kind="badge", url=url)
    response = patient_client.get(f"/notifications/{row.pk}/open/")
    assert response.status_code == 302
    assert response["Location"] == "/notifications/"
    row.refresh_from_db()
    assert row.read_at is not None


def test_another_members_notification_is_not_found(patient, caregiver, topic):
    theirs = reply(caregiver, patient, topic)
    client = client_for(patient)
    assert client.get(f"/notifications/{theirs.pk}/open/").status_code == 404
    assert client.post(f"/notifications/{theirs.pk}/read/").status_code == 404
    assert client.get("/notifications/99999999/open/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_one_read(patient, caregiver, topic, patient_client):
    row = reply(patient, caregiver, topic)
    other = make_notification(patient, kind="badge")
    response = patient_client.post(
        f"/notifications/{row.pk}/read/", {"next": "/notifications/?unread=1"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/notifications/?unread=1"
    row.refresh_from_db()
    other.refresh_from_db()
    assert row.read_at is not None
    assert other.read_at is None


def test_mark_read_ignores_an_offsite_next(patient, patient_client):
    row = make_notification(patient, kind="badge")
    response = patient_client.post(
        f"/notifications/{row.pk}/read/", {"next": "https://evil.example/"}
    )
    assert response["Location"] == "/notifications/"


def test_mark_read_needs_post(patient, patient_client):
    row = make_notification(patient, kind="badge")
    assert patient_client.get(f"/notifications/{row.pk}/read/").status_code == 405
    row.refresh_from_db()
    assert row.read_at is None


def test_mark_all_read(patient, caregiver, topic, patient_client):
    rows = [reply(patient, caregiver, topic), make_notification(patient, kind="badge")]
    theirs = make_notification(caregiver, kind="badge")
    response = patient_client.post("/notifications/read-all/", follow=True)
    assert response.redirect_chain == [("/notifications/", 302)]
    assert "All your notifications are marked as read." in response.content.decode()
    assert all(Notification.objects.get(pk=r.pk).read_at is not None for r in rows)
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert "New" not in text_of(response.content.decode()).split()


def test_posts_need_the_csrf_token(patient, caregiver, topic):
    row = reply(patient, caregiver, topic)
    client = Client(enforce_csrf_checks=True)
    client.force_login(patient)
    assert client.post(f"/notifications/{row.pk}/read/").status_code == 403
    assert client.post("/notifications/read-all/").status_code == 403
    assert client.post("/notifications/settings/", {"digest": "daily"}).status_code == 403
    assert (
        client.post("/notifications/watch/", {"topic_id": topic.pk, "level": "muted"}).status_code
        == 403
    )
    row.refresh_from_db()
    assert row.read_at is None
    assert not NotificationSettings.objects.filter(user=patient).exists()
    assert not Watch.objects.filter(user=patient).exists()


def test_visitors_cannot_post(visitor_client, patient, topic):
    row = make_notification(patient, kind="badge")
    response = visitor_client.post("/notifications/read-all/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    response = visitor_client.post(
        "/notifications/watch/", {"topic_id": topic.pk, "level": "muted"}
    )
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.read_at is None
    assert not Watch.objects.exists()


# --- settings ------------------------------------------------------------------------------


def test_settings_page_shows_the_table(patient_client):
    response = patient_client.get("/notifications/settings/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<caption>What should reach me, and where</caption>" in html
    assert '<th scope="col">Email</th>' in html
    assert '<th scope="row" id="kind-reply">Replies to my topics and posts</th>' in html
    # Defaults: reply emails on, reaction emails off.
    assert re.search(
        r'<input type="checkbox" id="id_channel-reply-email" name="channel-reply-email" checked>',
        html,
    )
    assert re.search(
        r'<input type="checkbox" id="id_channel-reaction-email" name="channel-reaction-email">',
        html,
    )
    assert (
        '<label class="visually-hidden" for="id_channel-reply-email">'
        "Email for Replies to my topics and posts</label>"
    ) in html
    # Moderation stays in the app (checked, disabled) and has no email (a dash).
    assert re.search(
        r'id="id_channel-moderation-in_app" name="channel-moderation-in_app" checked disabled', html
    )
    assert "id_channel-moderation-email" not in html
    assert (
        "Email is not available for Moderators&#x27; decisions about my posts or account"
    ) in html
    assert 'type="time" id="id_quiet_hours_start"' in html
    assert 'href="/account/">your account settings</a>' in html
    assert '<input type="radio" name="digest" value="off" checked>' in html


def test_settings_round_trip(patient, patient_client):
    response = patient_client.post(
        "/notifications/settings/",
        {
            "channel-reply-in_app": "on",
            "channel-reply-push": "on",  # reply email off
            "channel-reaction-in_app": "on",
            "channel-reaction-email": "on",
            "email_includes_details": "on",
            "quiet_hours_start": "22:00",
            "quiet_hours_end": "07:30",
            "digest": "weekly",
            "is_email_paused": "on",
        },
        follow=True,
    )
    assert response.redirect_chain == [("/notifications/settings/", 302)]
    html = response.content.decode()
    assert "Your notification settings are saved." in html
    row = NotificationSettings.objects.get(user=patient)
    assert row.channels["reply"] == {"email": False}
    assert row.channels["reaction"] == {"email": True}
    assert row.channels["mention"] == {"in_app": False, "email": False, "push": False}
    assert row.email_includes_details is True
    assert row.push_includes_details is False
    assert (row.quiet_hours_start, row.quiet_hours_end) == (time(22, 0), time(7, 30))
    assert row.digest == "weekly"
    assert row.is_email_paused is True
    # The page shows what was saved.
    assert 'name="channel-reply-email">' in html
    assert 'name="channel-reaction-email" checked>' in html
    assert 'value="22:00"' in html and 'value="07:30"' in html
    assert '<input type="radio" name="digest" value="weekly" checked>' in html
    assert 'name="is_email_paused" checked' in html


def test_settings_error_keeps_the_input(patient, patient_client):
    make_settings(patient, digest="daily")
    response = patient_client.post(
        "/notifications/settings/",
        {"channel-reply-email": "on", "quiet_hours_start": "22:00", "quiet_hours_end": "",
         "digest": "weekly"},
    )  # fmt: skip
    assert response.status_code == 400
    html = response.content.decode()
    assert (
        '<p class="field-error" id="error_quiet_hours_end">'
        "Choose when quiet hours end, or clear both times.</p>"
    ) in html
    assert 'value="22:00"' in html
    assert '<input type="radio" name="digest" value="weekly" checked>' in html
    row = NotificationSettings.objects.get(user=patient)
    assert row.digest == "daily"
    assert row.quiet_hours_start is None


def test_settings_bad_time_is_reported_next_to_the_field(patient, patient_client):
    response = patient_client.post(
        "/notifications/settings/",
        {"quiet_hours_start": "late", "quiet_hours_end": "07:00", "digest": "off"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert (
        '<p class="field-error" id="error_quiet_hours_start">'
        "Enter a time like 22:00, or leave it empty.</p>"
    ) in html
    assert 'value="late"' in html
    assert not NotificationSettings.objects.filter(user=patient).exists()


def test_settings_bad_digest(patient, patient_client):
    response = patient_client.post("/notifications/settings/", {"digest": "hourly"})
    assert response.status_code == 400
    assert (
        '<p class="field-error" id="error_digest">'
        "Choose no digest, a daily one or a weekly one.</p>"
    ) in response.content.decode()
    assert not NotificationSettings.objects.filter(user=patient).exists()


def test_settings_needs_sign_in(visitor_client):
    response = visitor_client.get("/notifications/settings/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/notifications/settings/"


# --- watch levels --------------------------------------------------------------------------


def test_topic_page_shows_the_watch_control(patient, topic, patient_client):
    html = patient_client.get(topic.get_absolute_url()).content.decode()
    form = re.search(r'<form method="post" action="/notifications/watch/".*?</form>', html, re.S)
    assert form is not None
    assert f'name="topic_id" value="{topic.pk}"' in form.group(0)
    assert "Notifications for this topic" in form.group(0)
    assert '<option value="normal" selected>' in form.group(0)


def test_topic_page_shows_the_community_level_when_the_topic_has_none(
    patient, community, topic, patient_client
):
    set_watch(patient, "watching", community=community)
    html = patient_client.get(topic.get_absolute_url()).content.decode()
    assert '<option value="watching" selected>' in html


def test_community_page_shows_the_watch_control(patient, community, patient_client):
    set_watch(patient, "muted", community=community)
    html = patient_client.get(community.get_absolute_url()).content.decode()
    assert f'name="community_id" value="{community.pk}"' in html
    assert '<option value="muted" selected>' in html
    assert "Notifications for this community" in html


def test_visitors_see_no_watch_control(visitor_client, community, topic):
    assert (
        "/notifications/watch/" not in visitor_client.get(topic.get_absolute_url()).content.decode()
    )
    assert (
        "/notifications/watch/"
        not in visitor_client.get(community.get_absolute_url()).content.decode()
    )


def test_set_topic_watch(patient, topic, patient_client):
    response = patient_client.post(
        "/notifications/watch/",
        {"topic_id": topic.pk, "level": "watching", "next": topic.get_absolute_url()},
        follow=True,
    )
    assert response.redirect_chain == [(topic.get_absolute_url(), 302)]
    watch = Watch.objects.get(user=patient)
    assert (watch.topic_id, watch.community_id, watch.level) == (topic.pk, None, "watching")
    html = response.content.decode()
    assert "Notifications for this topic: Watching: tell me about every new post" in html
    assert '<option value="watching" selected>' in html


def test_set_community_watch_redirects_only_on_site(patient, community, patient_client):
    response = patient_client.post(
        "/notifications/watch/",
        {"community_id": community.pk, "level": "muted", "next": "https://evil.example/"},
    )
    assert response["Location"] == community.get_absolute_url()
    watch = Watch.objects.get(user=patient)
    assert (watch.community_id, watch.topic_id, watch.level) == (community.pk, None, "muted")


def test_bad_level_changes_nothing(patient, topic, patient_client):
    response = patient_client.post(
        "/notifications/watch/", {"topic_id": topic.pk, "level": "loud"}, follow=True
    )
    assert "Choose watching, normal or muted." in response.content.decode()
    assert not Watch.objects.exists()


def test_cannot_watch_what_one_cannot_read(outsider, private_community, private_topic):
    client = client_for(outsider)
    assert (
        client.post(
            "/notifications/watch/", {"topic_id": private_topic.pk, "level": "watching"}
        ).status_code
        == 404
    )
    assert client.post(
        "/notifications/watch/", {"community_id": private_community.pk, "level": "watching"}
    ).status_code in (403, 404)
    assert client.post("/notifications/watch/", {"level": "watching"}).status_code == 404
    assert (
        client.post(
            "/notifications/watch/", {"topic_id": "99999999999999999999999", "level": "muted"}
        ).status_code
        == 404
    )
    assert not Watch.objects.exists()


def test_settings_page_lists_only_own_push_devices(patient, caregiver, patient_client):
    from carecircle.notifications.delivery import vapid
    from carecircle.notifications.tests.factories import make_push_subscription

    make_push_subscription(patient, label="Pat's phone")
    make_push_subscription(caregiver, label="Cam's laptop")
    html = patient_client.get("/notifications/settings/").content.decode()
    assert '<h2 id="push-devices-heading">Notifications on your devices</h2>' in html
    assert f'data-vapid-public-key="{vapid.public_key()}"' in html
    assert "Pat&#x27;s phone" in html
    assert "Cam&#x27;s laptop" not in html
