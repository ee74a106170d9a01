"""Private conversations in two browsers on 360 px phones: live messages, requests, reconnects.

Every member here signs up through the sign-up page (and confirms their email from the mail
file), so nothing depends on what other journeys do to the demo members, and nothing here
changes theirs. axe-core (WCAG 2.2 AA) runs on each step, no page scrolls sideways at 360 px;
screenshots land in test-artifacts/e2e/.
"""

from __future__ import annotations

import json
import re
import time
from typing import TYPE_CHECKING

import pytest

from tests.e2e.support import Audit, Site, slug
from tests.e2e.test_caregivers_anonymity import tab_to
from tests.e2e.test_data_rights import check, phone_context

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Locator, Page

try:
    from playwright.sync_api import expect
except ImportError:  # require_browser() skips or fails these tests with the reason
    expect = None  # type: ignore[assignment]

pytestmark = pytest.mark.browser


ESTABLISH_MEMBERS = """
import django
django.setup()
from carecircle.accounts.models import User
from carecircle.moderation.models import MemberTrust, TrustLevel
for user in User.objects.all():
    MemberTrust.objects.update_or_create(user=user, defaults={"level": TrustLevel.MEMBER})
"""


def establish_members(site: Site) -> None:
    """Give every account so far trust level 2 (the journeys' members have been around)."""
    import subprocess
    import sys

    from tests.e2e.support import ROOT, server_environment

    done = subprocess.run(
        [sys.executable, "-c", ESTABLISH_MEMBERS],
        cwd=ROOT,
        env=server_environment(site.mail_dir.parent),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr


@pytest.fixture(scope="module", autouse=True)
def established_demo_members(site: Site) -> None:
    """The demo members here have been around a while (trust level 2).

    New members (level 0) may not write first to strangers, and these journeys are about
    members who may; the demo data gives every account level 0.
    """
    establish_members(site)


PASSWORD = "quiet-harbour-lantern-4"  # noqa: S105 - throwaway accounts on a throwaway site
COMMUNITY = "General"
MESSAGE_ITEMS = "#message-list > li.chat-message"
COMPOSER = "#id_body"

# The live parts of a conversation page as one list: [(message id, author, words)], in order.
MESSAGES_ON_PAGE = """() => Array.from(document.querySelectorAll('#message-list > li.chat-message'))
  .map((item) => [item.getAttribute('data-message-id') || '',
                  item.querySelector('.chat-message-author').textContent.trim(),
                  item.querySelector('[data-body]').textContent.trim()])"""


def join_site(browser: Browser, site: Site, audit: Audit, name: str, email: str) -> Page:
    """A new member, signed up through the form and confirmed by the emailed link."""
    page = audit.watch(phone_context(browser, site).new_page())
    page.goto("/accounts/signup/")
    page.get_by_label("What should we call you?").fill(name)
    page.get_by_label("Your email address").fill(email)
    page.get_by_label("Choose a password").fill(PASSWORD)
    page.get_by_label("Type the password again").fill(PASSWORD)
    page.get_by_label("I agree to the terms of use and the privacy policy").check()
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    found = re.search(r"https?://\S+/accounts/confirm-email/\S+", site.wait_for_mail(email))
    assert found, f"No confirmation link for {email}"
    page.goto(found.group(0))
    page.get_by_role("button", name="Yes, confirm my email address").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    return page


def handle_of(page: Page) -> str:
    page.goto("/account/")
    handle = page.get_by_label("Handle", exact=True).input_value()
    assert handle, "A new member always has a handle"
    return handle


def join_community(page: Page, name: str) -> None:
    page.goto("/communities/")
    page.get_by_role("link", name=name, exact=True).click()
    page.get_by_role("link", name="Join this community").click()
    page.get_by_label("I have read the guidelines and agree to follow them").check()
    page.get_by_role("button", name="Join the community").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)


def unread_badge(page: Page) -> Locator:
    return page.get_by_role("navigation", name="Main").locator("[data-unread-badge]")


def stay_marker(page: Page) -> None:
    # A reload would lose this: what follows must happen on the same page.
    page.evaluate("() => { window.__stayed = 'yes'; }")


