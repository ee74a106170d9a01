"""Pages for private conversations."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
