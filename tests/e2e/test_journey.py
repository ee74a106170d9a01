"""A new member's first visit, in a real browser, with axe-core run on every page it reaches.

Screenshots of every step land in test-artifacts/e2e/ (one file per step, named after the test).
"""

from __future__ import annotations

import re
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

DESKTOP: ViewportSize = {"width": 1280, "height": 900}
PHONE: ViewportSize = {"width": 360, "height": 740}
COMMUNITY = "Type 2 Diabetes"
DEMO_TOPIC = "Tired all the time after starting metformin?"
OTHER_MEMBER = "walker@demo.carecircle.test"  # SlowWalker, a member of every demo community
DEMO_PATIENT = "patient@demo.carecircle.test"  # SunnyDays
NEW_MEMBER = "rosa@example.test"
NEW_PASSWORD = "quiet-garden-teapot-7"  # noqa: S105 - a throwaway test account
TOPIC_TITLE = "Feeling dizzy in the mornings"
TOPIC_BODY = "Since my dose changed I feel dizzy when I get up. Did this happen to anyone else?"
REPLY_BODY = "It happened to me too. Getting up slowly and drinking water first helped."


def new_context(browser: Browser, site: Site, viewport: ViewportSize) -> BrowserContext:
    # bypass_csp lets axe-core be injected into pages served with a strict CSP.
    return browser.new_context(
        base_url=site.url,
        viewport=viewport,
        bypass_csp=True,
        is_mobile=viewport["width"] < 600,
        has_touch=viewport["width"] < 600,
    )


def sign_in(page: Page, email: str, password: str) -> None:
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("main").get_by_role("button", name="Sign in", exact=True).click()


