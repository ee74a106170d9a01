"""An id too large for the database's integers is "not found", on pages and in the API."""

from __future__ import annotations

import pytest

HUGE = "1" + "0" * 30


@pytest.mark.parametrize(
    "path",
    [
        f"/p/{HUGE}/",
        f"/t/{HUGE}/",
        f"/messages/{HUGE}/",
        f"/api/v1/conversations/{HUGE}",
        f"/api/v1/rooms/{HUGE}",
        f"/api/v1/posts/{HUGE}",
    ],
)
def test_an_impossible_id_is_not_found(client, patient, path):
    client.force_login(patient)
    response = client.get(path)
    assert response.status_code == 404
    if path.startswith("/api/"):
        assert response.json()["code"] == "not_found"
