"""Database sessions whose table keeps only a SHA-256 of each session key.

The cookie carries the key; the `django_session` row is found by its hash, so a copy of the
database (a backup, a leaked dump) holds no cookie anyone could replay. The same hash ties a
session to its `MemberSession`, which is how one device can sign another out. Switching to this
store signs everyone out once, as existing rows are stored under raw keys.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.contrib.sessions.backends import db
from django.core.exceptions import SuspiciousOperation
from django.utils import timezone

# django_session.session_key holds 40 characters: the first 40 hex digits (160 bits) of the hash.
STORED_KEY_LENGTH = 40


def session_key_hash(session_key: str) -> str:
    """The full SHA-256 (hex) of a session key, as kept on MemberSession."""
    return hashlib.sha256(session_key.encode()).hexdigest()


def stored_session_key(session_key: str | None) -> str | None:
    """The primary key of a session's row in django_session."""
    if not session_key:
        return None
    return session_key_hash(session_key)[:STORED_KEY_LENGTH]


def stored_key_for_hash(key_hash: str) -> str:
    return key_hash[:STORED_KEY_LENGTH]


class SessionStore(db.SessionStore):
    def _get_session_from_db(self) -> Any:
        try:
            return self.model.objects.get(
                session_key=stored_session_key(self.session_key), expire_date__gt=timezone.now()
            )
        except (self.model.DoesNotExist, SuspiciousOperation):
            self._session_key = None
            return None

    async def _aget_session_from_db(self) -> Any:
        try:
            return await self.model.objects.aget(
                session_key=stored_session_key(self.session_key), expire_date__gt=timezone.now()
            )
        except (self.model.DoesNotExist, SuspiciousOperation):
            self._session_key = None
            return None

    def exists(self, session_key: str) -> bool:
        return bool(self.model.objects.filter(session_key=stored_session_key(session_key)).exists())

    async def aexists(self, session_key: str) -> bool:
        return bool(
            await self.model.objects.filter(session_key=stored_session_key(session_key)).aexists()
        )

    def create_model_instance(self, data: dict[str, Any]) -> Any:
        instance = super().create_model_instance(data)
        instance.session_key = stored_session_key(instance.session_key) or ""
        return instance

    async def acreate_model_instance(self, data: dict[str, Any]) -> Any:
        instance = await super().acreate_model_instance(data)
        instance.session_key = stored_session_key(instance.session_key) or ""
        return instance

    def delete(self, session_key: str | None = None) -> None:
        if session_key is None:
            if self.session_key is None:
                return
            session_key = self.session_key
        from carecircle.signin.actions import forget_member_session

        self.model.objects.filter(session_key=stored_session_key(session_key)).delete()
        # Signing out (or a new sign-in replacing this session) removes it from the list.
        forget_member_session(session_key=session_key)

    async def adelete(self, session_key: str | None = None) -> None:
        from asgiref.sync import sync_to_async

        await sync_to_async(self.delete)(session_key)

    def cycle_key(self) -> None:
        # Django gives a session a new key on sign-in and on a password change; the member's
        # list of devices follows the session to its new key (before the old row is deleted,
        # which would otherwise drop it from the list). Same steps as Django's own cycle_key.
        data = self._session  # type: ignore[attr-defined]
        old_key = self.session_key
        self.create()
        self._session_cache = data
        if old_key:
            from carecircle.signin.actions import rekey_member_session

            rekey_member_session(old_key=old_key, new_key=self.session_key or "")
            self.delete(old_key)

    async def acycle_key(self) -> None:
        from asgiref.sync import sync_to_async

        await sync_to_async(self.cycle_key)()
