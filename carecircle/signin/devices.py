"""Plain words for a browser's User-Agent ("Firefox on Android"), and a rough place for an IP."""

from __future__ import annotations

import ipaddress
import threading
import warnings
from typing import Any

from django.utils.translation import gettext as _

# Order matters: many browsers name the ones they are built on too ("Chrome ... Safari").
BROWSERS: tuple[tuple[str, str], ...] = (
    ("SamsungBrowser/", "Samsung Internet"),
    ("Edg/", "Edge"),
    ("EdgA/", "Edge"),
    ("EdgiOS/", "Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("FxiOS/", "Firefox"),
    ("CriOS/", "Chrome"),
    ("Chromium/", "Chromium"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
)
SYSTEMS: tuple[tuple[str, str], ...] = (
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Android", "Android"),
    ("CrOS", "ChromeOS"),
    ("Windows", "Windows"),
    ("Macintosh", "Mac"),
    ("Linux", "Linux"),
)


def describe_device(user_agent: str) -> str:
    """A short, plain description of the browser and system, e.g. "Firefox on Android"."""
    user_agent = user_agent or ""
    browser = next((name for marker, name in BROWSERS if marker in user_agent), "")
    system = next((name for marker, name in SYSTEMS if marker in user_agent), "")
    if browser == "Safari" and "Version/" not in user_agent and system in {"iPhone", "iPad"}:
        browser = _("An app")
    if browser and system:
        return _("%(browser)s on %(system)s") % {"browser": browser, "system": system}
    if browser:
        return browser
    if system:
        return _("A browser on %(system)s") % {"system": system}
    if user_agent:
        return _("An app or script")
    return _("Unknown device")


def truncate_ip(address: str) -> str:
    """The /24 (IPv4) or /48 (IPv6) network of an address; "" when it is not an address."""
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return ""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


_geoip: Any = None
_geoip_lock = threading.Lock()


def _country_database() -> Any:
    global _geoip
    if _geoip is None:
        with _geoip_lock:
            if _geoip is None:
                # Loaded on first use (about 0.2 s), never at import. The package's own code
                # raises SyntaxWarnings under Python 3.12.
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    from geoip2fast import GeoIP2Fast

                    _geoip = GeoIP2Fast(verbose=False)
    return _geoip


def approximate_place(address: str) -> str:
    """The country an address is registered in, from bundled data; "" when unknown or private."""
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return ""
    if not ip.is_global:
        return ""
    try:
        name = str(_country_database().lookup(str(ip)).country_name or "")
    except Exception:  # noqa: BLE001 - a place is a nicety; never fail a sign-in over it
        return ""
    if not name or name.startswith("<"):
        return ""
    return name[:80]
