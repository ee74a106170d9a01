"""Sharing content on a 360 px phone: a topic with a picture and a poll, bookmarks with a note
and a reminder, and a library suggestion that a verified professional publishes and a member
cites in a reply.

axe-core (WCAG 2.2 AA) runs on every page checked; each is checked for sideways scrolling and
small targets and screenshotted into test-artifacts/e2e/.
"""

from __future__ import annotations

import io
import re
from typing import TYPE_CHECKING

import pytest

from tests.e2e.support import Audit, Site
from tests.e2e.test_caregivers_anonymity import tab_to
from tests.e2e.test_data_rights import PHONE, SMALL_TARGETS, check, phone_context, sign_in

if TYPE_CHECKING:
    from pathlib import Path

    from playwright.sync_api import Browser, JSHandle, Locator, Page, Route

try:
    from playwright.sync_api import expect
except ImportError:  # require_browser() skips or fails these tests with the reason
    expect = None  # type: ignore[assignment]

pytestmark = pytest.mark.browser

MEMBER = "walker@demo.carecircle.test"  # SlowWalker
READER = "caregiver@demo.carecircle.test"  # CaringSon
CURATOR = "nurse@demo.carecircle.test"  # Nurse Amira: a verified professional, member everywhere
COMMUNITY = "long-covid"
CITING_TOPIC = "Pacing: how do you plan your day?"  # Long COVID, from the demo
BOOKMARKED_TOPIC = "Looking after Dad and working full time"  # Caregivers, from the demo
BOOKMARKED_REPLY = "Respite care saved me."

TITLE = "My pacing board on the fridge"
BODY = "This board keeps my days in three parts. Does anyone plan with pictures?"
ALT = "A whiteboard with three columns: morning, afternoon and evening, each with one task."
QUESTION = "How do you plan your week?"
OPTIONS = ("A board or a paper diary", "An app on my phone")
DROPPED_ALT = "My pill organiser for the week, with the evening doses in blue."
REPLY_WITH_PICTURES = "Here is how I keep my doses straight on slow days."
TOPIC_SCREENSHOT = "/tmp/e2e_topic_360.png"  # noqa: S108 - a fixed path the review reads


def photo_with_location(directory: Path) -> Path:
    """A 1600x1200 JPEG whose EXIF says where it was taken (GPS) and with which camera."""
    from PIL import ExifTags, Image

    picture = Image.linear_gradient("L").resize((1600, 1200)).convert("RGB")
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif.get_ifd(ExifTags.IFD.GPSInfo).update(
        {
            ExifTags.GPS.GPSLatitudeRef: "N",
            ExifTags.GPS.GPSLatitude: (51.0, 30.0, 12.0),
            ExifTags.GPS.GPSLongitudeRef: "W",
            ExifTags.GPS.GPSLongitude: (0.0, 7.0, 39.0),
        }
    )
    path = directory / "board.jpg"
    picture.save(path, "JPEG", exif=exif, quality=80)
    # The test means something only if the file sent really carries a location.
    assert Image.open(path).getexif().get_ifd(ExifTags.IFD.GPSInfo)
    return path


