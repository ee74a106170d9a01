"""A Redis cache that degrades to a miss, never an error, while Redis is down."""

from __future__ import annotations

import logging
from typing import Any

from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger(__name__)


class TolerantRedisCache(RedisCache):
    # Positional-only, so a caller's own `default=` keyword reaches the cache call.
    def _safe(self, method: str, default: Any, /, *args: Any, **kwargs: Any) -> Any:
        try:
            return getattr(super(), method)(*args, **kwargs)
        except Exception as error:  # noqa: BLE001 - any client error means "no cache right now"
            logger.warning("cache %s failed: %s", method, error)
            return default

    def get(self, *args: Any, **kwargs: Any) -> Any:
        default = kwargs.get("default", args[1] if len(args) > 1 else None)
        return self._safe("get", default, *args, **kwargs)

    def set(self, *args: Any, **kwargs: Any) -> None:
        self._safe("set", None, *args, **kwargs)

    def add(self, *args: Any, **kwargs: Any) -> bool:
        return bool(self._safe("add", False, *args, **kwargs))

    def delete(self, *args: Any, **kwargs: Any) -> bool:
        return bool(self._safe("delete", False, *args, **kwargs))

    def incr(self, *args: Any, **kwargs: Any) -> int:
        try:
            return super().incr(*args, **kwargs)
        except ValueError:
            raise
        except Exception as error:  # noqa: BLE001
            logger.warning("cache incr failed: %s", error)
            return 0

    def get_many(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        return dict(self._safe("get_many", {}, *args, **kwargs))

    def touch(self, *args: Any, **kwargs: Any) -> bool:
        return bool(self._safe("touch", False, *args, **kwargs))

    def set_many(self, data: dict[str, Any], *args: Any, **kwargs: Any) -> list[str]:
        # Keys that could not be stored, as Django's contract has it: all of them.
        return list(self._safe("set_many", list(data), data, *args, **kwargs))

    def delete_many(self, *args: Any, **kwargs: Any) -> None:
        self._safe("delete_many", None, *args, **kwargs)

    def has_key(self, *args: Any, **kwargs: Any) -> bool:
        return bool(self._safe("has_key", False, *args, **kwargs))

    def clear(self) -> None:
        self._safe("clear", None)
