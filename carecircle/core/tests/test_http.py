"""The shared response and request helpers."""

from __future__ import annotations

import pytest
from django.http import FileResponse, HttpResponse
from django.test import RequestFactory

from carecircle.core.http import private_no_store, safe_next


def test_private_no_store_keeps_what_else_the_response_says() -> None:
    response = HttpResponse("x")
    response["Cache-Control"] = "max-age=0"
    assert private_no_store(response) is response
    assert response["Cache-Control"] == "max-age=0, private, no-store"
    assert private_no_store(FileResponse(iter([b"x"])))["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize(
    ("target", "kept"),
    [
        ("/t/3/", True),
        ("http://testserver/t/3/", True),
        ("https://elsewhere.example/", False),
        ("//elsewhere.example/", False),
        ("/\\elsewhere.example/", False),
        ("javascript:alert(1)", False),
        ("", False),
    ],
)
def test_safe_next_keeps_only_addresses_on_this_site(target: str, kept: bool) -> None:
    factory = RequestFactory()
    assert safe_next(factory.post("/", {"next": target})) == (target if kept else "")
    assert safe_next(factory.get("/", {"next": target})) == (target if kept else "")


def test_safe_next_over_https_refuses_a_plain_http_address() -> None:
    request = RequestFactory().get("/", {"next": "http://testserver/t/3/"}, secure=True)
    assert safe_next(request) == ""
    request = RequestFactory().get("/", {"next": "https://testserver/t/3/"}, secure=True)
    assert safe_next(request) == "https://testserver/t/3/"
