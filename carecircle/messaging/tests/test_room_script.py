"""room.js in Chromium, on the room page as the server draws it, fed stream events by hand.

The page is rendered by Django first; the browser then runs room.js against it with a
stand-in for the live connection, so the order in which events arrive is the test's to choose.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.conf import settings

from carecircle.messaging.models import ChatRoom, Message
from carecircle.messaging.tests.rooms_fixtures import *  # noqa: F403
from carecircle.messaging.tests.rooms_fixtures import add_room_message
from conftest import client_for
from tests.e2e.support import CHROMIUM, CHROMIUM_ARGS, require_browser

pytestmark = [pytest.mark.django_db, pytest.mark.browser]

ROOM_URL = "/c/type-2-diabetes/chat/tuesday-evening-support-group/"
ROOM_JS = Path(settings.BASE_DIR) / "carecircle" / "static" / "carecircle" / "room.js"

# Stands in for realtime.js: keeps the room's event handler where the test can call it.
FAKE_LIVE = """
window.CareCircleLive = {
  subscribe: function (stream, options) { window.roomEvent = options.onEvent; },
  request: function () { return new Promise(function () {}); },
  isOpen: function () { return true; },
  newId: function () { return "00000000-0000-4000-8000-000000000000"; }
};
"""


@pytest.fixture(autouse=True)
def _no_static_scan_per_client(settings) -> None:
    settings.WHITENOISE_AUTOREFRESH = True


def payload(message_id: int, words: str, author, *, is_deleted: bool = False) -> dict:
    return {
        "id": message_id,
        "stream": "ignored",
        "client_id": None,
        "author": {"handle": author.handle, "display_name": author.display_name},
        "html": "" if is_deleted else f"<p>{words}</p>",
        "created_at": "2026-12-01T19:02:00+00:00",
        "edited_at": None,
        "is_deleted": is_deleted,
        "deleted_by_moderator": False,
    }


def run_room_script(page_html: str, events: list[dict]) -> list[dict]:
    """The room log after room.js handled `events` in order: id, classes and text per item."""
    require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.set_content(page_html)
            page.add_script_tag(content=FAKE_LIVE)
            page.add_script_tag(content=ROOM_JS.read_text())
            for event in events:
                page.evaluate(f"window.roomEvent({json.dumps(event)})")
            return page.eval_on_selector_all(
                "#room-log > li",
                """items => items.map(item => ({
                    id: parseInt(item.getAttribute("data-message-id"), 10),
                    deleted: item.classList.contains("room-message-deleted"),
                    text: item.querySelector(".room-message-body").textContent.trim()
                }))""",
            )
        finally:
            browser.close()


def test_arriving_messages_take_their_place_by_id_once_each(room: ChatRoom, patient, caregiver):
    said = [add_room_message(room, caregiver, f"Message {number}") for number in range(5)]
    ids = [message.pk for message in said]
    # Two the page does not show yet (as if they committed after the page was drawn).
    Message.objects.filter(pk__in=[ids[0], ids[2]]).delete()
    page_html = client_for(patient).get(ROOM_URL).content.decode()
    last = ids[-1]
    new = lambda message_id, words: {  # noqa: E731
        "type": "message.new",
        "message": payload(message_id, words, caregiver),
    }

    log = run_room_script(
        page_html,
        [
            new(last + 2, "Seventh"),
            new(ids[2], "Late third"),
            new(last + 1, "Sixth"),
            new(ids[0], "Late first"),
            new(ids[1], "A second copy of the second"),
            new(last + 2, "A second copy of the seventh"),
            {
                "type": "message.deleted",
                "message": payload(last + 1, "", caregiver, is_deleted=True),
            },
            # A copy of the new message that arrives after its deletion brings nothing back.
            new(last + 1, "Sixth"),
        ],
    )

    assert log == [
        {"id": ids[0], "deleted": False, "text": "Late first"},
        {"id": ids[1], "deleted": False, "text": "Message 1"},
        {"id": ids[2], "deleted": False, "text": "Late third"},
        {"id": ids[3], "deleted": False, "text": "Message 3"},
        {"id": ids[4], "deleted": False, "text": "Message 4"},
        {"id": last + 1, "deleted": True, "text": "This message was deleted."},
        {"id": last + 2, "deleted": False, "text": "Seventh"},
    ]
