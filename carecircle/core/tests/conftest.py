"""Fixtures for the core tests, on top of the shared personas in the root conftest."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _static_files_found_on_demand(settings) -> None:
    # WhiteNoise indexes every static file whenever a test Client loads the middleware
    # (0.1-0.3 s per Client once var/static is collected); autorefresh finds them on demand.
    settings.WHITENOISE_AUTOREFRESH = True