def stayed(page: Page) -> bool:
    return bool(page.evaluate("() => window.__stayed === 'yes'"))


def write_to(page: Page, handle: str, body: str) -> None:
    """Open the member's profile, choose "Send a message", write and send by keyboard."""
    page.goto(f"/members/{handle}/")
    page.get_by_role("link", name="Send a message").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New message")
    expect(page.get_by_label("To", exact=True)).to_have_value(f"@{handle}")
    page.get_by_label("Your message").fill(body)
    tab_to(page, "main button[type=submit]")
    page.keyboard.press("Enter")
    expect(page.locator(MESSAGE_ITEMS).last).to_contain_text(body)


def send_by_keyboard(page: Page, body: str) -> None:
    composer = page.locator(COMPOSER)
    composer.focus()
    page.keyboard.type(body)
    page.keyboard.press("Control+Enter")
    expect(composer).to_have_value("")


def delivered(page: Page, body: str) -> None:
    """The page shows `body` once, stored (it has the server's id) and no longer pending."""
    item = page.locator(MESSAGE_ITEMS).filter(has_text=body)
    expect(item).to_have_count(1)
    expect(item).to_have_attribute("data-message-id", re.compile(r"^\d+$"))
    expect(item.locator("[data-state]")).to_be_hidden()
    expect(item).not_to_have_class(re.compile(r"chat-message-pending"))


def watch_catch_ups(page: Page) -> list[str]:
    """The streams named by each "caught_up" frame the page's sockets receive, in order.

    A page follows a conversation from the moment its subscription has caught up; the
    journeys wait for that before the other member acts, so nothing races the page's load.
    """
    streams: list[str] = []

    def on_frame(payload: str | bytes) -> None:
        try:
            frame = json.loads(payload)
        except ValueError:
            return
        for each in frame.get("frames", []) if frame.get("type") == "batch" else [frame]:
            if each.get("type") == "caught_up":
                streams.append(str(each.get("stream")))

    page.on("websocket", lambda socket: socket.on("framereceived", on_frame))
    return streams


def following(page: Page, catch_ups: list[str], *, times: int = 1) -> None:
    """Wait until the page has caught up with a conversation stream `times` times in all."""
    deadline = time.monotonic() + 10
    while sum(stream.startswith("conversation:") for stream in catch_ups) < times:
        assert time.monotonic() < deadline, f"{page.url} never followed its conversation"
        page.wait_for_timeout(50)


# Chromium's offline mode refuses new connections but leaves an open WebSocket alone, as if
# the phone still had its signal: the page's sockets are kept where the test can drop them.
KEEP_SOCKETS = """(() => {
  const Native = window.WebSocket;
  window.__sockets = [];
  window.WebSocket = class extends Native {
    constructor(...args) { super(...args); window.__sockets.push(this); }
  };
})();"""


def network(context: BrowserContext, page: Page, *, online: bool) -> None:
    """Take the phone's network away (or give it back) and wait until the page knows."""
    status = page.locator("#chat-status")
    if online:
        context.set_offline(False)
        expect(status).to_have_text("")
    else:
        context.set_offline(True)
        page.evaluate("() => window.__sockets.forEach((socket) => socket.close())")
        expect(status).to_have_text("Connection lost. Your messages will be sent when it is back.")


# --- 1. a first message, live both ways ----------------------------------------------------


