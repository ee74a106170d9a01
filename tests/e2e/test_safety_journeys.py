"""Safety journeys in the browser: the "please check" notice and private crisis support.

A member writes a reply with a phone number: the page says what it found, keeps the text,
and "Post anyway" posts it. A member writes words of crisis: the post is published and only
they see a support box with the helplines. Desktop and a 360 px phone; axe-core on each step;
screenshots in test-artifacts/e2e/.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.e2e.support import Audit, Site
from tests.e2e.test_data_rights import check, phone_context, sign_in

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

try:
    from playwright.sync_api import expect
except ImportError:  # require_browser() skips or fails these tests with the reason
    expect = None  # type: ignore[assignment]

pytestmark = pytest.mark.browser

WRITER = "patient@demo.carecircle.test"
COMMUNITY_SLUG = "caregivers"
PHONE_REPLY = "If anyone wants to talk, ring me on 020 7946 0958 after six."
CRISIS_REPLY = "I want to end my life. I cannot go on like this any more."


def desktop_context(browser: Browser, site: Site) -> BrowserContext:
    return browser.new_context(
        base_url=site.url, viewport={"width": 1280, "height": 900}, bypass_csp=True
    )


def start_topic(page: Page, title: str) -> str:
    page.goto(f"/c/{COMMUNITY_SLUG}/new-topic/")
    page.get_by_label("Title", exact=True).fill(title)
    page.get_by_label("Your message", exact=True).fill("How do you all keep going on hard days?")
    page.get_by_role("button", name="Post the topic").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    return page.url


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_a_phone_number_is_checked_then_posted_anyway(
    site: Site, browser: Browser, audit: Audit, device: str
) -> None:
    context = phone_context(browser, site) if device == "phone" else desktop_context(browser, site)
    page = audit.watch(context.new_page())
    sign_in(page, WRITER)
    start_topic(page, f"Talking on hard days ({device})")

    page.get_by_label("Message", exact=True).fill(PHONE_REPLY)
    page.get_by_role("button", name="Post reply").click()
    notice = page.locator("#safety-check")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("You may be sharing personal details: a phone number")
    expect(page.get_by_label("Message", exact=True)).to_have_value(PHONE_REPLY)
    expect(page.locator("article.post")).to_have_count(1)
    if device == "phone":
        check(page, audit, f"{device} personal details warning")
    else:
        audit(page, f"{device} personal details warning")

    page.get_by_role("button", name="Post anyway").click()
    reply = page.locator("article.post").filter(has_text="ring me on 020 7946 0958")
    expect(reply).to_have_count(1)
    expect(page.locator("#safety-check")).to_have_count(0)
    audit(page, f"{device} posted anyway")
    context.close()


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_a_crisis_post_is_published_with_private_support(
    site: Site, browser: Browser, audit: Audit, device: str
) -> None:
    context = phone_context(browser, site) if device == "phone" else desktop_context(browser, site)
    page = audit.watch(context.new_page())
    sign_in(page, WRITER)
    topic_url = start_topic(page, f"A very hard week ({device})")

    page.get_by_label("Message", exact=True).fill(CRISIS_REPLY)
    page.get_by_role("button", name="Post reply").click()
    support = page.locator("#support")
    expect(support).to_be_visible()
    expect(support.get_by_role("heading", name="Support is available")).to_be_visible()
    expect(support.get_by_role("status")).to_contain_text("You don't have to go through it alone")
    expect(support.locator("a[href^='tel:']").first).to_be_visible()
    expect(page.locator("article.post").filter(has_text="I cannot go on like this")).to_have_count(
        1
    )
    if device == "phone":
        check(page, audit, f"{device} crisis support")
    else:
        audit(page, f"{device} crisis support")

    # Shown once: the box is not part of the topic page for anyone afterwards.
    page.goto(topic_url)
    expect(page.locator("#support")).to_have_count(0)
    context.close()
