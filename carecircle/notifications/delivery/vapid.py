"""The site's VAPID key pair for web push (RFC 8292).

Browsers bind a push subscription to the public key it was made with, so the pair must stay
the same for the life of the site: set both `CARECIRCLE_VAPID_PUBLIC_KEY` and `_PRIVATE_KEY`, or
let the first use generate a pair and keep it (private half encrypted) in the `PushKey` row.

Formats are the ones the web push tools share: the public key is the base64url uncompressed
P-256 point (what `PushManager.subscribe` takes as `applicationServerKey`), the private key the
base64url 32-byte scalar (what `py_vapid.Vapid.from_string` reads).
"""

from __future__ import annotations

import base64

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.db import IntegrityError, transaction
from py_vapid import Vapid

from carecircle.notifications.models import PushKey

KEY_ROW_ID = 1


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def generate_pair() -> tuple[str, str]:
    """A fresh (public, private) pair in the formats above."""
    key = ec.generate_private_key(ec.SECP256R1())
    public = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    private = key.private_numbers().private_value.to_bytes(32, "big")
    return _b64url(public), _b64url(private)


def _stored_pair() -> tuple[str, str]:
    row = PushKey.objects.filter(pk=KEY_ROW_ID).first()
    if row is None:
        public, private = generate_pair()
        try:
            with transaction.atomic():
                row = PushKey.objects.create(pk=KEY_ROW_ID, public_key=public, private_key=private)
        except IntegrityError:
            # Another process generated the pair first: everyone must use the same one.
            row = PushKey.objects.get(pk=KEY_ROW_ID)
    return row.public_key, str(row.private_key)


def key_pair() -> tuple[str, str]:
    """(public, private): from settings when both are set, else the stored pair."""
    public = settings.CARECIRCLE_VAPID_PUBLIC_KEY
    private = settings.CARECIRCLE_VAPID_PRIVATE_KEY
    if public and private:
        return public, private
    return _stored_pair()


def public_key() -> str:
    """The base64url uncompressed point browsers subscribe with."""
    return key_pair()[0]


def private_key() -> str:
    """The base64url private key (raw 32 bytes, or DER when so configured)."""
    return key_pair()[1]


def signer() -> Vapid:
    """A py_vapid signer for `pywebpush.webpush(vapid_private_key=...)`.

    Passed as an object, never as a string: given a string, pywebpush first tries it as a file
    name.
    """
    return Vapid.from_string(private_key=private_key())


def claims() -> dict[str, str | int]:
    """Fresh VAPID claims for one push (pywebpush fills `aud` and `exp` in place)."""
    return {"sub": settings.CARECIRCLE_VAPID_SUBJECT}
