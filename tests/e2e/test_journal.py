"""The health journal on a 360 px phone: a keyboard-only daily check-in, a measurement fixed
after an error, charts and the summary; then sharing two parts with another member and stopping.

axe-core (WCAG 2.2 AA) runs on every page checked; each is checked for sideways scrolling and
screenshotted into test-artifacts/e2e/.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest

from tests.e2e.support import DEMO_PASSWORD, Audit, Site

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Locator, Page, ViewportSize

try:
    from playwright.sync_api import expect
except ImportError:  # require_browser() skips or fails these tests with the reason
    expect = None  # type: ignore[assignment]

pytestmark = pytest.mark.browser

PHONE: ViewportSize = {"width": 360, "height": 740}
OWNER = "patient@demo.carecircle.test"  # SunnyDays: six months of journal in the demo
READER = "nurse@demo.carecircle.test"  # Nurse Amira
READER_HANDLE = "amira"
NEW_SYMPTOM = "Headache"
# The most Tab presses a journey may need to reach one control.
MAX_TABS = 80


def phone_context(browser: Browser, site: Site) -> BrowserContext:
    # bypass_csp lets axe-core be injected into pages served with a strict CSP.
    return browser.new_context(
        base_url=site.url, viewport=PHONE, bypass_csp=True, is_mobile=True, has_touch=True
    )


def sign_in(page: Page, email: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def fits(page: Page, step: str) -> None:
    """Nothing wider than the 360 px phone: no sideways scrolling."""
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"'{step}' is {width}px wide on a 360px phone ({page.url})"


def check(page: Page, audit: Audit, step: str) -> None:
    """axe with no violations, a screenshot, and no sideways scrolling."""
    audit(page, step)
    fits(page, step)


def is_focused(target: Locator) -> bool:
    return bool(target.evaluate("element => element === document.activeElement"))


def tab_to(page: Page, target: Locator) -> None:
    """Press Tab until `target` has the focus (a keyboard user reaching it)."""
    for _ in range(MAX_TABS):
        if is_focused(target):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{target} was not reached with {MAX_TABS} presses of Tab ({page.url})")


def checked_value(group: Locator) -> str:
    """The value of the checked radio button inside `group` ("" when none is)."""
    return str(
        group.evaluate(
            "el => { const radio = el.querySelector('input[type=radio]:checked');"
            " return radio ? radio.value : ''; }"
        )
    )


def test_owner_checks_in_by_keyboard_then_measures_and_reads_charts_on_a_phone(
    site: Site, browser: Browser, audit: Audit
) -> None:
    page = audit.watch(phone_context(browser, site).new_page())
    heading = page.get_by_role("heading", level=1)
    main = page.get_by_role("main")
    sign_in(page, OWNER)

    page.goto("/journal/")
    expect(heading).to_have_text("My journal")
    fits(page, "journal home")  # axe-checked below, with the confirmation

    # The daily check-in, keyboard only: Tab, arrow keys, Enter.
    check_in_link = main.get_by_role("link", name=re.compile(r"^Check in"))
    tab_to(page, check_in_link)
    page.keyboard.press("Enter")
    expect(heading).to_have_text("Daily check-in")

    mood = main.get_by_role("group", name="How is your mood?")
    energy = main.get_by_role("group", name="How is your energy?")
    # Remembered from the last check-in: a symptom's own group is named after it.
    remembered = main.get_by_role("radiogroup", name=re.compile(r"^How bad is (?!it,)")).first
    expect(remembered).to_be_visible()
    symptom = re.sub(
        r"^How bad is (.+), 0 to 10$", r"\1", remembered.get_attribute("aria-label") or ""
    )
    mood_before, energy_before = checked_value(mood), checked_value(energy)
    severity_before = checked_value(remembered)
    assert mood_before and energy_before and severity_before, "the last check-in is not remembered"
    fits(page, "check-in as it opens")  # axe-checked below, filled in

    tab_to(page, mood.locator("input:checked"))
    page.keyboard.press("ArrowRight")
    tab_to(page, energy.locator("input:checked"))
    page.keyboard.press("ArrowLeft")
    tab_to(page, remembered.locator("input:checked"))
    page.keyboard.press("ArrowRight" if int(severity_before) < 10 else "ArrowLeft")
    new_mood = str(int(mood_before) % 5 + 1)
    new_energy = str((int(energy_before) - 2) % 5 + 1)
    new_severity = str(int(severity_before) + 1 if int(severity_before) < 10 else 9)
    assert (checked_value(mood), checked_value(energy), checked_value(remembered)) == (
        new_mood,
        new_energy,
        new_severity,
    )

    # A new symptom, behind the "Add a symptom" disclosure.
    new_name = main.get_by_label("Symptom", exact=True)
    expect(new_name).to_be_hidden()
    tab_to(page, main.locator("summary", has_text="Add a symptom"))
    page.keyboard.press("Enter")
    expect(new_name).to_be_visible()
    page.keyboard.press("Tab")
    expect(new_name).to_be_focused()
    page.keyboard.type(NEW_SYMPTOM)
    new_severity_group = main.get_by_role("radiogroup", name="How bad is it, 0 to 10")
    page.keyboard.press("Tab")
    expect(new_severity_group.get_by_label("Skip")).to_be_focused()
    for _ in range(4):  # Skip -> 0 -> 1 -> 2 -> 3
        page.keyboard.press("ArrowRight")
    assert checked_value(new_severity_group) == "3"
    check(page, audit, "check-in filled by keyboard")
    tab_to(page, main.get_by_role("button", name="Save my check-in"))
    page.keyboard.press("Enter")

    expect(heading).to_have_text("My journal")
    expect(page.get_by_role("status")).to_contain_text("check-in is saved")
    expect(main).to_contain_text(NEW_SYMPTOM)
    expect(main).to_contain_text(f"{symptom} Severity {new_severity} of 10")
    check(page, audit, "journal home after the check-in")

    # A measurement: an empty value is refused, what was typed is kept, then it is fixed.
    main.get_by_role("link", name="Measurement", exact=True).click()
    expect(heading).to_have_text("Add: Measurement")
    fits(page, "add a measurement")  # axe-checked below, with its error
    main.get_by_label("What did you measure?").select_option(label="Weight")
    main.get_by_label("Unit", exact=True).select_option(label="kg")
    main.get_by_label("Note (optional)").fill("Before breakfast")
    main.get_by_role("button", name="Save", exact=True).click()
    summary = main.get_by_role("alert")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Please check the form.")
    value = main.get_by_label("Value", exact=True)
    expect(value).to_have_attribute("aria-invalid", "true")
    # The error sits in the field's own block, and the field is described by it.
    error = value.locator("xpath=..").locator(".field-error")
    expect(error).to_be_visible()
    expect(value).to_have_attribute(
        "aria-describedby", re.compile(rf"\b{error.get_attribute('id')}\b")
    )
    expect(value).to_have_accessible_description(re.compile(r"Error: \w"))
    expect(main.get_by_label("What did you measure?")).to_have_value("weight")
    expect(main.get_by_label("Unit", exact=True)).to_have_value("kg")
    expect(main.get_by_label("Note (optional)")).to_have_value("Before breakfast")
    check(page, audit, "measurement with an empty value")
    value.fill("80.5")
    main.get_by_role("button", name="Save", exact=True).click()
    expect(heading).to_have_text("My journal")
    expect(page.get_by_role("status")).to_contain_text("Saved")
    expect(main).to_contain_text("Weight 80.5 kg")
    fits(page, "journal home after the measurement")

    # My charts over a year, one chart read as a table.
    main.get_by_role("link", name=re.compile("charts", re.IGNORECASE)).first.click()
    expect(heading).to_have_text(re.compile("charts", re.IGNORECASE))
    year = main.get_by_role("navigation", name="Period").get_by_role("link", name="Year")
    year.click()
    expect(year).to_have_attribute("aria-current", "page")
    fits(page, "charts over a year")  # axe-checked below, a table open
    weight = main.get_by_role("figure", name=re.compile(r"^Weight"))
    table = weight.get_by_role("table")
    expect(table).to_be_hidden()
    weight.locator("summary", has_text="Show as table").click()
    expect(table).to_be_visible()
    # A row a day with a weight (a daily average: the demo weighs SunnyDays on Mondays too).
    expect(table.get_by_role("row").nth(10)).to_be_visible()
    check(page, audit, "weight chart as a table")

    # The summary for a clinician, from the charts.
    main.get_by_role("link", name=re.compile("summary", re.IGNORECASE)).first.click()
    expect(heading).to_have_text(re.compile("summary", re.IGNORECASE))
    measurements = main.get_by_role("region", name="Measurements")
    expect(measurements.get_by_role("row", name=re.compile(r"^Weight"))).to_contain_text("80.5")
    expect(main).to_contain_text("Metformin")
    check(page, audit, "summary for a clinician")


def test_owner_shares_two_parts_with_a_member_then_stops(
    site: Site, browser: Browser, audit: Audit
) -> None:
    owner = audit.watch(phone_context(browser, site).new_page())
    main = owner.get_by_role("main")
    sign_in(owner, OWNER)

    owner.goto("/journal/sharing/")
    expect(owner.get_by_role("heading", level=1)).to_have_text("Sharing my journal")
    main.get_by_label("One member").check()
    main.get_by_label("Their handle").fill(READER_HANDLE)
    main.get_by_label("Mood and energy", exact=True).check()
    main.get_by_label("Symptoms", exact=True).check()
    main.get_by_role("button", name="Share", exact=True).click()
    expect(owner.get_by_role("status")).to_contain_text("Shared.")
    share = main.get_by_role("article", name=f"Nurse Amira (@{READER_HANDLE})")
    expect(share).to_contain_text("Symptoms, Mood and energy")
    check(owner, audit, "sharing with a member")

    reader = audit.watch(phone_context(browser, site).new_page())
    sign_in(reader, READER)
    reader.goto("/journal/shared/")
    expect(reader.get_by_role("heading", level=1)).to_have_text("Shared with me")
    fits(reader, "shared with me")
    from_owner = reader.get_by_role("main").get_by_role("region", name=re.compile("SunnyDays"))
    from_owner.get_by_role("link", name="Symptoms, Mood and energy").click()
    shared = reader.get_by_role("main")
    expect(reader.get_by_role("heading", level=1)).to_contain_text("SunnyDays")
    expect(shared.get_by_role("figure").first).to_be_visible()
    expect(shared.get_by_role("img").first).to_be_visible()
    expect(shared.get_by_role("heading", name="Symptoms", exact=True)).to_be_visible()
    expect(shared.get_by_role("heading", name="Mood and energy", exact=True)).to_be_visible()
    # Nothing she did not tick: no diary, no medicines, no measurements.
    expect(shared.get_by_role("heading", name="Diary")).to_have_count(0)
    expect(shared).not_to_contain_text("Questions for my review")
    expect(shared.get_by_role("heading", name="Medicines and treatments")).to_have_count(0)
    expect(shared.get_by_role("heading", name="Measurements")).to_have_count(0)
    check(reader, audit, "shared view as the reader")

    share.get_by_role("button", name=re.compile("^Stop sharing")).click()
    expect(owner.get_by_role("status")).to_contain_text("Sharing stopped")
    expect(share).to_have_count(0)

    response = reader.reload()
    assert response is not None
    assert response.status == 404
    # The e2e server runs with DEBUG on: Django's own "Page not found" page, not the site's.
    expect(reader.get_by_role("heading", level=1)).to_contain_text(
        re.compile(r"not found|couldn.t find", re.IGNORECASE)
    )
    expect(reader.locator("body")).not_to_contain_text("Mood and energy")
