"""Staff pages for reported messages."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
