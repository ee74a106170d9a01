"""The search JSON API: the same search as the page."""

from ninja import Router

router = Router(tags=["search"])
