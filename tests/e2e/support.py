"""What the browser journeys share: the embedded site they serve, and the per-step audit."""

from __future__ import annotations

import os
import re
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Page

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "e2e"
CHROMIUM = os.environ.get("CARECIRCLE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
DEMO_PASSWORD = "carecircle-demo"  # noqa: S105 - the documented demo credential
SERVER_START_SECONDS = 60

# One Python process migrates the fresh database and loads the demo communities and members.
PREPARE_DATABASE = """
import django
django.setup()
from django.core.management import call_command
call_command("migrate", interactive=False, verbosity=0)
call_command("load_demo", verbosity=0)
"""


def require_browser() -> None:
    """Skip (or, with CARECIRCLE_REQUIRE_BROWSER=1, fail) when Chromium or Playwright is missing."""
    problem = ""
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        problem = f"Chromium is not installed at {CHROMIUM} (set CARECIRCLE_CHROMIUM to its path)"
    else:
        try:
            import axe_playwright_python  # noqa: F401
            import playwright  # noqa: F401
        except ImportError as error:
            problem = f"Playwright or axe-playwright-python is not installed ({error})"
    if not problem:
        return
    if os.environ.get("CARECIRCLE_REQUIRE_BROWSER") == "1":
        pytest.fail(f"Browser tests are required (CARECIRCLE_REQUIRE_BROWSER=1): {problem}")
    pytest.skip(f"Browser tests skipped: {problem}")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_environment(directory: Path) -> dict[str, str]:
    """The outer environment without any CARECIRCLE_* setting, plus an embedded site."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CARECIRCLE_")}
    environment.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "CARECIRCLE_VAR_DIR": str(directory),
            "CARECIRCLE_SQLITE_PATH": str(directory / "carecircle.sqlite3"),
            "CARECIRCLE_DEBUG": "1",
            "CARECIRCLE_DEMO_MODE": "1",
            # Tasks run in-process and passwords hash quickly, as in the rest of the suite.
            "CARECIRCLE_TESTING": "1",
            # Browsers bind passkeys to a host name, never to an IP address: the passkey test
            # opens the site as http://localhost:<port>.
            "CARECIRCLE_WEBAUTHN_RP_ID": "localhost",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return environment


@dataclass
class Site:
    url: str
    mail_dir: Path
    log_path: Path

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no server log)"

    def wait_for_mail(self, to: str, timeout: float = 10.0) -> str:
        """The text of the newest email written to `to` under the mail directory."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [
                path
                for path in sorted(self.mail_dir.glob("*.txt"))
                if re.search(rf"^To: .*\b{re.escape(to)}\b", path.read_text(), re.MULTILINE)
            ]
            if found:
                return found[-1].read_text()
            time.sleep(0.1)
        raise AssertionError(f"No email to {to} under {self.mail_dir}.\n{self.log_tail()}")


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


@dataclass
class Audit:
    """Per step: a full-page screenshot, then axe-core (WCAG 2.2 AA) with no violations allowed."""

    prefix: str
    directory: Path = ARTIFACTS
    steps: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        for old in self.directory.glob(f"{self.prefix}-*.png"):
            old.unlink()

    def watch(self, page: Page) -> Page:
        """Record uncaught script errors on `page`; returns the page."""
        page.on("pageerror", lambda error: self.page_errors.append(f"{page.url}: {error}"))
        return page

    def __call__(self, page: Page, step: str) -> None:
        from axe_playwright_python.sync_playwright import Axe

        page.wait_for_load_state("load")
        self.steps.append(step)
        name = f"{self.prefix}-{len(self.steps):02d}-{slug(step)}.png"
        page.screenshot(path=str(self.directory / name), full_page=True)
        options: dict[str, Any] = {
            "runOnly": {"type": "tag", "values": AXE_TAGS},
            "resultTypes": ["violations"],
        }
        results = Axe().run(page, options=options)
        assert results.violations_count == 0, (
            f"axe found problems on step '{step}' ({page.url}), see {name}:\n"
            + results.generate_report()
        )
        assert not self.page_errors, f"Script errors by step '{step}': {self.page_errors}"
