"""Fixed-window rate limits kept in the cache; an unreachable cache never blocks a member."""

from __future__ import annotations

import math
import time

from django.core.cache import cache
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from carecircle.core.errors import RateLimitedError

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    count, _slash, period = rate.partition("/")
    return int(count), _PERIODS[period[-1]] * int(period[:-1] or 1)


def check_rate(*, scope: str, key: str, rate: str) -> None:
    """Count one attempt for (scope, key); raise RateLimitedError once `rate` is exceeded."""
    limit, seconds = parse_rate(rate)
    window = int(time.time() // seconds)
    cache_key = f"rl:{scope}:{key}:{window}"
    if cache.add(cache_key, 1, seconds + 1):
        return
    try:
        count = cache.incr(cache_key)
    except ValueError:
        cache.add(cache_key, 1, seconds + 1)
        return
    if count > limit:
        raise RateLimitedError(_wait_message(seconds, (window + 1) * seconds - time.time()))


def _wait_message(period: int, remaining: float) -> str:
    """Say how long to wait: "a minute" would mislead under an hourly limit."""
    if period <= 60:
        return _("You are doing that too often. Please wait a minute and try again.")
    minutes = max(1, math.ceil(remaining / 60))
    return ngettext(
        "You are doing that too often. Please try again in %(count)d minute.",
        "You are doing that too often. Please try again in %(count)d minutes.",
        minutes,
    ) % {"count": minutes}
