"""JSON API for related discussions and similar topics."""

from ninja import Router

router = Router(tags=["search"])
