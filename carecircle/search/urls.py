"""Search pages (owned by the search interface)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
