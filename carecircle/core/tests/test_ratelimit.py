"""Fixed-window rate limits kept in the cache."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from carecircle.core import ratelimit
from carecircle.core.errors import RateLimitedError
from carecircle.core.ratelimit import check_rate, parse_rate


@pytest.mark.parametrize(
    ("rate", "parsed"),
    [
        ("10/m", (10, 60)),
        ("5/5m", (5, 300)),
        ("1/h", (1, 3600)),
        ("3/s", (3, 1)),
        ("100/d", (100, 86400)),
    ],
)
def test_parse_rate(rate, parsed):
    assert parse_rate(rate) == parsed


def test_the_limit_is_reached_after_exactly_that_many_attempts():
    for _ in range(3):
        check_rate(scope="post", key="member-1", rate="3/m")

    with pytest.raises(RateLimitedError) as caught:
        check_rate(scope="post", key="member-1", rate="3/m")

    assert caught.value.code == "rate_limited"
    assert caught.value.status == 429
    assert str(caught.value.message) == (
        "You are doing that too often. Please wait a minute and try again."
    )


def test_an_hourly_limit_says_how_many_minutes_are_left(monkeypatch):
    # 20 minutes and 30 seconds into the hour's window: 40 minutes (rounded up) are left.
    start = 1_800_000_000 - 1_800_000_000 % 3600
    monkeypatch.setattr("carecircle.core.ratelimit.time.time", lambda: start + 20 * 60 + 30)
    check_rate(scope="upload", key="member-1", rate="1/h")

    with pytest.raises(RateLimitedError) as caught:
        check_rate(scope="upload", key="member-1", rate="1/h")

    assert str(caught.value.message) == (
        "You are doing that too often. Please try again in 40 minutes."
    )


def test_keys_and_scopes_are_counted_separately():
    for _ in range(2):
        check_rate(scope="post", key="member-1", rate="2/m")
    check_rate(scope="post", key="member-2", rate="2/m")
    check_rate(scope="api_token", key="member-1", rate="2/m")
    with pytest.raises(RateLimitedError):
        check_rate(scope="post", key="member-1", rate="2/m")


def test_a_new_window_starts_a_new_count(monkeypatch):
    now = [1_000_000 * 60.0]
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: now[0]))
    for _ in range(2):
        check_rate(scope="post", key="member-1", rate="2/m")
    with pytest.raises(RateLimitedError):
        check_rate(scope="post", key="member-1", rate="2/m")

    now[0] += 60
    check_rate(scope="post", key="member-1", rate="2/m")
    check_rate(scope="post", key="member-1", rate="2/m")
    with pytest.raises(RateLimitedError):
        check_rate(scope="post", key="member-1", rate="2/m")


def test_refused_attempts_keep_counting():
    check_rate(scope="login", key="ip", rate="1/m")
    for _ in range(3):
        with pytest.raises(RateLimitedError):
            check_rate(scope="login", key="ip", rate="1/m")
