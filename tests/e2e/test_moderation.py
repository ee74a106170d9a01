"""Moderation on 360 px phones: a report with crisis help, the queue, one item, a decision,
the author's notice and appeal. axe-core (WCAG 2.2 AA) runs on each step; screenshots land in
test-artifacts/e2e/.

SlowWalker posts a topic of their own (the demo's topics stay as other journeys expect them);
SunnyDays reports it as "the writer may be in crisis" and sees where to get help; Theo, who
moderates the community, opens the safeguarding queue and the item, ticks a follow-up step and
hides the topic with a reason; SlowWalker reads why and appeals.
"""

from __future__ import annotations

import re
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

AUTHOR = "walker@demo.carecircle.test"  # SlowWalker
REPORTER = "patient@demo.carecircle.test"  # SunnyDays
MODERATOR = "moderator@demo.carecircle.test"  # Theo, moderator of every demo community
COMMUNITY_SLUG = "type-2-diabetes"
TITLE = "Nobody answers me any more"


def test_a_crisis_report_reaches_the_moderator_who_decides_and_the_author_appeals(
    site: Site, browser: Browser, audit: Audit
) -> None:
    author = audit.watch(phone_context(browser, site).new_page())
    sign_in(author, AUTHOR)
    author.goto(f"/c/{COMMUNITY_SLUG}/new-topic/")
    author.get_by_label("Title").fill(TITLE)
    author.get_by_label("Your message").fill("Some days I wonder what the point of it all is.")
    author.get_by_role("button", name="Post the topic").click()
    expect(author.get_by_role("heading", level=1)).to_have_text(TITLE)
    topic_id = re.search(r"/t/(\d+)/", author.url).group(1)  # type: ignore[union-attr]

    reporter = audit.watch(phone_context(browser, site).new_page())
    sign_in(reporter, REPORTER)
    reporter.goto(f"/report/topic/{topic_id}/")
    expect(reporter.get_by_role("heading", level=1)).to_contain_text(TITLE)
    check(reporter, audit, "report form")
    reporter.get_by_role("button", name="Send the report").click()
    expect(reporter.locator("#error_reason")).to_be_visible()
    check(reporter, audit, "report form with an error")
    reporter.get_by_label("The writer may be in crisis").check()
    reporter.get_by_label("A note for the moderators").fill("They sound very low.")
    reporter.get_by_role("button", name="Send the report").click()
    expect(reporter.get_by_text("Thank you — moderators will look at this.")).to_be_visible()
    expect(
        reporter.get_by_role("heading", name="If someone is in immediate danger")
    ).to_be_visible()
    check(reporter, audit, "thanks with crisis help")

    moderator = audit.watch(phone_context(browser, site).new_page())
    sign_in(moderator, MODERATOR)
    expect(
        moderator.get_by_role("link", name=re.compile(r"^Moderation( \d+ waiting)?$"))
    ).to_be_visible()
    moderator.get_by_role("link", name=re.compile(r"^Moderation( \d+ waiting)?$")).click()
    expect(moderator.get_by_role("heading", level=1)).to_have_text("Moderation")
    check(moderator, audit, "moderation home")
    moderator.goto(f"/c/{COMMUNITY_SLUG}/moderation/")
    expect(moderator.get_by_role("link", name=re.compile("Safeguarding"))).to_have_attribute(
        "aria-current", "page"
    )
    row = moderator.locator(".queue-row", has_text=TITLE)
    expect(row).to_contain_text("Urgent")
    expect(row).to_contain_text("The writer may be in crisis")
    check(moderator, audit, "safeguarding queue on a phone")
    row.get_by_role("link", name=TITLE).click()
    expect(moderator.get_by_text("They sound very low.")).to_be_visible()
    check(moderator, audit, "item on a phone")

    moderator.get_by_role("button", name="Mark done: Read the post and its thread").click()
    expect(
        moderator.get_by_role("button", name="Mark not done: Read the post and its thread")
    ).to_be_visible()
    moderator.get_by_label("Hide it").check()
    moderator.get_by_role("button", name="Record the decision").click()
    expect(moderator.locator("#error_reason")).to_be_visible()
    check(moderator, audit, "decision needs a reason")
    moderator.get_by_label("Reason (shown to the author)").fill(
        "Hidden while we check in with you privately."
    )
    moderator.get_by_role("button", name="Record the decision").click()
    expect(moderator.get_by_text("Decision recorded")).to_be_visible()
    check(moderator, audit, "back in the queue")

    author.goto("/account/moderation/")
    notice = author.locator(".notice-row").first
    expect(notice).to_contain_text("Hidden while we check in with you privately.")
    check(author, audit, "author's notices")
    notice.get_by_role("link", name=re.compile("^Appeal")).click()
    author.get_by_label("Why should this decision be looked at again?").fill(
        "I am safe, I was only tired. Please show it again."
    )
    author.get_by_role("button", name="Send the appeal").click()
    expect(author.get_by_text("Waiting for a decision")).to_be_visible()
    check(author, audit, "appeal sent")
