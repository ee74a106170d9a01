"""The CSRF failure page keeps the member's text; the health check reports readiness."""

from __future__ import annotations

import pytest
from django.test import Client

from carecircle.communities.models import Community
from carecircle.core import views
from carecircle.core.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def csrf_client(manager) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(manager)
    return client


def test_an_expired_form_shows_the_typed_text_to_copy(csrf_client):
    typed = {
        "name": "Long COVID",
        "description": "A long description\nwith <b>two</b> lines & more",
        "guidelines": "Be kind.",
        "kind": "condition",
        "visibility": "public",
    }

    response = csrf_client.post("/communities/new/", typed)

    assert response.status_code == 403
    page = response.content.decode()
    assert "<h1>Your page expired before it was sent</h1>" in page
    assert (
        '<textarea id="kept-description" readonly>'
        "A long description\nwith &lt;b&gt;two&lt;/b&gt; lines &amp; more</textarea>"
    ) in page
    assert '<textarea id="kept-name" readonly>Long COVID</textarea>' in page
    assert '<textarea id="kept-guidelines" readonly>Be kind.</textarea>' in page
    # Only the member's own words are echoed, not every field.
    assert "kept-kind" not in page
    assert Community.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_an_expired_reply_keeps_its_body(csrf_client, topic):
    response = csrf_client.post(f"/t/{topic.pk}/reply", {"body": "My whole careful reply"})
    assert response.status_code == 403
    assert '<textarea id="kept-body" readonly>My whole careful reply</textarea>' in (
        response.content.decode()
    )


def test_an_expired_form_with_nothing_typed_shows_no_empty_boxes(csrf_client):
    response = csrf_client.post("/communities/new/", {"name": "   "})
    assert response.status_code == 403
    assert "<textarea" not in response.content.decode()


def test_csrf_failure_on_an_api_path_answers_json(rf):
    request = rf.post("/api/v1/anything", {"body": "x"})
    response = views.csrf_failure(request, reason="CSRF cookie not set.")
    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"
    assert response.content == (
        b'{"code": "csrf_failed", "message": '
        b'"This request is missing its security token. Reload and try again."}'
    )


def test_health_reports_ok(client):
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_health_reports_503_when_the_database_fails(client, monkeypatch):
    class Broken:
        def cursor(self):
            raise RuntimeError("database unreachable")

    monkeypatch.setattr(views, "connection", Broken())
    response = client.get("/health/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
