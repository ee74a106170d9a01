"""Stream handlers for private conversations ("conversation:<id>") and rooms ("room:<id>")."""

from __future__ import annotations
