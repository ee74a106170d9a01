"""Two app processes, one conversation: a chat message sent on one reaches a socket on the other.

Scale mode only (PostgreSQL + Redis): each process is a real uvicorn server on the test
database pytest-django created, and the Redis channel layer carries the broadcast between
them. On the embedded default there is a single process by design, so this test skips.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from carecircle.messaging.actions.rooms import create_room
from carecircle.messaging.models import Message
from tests.e2e.support import free_port
from tests.realtime_support import session_cookie, signed_in_client

ROOT = Path(__file__).resolve().parents[1]
START_SECONDS = 60
RECEIVE_SECONDS = 10


def scale_mode_problem() -> str:
    """Why this test cannot run here ("" when it can)."""
    if connection.vendor != "postgresql":
        return "needs CARECIRCLE_DATABASE_URL pointing at PostgreSQL (scale mode)"
    if not os.environ.get("CARECIRCLE_REDIS_URL"):
        return "needs CARECIRCLE_REDIS_URL (the Redis channel layer joins the processes)"
    return ""


def database_url_for_servers() -> str:
    """The URL of the database pytest-django created for this run, for the servers."""
    db = connection.settings_dict
    credentials = urllib.parse.quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        credentials += ":" + urllib.parse.quote(db["PASSWORD"], safe="")
    host = db.get("HOST") or "127.0.0.1"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{credentials}@{host}{port}/{db['NAME']}"


def server_environment() -> dict[str, str]:
    """The test settings that must match for sessions and encrypted fields to decode."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CARECIRCLE_")}
    environment.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "CARECIRCLE_TESTING": "1",
            # What this test is about: delivery between processes through Redis.
            "CARECIRCLE_TEST_REDIS_CHANNEL_LAYER": "1",
            "CARECIRCLE_DEBUG": "1",
            "CARECIRCLE_DATABASE_URL": database_url_for_servers(),
            "CARECIRCLE_REDIS_URL": os.environ["CARECIRCLE_REDIS_URL"],
            "CARECIRCLE_SECRET_KEY": settings.SECRET_KEY,
            "CARECIRCLE_FIELD_KEYS": ",".join(settings.FIELD_ENCRYPTION_KEYS),
            "CARECIRCLE_ALLOWED_HOSTS": ",".join(settings.ALLOWED_HOSTS),
            "CARECIRCLE_LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return environment


@contextmanager
def app_servers(count: int, directory: Path) -> Iterator[list[str]]:
    """`count` uvicorn processes on free ports; yields their base URLs; stops them after."""
    environment = server_environment()
    processes: list[tuple[subprocess.Popen, Path]] = []
    urls = []
    try:
        for number in range(count):
            port = free_port()
            log_path = directory / f"server-{number}.log"
            with log_path.open("w") as log:
                process = subprocess.Popen(
                    [sys.executable, "-m", "uvicorn", "config.asgi:application",
                     "--host", "127.0.0.1", "--port", str(port), "--lifespan", "off"],
                    cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT,
                )  # fmt: skip
            processes.append((process, log_path))
            urls.append(f"http://127.0.0.1:{port}")
        for (process, log_path), url in zip(processes, urls, strict=True):
            wait_until_serving(process, url, log_path)
        yield urls
    finally:
        for process, _ in processes:
            process.terminate()
        for process, _ in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_until_serving(process: subprocess.Popen, url: str, log_path: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"The server at {url} stopped:\n{log_path.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/health/", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    pytest.fail(f"The server at {url} did not start:\n{log_path.read_text()[-3000:]}")


async def open_room(url: str, cookie: str, stream: str):
    """A socket on the server at `url`, signed in with `cookie`, caught up on `stream`."""
    from websockets.asyncio.client import connect

    socket = await connect(
        url.replace("http://", "ws://") + "/ws/",
        origin=url,  # type: ignore[arg-type]
        additional_headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}={cookie}"},
        open_timeout=10,
    )
    hello = json.loads(await asyncio.wait_for(socket.recv(), RECEIVE_SECONDS))
    assert hello["type"] == "hello" and hello["member"] is True, hello
    await socket.send(json.dumps({"type": "subscribe", "stream": stream}))
    frames = await frames_until(socket, lambda frame: frame["type"] in {"caught_up", "error"})
    assert frames[-1] == {"type": "caught_up", "stream": stream}, frames
    return socket


async def frames_until(socket, done) -> list[dict]:
    frames = []
    async with asyncio.timeout(RECEIVE_SECONDS):
        while True:
            message = json.loads(await socket.recv())
            for frame in message["frames"] if message["type"] == "batch" else [message]:
                frames.append(frame)
                if done(frame):
                    return frames


@pytest.mark.skipif(
    bool(scale_mode_problem()),
    reason=f"Cross-process delivery is a scale-mode test: it {scale_mode_problem()}",
)
@pytest.mark.django_db(transaction=True)
def test_a_message_sent_through_one_process_reaches_a_socket_on_another(
    tmp_path, community, manager, patient, caregiver
):
    problem = scale_mode_problem()
    if problem or connection.vendor != "postgresql":
        pytest.skip(
            f"Cross-process delivery is a scale-mode test: it {problem or 'needs PostgreSQL'}"
        )
    room = create_room(actor=manager, community=community, name="Evening support")
    stream = f"room:{room.pk}"
    patient_cookie = session_cookie(signed_in_client(patient))
    caregiver_cookie = session_cookie(signed_in_client(caregiver))
    client_id = str(uuid.uuid4())

    async def scenario(first: str, second: str) -> tuple[dict, list[dict]]:
        sender = await open_room(first, patient_cookie, stream)
        receiver = await open_room(second, caregiver_cookie, stream)
        try:
            await sender.send(
                json.dumps({"type": "send", "stream": stream, "ref": "1",
                            "client_id": client_id, "body": "Hello from the first process"})
            )  # fmt: skip
            replies = await frames_until(sender, lambda frame: frame["type"] == "reply")
            received = await frames_until(
                receiver, lambda frame: frame.get("event", {}).get("type") == "message.new"
            )
        finally:
            await sender.close()
            await receiver.close()
        return replies[-1], received

    with app_servers(2, tmp_path) as (first, second):
        reply, received = asyncio.run(scenario(first, second))

    assert reply["ok"] is True, reply
    assert reply["ref"] == "1"
    sent = reply["data"]
    event = received[-1]
    assert event["stream"] == stream
    # The sender's reply also says whether to show them crisis support; that stays private.
    assert sent.pop("support") is None
    assert "support" not in event["event"]["message"]
    assert event["event"]["message"] == sent
    assert sent["client_id"] == client_id
    assert sent["author"] == {"handle": patient.handle, "display_name": patient.display_name}
    assert "Hello from the first process" in sent["html"]
    stored = Message.objects.get(pk=sent["id"])
    assert (stored.room_id, stored.author_id, str(stored.client_id)) == (
        room.pk,
        patient.pk,
        client_id,
    )
    assert stored.body == "Hello from the first process"
