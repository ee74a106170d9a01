"""Plain device names, truncated networks and the country of an address."""

from __future__ import annotations

import pytest

from carecircle.signin.devices import approximate_place, describe_device, truncate_ip

FIREFOX_ANDROID = "Mozilla/5.0 (Android 14; Mobile; rv:128.0) Gecko/128.0 Firefox/128.0"
CHROME_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36"
)
EDGE_WINDOWS = CHROME_WINDOWS + " Edg/126.0.0.0"
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
SAFARI_MAC = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Safari/605.1.15"
)
SAMSUNG = (
    "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
    "SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36"
)


@pytest.mark.parametrize(
    ("user_agent", "expected"),
    [
        (FIREFOX_ANDROID, "Firefox on Android"),
        (CHROME_WINDOWS, "Chrome on Windows"),
        (EDGE_WINDOWS, "Edge on Windows"),
        (SAFARI_IPHONE, "Safari on iPhone"),
        (SAFARI_MAC, "Safari on Mac"),
        (SAMSUNG, "Samsung Internet on Android"),
        ("Mozilla/5.0 (X11; CrOS x86_64 14541.0.0)", "A browser on ChromeOS"),
        ("curl/8.5.0", "An app or script"),
        ("", "Unknown device"),
    ],
)
def test_a_user_agent_becomes_plain_words(user_agent, expected):
    assert describe_device(user_agent) == expected


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("203.0.113.77", "203.0.113.0/24"),
        ("2001:db8:1234:5678::1", "2001:db8:1234::/48"),
        ("::ffff:198.51.100.9", "198.51.100.0/24"),
        ("not an address", ""),
        ("", ""),
    ],
)
def test_an_address_is_kept_only_as_its_network(address, expected):
    assert truncate_ip(address) == expected


def test_a_public_address_has_a_country_and_a_private_one_none():
    assert approximate_place("8.8.8.8") == "United States"
    assert approximate_place("192.168.1.20") == ""
    assert approximate_place("127.0.0.1") == ""
    assert approximate_place("nonsense") == ""