def png_bytes(colour: str) -> list[int]:
    """A small PNG, as the list of bytes page.evaluate can carry into the page."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (96, 64), colour).save(buffer, "PNG")
    return list(buffer.getvalue())


# A DataTransfer holding one File, as the browser hands to drop and paste handlers.
TRANSFER_WITH_FILE = """([bytes, name]) => {
  const transfer = new DataTransfer();
  transfer.items.add(new File([new Uint8Array(bytes)], name, {type: "image/png"}));
  return transfer;
}"""


def file_transfer(page: Page, name: str, colour: str) -> JSHandle:
    return page.evaluate_handle(TRANSFER_WITH_FILE, [png_bytes(colour), name])


def accessible_name(target: Locator) -> str:
    """A button's or link's name: its text, visually hidden words included."""
    return " ".join((target.text_content() or "").split())


def topic_url_of(page: Page, title: str) -> str:
    return str(page.get_by_role("main").get_by_role("link", name=title).first.get_attribute("href"))


def test_member_starts_a_topic_with_a_described_picture_and_a_poll_then_votes_by_keyboard(
    site: Site, browser: Browser, audit: Audit, tmp_path: Path
) -> None:
    from PIL import Image

    photo = photo_with_location(tmp_path)
    context = phone_context(browser, site)
    page = audit.watch(context.new_page())
    main = page.get_by_role("main")
    sign_in(page, MEMBER)

    page.goto(f"/c/{COMMUNITY}/new-topic/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Start a topic in Long COVID")
    main.get_by_label("Title", exact=True).fill(TITLE)
    main.get_by_label("Your message", exact=True).fill(BODY)

    # The picker, with JavaScript on: attach.js uploads at once, then asks for a description.
    main.locator("input[type=file][name=files]").set_input_files(str(photo))
    item = main.locator("[data-attach-item][data-state=done]")
    expect(item).to_have_count(1)
    description = main.get_by_label("Describe this picture for people who cannot see it")
    expect(description).to_be_visible()
    expect(description).to_be_focused()
    # The name is the stored one: the picture is kept as WebP.
    expect(main.locator("[data-attach-status]")).to_have_text(
        re.compile(r"^board\.\w+ is attached\. Please describe the picture\.$")
    )
    upload_id = item.get_attribute("data-upload-id")
    assert upload_id and upload_id.isdigit()
    check(page, audit, "picture attached, description asked")

    # Sent without a description: the error sits with the picture's box, nothing typed is lost.
    main.get_by_role("button", name="Post the topic").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Start a topic in Long COVID")
    description = main.get_by_label("Describe this picture for people who cannot see it")
    error = main.locator(f"#error_alt_{upload_id}")
    expect(error).to_be_visible()
    expect(description).to_have_attribute("aria-invalid", "true")
    expect(description).to_have_attribute(
        "aria-describedby", re.compile(rf"\berror_alt_{upload_id}\b")
    )
    assert description.evaluate(
        "(el, e) => el.closest('.field').contains(e)", error.element_handle()
    )
    expect(main.get_by_label("Title", exact=True)).to_have_value(TITLE)
    expect(main.get_by_label("Your message", exact=True)).to_have_value(BODY)
    expect(main.locator(f"input[name=attachment][value='{upload_id}']")).to_have_count(1)
    check(page, audit, "topic refused without a description")

    description.fill(ALT)
    poll = main.locator("details.poll-fields")
    poll.locator("summary", has_text="Add a poll").click()
    main.get_by_label("Add this poll to my topic").check()
    main.get_by_label("Question", exact=True).fill(QUESTION)
    main.get_by_label("Option 1", exact=True).fill(OPTIONS[0])
    main.get_by_label("Option 2", exact=True).fill(OPTIONS[1])
    main.get_by_role("button", name="Post the topic").click()

    # The topic: the picture with its description and several widths, and the poll.
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    picture = main.get_by_role("img", name=ALT)
    expect(picture).to_have_count(1)
    srcset = picture.get_attribute("srcset") or ""
    widths = sorted(int(width) for width in re.findall(r"\s(\d+)w\b", srcset))
    assert len(widths) >= 3, srcset
    assert widths[:3] == [320, 640, 1280], srcset
    for address in [picture.get_attribute("src") or "", *re.findall(r"(\S+)\s\d+w", srcset)]:
        served = context.request.get(address)
        assert served.status == 200, address
        assert served.headers["content-type"] == "image/webp", address
        assert served.headers["x-content-type-options"] == "nosniff", address
        stored = Image.open(io.BytesIO(served.body()))
        assert stored.format == "WEBP"
        # No location, no camera: nothing of the EXIF sent is kept.
        assert "exif" not in stored.info, address
        assert dict(stored.getexif()) == {}, address
    section = main.get_by_role("region", name=QUESTION)
    expect(section).to_be_visible()
    expect(section).to_contain_text("Choose one option.")
    check(page, audit, "topic with its picture and poll")

    # Keyboard only: Tab into the choices, Space to choose, Tab to Vote, Enter.
    tab_to(page, "section.poll input[type=radio]")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Space")
    chosen = section.get_by_label(OPTIONS[1], exact=True)
    expect(chosen).to_be_checked()
    page.keyboard.press("Tab")
    expect(section.get_by_role("button", name="Vote")).to_be_focused()
    page.keyboard.press("Enter")
    section = main.get_by_role("region", name=QUESTION)
    expect(section).to_contain_text(f"You voted for: {OPTIONS[1]}")
    results = section.locator(".poll-result")
    expect(results).to_have_count(2)
    expect(results.nth(0)).to_contain_text("0% (0 votes)")
    expect(results.nth(1)).to_contain_text("100% (1 vote)")
    expect(section).to_contain_text("1 person voted.")
    expect(section.get_by_role("button", name="Change my vote")).to_be_visible()
    check(page, audit, "poll results after voting")
    page.screenshot(path=TOPIC_SCREENSHOT, full_page=True)
    context.close()


def test_member_bookmarks_a_reply_with_a_note_and_a_reminder_then_removes_it(
    site: Site, browser: Browser, audit: Audit
) -> None:
    page = audit.watch(phone_context(browser, site).new_page())
    main = page.get_by_role("main")
    sign_in(page, READER)
    page.goto("/c/caregivers/")
    page.goto(topic_url_of(page, BOOKMARKED_TOPIC))
    expect(page.get_by_role("heading", level=1)).to_have_text(BOOKMARKED_TOPIC)

    reply = main.get_by_role("article").filter(has_text=BOOKMARKED_REPLY)
    button = reply.get_by_role("button", name=re.compile(r"^Bookmark post #2$"))
    expect(button).to_have_attribute("aria-pressed", "false")
    button_id = button.get_attribute("id")
    button.click()
    # htmx swaps the form in place: the same button, now pressed.
    bookmarked = reply.locator(f"#{button_id}")
    expect(bookmarked).to_have_attribute("aria-pressed", "true")
    expect(bookmarked).to_have_text(re.compile(r"^Bookmarked"))
    # Checked at the end so the rest of the journey runs: the swapped-in button must still say
    # which post it is for, as the page drew it ("Bookmark post #2").
    swapped_name = accessible_name(bookmarked)
    swapped_link = accessible_name(reply.get_by_role("link", name=re.compile(r"note or reminder")))
    check(page, audit, "reply bookmarked")

    reply.get_by_role("link", name=re.compile(r"note or reminder")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Note and reminder")
    main.get_by_label("Private note").fill("Ask the council about respite care.")
    main.get_by_label("Remind me on").fill("2031-03-14T09:30")
    main.get_by_role("button", name="Save", exact=True).click()

    page.goto("/bookmarks/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Bookmarks")
    row = main.locator(".bookmark-list > li").filter(has_text=BOOKMARKED_TOPIC)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Post #2")
    expect(row).to_contain_text("Your note: Ask the council about respite care.")
    expect(row).to_contain_text("Reminder: 14 Mar 2031, 09:30")
    expect(row).to_contain_text(BOOKMARKED_REPLY)
    check(page, audit, "bookmarks with the note")

    main.get_by_role("navigation", name="Show bookmarks").get_by_role(
        "link", name=re.compile("reminder", re.IGNORECASE)
    ).click()
    expect(row).to_have_count(1)
    row.get_by_role("button", name=f"Remove bookmark ({BOOKMARKED_TOPIC})").click()
    expect(main.locator(".bookmark-list > li").filter(has_text=BOOKMARKED_TOPIC)).to_have_count(0)
    page.goto("/bookmarks/")
    expect(main.locator(".bookmark-list > li").filter(has_text=BOOKMARKED_TOPIC)).to_have_count(0)

    # The button and link htmx swapped in still name the post they are for, as the page did.
    assert (swapped_name, swapped_link) == (
        "Bookmarked post #2",
        "Add a note or reminder post #2",
    ), "the bookmark button swapped in by htmx no longer says which post it is for"


def test_member_suggests_a_resource_a_professional_publishes_it_and_a_reply_cites_it(
    site: Site, browser: Browser, audit: Audit
) -> None:
    title = "Pacing and fatigue: a practical guide"
    member = audit.watch(phone_context(browser, site).new_page())
    main = member.get_by_role("main")
    sign_in(member, MEMBER)
    member.goto(f"/c/{COMMUNITY}/library/new/")
    expect(member.get_by_role("heading", level=1)).to_have_text("Suggest a resource")
    main.get_by_label("What kind of resource is it?").select_option("website")
    main.get_by_label("Title", exact=True).fill(title)
    main.get_by_label("Link", exact=True).fill("https://www.example.org/pacing-guide")
    main.get_by_label("Summary", exact=True).fill("How to plan rest before you feel tired.")
    main.get_by_label("Publisher", exact=True).fill("Example Health Trust")
    main.get_by_label("Tags", exact=True).fill("pacing, fatigue")
    audit(member, "suggest a resource")
    assert member.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    small_on_form = member.evaluate(SMALL_TARGETS)
    assert small_on_form == [], f"the suggestion form has targets under 24x24px: {small_on_form}"
    main.get_by_role("button", name="Send my suggestion").click()
    expect(member.get_by_role("heading", level=1)).to_have_text(title)
    expect(main).to_contain_text("This is a suggestion waiting for review.")
    match = re.search(r"/library/(\d+)/", member.url)
    assert match, member.url
    resource_path = f"/library/{match.group(1)}/"

    curator = audit.watch(phone_context(browser, site).new_page())
    sign_in(curator, CURATOR)
    curator.goto("/library/review/")
    expect(curator.get_by_role("heading", level=1)).to_have_text("Library review queue")
    waiting = curator.get_by_role("main").locator("li.library-item").filter(has_text=title)
    expect(waiting).to_contain_text("suggested by SlowWalker")
    check(curator, audit, "review queue")
    publish = waiting.get_by_role("button", name=f"Publish “{title}”")
    publish.focus()
    curator.keyboard.press("Enter")
    expect(
        curator.get_by_role("main").locator("li.library-item").filter(has_text=title)
    ).to_have_count(0)

    member.goto(resource_path)
    expect(main).not_to_contain_text("waiting for review")
    link = main.get_by_label(re.compile("^Paste this link into a post"))
    cite = link.input_value()
    # A Markdown link, so the reply shows it as a link: "[Title](/library/<id>/)".
    assert cite.endswith(f"({resource_path})"), cite
    expect(main.get_by_role("region", name=re.compile("^Discussions citing"))).to_contain_text(
        "No discussion you can read cites it yet."
    )
    check(member, audit, "published resource")

    member.goto(f"/c/{COMMUNITY}/")
    member.goto(topic_url_of(member, CITING_TOPIC))
    main.get_by_label("Message", exact=True).fill(f"This guide helped me plan rests: {cite}")
    main.get_by_role("button", name="Post reply").click()
    expect(main.get_by_role("article").filter(has_text="This guide helped me")).to_have_count(1)

    member.goto(resource_path)
    citing = main.get_by_role("region", name=re.compile("^Discussions citing"))
    expect(citing.get_by_role("heading")).to_have_text("Discussions citing this resource (1)")
    expect(citing.get_by_role("link", name=CITING_TOPIC)).to_be_visible()
    check(member, audit, "resource with its citing discussion")


def test_member_drops_and_pastes_pictures_into_a_reply_and_describes_both(
    site: Site, browser: Browser, audit: Audit
) -> None:
    page = audit.watch(phone_context(browser, site).new_page())
    main = page.get_by_role("main")
    sign_in(page, MEMBER)
    page.goto(f"/c/{COMMUNITY}/")
    page.goto(topic_url_of(page, CITING_TOPIC))
    form = main.locator("form:has([data-attach])")
    expect(form.locator("[data-attach]")).to_have_attribute("data-enhanced", "yes")
    form.get_by_label("Message", exact=True).fill(REPLY_WITH_PICTURES)

    # The first upload is held back so its progress bar can be seen before the server answers.
    upload_url = form.locator("[data-attach]").get_attribute("data-upload-url")
    held: list[Route] = []

    def hold(route: Route) -> None:
        held.append(route)

    page.route(f"**{upload_url}", hold)

    # A picture dragged from the desktop onto the form (attach.js listens on the whole form).
    zone = form.locator("[data-attach-drop]")
    dropped = file_transfer(page, "pills.png", "steelblue")
    zone.dispatch_event("dragenter", {"dataTransfer": dropped})
    expect(zone).to_have_class(re.compile(r"\battach-drop-active\b"))
    zone.dispatch_event("dragover", {"dataTransfer": dropped})
    zone.dispatch_event("drop", {"dataTransfer": dropped})
    expect(zone).not_to_have_class(re.compile(r"\battach-drop-active\b"))
    expect(form.get_by_role("progressbar", name="Upload of pills.png")).to_be_visible()
    expect(form.locator("[data-attach-item][data-state=pending]")).to_have_count(1)
    for _ in range(250):  # up to 5 s for the held request to reach the route
        if held:
            break
        page.wait_for_timeout(20)
    assert len(held) == 1, "the dropped picture was never sent"
    held[0].continue_()
    page.unroute(f"**{upload_url}")
    rows = form.locator("[data-attach-item][data-state=done]")
    expect(rows).to_have_count(1)
    expect(form.get_by_role("progressbar")).to_have_count(0)
    describe = "Describe this picture for people who cannot see it"
    expect(rows.nth(0).get_by_label(describe)).to_be_focused()

    # A screenshot pasted into the message box: the paste reaches the form's listener.
    pasted = file_transfer(page, "image.png", "orange")
    form.get_by_label("Message", exact=True).evaluate(
        "(box, transfer) => box.dispatchEvent(new ClipboardEvent('paste',"
        " {clipboardData: transfer, bubbles: true, cancelable: true}))",
        pasted,
    )
    expect(rows).to_have_count(2)
    expect(rows.nth(1).get_by_label(describe)).to_be_focused()
    # Pasting a picture must not also paste anything into the message.
    expect(form.get_by_label("Message", exact=True)).to_have_value(REPLY_WITH_PICTURES)

    rows.nth(0).get_by_label(describe).fill(DROPPED_ALT)
    rows.nth(1).get_by_label(re.compile("^It is only decorative")).check()
    check(page, audit, "reply with a dropped and a pasted picture")
    form.get_by_role("button", name="Post reply").click()

    reply = main.get_by_role("article").filter(has_text=REPLY_WITH_PICTURES)
    expect(reply).to_have_count(1)
    pictures = reply.locator("ul.attachments img")
    expect(pictures).to_have_count(2)
    expect(pictures.nth(0)).to_have_attribute("alt", DROPPED_ALT)
    expect(pictures.nth(1)).to_have_attribute("alt", "")
    check(page, audit, "reply showing both pictures")
