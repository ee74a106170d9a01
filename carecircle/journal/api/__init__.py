"""The journal's JSON API: one router per area, mounted on /api/v1/ (see docs/api.md)."""

from ninja import Router

from carecircle.journal.api import (
    charts,
    entries,
    goals,
    insights,
    medications,
    sharing,
    transfer,
)

router = Router()
for area in (entries, medications, goals, charts, transfer, sharing, insights):
    router.add_router("", area.router)
