"""Journal pages: transfer. (Filled in by the transfer work; `urls` is mounted under /journal/.)"""

from __future__ import annotations

from django.urls import URLPattern

urls: list[URLPattern] = []
