"""Journal JSON API: medications."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["journal"])
