"""Pages for community chat rooms."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
