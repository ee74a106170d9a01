"""Releasing database connections at the end of ASGI requests and error pages.

The leak this prevents shows under load with a PostgreSQL pool (see bench/README.md); these
tests check that the release itself never breaks a page: a member's page, an error page, a
request whose client left, and pages after each of them, all served through the ASGI handler.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from django.core.asgi import get_asgi_application
from django.db import connection
from django.test import Client

from carecircle.core.connections import release_connections
from carecircle.core.tests.test_visitor_cache import scope


async def request(path: str, cookie: bytes, *, disconnect: bool = False) -> tuple[int, bytes]:
    app = get_asgi_application()
    messages: list[dict[str, Any]] = []
    calls = 0

    async def receive() -> dict[str, Any]:
        nonlocal calls
        calls += 1
        if calls == 1:
            return {"type": "http.request", "body": b"", "more_body": False}
        if disconnect:
            return {"type": "http.disconnect"}
        await asyncio.Event().wait()
        return {}

    async def send(message: dict[str, Any]) -> None:
        messages.append(message)

    await app(scope(path, [(b"cookie", cookie)]), receive, send)
    status = messages[0]["status"] if messages else 0
    return status, b"".join(m.get("body", b"") for m in messages[1:])


@pytest.mark.django_db(transaction=True)
def test_pages_work_around_error_pages_and_abandoned_requests(patient, topic):
    client = Client()
    client.force_login(patient)
    cookie = f"sessionid={client.cookies['sessionid'].value}".encode()
    url = topic.get_absolute_url()

    async def site_in_service() -> list[tuple[int, bytes]]:
        # One event loop for all requests, as in a server.
        return [
            await request(url, cookie),
            await request("/no-such-page/", cookie),
            await request(url, cookie, disconnect=True),
            await request(url, cookie),
        ]

    results = asyncio.run(site_in_service())
    assert results[0][0] == 200 and b"Your reply" in results[0][1]
    assert results[1][0] == 404 and b"Sign out" in results[1][1]  # the member's header
    assert results[3][0] == 200 and b"Your reply" in results[3][1]


@pytest.mark.django_db
def test_release_leaves_an_open_transaction_alone(topic):
    # Inside the test's transaction: closing would lose it, so nothing is closed.
    connection.ensure_connection()
    release_connections()
    assert connection.connection is not None
    assert connection.in_atomic_block


@pytest.mark.django_db(transaction=True)
def test_release_closes_an_idle_connection(topic):
    connection.ensure_connection()
    release_connections()
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        assert connection.connection is not None  # Django never closes an in-memory database
    else:
        assert connection.connection is None
