"""Where you're signed in, in a real browser: two devices, one signs the other out; passkey pages.

axe-core runs on every page reached; screenshots land in test-artifacts/e2e/.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.e2e.support import DEMO_PASSWORD, Audit, Site
from tests.e2e.test_journey import DESKTOP, PHONE, new_context

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

try:
    from playwright.sync_api import expect
except ImportError:  # require_browser() skips or fails these tests with the reason
    expect = None  # type: ignore[assignment]

pytestmark = pytest.mark.browser

MEMBER = "caregiver@demo.carecircle.test"


def sign_in(page: Page, email: str, password: str) -> None:
    # exact: "Sign in with a passkey" is a button on the same page.
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("main").get_by_role("button", name="Sign in", exact=True).click()


def test_a_member_signs_out_their_phone_from_the_computer(
    site: Site, browser: Browser, audit: Audit
) -> None:
    computer = audit.watch(new_context(browser, site, DESKTOP).new_page())
    computer.goto("/accounts/login/?next=/account/")
    sign_in(computer, MEMBER, DEMO_PASSWORD)
    # Other browser tests sign in as this demo member too: start from this device alone.
    computer.goto("/account/sign-in/")
    others = computer.get_by_role("button", name="Sign out all other sessions")
    if others.count():
        others.click()

    phone = audit.watch(new_context(browser, site, PHONE).new_page())
    phone.goto("/accounts/login/")
    expect(phone.get_by_role("button", name="Sign in with a passkey")).to_be_visible()
    sign_in(phone, MEMBER, DEMO_PASSWORD)
    expect(phone.get_by_role("link", name="My account")).to_be_visible()

    computer.goto("/account/")
    computer.get_by_role("link", name="Where you're signed in").click()
    expect(computer.get_by_role("heading", level=1)).to_have_text("Where you're signed in")
    expect(computer.get_by_role("heading", name="Chrome on Linux This device")).to_be_visible()
    audit(computer, "where you are signed in")

    # The phone's entry: its own heading describes the sign-out button next to it.
    computer.get_by_role("button", name="Sign out this session").click()
    expect(computer.get_by_role("status")).to_contain_text("is signed out.")
    expect(computer.get_by_role("button", name="Sign out this session")).to_have_count(0)
    audit(computer, "after signing the phone out")

    phone.goto("/account/")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Sign in")
    assert "/accounts/login/?next=/account/" in phone.url
    audit(phone, "phone asked to sign in again")

    # Adding a passkey: confirm the password, then the labelled form.
    computer.goto("/account/sign-in/")
    computer.get_by_role("link", name="Add a passkey").click()
    computer.get_by_label("Your password").fill(DEMO_PASSWORD)
    computer.get_by_role("button", name="Continue").click()
    expect(computer.get_by_role("heading", level=1)).to_have_text("Add a passkey")
    expect(computer.get_by_label("A name for this passkey")).to_be_visible()
    audit(computer, "add a passkey")
    computer.goto("/accounts/2fa/webauthn/")
    audit(computer, "passkey list")


PASSKEY_MEMBER = "nurse@demo.carecircle.test"  # Nurse Amira: no other browser test signs in as her


def test_a_member_adds_a_passkey_and_signs_in_with_it_alone(
    site: Site, browser: Browser, audit: Audit
) -> None:
    # Chromium's virtual authenticator stands in for a phone's fingerprint reader.
    localhost = site.url.replace("127.0.0.1", "localhost")
    context = browser.new_context(
        base_url=localhost, viewport=DESKTOP, bypass_csp=True, is_mobile=False
    )
    page = audit.watch(context.new_page())
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    authenticator = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )["authenticatorId"]
    page.goto("/accounts/login/?next=/account/sign-in/")
    sign_in(page, PASSKEY_MEMBER, DEMO_PASSWORD)
    page.get_by_role("link", name="Add a passkey").click()
    page.get_by_label("Your password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("A name for this passkey").fill("my laptop")
    passwordless = page.get_by_label("Use it to sign in without a password", exact=False)
    if passwordless.count():
        passwordless.check()
    page.get_by_role("main").get_by_role("button", name="Add a passkey").click()
    # The first passkey comes with recovery codes, for the day the laptop is lost.
    expect(page.get_by_role("heading", level=1)).to_have_text("Your recovery codes")
    audit(page, "recovery codes after the first passkey")
    page.goto("/accounts/2fa/webauthn/")
    expect(page.get_by_role("main")).to_contain_text("my laptop")
    audit(page, "passkey added")
    credentials = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})
    assert len(credentials["credentials"]) == 1

    page.get_by_role("button", name="Sign out").click()
    page.goto("/accounts/login/")
    page.get_by_role("button", name="Sign in with a passkey").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    page.goto("/account/sign-in/")
    # This device is listed first, and it signed in with the passkey, no password typed.
    expect(page.get_by_role("main").get_by_role("listitem").first).to_contain_text("with Passkey")
    audit(page, "signed in with the passkey")
    context.close()
