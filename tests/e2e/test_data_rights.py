"""A member's data rights pages on a 360 px phone: consents, export, activity, deletion, terms.

axe-core (WCAG 2.2 AA) runs on every page; each page is checked for sideways scrolling and
screenshotted into test-artifacts/e2e/.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.e2e.support import DEMO_PASSWORD, Audit, Site

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize

try:
    from playwright.sync_api import expect
except ImportError:  # require_browser() skips or fails these tests with the reason
    expect = None  # type: ignore[assignment]

pytestmark = pytest.mark.browser

PHONE: ViewportSize = {"width": 360, "height": 740}
MEMBER = "walker@demo.carecircle.test"  # SlowWalker
SITE_ADMIN = "admin@demo.carecircle.test"  # is_site_admin=True in the demo data


def phone_context(browser: Browser, site: Site) -> BrowserContext:
    # bypass_csp lets axe-core be injected into pages served with a strict CSP.
    return browser.new_context(
        base_url=site.url, viewport=PHONE, bypass_csp=True, is_mobile=True, has_touch=True
    )


def sign_in(page: Page, email: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    # exact: "Sign in with a passkey" is a button on the same page.
    page.get_by_role("main").get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def check(page: Page, audit: Audit, step: str) -> None:
    """axe with no violations, a screenshot, and nothing wider than the 360 px phone."""
    audit(page, step)
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"'{step}' is {width}px wide on a 360px phone ({page.url})"
    small = page.evaluate(SMALL_TARGETS)
    assert small == [], f"'{step}' has targets smaller than 24x24px: {small}"


# Buttons, form controls and links that stand alone (not inside a sentence) must be 24x24 px.
SMALL_TARGETS = """() => {
  const controls = "main button, main input:not([type=hidden]), main select, main textarea, "
    + "main a.button";
  const found = [];
  for (const el of document.querySelectorAll(controls)) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;
    if (box.width < 24 || box.height < 24) {
      const size = `${Math.round(box.width)}x${Math.round(box.height)}`;
      found.push(`${el.tagName.toLowerCase()}#${el.id} ${el.textContent.trim()} ${size}`);
    }
  }
  return found;
}"""


def test_member_visits_their_data_rights_pages_on_a_phone(
    site: Site, browser: Browser, audit: Audit
) -> None:
    page = audit.watch(phone_context(browser, site).new_page())
    heading = page.get_by_role("heading", level=1)
    sign_in(page, MEMBER)

    page.goto("/account/privacy/consents/")
    expect(heading).to_have_text("My consents")
    expect(page.get_by_role("heading", name="Optional permissions")).to_be_visible()
    check(page, audit, "my consents")

    page.goto("/account/privacy/export/")
    expect(heading).to_have_text("Get a copy of my data")
    expect(page.get_by_role("main")).to_contain_text("You have not asked for a copy yet.")
    check(page, audit, "export before asking")
    page.get_by_role("button", name="Prepare my data").click()
    # Tasks run immediately in the test server: the copy is ready when the page comes back.
    page.goto("/account/privacy/export/")
    download = page.get_by_role("link", name="Download (")
    expect(download).to_have_count(1)
    expect(page.get_by_role("table", name="Your copies")).to_contain_text("Ready")
    check(page, audit, "export ready to download")
    with page.expect_download() as downloading:
        download.click()
    assert downloading.value.suggested_filename.endswith(".zip")

    page.goto("/account/privacy/activity/")
    expect(heading).to_have_text("Activity on my data")
    check(page, audit, "activity on my data")

    page.goto("/account/privacy/delete/")
    expect(heading).to_have_text("Delete my account")
    expect(page.get_by_role("button", name="Delete my account")).to_be_visible()
    check(page, audit, "delete my account form")

    page.goto("/account/privacy/terms/")
    expect(heading).not_to_be_empty()
    check(page, audit, "terms as a member")

    visitor = audit.watch(phone_context(browser, site).new_page())
    visitor.goto("/account/privacy/terms/")
    expect(visitor.get_by_role("heading", level=1)).not_to_be_empty()
    expect(visitor.get_by_role("link", name="Sign in").first).to_be_visible()
    check(visitor, audit, "terms as a visitor")


def test_site_admin_reads_the_audit_log_on_a_phone(
    site: Site, browser: Browser, audit: Audit
) -> None:
    page = audit.watch(phone_context(browser, site).new_page())
    sign_in(page, SITE_ADMIN)
    page.goto("/account/privacy/audit-log/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit log")
    expect(page.get_by_role("form", name="Filter the audit log")).to_be_visible()
    check(page, audit, "audit log")