def test_new_member_signs_up_joins_posts_and_reacts_to_a_reply(
    site: Site, browser: Browser, audit: Audit
) -> None:
    context = new_context(browser, site, DESKTOP)
    page = audit.watch(context.new_page())
    heading = page.get_by_role("heading", level=1)

    page.goto("/")
    audit(page, "home as a visitor")
    page.get_by_role("link", name="Join for free").click()
    expect(heading).to_have_text("Join CareCircle")
    audit(page, "sign-up form")

    # A password that is too short: the error sits by the field, everything else is kept.
    page.get_by_label("What should we call you?").fill("Rosa")
    page.get_by_label("Your email address").fill(NEW_MEMBER)
    page.get_by_label("Choose a password").fill("short")
    page.get_by_label("Type the password again").fill("short")
    page.get_by_label("I care for someone").check()
    page.get_by_role("button", name="Create my account").click()
    password = page.get_by_label("Choose a password")
    expect(password).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#id_password1_error")).to_contain_text("too short")
    assert "id_password1_error" in (password.get_attribute("aria-describedby") or "").split()
    expect(page.get_by_role("alert")).to_contain_text("Please check the form.")
    expect(page.get_by_label("What should we call you?")).to_have_value("Rosa")
    expect(page.get_by_label("Your email address")).to_have_value(NEW_MEMBER)
    expect(page.get_by_label("I care for someone")).to_be_checked()
    audit(page, "sign-up form with an error")

    page.get_by_label("Choose a password").fill(NEW_PASSWORD)
    page.get_by_label("Type the password again").fill(NEW_PASSWORD)
    page.get_by_label("I agree to the terms of use and the privacy policy").check()
    page.get_by_role("button", name="Create my account").click()
    expect(heading).to_have_text("Check your email")
    audit(page, "verification email sent")

    # The embedded site writes each email as a text file; follow the link in it.
    mail = site.wait_for_mail(NEW_MEMBER)
    assert "Subject: [CareCircle] Please confirm your email address" in mail
    assert 'press the button "Yes, confirm my email address"' in mail
    found = re.search(r"https?://\S+/accounts/confirm-email/\S+", mail)
    assert found, mail
    assert found.group(0).startswith(site.url + "/")
    page.goto(found.group(0))
    expect(heading).to_have_text("Confirm your email address")
    expect(page.get_by_role("main")).to_contain_text(NEW_MEMBER)
    audit(page, "confirm email address")
    page.get_by_role("button", name="Yes, confirm my email address").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Rosa")
    audit(page, "signed in after confirming")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Communities").click()
    audit(page, "community list")
    page.get_by_role("link", name=COMMUNITY, exact=True).click()
    expect(heading).to_have_text(COMMUNITY)
    audit(page, "community page before joining")
    page.get_by_role("link", name="Join this community").click()
    audit(page, "community guidelines to accept")
    page.get_by_label("I have read the guidelines and agree to follow them").check()
    page.get_by_role("button", name="Join the community").click()
    expect(heading).to_have_text(COMMUNITY)
    audit(page, "community page as a member")

    page.get_by_role("link", name="Start a topic").click()
    audit(page, "new topic form")
    page.get_by_label("Title", exact=True).fill(TOPIC_TITLE)
    page.get_by_label("Your message", exact=True).fill(TOPIC_BODY)
    page.get_by_role("button", name="Post the topic").click()
    expect(heading).to_have_text(TOPIC_TITLE)
    audit(page, "topic posted")
    topic_url = page.url

    # Another member finds the topic, signs in from it and replies.
    other_context = new_context(browser, site, DESKTOP)
    other = audit.watch(other_context.new_page())
    other.goto(topic_url)
    audit(other, "topic seen by a visitor")
    other.get_by_role("main").get_by_role("link", name="Sign in").click()
    audit(other, "sign-in form")
    sign_in(other, OTHER_MEMBER, DEMO_PASSWORD)
    expect(other.get_by_role("heading", level=1)).to_have_text(TOPIC_TITLE)
    audit(other, "topic seen by another member")
    other.get_by_label("Message", exact=True).fill(REPLY_BODY)
    other.get_by_role("button", name="Post reply").click()
    expect(other.locator("article.post").nth(1)).to_contain_text(REPLY_BODY)
    audit(other, "reply posted")
    other_context.close()

    # The new member sees the reply and sends a hug; the button says so, also after a reload.
    page.reload()
    reply = page.locator("article.post").nth(1)
    expect(reply).to_contain_text(REPLY_BODY)
    audit(page, "topic with the reply")
    hug = reply.get_by_role("button", name=re.compile(r"^Hug"))
    expect(hug).to_have_attribute("aria-pressed", "false")
    hug.click()
    expect(hug).to_have_attribute("aria-pressed", "true")
    expect(hug).to_contain_text("1 person")
    audit(page, "reply with a hug")
    page.reload()
    expect(reply.get_by_role("button", name=re.compile(r"^Hug"))).to_have_attribute(
        "aria-pressed", "true"
    )
    audit(page, "hug kept after reloading")
    context.close()


def test_main_pages_fit_a_360px_phone_without_sideways_scrolling(
    site: Site, browser: Browser, audit: Audit
) -> None:
    context = new_context(browser, site, PHONE)
    page = audit.watch(context.new_page())

    def check(step: str) -> None:
        audit(page, step)
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"'{step}' scrolls sideways by {overflow}px at 360px wide"

    page.goto("/")
    check("home")
    page.goto("/communities/")
    check("community list")
    page.get_by_role("link", name=COMMUNITY, exact=True).click()
    check("community page")
    community_url = page.url
    page.get_by_role("link", name=DEMO_TOPIC).click()
    check("topic page")
    page.goto("/accounts/signup/")
    check("sign-up")
    page.goto("/accounts/login/")
    check("sign-in")
    sign_in(page, DEMO_PATIENT, DEMO_PASSWORD)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    page.goto(community_url)
    page.get_by_role("link", name="Start a topic").click()
    check("new topic form")
    page.goto("/account/")
    check("account settings")
    context.close()
