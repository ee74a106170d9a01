"""Fixtures for the accounts tests, on top of the shared personas in the root conftest."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def mail_dir(settings, tmp_path: Path) -> Path:
    """Send email through the embedded backend into a folder of this test's own."""
    settings.EMAIL_BACKEND = "carecircle.core.mail.ConsoleAndFileEmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path / "mail")
    return tmp_path / "mail"
