"""The VAPID key pair: from settings, or generated once and kept."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid

from carecircle.notifications.delivery import vapid
from carecircle.notifications.models import PushKey

pytestmark = pytest.mark.django_db


def _decode(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


@pytest.fixture(autouse=True)
def _no_configured_keys(settings):
    settings.CARECIRCLE_VAPID_PUBLIC_KEY = ""
    settings.CARECIRCLE_VAPID_PRIVATE_KEY = ""


def test_first_use_generates_one_pair_and_keeps_it() -> None:
    assert PushKey.objects.count() == 0

    public = vapid.public_key()

    row = PushKey.objects.get()
    assert row.pk == 1
    assert row.public_key == public
    assert vapid.public_key() == public
    assert vapid.private_key() == str(row.private_key)
    assert PushKey.objects.count() == 1


def test_public_key_is_the_uncompressed_point_of_the_private_key() -> None:
    public = _decode(vapid.public_key())
    private = _decode(vapid.private_key())

    assert len(public) == 65
    assert public[0] == 4
    assert len(private) == 32
    key = ec.derive_private_key(int.from_bytes(private, "big"), ec.SECP256R1())
    assert (
        key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        == public
    )
    assert "=" not in vapid.public_key()


def test_private_key_is_encrypted_at_rest() -> None:
    vapid.public_key()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT private_key FROM notifications_pushkey WHERE id = 1")
        (stored,) = cursor.fetchone()
    assert stored != vapid.private_key()
    assert vapid.private_key() not in stored


def test_signer_signs_with_the_same_key() -> None:
    signer = vapid.signer()

    assert isinstance(signer, Vapid)
    raw = signer.public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    assert raw == _decode(vapid.public_key())
    headers = signer.sign({"sub": "mailto:a@example.org", "aud": "https://push.example"})
    assert headers["Authorization"].startswith("vapid t=")
    assert headers["Authorization"].endswith(f",k={vapid.public_key()}")


def test_a_row_made_by_another_process_meanwhile_wins(monkeypatch) -> None:
    """Two workers generate at once: the loser of the insert uses the winner's pair."""
    original_generate = vapid.generate_pair

    def generate_while_someone_else_stores_theirs() -> tuple[str, str]:
        PushKey.objects.create(pk=1, public_key="winner-public", private_key="winner-private")
        return original_generate()

    monkeypatch.setattr(vapid, "generate_pair", generate_while_someone_else_stores_theirs)

    assert vapid.key_pair() == ("winner-public", "winner-private")
    assert PushKey.objects.count() == 1


def test_configured_keys_are_used_and_nothing_is_stored(settings) -> None:
    public, private = vapid.generate_pair()
    settings.CARECIRCLE_VAPID_PUBLIC_KEY = public
    settings.CARECIRCLE_VAPID_PRIVATE_KEY = private

    assert vapid.public_key() == public
    assert vapid.private_key() == private
    assert PushKey.objects.count() == 0


def test_only_one_configured_key_is_ignored(settings) -> None:
    settings.CARECIRCLE_VAPID_PUBLIC_KEY = "only-public"

    assert vapid.public_key() != "only-public"
    assert PushKey.objects.count() == 1


def test_public_key_api_answers_visitors(visitor_client) -> None:
    response = visitor_client.get("/api/v1/push/public-key")

    assert response.status_code == 200
    assert response.json() == {"public_key": vapid.public_key()}
