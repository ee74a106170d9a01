"""Notifications on a 360 px phone: a reply lights the bell live, the list, mark all read, the
settings page (with an error kept next to its field) and the watch control on a topic.

Demo members who have been around (no first-post moderation): CaringSon starts a topic,
SlowWalker replies. axe-core (WCAG 2.2 AA) runs on each step, no page scrolls sideways,
screenshots land in test-artifacts/e2e/.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest

from tests.e2e.support import Audit, Site
from tests.e2e.test_data_rights import check, phone_context, sign_in

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Locator, Page

try:
    from playwright.sync_api import expect
except ImportError:  # require_browser() skips or fails these tests with the reason
    expect = None  # type: ignore[assignment]

pytestmark = pytest.mark.browser

AUTHOR = "caregiver@demo.carecircle.test"  # CaringSon
REPLIER = "walker@demo.carecircle.test"  # SlowWalker
COMMUNITY = "Long COVID"
TITLE = "Pacing on the good days"
REPLY = "Try doing half of what you feel able to, and rest before you need to."


def bell(page: Page) -> Locator:
    return page.get_by_role("navigation", name="Main").get_by_role(
        "link", name=re.compile(r"^Notifications")
    )


def badge(page: Page) -> Locator:
    return page.get_by_role("navigation", name="Main").locator("[data-notification-badge]")


def start_clean(page: Page) -> None:
    """Earlier journeys may have left the author notifications: start from none unread."""
    page.goto("/notifications/")
    mark_all = page.get_by_role("button", name="Mark all as read")
    if mark_all.count():
        mark_all.click()
    expect(badge(page)).to_be_hidden()


def test_reply_bell_list_mark_all_and_settings(browser: Browser, site: Site, audit: Audit) -> None:
    author = audit.watch(phone_context(browser, site).new_page())
    sign_in(author, AUTHOR)
    start_clean(author)
    check(author, audit, "no unread notifications")

    author.goto("/communities/")
    author.get_by_role("link", name=COMMUNITY, exact=True).click()
    expect(author.get_by_label("Notifications for this community")).to_have_value("normal")
    check(author, audit, "community page with its watch control")
    author.get_by_role("link", name="Start a topic").click()
    author.get_by_label("Title", exact=True).fill(TITLE)
    author.get_by_label("Your message", exact=True).fill("How do you all pace yourselves?")
    author.get_by_role("button", name="Post the topic").click()
    expect(author.get_by_role("heading", level=1)).to_have_text(TITLE)
    # Starting a topic follows it.
    expect(author.get_by_label("Notifications for this topic")).to_have_value("watching")
    check(author, audit, "own topic, watched")
    topic_url = author.url
    author.goto("/notifications/settings/")
    expect(author.get_by_role("heading", level=1)).to_have_text("Notification settings")

    replier_context = phone_context(browser, site)
    replier = audit.watch(replier_context.new_page())
    sign_in(replier, REPLIER)
    replier.goto(topic_url)
    replier.get_by_label("Message", exact=True).fill(REPLY)
    replier.get_by_role("button", name="Post reply").click()
    expect(replier.locator("article.post").nth(1)).to_contain_text(REPLY)
    replier_context.close()

    # The bell counts the reply on the page the author already has open (over the socket).
    expect(badge(author)).to_be_visible(timeout=15000)
    expect(bell(author)).to_have_text("Notifications 1 unread")
    check(author, audit, "bell shows one unread")

    bell(author).click()
    expect(author.get_by_role("heading", level=1)).to_have_text("Notifications")
    first = author.locator(".notification-item").first
    expect(first).to_contain_text(f"New SlowWalker replied to “{TITLE}”")
    check(author, audit, "the list with a new reply")

    author.get_by_role("button", name="Mark all as read").click()
    expect(author.locator(".messages")).to_contain_text(
        "All your notifications are marked as read."
    )
    expect(author.locator(".notification-unread")).to_have_count(0)
    expect(badge(author)).to_be_hidden()
    expect(first).to_contain_text(f"SlowWalker replied to “{TITLE}”")
    check(author, audit, "all read")

    # Settings: an error keeps what was typed, next to the field.
    author.get_by_role("link", name="Notification settings").click()
    check(author, audit, "notification settings")
    reply_email = author.get_by_label("Email for Replies to my topics and posts")
    expect(reply_email).to_be_checked()
    reply_email.uncheck()
    author.get_by_label("From", exact=True).fill("22:00")
    author.get_by_label("Daily", exact=True).check()
    author.get_by_role("button", name="Save", exact=True).click()
    expect(author.locator("#error_quiet_hours_end")).to_have_text(
        "Choose when quiet hours end, or clear both times."
    )
    expect(author.get_by_label("From", exact=True)).to_have_value("22:00")
    expect(author.get_by_label("Email for Replies to my topics and posts")).not_to_be_checked()
    expect(author.get_by_label("Daily", exact=True)).to_be_checked()
    check(author, audit, "settings with an error kept next to the field")

    author.get_by_label("Until", exact=True).fill("07:00")
    author.get_by_role("button", name="Save", exact=True).click()
    expect(author.locator(".messages")).to_contain_text("Your notification settings are saved.")
    expect(author.get_by_label("Email for Replies to my topics and posts")).not_to_be_checked()
    expect(author.get_by_label("From", exact=True)).to_have_value("22:00")
    expect(author.get_by_label("Until", exact=True)).to_have_value("07:00")
    expect(author.get_by_label("Daily", exact=True)).to_be_checked()
    expect(
        author.get_by_label("In the app for Moderators' decisions about my posts or account")
    ).to_be_disabled()
    check(author, audit, "settings saved")

    # Muting the topic from its page.
    author.goto(topic_url)
    author.get_by_label("Notifications for this topic").select_option("muted")
    author.get_by_role("button", name="Save notifications for this topic").click()
    expect(author.locator(".messages")).to_contain_text(
        "Notifications for this topic: Muted: never notify me"
    )
    expect(author.get_by_label("Notifications for this topic")).to_have_value("muted")
    check(author, audit, "topic muted")
