"""JSON API for private conversations."""

from ninja import Router

router = Router(tags=["messages"])
