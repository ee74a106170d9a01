"""Delivery pages: one-click unsubscribe and the push service worker."""

urlpatterns: list = []
