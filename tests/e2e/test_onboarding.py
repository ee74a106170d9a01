"""A new member's first run on a 360 px phone: every onboarding step, axe-checked, screenshotted.

Screenshots land in test-artifacts/e2e/ (one per step, named after the test).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest

from tests.e2e.support import Audit, Site

if TYPE_CHECKING:
    from playwright.sync_api import Browser, ViewportSize

try:
    from playwright.sync_api import expect
except ImportError:  # require_browser() skips or fails these tests with the reason
    expect = None  # type: ignore[assignment]

pytestmark = pytest.mark.browser

PHONE: ViewportSize = {"width": 360, "height": 740}
EMAIL = "ines@example.test"
PASSWORD = "lantern-meadow-biscuit-4"  # noqa: S105 - a throwaway test account
COMMUNITY = "Type 2 Diabetes"
ABOUT_ME = "Newly diagnosed and learning as I go."


def test_a_new_member_goes_through_onboarding_on_a_phone(
    site: Site, browser: Browser, audit: Audit
) -> None:
    context = browser.new_context(
        base_url=site.url, viewport=PHONE, bypass_csp=True, is_mobile=True, has_touch=True
    )
    page = audit.watch(context.new_page())
    heading = page.get_by_role("heading", level=1)

    page.goto("/accounts/signup/")
    page.get_by_label("What should we call you?").fill("Ines")
    page.get_by_label("Your email address").fill(EMAIL)
    page.get_by_label("Choose a password").fill(PASSWORD)
    page.get_by_label("Type the password again").fill(PASSWORD)
    page.get_by_label("I agree to the terms of use and the privacy policy").check()
    page.get_by_role("button", name="Create my account").click()
    expect(heading).to_have_text("Check your email")

    found = re.search(r"https?://\S+/accounts/confirm-email/\S+", site.wait_for_mail(EMAIL))
    assert found
    page.goto(found.group(0))
    page.get_by_role("button", name="Yes, confirm my email address").click()

    # Step 1: why are you here. Signing in for the first time lands here.
    expect(heading).to_have_text("Welcome! Why are you here?")
    assert page.url.endswith("/welcome/why/")
    expect(page.get_by_text("Step 1 of 5")).to_be_visible()
    audit(page, "step 1 roles")
    page.get_by_label("I live with a health condition").check()
    page.get_by_role("button", name="Save and continue").click()

    # Step 2: communities suggested from a lay name of a condition.
    expect(heading).to_have_text("Find your communities")
    page.get_by_label("Conditions (separate several with commas)").fill("diabetes")
    page.get_by_role("button", name="Find communities").click()
    suggested = page.get_by_role("list", name="Suggested for you")
    expect(suggested.get_by_label(COMMUNITY)).to_be_visible()
    audit(page, "step 2 communities suggested")
    suggested.get_by_label(COMMUNITY).check()
    page.get_by_role("button", name="Save and continue").click()
    # Joining without accepting the guidelines: refused, the choice kept, the error by the box.
    expect(page.locator("#id_accept_guidelines_error")).to_contain_text(
        "Please read and accept the community guidelines to join."
    )
    expect(
        page.get_by_role("list", name="Suggested for you").get_by_label(COMMUNITY)
    ).to_be_checked()
    audit(page, "step 2 guidelines not accepted")
    page.get_by_label(
        "I have read the guidelines of the communities I picked and agree to follow them"
    ).check()
    page.get_by_role("button", name="Save and continue").click()

    # Step 3: privacy, with plain explanations.
    expect(heading).to_have_text("Choose who sees what")
    expect(page.get_by_role("status")).to_contain_text(f"You joined: {COMMUNITY}.")
    page.get_by_text("What the choices mean").click()
    audit(page, "step 3 privacy")
    page.get_by_label("Date I joined").select_option("private")
    page.get_by_role("button", name="Save and continue").click()

    # Step 4: notifications; the digest starts off.
    expect(heading).to_have_text("How should we keep you posted?")
    expect(page.get_by_label("No digest")).to_be_checked()
    audit(page, "step 4 notifications")
    page.get_by_label("Weekly").check()
    page.get_by_role("button", name="Save and continue").click()

    # Step 5: introduce yourself.
    expect(heading).to_have_text("Introduce yourself")
    page.get_by_label("About me").fill(ABOUT_ME)
    audit(page, "step 5 introduction")
    page.get_by_role("button", name="Save and continue").click()
    expect(heading).to_have_text("You are all set")
    audit(page, "done")

    # The community's welcome, linked from the welcome notification.
    page.goto("/c/type-2-diabetes/welcome/")
    expect(heading).to_have_text(f"Welcome to {COMMUNITY}")
    audit(page, "community welcome")

    page.goto("/welcome/done/")
    page.get_by_role("link", name="Look at your profile").click()
    expect(page.get_by_role("main")).to_contain_text(ABOUT_ME)
    audit(page, "own profile after onboarding")

    # Finished: signing in again goes home, not back to the steps.
    page.get_by_role("button", name="Sign out").click()
    page.goto("/accounts/login/")
    page.get_by_label("Email", exact=True).fill(EMAIL)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    assert "/welcome/" not in page.url
    context.close()
