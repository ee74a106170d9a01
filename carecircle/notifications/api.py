"""JSON API: notifications, settings and watch levels."""

from ninja import Router

router = Router(tags=["notifications"])