def test_a_first_message_reaches_the_other_member_live_and_the_reply_comes_back(
    site: Site, browser: Browser, audit: Audit
) -> None:
    writer = join_site(browser, site, audit, "Juniper Vale", "juniper@example.test")
    writer_catch_ups = watch_catch_ups(writer)
    join_community(writer, COMMUNITY)
    reader = join_site(browser, site, audit, "Otto Reed", "otto@example.test")
    join_community(reader, COMMUNITY)
    reader_handle = handle_of(reader)
    # New accounts may not write first to a stranger: these two have been around a while.
    establish_members(site)

    reader.goto("/messages/")
    expect(reader.get_by_role("heading", level=1)).to_have_text("Messages")
    expect(unread_badge(reader)).to_be_hidden()
    check(reader, audit, "an empty inbox")
    stay_marker(reader)

    writer.goto(f"/members/{reader_handle}/")
    check(writer, audit, "the other member's profile")
    write_to(writer, reader_handle, "Hello Otto, I saw your post about walking. How is it going?")
    following(writer, writer_catch_ups)
    expect(writer.get_by_role("heading", level=1)).to_have_text("Otto Reed")
    first = writer.locator(MESSAGE_ITEMS)
    expect(first).to_have_count(1)
    expect(first.locator(".chat-message-author")).to_have_text("Juniper Vale")
    check(writer, audit, "the first message sent")

    # The reader's header counts it without a reload; the link says what the number means.
    expect(unread_badge(reader)).to_be_visible()
    expect(unread_badge(reader).locator("[data-unread-count]")).to_have_text("1")
    expect(
        reader.get_by_role("navigation", name="Main").get_by_role("link", name="Messages 1 unread")
    ).to_be_visible()
    assert stayed(reader)
    check(reader, audit, "the unread badge counts the new message")

    reader.get_by_role("navigation", name="Main").get_by_role("link", name="Messages").click()
    entry = reader.locator(".conversation-entry")
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text("Unread")
    expect(entry).to_contain_text("Juniper Vale: Hello Otto")
    entry.get_by_role("link", name="Juniper Vale").click()
    expect(reader.get_by_role("heading", level=1)).to_have_text("Juniper Vale")
    expect(reader.locator(MESSAGE_ITEMS)).to_have_count(1)
    expect(reader.locator(MESSAGE_ITEMS)).to_contain_text("I saw your post about walking")
    expect(unread_badge(reader)).to_be_hidden()
    check(reader, audit, "the reader opens the conversation")

    # Opening it was reading it: the writer is told "Seen" under their message, live.
    seen = writer.locator("#chat-seen")
    expect(seen).to_be_visible()
    expect(seen).to_have_text("Seen")

    # The writer waits in the composer; the reader starts typing and the writer is told.
    writer.locator(COMPOSER).focus()
    stay_marker(writer)
    reader.locator(COMPOSER).focus()
    reader.keyboard.type("Slowly, ")
    typing = writer.locator("#chat-typing")
    expect(typing).to_have_attribute("aria-live", "polite")
    expect(typing).to_have_text("Otto Reed is typing…")
    check(writer, audit, "the writer sees the other member typing")

    reader.keyboard.type("but better every week. Thank you for asking!")
    reader.keyboard.press("Control+Enter")
    expect(reader.locator(COMPOSER)).to_have_value("")
    reply_text = "Slowly, but better every week. Thank you for asking!"
    delivered(reader, reply_text)

    # The reply appears for the writer without a reload, announced politely; the typing
    # notice goes, and the writer's focus never left the composer.
    reply = writer.locator(MESSAGE_ITEMS).last
    expect(reply).to_contain_text(reply_text)
    expect(reply.locator(".chat-message-author")).to_have_text("Otto Reed")
    announcer = writer.locator("#chat-announcer")
    expect(announcer).to_have_attribute("aria-live", "polite")
    expect(announcer).to_have_text("New message from Otto Reed")
    expect(typing).to_have_text("")
    expect(writer.locator(MESSAGE_ITEMS)).to_have_count(2)
    # Read where it appeared: the writer's own header badge does not stay at 1.
    expect(unread_badge(writer)).to_be_hidden()
    assert writer.evaluate("() => document.activeElement.id") == "id_body"
    assert stayed(writer)
    check(writer, audit, "the writer sees the reply live")

    # The writer read the reply: the reader is told "Seen" under it, live.
    expect(reader.locator("#chat-seen")).to_have_text("Seen")

    # Everything was stored: a reload draws the same conversation on both phones.
    live_writer = writer.evaluate(MESSAGES_ON_PAGE)
    live_reader = reader.evaluate(MESSAGES_ON_PAGE)
    writer.reload()
    reader.reload()
    assert writer.evaluate(MESSAGES_ON_PAGE) == live_writer
    assert reader.evaluate(MESSAGES_ON_PAGE) == live_reader
    assert [author for _, author, _ in live_writer] == ["Juniper Vale", "Otto Reed"]
    expect(reader.locator("#chat-seen")).to_have_text("Seen")
    check(writer, audit, "the conversation after a reload")
    check(reader, audit, "the reader's conversation after a reload")


