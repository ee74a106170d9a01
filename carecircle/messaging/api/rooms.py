"""JSON API for community chat rooms."""

from ninja import Router

router = Router(tags=["chat rooms"])
