"""Caregiver links and anonymous posting on a 360 px phone, partly by keyboard alone.

axe-core (WCAG 2.2 AA) runs on every page; each page is checked for sideways scrolling and
small targets and screenshotted into test-artifacts/e2e/.
"""

from __future__ import annotations

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

PATIENT = "patient@demo.carecircle.test"  # SunnyDays, @sunnydays
CARER = "caregiver@demo.carecircle.test"  # CaringSon, @caringson
MANAGER = "manager@demo.carecircle.test"  # Maya: Membership role "manager" in every demo community
VISITOR_MEMBER = "walker@demo.carecircle.test"  # SlowWalker
COMMUNITY_SLUG = "long-covid"
TOPIC_TITLE = "Pacing when nobody at home understands"
TOPIC_BODY = "My family thinks I am lazy on rest days. How do you explain pacing to them?"
REASON = (
    "A member reported that this post may describe a person in danger, and we need to "
    "contact them to check they are safe."
)


def tab_to(page: Page, selector: str, limit: int = 80) -> None:
    """Press Tab until the focused element matches `selector`."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => !!document.activeElement?.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector} on {page.url}")


def test_carer_asks_by_handle_patient_accepts_and_chooses_what_to_share(
    site: Site, browser: Browser, audit: Audit
) -> None:
    carer = audit.watch(phone_context(browser, site).new_page())
    sign_in(carer, CARER)
    carer.goto("/account/caregivers/")
    expect(carer.get_by_role("heading", level=1)).to_have_text("Caregivers")
    check(carer, audit, "caregivers page before linking")

    # Keyboard only: Tab to the handle, type it, arrow to "I care for them", Enter to send.
    tab_to(carer, "#id_other_handle")
    carer.keyboard.type("sunnydays")
    carer.keyboard.press("Tab")
    assert carer.evaluate("() => document.activeElement.id") == "actor-is-patient"
    carer.keyboard.press("ArrowDown")
    assert carer.evaluate("() => document.activeElement.id") == "actor-is-carer"
    expect(carer.get_by_label("I care for them")).to_be_checked()
    tab_to(carer, "form[action$='/request/'] button[type=submit]")
    carer.keyboard.press("Enter")
    expect(carer.get_by_role("status")).to_contain_text(
        "Your request is sent. Nothing is shared until they accept."
    )
    sent = carer.get_by_role("region", name="Requests you sent")
    expect(sent).to_contain_text("SunnyDays · waiting for an answer")
    # Each button says whom it is about, for people who hear the page rather than see it.
    expect(sent.get_by_role("button", name="Withdraw (SunnyDays)", exact=True)).to_be_visible()
    check(carer, audit, "carer after sending the request")

    patient = audit.watch(phone_context(browser, site).new_page())
    sign_in(patient, PATIENT)
    patient.goto("/account/caregivers/")
    incoming = patient.get_by_role("region", name="Waiting for your answer")
    expect(incoming).to_contain_text("CaringSon (@caringson) says they care for you.")
    check(patient, audit, "patient sees the request")
    expect(incoming.get_by_role("button", name="Decline (CaringSon)", exact=True)).to_be_visible()
    incoming.get_by_role("button", name="Accept (CaringSon)", exact=True).click()
    expect(patient.get_by_role("status")).to_contain_text("You are now linked.")
    carers = patient.get_by_role("region", name="People who care for me")
    sharing = carers.get_by_role("group", name="What CaringSon can see on my profile")
    expect(sharing.get_by_role("checkbox")).to_have_count(10)
    for box in sharing.get_by_role("checkbox").all():
        expect(box).not_to_be_checked()
    check(patient, audit, "patient linked, nothing shared yet")

    # Keyboard only: Tab to each box, Space to tick it, Tab to the button, Enter to save.
    tab_to(patient, "input[name=shared][value=bio]")
    patient.keyboard.press("Space")
    tab_to(patient, "input[name=shared][value=conditions]")
    patient.keyboard.press("Space")
    tab_to(patient, "form[action$='/sharing/'] button[type=submit]")
    patient.keyboard.press("Enter")
    expect(patient.get_by_role("status")).to_contain_text("Your choices are saved.")
    sharing = patient.get_by_role("group", name="What CaringSon can see on my profile")
    expect(sharing.get_by_label("About me")).to_be_checked()
    expect(sharing.get_by_label("My conditions")).to_be_checked()
    expect(sharing.get_by_label("My story")).not_to_be_checked()
    expect(sharing.get_by_label("Where I live")).not_to_be_checked()
    expect(
        patient.get_by_label("CaringSon may post for me in the communities ticked below")
    ).not_to_be_checked()
    check(patient, audit, "patient after choosing what to share")

    carer.goto("/account/caregivers/")
    cared_for = carer.get_by_role("region", name="People I care for")
    expect(cared_for).to_contain_text(
        "They share parts of their profile with you: open their profile to see them."
    )
    expect(cared_for).to_contain_text("You may not post for them.")
    expect(
        cared_for.get_by_role("button", name="End this link (SunnyDays)", exact=True)
    ).to_be_visible()
    check(carer, audit, "carer sees the link")


def test_member_posts_anonymously_and_a_manager_looks_up_the_author(
    site: Site, browser: Browser, audit: Audit
) -> None:
    manager = audit.watch(phone_context(browser, site).new_page())
    sign_in(manager, MANAGER)
    manager.goto(f"/c/{COMMUNITY_SLUG}/edit/")
    manager.get_by_label("Allow anonymous posts").check()
    manager.get_by_role("button", name="Save changes").click()
    expect(manager.get_by_role("status")).to_contain_text("Community settings saved.")

    member = audit.watch(phone_context(browser, site).new_page())
    sign_in(member, PATIENT)
    member.goto(f"/c/{COMMUNITY_SLUG}/new-topic/")
    expect(member.get_by_role("heading", level=1)).to_have_text("Start a topic in Long COVID")
    voice = member.get_by_role("group", name="Post as")
    expect(voice.get_by_label("Myself (SunnyDays)")).to_be_checked()
    expect(voice.get_by_label("Anonymously")).not_to_be_checked()
    check(member, audit, "new topic with the post as choice")

    member.get_by_label("Title", exact=True).fill(TOPIC_TITLE)
    member.get_by_label("Your message", exact=True).fill(TOPIC_BODY)
    voice.get_by_label("Anonymously").check()
    member.get_by_role("button", name="Post the topic").click()
    expect(member.get_by_role("heading", level=1)).to_have_text(TOPIC_TITLE)
    # The post itself names nobody; only the author's own reply form offers "Myself (SunnyDays)".
    post = member.get_by_role("article", name="Anonymous member 1")
    expect(post).to_have_count(1)
    expect(post).not_to_contain_text("SunnyDays")
    check(member, audit, "anonymous topic seen by its author")
    topic_url = member.url

    other = audit.watch(phone_context(browser, site).new_page())
    sign_in(other, VISITOR_MEMBER)
    other.goto(topic_url)
    expect(other.get_by_role("article", name="Anonymous member 1")).to_have_count(1)
    expect(other.get_by_role("main")).not_to_contain_text("SunnyDays")
    expect(other.get_by_role("link", name="Who wrote this?")).to_have_count(0)
    check(other, audit, "anonymous topic seen by another member")

    manager.goto(topic_url)
    expect(manager.get_by_role("main")).not_to_contain_text("SunnyDays")
    check(manager, audit, "anonymous topic seen by the manager")
    manager.get_by_role("link", name="Who wrote this?").first.click()
    expect(manager.get_by_role("heading", level=1)).to_have_text("Who wrote this anonymous post?")
    check(manager, audit, "who wrote this form")
    manager.get_by_label("Why do you need to know?").fill(REASON)
    manager.get_by_role("button", name="Record my reason and show the author").click()
    expect(manager.get_by_role("status")).to_have_text(
        "This post was written by SunnyDays (@sunnydays)."
    )
    check(manager, audit, "author shown to the manager")
