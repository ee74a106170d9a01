"""Pages: the bell's list, preferences, watch levels."""

urlpatterns: list = []