# --- 2. message requests -------------------------------------------------------------------


def test_a_stranger_asks_first_the_request_is_accepted_and_another_declined_quietly(
    site: Site, browser: Browser, audit: Audit
) -> None:
    member = join_site(browser, site, audit, "Hazel Moor", "hazel@example.test")
    join_community(member, COMMUNITY)
    member_handle = handle_of(member)
    # Neither joins any community: they share none with the member.
    stranger = join_site(browser, site, audit, "Pip Lowe", "pip@example.test")
    other = join_site(browser, site, audit, "Quinn Shaw", "quinn@example.test")
    # A stranger with a brand-new account could not write at all (trust level 0).
    establish_members(site)

    write_to(stranger, member_handle, "Hi Hazel, a friend said you know about carers' grants?")
    check(stranger, audit, "the stranger's request sent")

    # Not in the inbox: the member's requests wait apart, counted in the header and the tab.
    member.goto("/messages/")
    expect(member.locator(".conversation-entry")).to_have_count(0)
    expect(member.get_by_role("main")).to_contain_text("You have no conversations yet.")
    requests_tab = member.get_by_role("navigation", name="Messages").get_by_role(
        "link", name="Message requests 1 waiting"
    )
    expect(requests_tab).to_be_visible()
    expect(unread_badge(member).locator("[data-unread-count]")).to_have_text("1")
    check(member, audit, "the inbox with a request waiting")
    requests_tab.click()
    card = member.get_by_role("main").locator("li.card")
    expect(card).to_have_count(1)
    expect(card.get_by_role("heading", level=2)).to_have_text(re.compile(r"^From Pip Lowe \(@"))
    expect(card).to_contain_text("a friend said you know about carers' grants?")
    check(member, audit, "the request in message requests")

    # Reading it first does not answer it: no composer, the choice on top.
    card.get_by_role("link", name="Read it first").click()
    expect(member.get_by_role("region", name="Message request")).to_be_visible()
    expect(member.locator(COMPOSER)).to_have_count(0)
    check(member, audit, "reading the request before answering")
    member.get_by_role("region", name="Message request").get_by_role(
        "button", name="Accept"
    ).click()
    expect(member.locator(".messages")).to_have_text("Request accepted. You can reply now.")
    expect(member.locator(COMPOSER)).to_be_visible()
    expect(member.get_by_role("region", name="Message request")).to_have_count(0)
    check(member, audit, "the request accepted")

    # The reply reaches the stranger live; the conversation now lives in the inbox.
    send_by_keyboard(member, "Hello Pip! Yes, happy to tell you what I know.")
    expect(stranger.locator(MESSAGE_ITEMS).last).to_contain_text("happy to tell you what I know")
    member.goto("/messages/")
    expect(member.locator(".conversation-entry")).to_have_count(1)
    expect(member.locator(".conversation-entry")).to_contain_text("Pip Lowe")
    expect(unread_badge(member)).to_be_hidden()
    check(member, audit, "the accepted conversation in the inbox")
    member.goto("/messages/requests/")
    expect(member.get_by_role("main")).to_contain_text("No message requests are waiting.")

    # A second request, declined from the list: the sender's view does not change at all.
    write_to(other, member_handle, "Hello, could you tell me which clinic you go to?")
    conversation_url = other.url.split("#")[0]
    stay_marker(other)
    # The file picker's script adds its drag-and-drop hint once it has run: read after it.
    expect(other.locator("[data-enhanced='yes']")).to_have_count(1)
    before = other.get_by_role("main").inner_text()
    member.reload()
    card = member.get_by_role("main").locator("li.card")
    expect(card).to_have_count(1)
    expect(card).to_contain_text("From Quinn Shaw")
    card.get_by_role("button", name="Decline").click()
    expect(member.locator(".messages")).to_have_text("Request declined. The sender is not told.")
    expect(member.get_by_role("main").locator("li.card")).to_have_count(0)
    check(member, audit, "the second request declined")
    member.goto("/messages/")
    expect(member.locator(".conversation-entry")).to_have_count(1)
    expect(member.locator(".conversation-entry")).not_to_contain_text("Quinn Shaw")
    expect(unread_badge(member)).to_be_hidden()

    # Live, nothing happened on the sender's page; after a reload it reads exactly as before.
    assert stayed(other)
    assert other.get_by_role("main").inner_text() == before
    other.goto(conversation_url)
    expect(other.locator("[data-enhanced='yes']")).to_have_count(1)
    assert other.get_by_role("main").inner_text() == before
    expect(other.get_by_role("main")).not_to_contain_text(re.compile("declin|Seen", re.I))
    expect(other.locator("#chat-seen")).to_be_hidden()
    expect(other.locator(COMPOSER)).to_be_visible()
    check(other, audit, "the declined sender's conversation unchanged")
    other.goto("/messages/")
    expect(other.locator(".conversation-entry")).to_have_count(1)
    expect(other.locator(".conversation-entry")).to_contain_text("Hazel Moor")
    expect(other.get_by_role("main")).not_to_contain_text(re.compile("declin", re.I))

    # They may keep writing; it reaches nobody and raises nothing for the member.
    other.goto(conversation_url)
    send_by_keyboard(other, "Sorry, maybe that was too personal.")
    delivered(other, "Sorry, maybe that was too personal.")
    member.goto("/messages/requests/")
    expect(member.get_by_role("main")).to_contain_text("No message requests are waiting.")
    expect(unread_badge(member)).to_be_hidden()


