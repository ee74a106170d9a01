"""Encryption of sensitive fields at rest.

Values are encrypted with Fernet (AES-128-CBC + HMAC-SHA256) under a MultiFernet built from
`settings.FIELD_ENCRYPTION_KEYS`: the first key encrypts, every key decrypts, so keys can be
rotated by putting a new key first and running `manage.py rotate_field_keys`. The keys are kept
apart from SECRET_KEY so that a leaked SECRET_KEY does not expose health data.

A value that no configured key can decrypt raises `FieldKeyError` instead of being returned as
garbage or as an empty value: a wrong or missing key must fail loudly, never silently.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.serializers.json import DjangoJSONEncoder
from django.core.signals import setting_changed
from django.db import models

TOKEN_PREFIX = "gAAAAA"  # noqa: S105 - every Fernet token starts with the version byte 0x80, base64-encoded


class FieldKeyError(ImproperlyConfigured):
    """A stored value cannot be decrypted with any configured key."""


@lru_cache(maxsize=1)
def fernet() -> MultiFernet:
    """The MultiFernet for the configured keys (newest first)."""
    keys = list(getattr(settings, "FIELD_ENCRYPTION_KEYS", []) or [])
    if not keys:
        raise FieldKeyError(
            "No field encryption keys are configured: set CARECIRCLE_FIELD_KEYS "
            "(see docs/deploy.md)."
        )
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except ValueError as error:
        raise FieldKeyError(
            "CARECIRCLE_FIELD_KEYS holds a value that is not a Fernet key "
            "(32 url-safe base64-encoded bytes)."
        ) from error


def _reset(**kwargs: Any) -> None:
    if kwargs.get("setting") == "FIELD_ENCRYPTION_KEYS":
        fernet.cache_clear()
        _newest.cache_clear()


setting_changed.connect(_reset)


def encrypt_text(value: str) -> str:
    return fernet().encrypt(value.encode("utf-8")).decode("ascii")


def decrypt_text(token: str) -> str:
    try:
        return fernet().decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeEncodeError) as error:
        raise FieldKeyError(
            "A sensitive value in the database cannot be decrypted with any key in "
            "CARECIRCLE_FIELD_KEYS. The keys are wrong or one was removed before "
            "`manage.py rotate_field_keys` finished. Refusing to go on."
        ) from error


@lru_cache(maxsize=1)
def _newest() -> Fernet:
    fernet()  # validates the configuration
    return Fernet(settings.FIELD_ENCRYPTION_KEYS[0])


def rotate_token(token: str) -> str:
    """Re-encrypt one stored token with the newest key; a token already under it is kept."""
    raw = token.encode("ascii")
    try:
        _newest().decrypt(raw)
    except InvalidToken:
        pass
    else:
        return token
    try:
        return fernet().rotate(raw).decode("ascii")
    except InvalidToken as error:
        raise FieldKeyError(
            "A stored value cannot be decrypted with any configured key."
        ) from error


class EncryptedTextField(models.TextField):  # type: ignore[type-arg]
    """Text stored as a Fernet token. It cannot be filtered or ordered on in the database."""

    description = "Text encrypted at rest"

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None or value == "":
            return value
        return decrypt_text(value)

    def to_python(self, value: Any) -> Any:
        return value

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt_text(str(value))


class EncryptedJSONField(models.TextField):  # type: ignore[type-arg]
    """A JSON value (list, dict, ...) stored as one Fernet token."""

    description = "JSON encrypted at rest"

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None or value == "":
            return self._empty()
        return json.loads(decrypt_text(value))

    def _empty(self) -> Any:
        return self.get_default() if self.has_default() else None

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str) and value.startswith(TOKEN_PREFIX):
            return json.loads(decrypt_text(value))
        return value

    def get_prep_value(self, value: Any) -> Any:
        if value is None:
            return None
        return encrypt_text(json.dumps(value, cls=DjangoJSONEncoder, sort_keys=True))

    def value_to_string(self, obj: models.Model) -> str:
        return json.dumps(self.value_from_object(obj), cls=DjangoJSONEncoder)


ENCRYPTED_FIELD_TYPES = (EncryptedTextField, EncryptedJSONField)


def encrypted_fields() -> Iterator[tuple[type[models.Model], list[str]]]:
    """Every concrete model with encrypted fields, and the names of those fields."""
    from django.apps import apps

    for model in apps.get_models():
        names = [
            field.attname
            for field in model._meta.concrete_fields
            if isinstance(field, ENCRYPTED_FIELD_TYPES)
        ]
        if names and not model._meta.proxy:
            yield model, names


def rotate_all(batch_size: int = 500, progress: Any = None) -> int:
    """Re-encrypt every encrypted value with the newest key; returns how many values changed.

    Works on the raw stored tokens (no decryption into Python objects), one batch per
    transaction, so it can run on a live site and be resumed after an interruption.
    """
    from django.db import connection, transaction

    changed = 0
    for model, names in encrypted_fields():
        table = connection.ops.quote_name(model._meta.db_table)
        fields = {field.attname: field for field in model._meta.concrete_fields}
        pk = connection.ops.quote_name(str(model._meta.pk.column))  # type: ignore[union-attr]
        columns = [connection.ops.quote_name(str(fields[n].column)) for n in names]
        last = None
        while True:
            with transaction.atomic(), connection.cursor() as cursor:
                where = f"WHERE {pk} > %s " if last is not None else ""
                cursor.execute(
                    f"SELECT {pk}, {', '.join(columns)} FROM {table} {where}"  # noqa: S608
                    f"ORDER BY {pk} LIMIT %s",
                    [last, batch_size] if last is not None else [batch_size],
                )
                rows = cursor.fetchall()
                for row in rows:
                    updates = {}
                    for column, token in zip(columns, row[1:], strict=True):
                        if token:
                            new = rotate_token(token)
                            if new != token:
                                updates[column] = new
                    if updates:
                        assignments = ", ".join(f"{c} = %s" for c in updates)
                        cursor.execute(
                            f"UPDATE {table} SET {assignments} WHERE {pk} = %s",  # noqa: S608
                            [*updates.values(), row[0]],
                        )
                        changed += len(updates)
            if progress is not None:
                progress(model, len(rows))
            if len(rows) < batch_size:
                break
            last = rows[-1][0]
    return changed
