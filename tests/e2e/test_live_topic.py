"""A topic page that updates live, on two 360 px phones and a visitor's, by keyboard.

One member replies; the other member (and a visitor) are offered "1 new reply — show it" in a
polite status region without a reload and without their page moving. Enter shows the reply and
puts focus on it. A reaction changes the count on the others' pages in place. axe-core
(WCAG 2.2 AA) runs with the offer showing; screenshots land in test-artifacts/e2e/.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.e2e.support import Audit, Site
from tests.e2e.test_caregivers_anonymity import tab_to
from tests.e2e.test_data_rights import check, phone_context, sign_in

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

try:
    from playwright.sync_api import expect
except ImportError:  # require_browser() skips or fails these tests with the reason
    expect = None  # type: ignore[assignment]

pytestmark = pytest.mark.browser

WRITER = "patient@demo.carecircle.test"  # SunnyDays
READER = "walker@demo.carecircle.test"  # SlowWalker
COMMUNITY_SLUG = "caregivers"
TOPIC_TITLE = "Evenings are the hardest part"
TOPIC_BODY = "Once everyone is asleep I finally have time, and no energy. What do you do?"
REPLY_BODY = "I keep one small thing just for me: ten minutes of music with a cup of tea."
EDITED_BODY = "I keep one small thing just for me: music, tea, and the window open."
LIVE_BUTTON = "[data-live-status] button"


def position(page: Page) -> dict:
    """Where the reader is: the scroll offset and where the first post sits on screen."""
    return page.evaluate(
        "() => ({scroll: window.scrollY,"
        " first: Math.round(document.querySelector('article.post').getBoundingClientRect().top),"
        " loads: performance.getEntriesByType('navigation').length, marker: window.__stayed})"
    )


def stay_marker(page: Page) -> None:
    # A reload would lose this: the offer must arrive on the same page.
    page.evaluate("() => { window.__stayed = 'yes'; }")


def test_a_reply_is_offered_live_and_shown_on_request(
    site: Site, browser: Browser, audit: Audit
) -> None:
    writer = audit.watch(phone_context(browser, site).new_page())
    sign_in(writer, WRITER)
    writer.goto(f"/c/{COMMUNITY_SLUG}/new-topic/")
    writer.get_by_label("Title", exact=True).fill(TOPIC_TITLE)
    writer.get_by_label("Your message", exact=True).fill(TOPIC_BODY)
    writer.get_by_role("button", name="Post the topic").click()
    expect(writer.get_by_role("heading", level=1)).to_have_text(TOPIC_TITLE)
    topic_url = writer.url

    reader = audit.watch(phone_context(browser, site).new_page())
    sign_in(reader, READER)
    reader.goto(topic_url)
    expect(reader.get_by_role("heading", level=1)).to_have_text(TOPIC_TITLE)
    visitor = audit.watch(phone_context(browser, site).new_page())
    visitor.goto(topic_url)
    expect(visitor.get_by_role("heading", level=1)).to_have_text(TOPIC_TITLE)
    for page in (reader, visitor):
        # The topic's live status (the reply form's file picker has a status line of its own).
        status = page.locator("[data-live-status]")
        expect(status).to_have_role("status")
        expect(status).to_have_attribute("aria-live", "polite")
        expect(status.get_by_role("button")).to_have_count(0)
        stay_marker(page)
    before = position(reader)
    visitor_before = position(visitor)

    writer.get_by_label("Message", exact=True).fill(REPLY_BODY)
    writer.get_by_role("button", name="Post reply").click()
    expect(writer.get_by_role("article").filter(has_text=REPLY_BODY)).to_have_count(1)

    # The others are told, politely, without a reload and without their page moving.
    offer = reader.get_by_role("status").get_by_role("button", name="1 new reply — show it")
    expect(offer).to_be_visible()
    expect(visitor.get_by_role("status")).to_contain_text("1 new reply — show it")
    assert position(reader) == before
    assert position(visitor) == visitor_before
    assert before["marker"] == "yes"
    expect(reader.get_by_role("article")).to_have_count(1)
    check(reader, audit, "reader offered the new reply")

    # Keyboard only: Tab to the offer, Enter; the reply is appended and has focus.
    reader.evaluate("() => window.scrollTo(0, 0)")
    reader.locator("body").focus()
    tab_to(reader, LIVE_BUTTON)
    reader.keyboard.press("Enter")
    new_post = reader.get_by_role("article").filter(has_text=REPLY_BODY)
    expect(new_post).to_have_count(1)
    expect(new_post).to_be_focused()
    expect(new_post).to_contain_text("SunnyDays")
    expect(reader.get_by_role("article")).to_have_count(2)
    expect(reader.get_by_role("status").get_by_role("button")).to_have_count(0)
    assert reader.evaluate("() => window.__stayed") == "yes"
    check(reader, audit, "reader after showing the reply")

    # A reaction by the writer changes the count on the others' pages, in place.
    writer.get_by_role("article").first.get_by_role("button", name="Hug").click()
    expect(writer.get_by_role("article").first.get_by_role("button", name="Hug")).to_have_attribute(
        "aria-pressed", "true"
    )
    hug = reader.get_by_role("article").first.get_by_role("button", name="Hug")
    expect(hug).to_contain_text("· 1")
    expect(hug).to_have_attribute("aria-pressed", "false")
    visitor_bar = visitor.get_by_role("article").first.locator(".post-actions").first
    expect(visitor_bar).to_have_text("Hug · 1")
    live_markup = {
        "reader": hug.evaluate("(element) => element.outerHTML"),
        "visitor": visitor_bar.evaluate("(element) => element.outerHTML"),
    }
    # Counts change silently: nothing new in the status region.
    expect(reader.get_by_role("status").get_by_role("button")).to_have_count(0)
    assert reader.evaluate("() => document.activeElement.dataset.postId") is not None

    # The visitor takes the offer too: the reply comes without any member's controls.
    visitor_offer = visitor.get_by_role("status").get_by_role("button")
    expect(visitor_offer).to_have_text("1 new reply — show it")
    visitor_offer.click()
    visitor_post = visitor.get_by_role("article").filter(has_text=REPLY_BODY)
    expect(visitor_post).to_be_focused()
    expect(visitor_post.get_by_role("button")).to_have_count(0)
    expect(visitor_post.get_by_role("link", name="Message SunnyDays")).to_have_count(0)
    check(visitor, audit, "visitor after showing the reply")

    # An edit is offered the same way; taking the offer redraws the post where it is.
    writer.get_by_role("article").filter(has_text=REPLY_BODY).get_by_role(
        "link", name="Edit"
    ).click()
    writer.get_by_label("Message", exact=True).fill(EDITED_BODY)
    writer.get_by_role("button", name="Save changes").click()
    expect(writer.get_by_role("article").filter(has_text=EDITED_BODY)).to_have_count(1)
    changed = reader.get_by_role("status").get_by_role(
        "button", name="1 post was changed — show it"
    )
    expect(changed).to_be_visible()
    expect(reader.get_by_role("article").filter(has_text=REPLY_BODY)).to_have_count(1)
    changed.press("Enter")
    edited = reader.get_by_role("article").filter(has_text=EDITED_BODY)
    expect(edited).to_be_focused()
    expect(edited).to_contain_text("edited once")
    expect(reader.get_by_role("article")).to_have_count(2)
    expect(reader.get_by_role("status").get_by_role("button")).to_have_count(0)

    # What changed live is exactly what a reload draws. (The visitor's page is kept in the
    # visitor cache for a few seconds, and this journey can be quicker than that: a new query
    # string asks for a fresh render, as a visitor arriving after the cache expired gets.)
    reader.reload()
    visitor.goto(visitor.url.split("#")[0].split("?")[0] + "?after=live")
    assert live_markup == {
        "reader": reader.get_by_role("article")
        .first.get_by_role("button", name="Hug")
        .evaluate("(element) => element.outerHTML"),
        "visitor": visitor.get_by_role("article")
        .first.locator(".post-actions")
        .first.evaluate("(element) => element.outerHTML"),
    }
