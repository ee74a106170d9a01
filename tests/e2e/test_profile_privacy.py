"""The profile edit and preview pages on a 360 px phone, with axe-core on every step."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.e2e.support import DEMO_PASSWORD, Audit, Site

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, ViewportSize

try:
    from playwright.sync_api import expect
except ImportError:  # require_browser() skips or fails these tests with the reason
    expect = None  # type: ignore[assignment]

pytestmark = pytest.mark.browser

PHONE: ViewportSize = {"width": 360, "height": 740}
DEMO_PATIENT = "patient@demo.carecircle.test"


def check(page: Page, audit: Audit, step: str) -> None:
    audit(page, step)
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"'{step}' scrolls sideways by {overflow}px at 360px wide"


def test_member_edits_their_profile_and_previews_it_on_a_phone(
    site: Site, browser: Browser, audit: Audit
) -> None:
    context = browser.new_context(
        base_url=site.url, viewport=PHONE, bypass_csp=True, is_mobile=True, has_touch=True
    )
    page = audit.watch(context.new_page())
    page.goto("/accounts/login/")
    page.get_by_label("Email", exact=True).fill(DEMO_PATIENT)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()

    page.goto("/account/")
    page.get_by_role("link", name="My profile and who sees it").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My profile")
    check(page, audit, "profile edit")

    page.get_by_label("About me", exact=True).fill("Gardener, tea drinker.")
    page.get_by_label("New condition 1").fill("Asthma")
    page.get_by_label("Who can see this (my conditions)").select_option("shared")
    page.get_by_label("My story", exact=True).fill("It started in **2019**.")
    page.get_by_role("button", name="Save my profile").click()
    expect(page.get_by_text("Your profile is saved.")).to_be_visible()
    expect(page.get_by_label("Asthma")).to_be_checked()

    page.get_by_label("Region (optional)").fill("Northern hills")
    page.get_by_role("button", name="Save my profile").click()
    expect(page.get_by_role("alert")).to_contain_text("We kept everything you typed.")
    expect(page.get_by_text("Please choose a country for this region.")).to_be_visible()
    expect(page.get_by_label("Region (optional)")).to_have_value("Northern hills")
    check(page, audit, "profile edit with an error")

    page.goto("/account/profile/preview/?as=everyone")
    check(page, audit, "preview as everyone")
    expect(page.get_by_text("Asthma")).to_have_count(0)
    page.get_by_role("link", name="A member of one of your communities").click()
    expect(page.get_by_text("Asthma", exact=True)).to_be_visible()
    expect(page.get_by_text("It started in")).to_have_count(0)
    check(page, audit, "preview as shared")
    page.get_by_role("link", name="Only me").click()
    expect(page.get_by_text("It started in")).to_be_visible()
    check(page, audit, "preview as only me")
    context.close()
