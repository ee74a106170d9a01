"""Fixtures for the privacy tests: private folders of the test's own for exports and media."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _private_folders(settings, tmp_path: Path) -> None:
    settings.CARECIRCLE_EXPORT_ROOT = tmp_path / "exports"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.WHITENOISE_AUTOREFRESH = True


@pytest.fixture
def mail_dir(settings, tmp_path: Path) -> Path:
    settings.EMAIL_BACKEND = "carecircle.core.mail.ConsoleAndFileEmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path / "mail")
    return tmp_path / "mail"


@pytest.fixture(autouse=True)
def _seeded_policies(request) -> None:
    """The policy documents the seed migration creates, even after a transactional test.

    Tests that use a live server (transaction=True) empty every table when they finish, which
    removes rows created by data migrations; later tests must not depend on test order.
    """
    uses_db = request.node.get_closest_marker("django_db") is not None or any(
        name in request.fixturenames for name in ("db", "transactional_db")
    )
    if not uses_db:
        return
    request.getfixturevalue("_django_db_helper")
    import importlib

    from django.apps import apps

    from carecircle.privacy.models import PolicyDocument

    if not PolicyDocument.objects.exists():
        seed = importlib.import_module("carecircle.privacy.migrations.0002_seed_policies").seed
        seed(apps, None)


@pytest.fixture
def admin(db: None) -> Any:
    """A site administrator."""
    from carecircle.core.factories import UserFactory

    return UserFactory(display_name="Site admin", handle="admin", is_site_admin=True)
