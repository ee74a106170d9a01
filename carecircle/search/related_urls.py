"""Related discussions and the similar-topics hint."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