def snapshot(page: Page, audit: Audit, step: str) -> None:
    """A step's screenshot, numbered with the audited ones, without running axe."""
    audit.steps.append(step)
    name = f"{audit.prefix}-{len(audit.steps):02d}-{slug(step)}.png"
    page.screenshot(path=str(audit.directory / name), full_page=True)


def two_members_talking(
    browser: Browser, site: Site, audit: Audit, first: tuple[str, str], second: tuple[str, str]
) -> tuple[Page, Page, list[str]]:
    """Two new members of the same community; the first wrote to the second and follows the
    conversation live from a page whose sockets the test can drop (see `network`)."""
    writer = join_site(browser, site, audit, *first)
    join_community(writer, COMMUNITY)
    writer.context.add_init_script(KEEP_SOCKETS)
    catch_ups = watch_catch_ups(writer)
    reader = join_site(browser, site, audit, *second)
    join_community(reader, COMMUNITY)
    # New accounts may not write first to a stranger: these two have been around a while.
    establish_members(site)
    write_to(writer, handle_of(reader), "Are you around this evening?")
    following(writer, catch_ups)
    return writer, reader, catch_ups


# --- 3. losing the connection --------------------------------------------------------------


def test_messages_missed_or_written_while_offline_arrive_once_and_in_order(
    site: Site, browser: Browser, audit: Audit
) -> None:
    away, present, away_catch_ups = two_members_talking(
        browser,
        site,
        audit,
        ("Wren Hollis", "wren@example.test"),
        ("Sol Marsh", "sol@example.test"),
    )
    away_context = away.context
    conversation_url = away.url.split("#")[0]
    present.goto(conversation_url)
    expect(present.locator(MESSAGE_ITEMS)).to_have_count(1)
    expect(away.locator("#chat-seen")).to_have_text("Seen")  # both pages follow the stream
    stay_marker(away)

    # The phone loses its network while the other member writes twice.
    network(away_context, away, online=False)
    check(away, audit, "offline: the page says so")
    send_by_keyboard(present, "Yes, after seven.")
    delivered(present, "Yes, after seven.")
    send_by_keyboard(present, "Call me if you like.")
    delivered(present, "Call me if you like.")
    expect(away.locator(MESSAGE_ITEMS)).to_have_count(1)

    # Back online, the page catches up: both messages, once each, in the order sent.
    network(away_context, away, online=True)
    expect(away.locator(MESSAGE_ITEMS)).to_have_count(3)
    expect(away.locator("#chat-announcer")).to_have_text("New message from Sol Marsh")
    live = away.evaluate(MESSAGES_ON_PAGE)
    assert [body for _, _, body in live] == [
        "Are you around this evening?",
        "Yes, after seven.",
        "Call me if you like.",
    ]
    ids = [int(message_id) for message_id, _, _ in live]
    assert ids == sorted(set(ids))
    assert stayed(away)
    check(away, audit, "online again: the missed messages caught up")
    present.reload()
    assert present.evaluate(MESSAGES_ON_PAGE) == live

    # Written while offline: shown at once as waiting, sent once when the network is back.
    network(away_context, away, online=False)
    away.locator(COMPOSER).focus()
    away.keyboard.type("Lovely, I will call at half past.")
    away.keyboard.press("Control+Enter")
    waiting = away.locator(MESSAGE_ITEMS).last
    expect(waiting).to_contain_text("Lovely, I will call at half past.")
    expect(waiting.locator("[data-state]")).to_have_text("Sending…")
    expect(waiting).to_have_class(re.compile(r"chat-message-pending"))
    expect(waiting).not_to_have_attribute("data-message-id", re.compile(r"\d"))
    # Screenshot only: axe on a waiting message is its own test below (it fails today).
    snapshot(away, audit, "offline: a message waiting to be sent")
    expect(present.locator(MESSAGE_ITEMS)).to_have_count(3)

    network(away_context, away, online=True)
    delivered(away, "Lovely, I will call at half past.")
    expect(
        present.locator(MESSAGE_ITEMS).filter(has_text="I will call at half past")
    ).to_have_count(1)
    expect(away.locator(MESSAGE_ITEMS)).to_have_count(4)
    assert stayed(away)
    check(away, audit, "online again: the waiting message sent")

    # Stored exactly once: a reload on both phones shows one copy, in the same place.
    live = away.evaluate(MESSAGES_ON_PAGE)
    away.reload()
    present.reload()
    assert away.evaluate(MESSAGES_ON_PAGE) == live
    assert present.evaluate(MESSAGES_ON_PAGE) == live
    assert [body for _, _, body in live].count("Lovely, I will call at half past.") == 1
    check(present, audit, "the other member's conversation after a reload")


