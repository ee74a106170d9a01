"""The journal's pages, mounted at /journal/ (each area lists its own)."""

from carecircle.journal.views import (
    charts,
    entries,
    goals,
    insights,
    medications,
    sharing,
    transfer,
)

urlpatterns = [
    *entries.urls,
    *medications.urls,
    *goals.urls,
    *charts.urls,
    *transfer.urls,
    *sharing.urls,
    *insights.urls,
]
