"""The moderation JSON API at /api/v1/ (tag "moderation"): one router made of four parts."""

from __future__ import annotations

from ninja import Router

from carecircle.moderation.api import items, members, policy, reports

router = Router(tags=["moderation"])
router.add_router("", reports.router)
router.add_router("", items.router)
router.add_router("", members.router)
router.add_router("", policy.router)

__all__ = ["router"]
