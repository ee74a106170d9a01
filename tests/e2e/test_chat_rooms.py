"""A chat room in two browsers on 360 px phones: live messages, presence, keyboard, axe.

The manager opens a room with the form; two members open it. One sends with the keyboard
(Ctrl+Enter); the other sees the message appear without a reload, announced politely, while
their focus stays where it was. Both see each other under "Here now". axe-core (WCAG 2.2 AA)
runs on each step; screenshots land in test-artifacts/e2e/.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.e2e.support import Audit, Site
from tests.e2e.test_data_rights import check, phone_context, sign_in

if TYPE_CHECKING:
    from playwright.sync_api import Browser

try:
    from playwright.sync_api import expect
except ImportError:  # require_browser() skips or fails these tests with the reason
    expect = None  # type: ignore[assignment]

pytestmark = pytest.mark.browser

MANAGER = "manager@demo.carecircle.test"  # Maya, who created the demo communities
WRITER = "patient@demo.carecircle.test"  # SunnyDays
READER = "walker@demo.carecircle.test"  # SlowWalker
COMMUNITY_SLUG = "caregivers"
ROOM_NAME = "Friday night check-in"


def test_a_message_appears_live_in_the_other_members_room(
    site: Site, browser: Browser, audit: Audit
) -> None:
    manager = audit.watch(phone_context(browser, site).new_page())
    sign_in(manager, MANAGER)
    manager.goto(f"/c/{COMMUNITY_SLUG}/")
    manager.get_by_role("link", name="Chat rooms").click()
    expect(manager.get_by_role("heading", level=1)).to_have_text("Chat rooms")
    manager.get_by_role("link", name="Open a new room").click()
    manager.get_by_label("Name", exact=True).fill(ROOM_NAME)
    manager.get_by_label("What the room is for").fill("Say how your week went.")
    check(manager, audit, "manager opens a room")
    manager.get_by_role("button", name="Open the room").click()
    expect(manager.get_by_role("heading", level=1)).to_have_text(ROOM_NAME)
    room_url = manager.url

    reader = audit.watch(phone_context(browser, site).new_page())
    sign_in(reader, READER)
    reader.goto(room_url)
    writer = audit.watch(phone_context(browser, site).new_page())
    sign_in(writer, WRITER)
    writer.goto(room_url)
    for page, other in ((reader, "SunnyDays"), (writer, "SlowWalker")):
        expect(page.locator("#presence-list")).to_contain_text(other)
    check(reader, audit, "reader sees who is here")

    reader.get_by_label("Your message").focus()
    reader.evaluate("() => { window.__stayed = 'yes'; }")
    writer.get_by_label("Your message").fill("Made it to the end of the week. Tired but okay.")
    writer.get_by_label("Your message").press("Control+Enter")

    expect(writer.get_by_label("Your message")).to_have_value("")
    message = reader.locator("#room-log .room-message").last
    expect(message).to_contain_text("Made it to the end of the week. Tired but okay.")
    expect(message.locator(".room-message-author")).to_have_text("SunnyDays")
    expect(reader.locator("#room-announcer")).to_have_text("New message from SunnyDays")
    assert reader.evaluate("() => window.__stayed") == "yes"
    assert reader.evaluate("() => document.activeElement.id") == "id_body"
    check(reader, audit, "reader sees the message live")

    writer.reload()
    expect(writer.locator("#room-log .room-message")).to_have_count(1)
    check(writer, audit, "the message is kept after a reload")


def test_a_manager_schedules_a_session_and_members_see_when_the_room_opens(
    site: Site, browser: Browser, audit: Audit
) -> None:
    from datetime import date, timedelta

    manager = audit.watch(phone_context(browser, site).new_page())
    sign_in(manager, MANAGER)
    manager.goto(f"/c/{COMMUNITY_SLUG}/chat/new/")
    manager.get_by_label("Name", exact=True).fill("Sunday support group")
    manager.get_by_role("button", name="Open the room").click()
    room_url = manager.url
    manager.get_by_role("link", name="Moderate").click()
    expect(manager.get_by_role("heading", level=1)).to_have_text("Moderate Sunday support group")
    check(manager, audit, "moderation page")
    manager.goto(room_url)
    manager.get_by_role("link", name="Schedule a session").click()
    day = (date.today() + timedelta(days=2)).isoformat()
    manager.get_by_label("Title").fill("Sunday circle")
    manager.get_by_label("Starts").fill(f"{day}T18:00")
    manager.get_by_label("Ends").fill(f"{day}T19:30")
    manager.get_by_label("The transcript may be published as a topic").check()
    check(manager, audit, "session form")
    manager.get_by_role("button", name="Schedule").click()
    expect(manager.locator("#sessions")).to_contain_text("Sunday circle")

    member = audit.watch(phone_context(browser, site).new_page())
    sign_in(member, READER)
    member.goto(room_url)
    expect(member.locator("#room-closed-notice")).to_contain_text("“Sunday circle”, opens at")
    expect(member.locator("#room-composer")).to_be_hidden()
    expect(member.locator("#sessions")).to_contain_text("May be published")
    check(member, audit, "a closed room with its next session")
    member.goto(f"/c/{COMMUNITY_SLUG}/chat/")
    expect(member.get_by_text("Next session: Sunday circle")).to_be_visible()
    check(member, audit, "room list")
