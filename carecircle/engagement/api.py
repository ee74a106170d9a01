"""JSON API: onboarding, welcome messages and badges."""

from ninja import Router

router = Router(tags=["engagement"])