# --- known faults: each test below fails on one assertion until the app is fixed ------------


def test_a_message_waiting_to_be_sent_is_readable(
    site: Site, browser: Browser, audit: Audit
) -> None:
    """FAILS TODAY (app bug): a message written offline shows "Sending…" in a pending item
    drawn at 75 % opacity (site.css `.chat-message-pending`), which brings the muted state
    text to 3.7:1 on the own-message background, below WCAG 1.4.3's 4.5:1."""
    writer, _reader, _catch_ups = two_members_talking(
        browser, site, audit, ("Ivy Dunn", "ivy@example.test"), ("Nell Price", "nell@example.test")
    )
    network(writer.context, writer, online=False)
    send_by_keyboard(writer, "I will be back online soon.")
    waiting = writer.locator(MESSAGE_ITEMS).last
    expect(waiting.locator("[data-state]")).to_have_text("Sending…")
    check(writer, audit, "a message waiting to be sent")


def test_seen_while_the_writer_was_offline_shows_when_they_are_back(
    site: Site, browser: Browser, audit: Audit
) -> None:
    """FAILS TODAY (app bug): when the other member reads while the writer's socket is down,
    the writer's page never shows "Seen" after it reconnects (a reload does): the conversation
    stream's catch-up replays messages only, not read markers (streams/conversations.py,
    `ConversationStream.backlog`). The same gap hides a read that happens between the page's
    render and its subscription."""
    writer, reader, catch_ups = two_members_talking(
        browser, site, audit, ("Mae Torres", "mae@example.test"), ("Ravi Bell", "ravi@example.test")
    )
    conversation_url = writer.url.split("#")[0]
    expect(writer.locator("#chat-seen")).to_be_hidden()
    network(writer.context, writer, online=False)
    reader.goto(conversation_url)
    expect(reader.locator(MESSAGE_ITEMS)).to_contain_text("Are you around this evening?")
    network(writer.context, writer, online=True)
    following(writer, catch_ups, times=2)
    snapshot(writer, audit, "back online after the other member read")
    expect(writer.locator("#chat-seen")).to_have_text("Seen")
