"""TolerantRedisCache: while Redis is down every call is a miss or a no-op, never an error."""

from __future__ import annotations

import logging

import pytest
from django.core.cache import cache

from carecircle.core import ratelimit
from carecircle.core.cache import TolerantRedisCache

CLOSED_PORT = "redis://127.0.0.1:1/0"


@pytest.fixture
def down() -> TolerantRedisCache:
    return TolerantRedisCache(CLOSED_PORT, {"KEY_PREFIX": "carecircle"})


def test_reads_are_misses(down):
    assert down.get("member:1") is None
    assert down.get("member:1", "fallback") == "fallback"
    assert down.get("member:1", default="fallback") == "fallback"
    assert down.get_many(["a", "b"]) == {}
    assert down.has_key("a") is False
    assert ("a" in down) is False


def test_writes_are_quietly_dropped(down):
    assert down.set("a", 1) is None
    assert down.add("a", 1) is False
    assert down.set_many({"a": 1, "b": 2}) == ["a", "b"]
    assert down.delete("a") is False
    assert down.delete_many(["a", "b"]) is None
    assert down.touch("a") is False
    assert down.clear() is None


def test_counters_count_nothing(down):
    assert down.incr("hits") == 0
    assert down.decr("hits") == 0


def test_get_or_set_computes_the_value(down):
    assert down.get_or_set("answer", lambda: 42) == 42


def test_each_failure_is_logged_as_a_warning(down, caplog):
    with caplog.at_level(logging.WARNING, logger="carecircle.core.cache"):
        down.get("a")
        down.set("a", 1)
    assert [record.getMessage().split(":")[0] for record in caplog.records] == [
        "cache get failed",
        "cache set failed",
    ]


def test_the_rate_limiter_never_blocks_while_the_cache_is_down(down, monkeypatch):
    monkeypatch.setattr(ratelimit, "cache", down)
    for _ in range(20):
        ratelimit.check_rate(scope="post", key="member-1", rate="2/m")


def test_the_configured_cache_round_trips():
    # Locmem in the embedded run, TolerantRedisCache on a live Redis in the scale-out run.
    cache.set("carecircle-test-key", {"n": 1}, 30)
    assert cache.get("carecircle-test-key") == {"n": 1}
    assert cache.add("carecircle-test-counter", 5, 30) is True
    assert cache.add("carecircle-test-counter", 9, 30) is False
    assert cache.incr("carecircle-test-counter") == 6
    assert cache.get("carecircle-test-counter") == 6
