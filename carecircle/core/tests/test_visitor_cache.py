"""The ASGI visitor cache: who is answered from memory, what is kept, and for how long."""

from __future__ import annotations

import asyncio
import re
import time
from typing import Any

import pytest
from django.core.asgi import get_asgi_application
from django.test import Client

from carecircle.communities.models import Community
from carecircle.core.visitor_cache import VisitorPageCache
from carecircle.discussions.models import Post

Headers = list[tuple[bytes, bytes]]


def scope(path: str = "/page/", headers: Headers | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"testserver"), *(headers or [])],
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
        **extra,
    }


async def call(app: Any, request_scope: dict[str, Any]) -> tuple[int, dict[bytes, bytes], bytes]:
    sent: list[dict[str, Any]] = []
    received = False

    async def receive() -> dict[str, Any]:
        nonlocal received
        if received:  # the client stays connected until the response is complete
            await asyncio.Event().wait()
        received = True
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(request_scope, receive, send)
    start = sent[0]
    body = b"".join(m.get("body", b"") for m in sent[1:])
    return start["status"], {bytes(n).lower(): bytes(v) for n, v in start["headers"]}, body


def get(app: Any, path: str = "/page/", headers: Headers | None = None, **extra: Any):
    return asyncio.run(call(app, scope(path, headers, **extra)))


