"""Search in a browser: the header box on a 360 px phone, by keyboard only, and the filters on a
desktop with a mistake kept next to its field.

The demo loader builds the search index, so the demo topics are found at once. axe-core
(WCAG 2.2 AA) runs on each step; screenshots land in test-artifacts/e2e/.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest

from tests.e2e.support import Audit, Site
from tests.e2e.test_data_rights import check, phone_context, sign_in

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

try:
    from playwright.sync_api import expect
except ImportError:  # require_browser() skips or fails these tests with the reason
    expect = None  # type: ignore[assignment]

pytestmark = pytest.mark.browser

MEMBER = "walker@demo.carecircle.test"  # SlowWalker
TOPIC = "Tired all the time after starting metformin?"
PRIVATE_TOPIC = "Getting through chemo week three"  # in the members-only Breast Cancer


def header_box(page: Page):  # noqa: ANN201 - a Playwright Locator
    return page.get_by_role("search", name="Site search").get_by_role("searchbox")


def focused(page: Page) -> str:
    return str(page.evaluate("() => document.activeElement.textContent.trim()"))


def test_visitor_searches_from_the_header_by_keyboard_on_a_phone(
    browser: Browser, site: Site, audit: Audit
) -> None:
    page = audit.watch(phone_context(browser, site).new_page())
    page.goto("/")
    expect(header_box(page)).to_be_visible()
    check(page, audit, "home with the search box")

    header_box(page).focus()
    page.keyboard.type("metformin tired")
    page.keyboard.press("Enter")
    # The first search in a fresh server process loads the synonyms (and the optional model).
    expect(page.get_by_role("heading", level=1)).to_have_text("Search", timeout=60_000)
    assert re.search(r"/search/\?q=metformin\+tired$", page.url), page.url
    results = page.get_by_role("list").filter(has=page.locator(".search-result"))
    expect(results.get_by_role("link", name=TOPIC, exact=True)).to_be_visible()
    # A reply in the same topic is its own result, named by who wrote it.
    expect(
        results.get_by_role("link", name=re.compile(rf"^Reply by .+ in {re.escape(TOPIC)}$")).first
    ).to_be_visible()
    expect(page.locator(".search-total")).to_have_text(
        re.compile(r"^(About \d+ results|\d+ results?)$")
    )
    # The page has its own search box: the header's is gone here.
    expect(page.get_by_role("search")).to_have_count(1)
    expect(page.get_by_role("search", name="Search page")).to_be_visible()
    # A visitor never finds a members-only community's topics.
    expect(page.get_by_role("link", name=PRIVATE_TOPIC)).to_have_count(0)
    expect(page.get_by_role("searchbox", name="Search for")).to_have_value("metformin tired")
    check(page, audit, "results on a phone")

    # Keyboard only: from the page's box, Tab reaches the first result and Enter opens it.
    page.get_by_role("searchbox", name="Search for").focus()
    for _ in range(30):
        page.keyboard.press("Tab")
        if focused(page) == TOPIC:
            break
    assert focused(page) == TOPIC
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(TOPIC)


def test_member_filters_and_fixes_a_mistake_on_a_desktop(
    browser: Browser, site: Site, audit: Audit
) -> None:
    context = browser.new_context(
        base_url=site.url, viewport={"width": 1280, "height": 900}, bypass_csp=True
    )
    page = audit.watch(context.new_page())
    sign_in(page, MEMBER)
    page.goto("/search/")
    expect(page.get_by_text("Type a word or two to search")).to_be_visible()
    audit(page, "empty search page")

    page.get_by_role("searchbox", name="Search for").fill("metformin")
    page.get_by_text("Filters", exact=True).click()
    page.get_by_label("Community", exact=True).select_option(label="Type 2 Diabetes")
    page.get_by_label("From", exact=True).fill("2030-02-01")
    page.get_by_label("To", exact=True).fill("2030-01-01")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_role("alert")).to_contain_text("Please check the form.")
    expect(page.locator("#id_before_error")).to_have_text(
        "Error: This date is before the “From” date. Swap them or change one."
    )
    expect(page.get_by_label("From", exact=True)).to_have_value("2030-02-01")
    expect(page.get_by_label("Community", exact=True)).to_have_value("type-2-diabetes")
    expect(page.get_by_role("alert")).to_contain_text("We kept everything you typed.")
    audit(page, "a date mistake kept next to its field")

    page.get_by_label("From", exact=True).fill("")
    page.get_by_label("To", exact=True).fill("")
    page.get_by_label("Sort by", exact=True).select_option(label="Newest")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_role("link", name=TOPIC, exact=True)).to_be_visible()
    # Filters set and no error: folded away, saying how many are on.
    expect(page.locator("details.search-filters")).not_to_have_attribute("open", "")
    expect(page.get_by_text("Filters (2 on)", exact=True)).to_be_visible()
    expect(
        page.get_by_role("navigation", name="Kinds of results").get_by_role(
            "link", name=re.compile(r"^Discussions \d+ results$")
        )
    ).to_be_visible()
    audit(page, "filtered results")

    tabs = page.get_by_role("navigation", name="Kinds of results")
    tabs.get_by_role("link", name=re.compile(r"^Communities")).click()
    expect(tabs.get_by_role("link", name=re.compile(r"^Communities"))).to_have_attribute(
        "aria-current", "page"
    )
    expect(page.get_by_role("searchbox", name="Search for")).to_have_value("metformin")
    audit(page, "communities tab")
    context.close()


def test_member_filters_on_a_phone_and_results_come_first(
    browser: Browser, site: Site, audit: Audit
) -> None:
    page = audit.watch(phone_context(browser, site).new_page())
    sign_in(page, MEMBER)
    page.goto("/search/?q=tired&community=type-2-diabetes&sort=newest")
    expect(page.get_by_role("link", name=TOPIC, exact=True)).to_be_visible(timeout=60_000)
    expect(page.get_by_text("Filters (2 on)", exact=True)).to_be_visible()
    # The folded filters leave the first result on the first screen of a 740 px phone.
    first = page.locator(".search-result").first.bounding_box()
    assert first is not None and first["y"] < 740, first
    check(page, audit, "filtered results on a phone")
