"""Journal pages: entries. (Filled in by the entries work; `urls` is mounted under /journal/.)"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path


@login_required
def journal_home(request: HttpRequest) -> HttpResponse:
    """The member's journal overview."""
    return render(request, "journal/journal_home.html", {})


urls: list[URLPattern] = [path("", journal_home, name="journal_home")]