class FakeSite:
    """A stand-in for Django that counts its renders and answers as told."""

    def __init__(self, status: int = 200, marked: bool = True, extra: Headers | None = None):
        self.status, self.marked, self.extra = status, marked, extra or []
        self.renders = 0
        self.delay = 0.0

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        self.renders += 1
        if self.delay:
            await asyncio.sleep(self.delay)
        nonce = f"nonce{self.renders:017d}"
        headers = [
            (b"content-type", b"text/html"),
            (b"content-security-policy", f"script-src 'self' 'nonce-{nonce}'".encode()),
            *self.extra,
        ]
        if self.marked:
            headers.append((b"x-carecircle-visitor-cache", b"1"))
        body = f'<script nonce="{nonce}"></script>render {self.renders}'.encode()
        await send({"type": "http.response.start", "status": self.status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def test_marked_page_is_answered_from_memory_with_a_fresh_nonce_each_time():
    site = FakeSite()
    app = VisitorPageCache(site, seconds=60)
    first = get(app)
    second = get(app)
    third = get(app)
    assert site.renders == 1
    assert b"render 1" in second[2] and b"render 1" in third[2]
    nonces = set()
    for _status, headers, body in (first, second, third):
        assert b"x-carecircle-visitor-cache" not in headers
        header_nonce = re.search(rb"'nonce-([^']+)'", headers[b"content-security-policy"])[1]
        assert body.count(b'nonce="' + header_nonce + b'"') == 1
        assert int(headers.get(b"content-length", str(len(body)).encode())) == len(body)
        nonces.add(header_nonce)
    assert len(nonces) == 3


@pytest.mark.parametrize(
    "site",
    [
        FakeSite(marked=False),
        FakeSite(status=404),
        FakeSite(status=302),
        FakeSite(extra=[(b"set-cookie", b"csrftoken=abc; Path=/")]),
    ],
    ids=["unmarked", "not-found", "redirect", "sets-a-cookie"],
)
def test_pages_that_may_differ_per_person_are_never_kept(site):
    app = VisitorPageCache(site, seconds=60)
    get(app)
    _status, headers, _body = get(app)
    assert site.renders == 2
    assert app.entries == {}
    assert b"x-carecircle-visitor-cache" not in headers


@pytest.mark.parametrize(
    "headers",
    [
        [(b"cookie", b"sessionid=abc")],
        [(b"cookie", b"csrftoken=x; sessionid=abc")],
        [(b"cookie", b"messages=abc")],
        [(b"authorization", b"Bearer cc_token")],
        [(b"hx-request", b"true")],
    ],
    ids=["session", "session-after-csrf", "messages", "api-token", "htmx"],
)
def test_requests_with_credentials_or_messages_always_reach_the_site(headers):
    site = FakeSite()
    app = VisitorPageCache(site, seconds=60)
    get(app)  # a visitor fills the cache
    _status, response_headers, body = get(app, headers=headers)
    assert site.renders == 2
    assert b"render 2" in body
    assert b"x-carecircle-visitor-cache" not in response_headers
    assert len(app.entries) == 1  # only the visitor's copy


def test_post_and_head_reach_the_site():
    site = FakeSite()
    app = VisitorPageCache(site, seconds=60)
    get(app)
    get(app, method="POST")
    get(app, method="HEAD")
    assert site.renders == 3


def test_language_host_scheme_query_and_cookies_each_get_their_own_copy():
    site = FakeSite()
    app = VisitorPageCache(site, seconds=60)
    get(app)
    get(app, headers=[(b"accept-language", b"fr")])
    get(app, headers=[(b"cookie", b"django_language=de")])
    get(app, headers=[(b"x-forwarded-proto", b"https")])
    get(app, query_string=b"page=2")
    get(app, scheme="https")
    assert site.renders == 6
    # The CSRF cookie alone changes nothing about a visitor's page.
    get(app, headers=[(b"cookie", b"csrftoken=abc")])
    assert site.renders == 6


def test_copy_expires_and_the_store_stays_bounded():
    site = FakeSite()
    app = VisitorPageCache(site, seconds=0.05, max_entries=3)
    get(app)
    time.sleep(0.06)
    assert b"render 2" in get(app)[2]
    for n in range(5):
        get(app, query_string=f"page={n}".encode())
    assert len(app.entries) == 3


def test_zero_seconds_turns_it_off_but_still_hides_the_mark():
    site = FakeSite()
    app = VisitorPageCache(site, seconds=0)
    get(app)
    _status, headers, _body = get(app)
    assert site.renders == 2
    assert b"x-carecircle-visitor-cache" not in headers


def test_a_crowd_arriving_at_a_cold_page_costs_one_render():
    site = FakeSite()
    site.delay = 0.05
    app = VisitorPageCache(site, seconds=60)

    async def crowd():
        return await asyncio.gather(*(call(app, scope()) for _ in range(20)))

    results = asyncio.run(crowd())
    assert site.renders == 1
    assert all(status == 200 and b"render 1" in body for status, _h, body in results)


def test_while_one_request_refreshes_an_expired_copy_others_get_the_previous_one():
    site = FakeSite()
    app = VisitorPageCache(site, seconds=0.05)
    get(app)
    time.sleep(0.06)
    site.delay = 0.05

    async def crowd():
        return await asyncio.gather(*(call(app, scope()) for _ in range(10)))

    bodies = [body for _s, _h, body in asyncio.run(crowd())]
    assert site.renders == 2
    assert sum(b"render 2" in body for body in bodies) == 1
    assert sum(b"render 1" in body for body in bodies) == 9


def test_a_page_that_stops_being_kept_is_dropped_at_once():
    site = FakeSite()
    app = VisitorPageCache(site, seconds=0.05)
    get(app)
    time.sleep(0.06)
    site.status = 404  # the community turned members-only
    assert get(app)[0] == 404
    assert app.entries == {}
    assert get(app)[0] == 404


# --- the real site behind it ----------------------------------------------------------------


@pytest.fixture
def site_app():
    return VisitorPageCache(get_asgi_application(), seconds=60)


@pytest.mark.django_db(transaction=True)
def test_visitors_get_the_kept_topic_page_while_members_see_it_live(site_app, topic, patient):
    url = topic.get_absolute_url()
    status, headers, body = get(site_app, url)
    assert status == 200 and b"Anyone else?" in body
    assert b"x-carecircle-visitor-cache" not in headers
    assert b"set-cookie" not in headers

    Post.objects.filter(topic=topic, position=1).update(body_html="<p>Changed since</p>")
    assert b"Anyone else?" in get(site_app, url)[2]  # from memory, a few seconds old at most

    member = Client()
    member.force_login(patient)
    session = member.cookies["sessionid"].value
    _status, _headers, live = get(site_app, url, [(b"cookie", f"sessionid={session}".encode())])
    assert b"Changed since" in live
    assert b"Your reply" in live


@pytest.mark.django_db(transaction=True)
def test_members_only_topics_and_forms_are_never_kept(site_app, private_topic, community):
    status, _headers, body = get(site_app, private_topic.get_absolute_url())
    assert status == 404
    assert b"Secret chemo diary" not in body
    get(site_app, "/accounts/login/")  # a form with a CSRF token: never kept
    get(site_app, "/communities/")
    get(site_app, community.get_absolute_url())
    kept = {key[3] for key in site_app.entries}
    assert kept == {b"/communities/", community.get_absolute_url().encode()}
    assert not any(b"Secret chemo diary" in entry.body for entry in site_app.entries.values())


@pytest.mark.django_db(transaction=True)
def test_community_turning_members_only_stops_visitors_once_the_copy_expires(topic):
    app = VisitorPageCache(get_asgi_application(), seconds=0.05)
    url = topic.get_absolute_url()
    assert get(app, url)[0] == 200
    Community.objects.filter(pk=topic.community_id).update(visibility=Community.Visibility.MEMBERS)
    time.sleep(0.06)
    status, _headers, body = get(app, url)
    assert status == 404
    assert b"Anyone else?" not in body
    assert app.entries == {}
