"""The journal's pages, mounted at /journal/ (each area lists its own)."""

from carecircle.journal.views import charts, entries, insights, sharing, transfer

urlpatterns = [*entries.urls, *charts.urls, *transfer.urls, *sharing.urls, *insights.urls]
