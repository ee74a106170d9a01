"""Journal pages: goals. (`urls` is mounted under /journal/.)"""

from __future__ import annotations

from django.urls import URLPattern

urls: list[URLPattern] = []
