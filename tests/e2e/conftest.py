"""Browser journeys: a real uvicorn process on its own SQLite database, driven by Chromium.

The server is always the embedded default (SQLite, in-memory layers, email written to files),
whatever database the rest of the suite runs on, so the journeys never touch the outer
database and need no pytest-django `db` fixture: they only speak HTTP to the subprocess.
"""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from tests.e2e.support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    PREPARE_DATABASE,
    ROOT,
    SERVER_START_SECONDS,
    Audit,
    Site,
    free_port,
    require_browser,
    server_environment,
    slug,
)

if TYPE_CHECKING:
    from playwright.sync_api import Browser


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """A uvicorn server on a free port, serving a fresh demo database of its own."""
    require_browser()
    directory = tmp_path_factory.mktemp("carecircle-e2e")
    environment = server_environment(directory)
    log_path = directory / "server.log"
    prepared = subprocess.run(
        [sys.executable, "-c", PREPARE_DATABASE],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=180,
    )
    if prepared.returncode != 0:
        pytest.fail(f"Could not prepare the e2e database:\n{prepared.stdout}\n{prepared.stderr}")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "config.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--lifespan",
                "off",
            ],
            cwd=ROOT,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    site = Site(url=url, mail_dir=directory / "mail", log_path=log_path)
    try:
        deadline = time.monotonic() + SERVER_START_SECONDS
        while True:
            if process.poll() is not None:
                pytest.fail(f"The e2e server exited with {process.returncode}:\n{site.log_tail()}")
            try:
                with urllib.request.urlopen(f"{url}/health/", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"The e2e server did not answer at {url}:\n{site.log_tail()}")
            time.sleep(0.2)
        yield site
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    # Module scope: Playwright's event loop is gone before any later test touches the ORM.
    require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def audit(request: pytest.FixtureRequest) -> Audit:
    return Audit(prefix=slug(request.node.name))
