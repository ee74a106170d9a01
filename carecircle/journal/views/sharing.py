"""Journal pages: sharing. (Filled in by the sharing work; `urls` is mounted under /journal/.)"""

from __future__ import annotations

from django.urls import URLPattern

urls: list[URLPattern] = []
