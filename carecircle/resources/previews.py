"""Link previews for library resources: title and description fetched in the background.

The fetch runs in a task after commit (resources.tasks.fetch_preview_task), so a slow or hostile
site never holds up a member's request. The server fetches an address a member typed, so every
step assumes the address is an attack on the server's own network (SSRF):

- http and https only, ports 80 and 443 only (CARECIRCLE_PREVIEW_ALLOWED_PORTS);
- the host is resolved ONCE and the connection goes to that checked address (the Host header and
  TLS name stay the host's): a second lookup could answer differently (DNS rebinding);
- every address the name resolves to must be public: loopback, private, link-local (cloud
  metadata at 169.254.169.254), CGNAT, multicast, reserved, IPv6 unique-local and addresses that
  embed an IPv4 address (mapped, 6to4, Teredo, NAT64) are refused; only
  CARECIRCLE_PREVIEW_ALLOWED_NETWORKS (empty by default; tests name 127.0.0.1/32) is let through;
- redirects are followed by hand, at most three, and each new address is checked again;
- connect and read timeouts of 5 s each and 10 s for the whole fetch, redirects included; a
  watchdog cuts the connection at the deadline, so a server dripping a byte at a time cannot
  hold a worker;
- at most 512 KB is read (then reading stops), only text/html is parsed, by the standard
  library's html.parser; only plain text of bounded length is kept, never HTML.
"""

from __future__ import annotations

import codecs
import contextlib
import http.client
import ipaddress
import re
import socket
import ssl
import threading
import time
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from django.conf import settings
from django.db import transaction
from django.utils import timezone

if TYPE_CHECKING:
    from carecircle.resources.models import Resource

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

DEFAULT_ALLOWED_PORTS = (80, 443)
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 5.0
TOTAL_TIMEOUT = 10.0
MAX_BYTES = 512 * 1024
MAX_REDIRECTS = 3
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
# The lengths kept (the model's columns are at least this long).
TITLE_LENGTH = 300
DESCRIPTION_LENGTH = 1000
SITE_NAME_LENGTH = 200
CHUNK = 16 * 1024
USER_AGENT = "CareCircle-LinkPreview/1.0 (+library link preview)"

# Ranges that are not on the public internet, named explicitly rather than left to
# ipaddress's is_global alone, whose lists have changed between Python versions.
_BLOCKED_NETWORKS = tuple(
    ipaddress.ip_network(network)
    for network in (
        "0.0.0.0/8",  # "this network"
        "10.0.0.0/8",
        "100.64.0.0/10",  # carrier-grade NAT
        "127.0.0.0/8",
        "169.254.0.0/16",  # link-local: cloud metadata services live here
        "172.16.0.0/12",
        "192.0.0.0/24",  # IETF protocol assignments
        "192.0.2.0/24",  # documentation
        "192.88.99.0/24",  # 6to4 relay anycast
        "192.168.0.0/16",
        "198.18.0.0/15",  # benchmarking
        "198.51.100.0/24",
        "203.0.113.0/24",
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, and the broadcast address
        "::/128",
        "::1/128",
        "::ffff:0:0/96",  # IPv4-mapped: would reach the IPv4 address inside
        "::/96",  # IPv4-compatible (deprecated)
        "64:ff9b::/96",  # NAT64: reaches the IPv4 address inside
        "64:ff9b:1::/48",
        "100::/64",  # discard
        "2001::/32",  # Teredo: tunnels to an IPv4 address
        "2001:db8::/32",  # documentation
        "2002::/16",  # 6to4: embeds an IPv4 address
        "fc00::/7",  # unique local
        "fe80::/10",  # link-local
        "fec0::/10",  # site-local (deprecated)
        "ff00::/8",  # multicast
    )
)


class PreviewRefused(Exception):
    """The address may not be fetched (scheme, port or a non-public address)."""


class PreviewFailed(Exception):
    """The page could not be fetched or is not a web page."""


@dataclass(frozen=True)
class Preview:
    title: str = ""
    description: str = ""
    site_name: str = ""


# --- addresses ---------------------------------------------------------------------------------


def is_public_address(address: IPAddress) -> bool:
    """Whether `address` is on the public internet (and so may be fetched)."""
    if not address.is_global:
        return False
    if (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    ):
        return False
    if isinstance(address, ipaddress.IPv6Address) and (
        address.ipv4_mapped is not None or address.sixtofour is not None or address.teredo
    ):
        return False
    return not any(address in network for network in _BLOCKED_NETWORKS)


def allowed_networks() -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """CARECIRCLE_PREVIEW_ALLOWED_NETWORKS: ranges let through although not public."""
    value = getattr(settings, "CARECIRCLE_PREVIEW_ALLOWED_NETWORKS", ())
    if isinstance(value, str):
        value = [part for part in value.replace(",", " ").split() if part]
    return tuple(ipaddress.ip_network(network, strict=False) for network in value)


def is_allowed_address(address: IPAddress) -> bool:
    """Public addresses, and those in CARECIRCLE_PREVIEW_ALLOWED_NETWORKS."""
    if any(address in network for network in allowed_networks()):
        return True
    return is_public_address(address)


def allowed_ports() -> tuple[int, ...]:
    return tuple(
        int(port)
        for port in getattr(settings, "CARECIRCLE_PREVIEW_ALLOWED_PORTS", DEFAULT_ALLOWED_PORTS)
    )


def _setting(name: str, default: float) -> float:
    return float(getattr(settings, name, default))


def resolve(host: str, port: int, *, timeout: float) -> IPAddress:
    """The one address to connect to; PreviewRefused unless EVERY address of `host` is allowed.

    All of them, not just the first: a name that answers a public and a private address is an
    attack on whichever one a second lookup would pick.
    """
    try:
        literal: IPAddress | None = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        if not is_allowed_address(literal):
            raise PreviewRefused(f"address {literal} is not public")
        return literal
    # getaddrinfo has no timeout of its own: it runs in a thread we stop waiting for.
    executor = ThreadPoolExecutor(max_workers=1)
    try:
        future = executor.submit(socket.getaddrinfo, host, port, 0, socket.SOCK_STREAM)
        try:
            answers = future.result(timeout=max(timeout, 0.01))
        except FutureTimeout as error:
            raise PreviewFailed("name lookup timed out") from error
        except (OSError, UnicodeError) as error:
            raise PreviewFailed(f"name lookup failed: {error}") from error
    finally:
        executor.shutdown(wait=False)
    addresses: list[IPAddress] = []
    for family, _type, _proto, _name, sockaddr in answers:
        if family not in (socket.AF_INET, socket.AF_INET6):
            continue
        # A scope id ("fe80::1%eth0") is not part of the address.
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise PreviewFailed("the name has no address")
    refused = [address for address in addresses if not is_allowed_address(address)]
    if refused:
        raise PreviewRefused(f"address {refused[0]} is not public")
    return addresses[0]


# --- connections pinned to the checked address -------------------------------------------------


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to `address` (already checked), never looking `host` up again; `host` is still
    what the Host header says."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        address: IPAddress,
        connect_timeout: float,
        read_timeout: float,
    ) -> None:
        super().__init__(host, port, timeout=connect_timeout)
        self.address = address
        self.read_timeout = read_timeout
        # A second handle on the TCP socket: the watchdog shuts it down at the deadline, which
        # wakes a read blocked in another thread (plain or TLS alike).
        self.raw_socket: socket.socket | None = None

    def _open_socket(self) -> socket.socket:
        family = socket.AF_INET6 if self.address.version == 6 else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.settimeout(self.timeout)
            sock.connect((str(self.address), self.port))
            sock.settimeout(self.read_timeout)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.raw_socket = sock.dup()
        except BaseException:
            sock.close()
            raise
        return sock

    def connect(self) -> None:
        self.sock = self._open_socket()

    def abort(self) -> None:
        raw = self.raw_socket
        if raw is not None:
            with contextlib.suppress(OSError):  # already closed: nothing to wake
                raw.shutdown(socket.SHUT_RDWR)

    def release(self) -> None:
        """Close everything; http.client's own close() runs early (it hands the socket over to
        the response when the server says it will close), so the watchdog's handle is kept
        until here."""
        self.close()
        if self.raw_socket is not None:
            self.raw_socket.close()
            self.raw_socket = None


class _PinnedHTTPSConnection(_PinnedHTTPConnection):
    """The same, with TLS: the certificate is verified for `host`, sent as the TLS name (SNI)."""

    default_port = 443

    def connect(self) -> None:
        sock = self._open_socket()
        context = ssl.create_default_context()
        self.sock = context.wrap_socket(sock, server_hostname=self.host)


# --- fetching ----------------------------------------------------------------------------------


@dataclass
class _Budget:
    """The whole fetch's deadline, shared by every hop."""

    deadline: float

    def left(self) -> float:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise PreviewFailed("the site took too long")
        return remaining


def _check_target(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, path with query) of an address that may be fetched."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise PreviewFailed(f"not a valid address: {error}") from error
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise PreviewRefused(f"scheme {scheme!r} is not fetched")
    if parts.username is not None or parts.password is not None:
        raise PreviewRefused("addresses with a user name or password are not fetched")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise PreviewFailed("the address has no host")
    port = port or (443 if scheme == "https" else 80)
    if port not in allowed_ports():
        raise PreviewRefused(f"port {port} is not fetched")
    try:
        host = host.encode("idna").decode("ascii")
    except UnicodeError as error:
        raise PreviewFailed("the host name is not valid") from error
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return scheme, host, port, path


def _content_type(response: http.client.HTTPResponse) -> tuple[str, str]:
    """The media type (lower case) and the charset named in Content-Type ("" if none)."""
    message = response.msg
    media_type = (message.get_content_type() or "").lower()
    charset = message.get_content_charset() or ""
    if not response.getheader("Content-Type"):
        media_type = ""
    return media_type, charset


def _read_body(response: http.client.HTTPResponse, budget: _Budget) -> bytes:
    """At most MAX_BYTES of the body; reading stops there (the rest is never downloaded).

    Each read waits at most the read timeout (the socket's); the watchdog ends the whole.
    """
    limit = int(getattr(settings, "CARECIRCLE_PREVIEW_MAX_BYTES", MAX_BYTES))
    chunks: list[bytes] = []
    size = 0
    while size < limit:
        budget.left()
        chunk = response.read1(min(CHUNK, limit - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def fetch_preview(url: str) -> Preview:
    """The preview of the page at `url`; PreviewRefused or PreviewFailed when there is none."""
    connect_timeout = _setting("CARECIRCLE_PREVIEW_CONNECT_TIMEOUT", CONNECT_TIMEOUT)
    read_timeout = _setting("CARECIRCLE_PREVIEW_READ_TIMEOUT", READ_TIMEOUT)
    budget = _Budget(time.monotonic() + _setting("CARECIRCLE_PREVIEW_TOTAL_TIMEOUT", TOTAL_TIMEOUT))
    redirects = int(getattr(settings, "CARECIRCLE_PREVIEW_MAX_REDIRECTS", MAX_REDIRECTS))
    for _hop in range(redirects + 1):
        scheme, host, port, path = _check_target(url)
        address = resolve(host, port, timeout=budget.left())
        connection_class = _PinnedHTTPSConnection if scheme == "https" else _PinnedHTTPConnection
        connection = connection_class(
            host,
            port,
            address=address,
            connect_timeout=min(connect_timeout, budget.left()),
            read_timeout=min(read_timeout, budget.left()),
        )
        watchdog = threading.Timer(budget.left(), connection.abort)
        watchdog.daemon = True
        watchdog.start()
        try:
            connection.request(
                "GET",
                path,
                headers={
                    "User-Agent": USER_AGENT,
                    "Accept": "text/html,application/xhtml+xml;q=0.9",
                    "Accept-Encoding": "identity",
                    "Connection": "close",
                },
            )
            response = connection.getresponse()
            if response.status in REDIRECT_STATUSES:
                location = response.getheader("Location")
                if not location:
                    raise PreviewFailed(f"redirect {response.status} without a Location")
                url = urljoin(url, location.strip())
                continue
            if response.status != 200:
                raise PreviewFailed(f"the site answered {response.status}")
            media_type, charset = _content_type(response)
            if media_type not in HTML_TYPES:
                raise PreviewFailed(f"not a web page ({media_type or 'no type'})")
            body = _read_body(response, budget)
            budget.left()
        except (OSError, http.client.HTTPException, ssl.SSLError, ValueError) as error:
            # A read that timed out is the site being too slow too, not another failure.
            if isinstance(error, TimeoutError) or time.monotonic() >= budget.deadline:
                raise PreviewFailed("the site took too long") from error
            raise PreviewFailed(f"the fetch failed: {error.__class__.__name__}") from error
        finally:
            watchdog.cancel()
            connection.release()
        return parse_preview(body, charset)
    raise PreviewFailed("too many redirects")


# --- parsing -----------------------------------------------------------------------------------

_META_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE
)
_SPACES = re.compile(r"\s+")


def _decode(body: bytes, charset: str) -> str:
    """The page as text: the header's charset, else the page's own <meta charset>, else UTF-8."""
    candidates = [charset]
    found = _META_CHARSET.search(body[:4096])
    if found:
        candidates.append(found.group(1).decode("ascii", "ignore"))
    for name in candidates:
        if not name:
            continue
        try:
            codecs.lookup(name)
        except LookupError:
            continue
        return body.decode(name, errors="replace")
    return body.decode("utf-8", errors="replace")


def clean_text(value: str, length: int) -> str:
    """Plain text on one line, without control or format characters, at most `length` long."""
    value = "".join(
        " " if unicodedata.category(character) in ("Cc", "Cf", "Zl", "Zp") else character
        for character in value
    )
    value = _SPACES.sub(" ", value).strip()
    if len(value) > length:
        value = value[: length - 1].rstrip() + "…"
    return value


class _HeadParser(HTMLParser):
    """Collects <title> and the meta tags a preview needs; ignores everything else."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.title_parts: list[str] = []
        self.meta: dict[str, str] = {}
        self.in_title = False
        self.title_done = False
        self.in_body = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "body":
            self.in_body = True
        elif tag == "title" and not self.title_done and not self.in_body:
            self.in_title = True
        elif tag == "meta":
            values = {name.lower(): value or "" for name, value in attrs}
            key = (values.get("property") or values.get("name") or "").strip().lower()
            if key and "content" in values and key not in self.meta:
                self.meta[key] = values["content"]

    def handle_endtag(self, tag: str) -> None:
        if tag == "title" and self.in_title:
            self.in_title = False
            self.title_done = True

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title_parts.append(data)


def parse_preview(body: bytes, charset: str = "") -> Preview:
    """Title, description and site name from a page's HTML, as bounded plain text."""
    parser = _HeadParser()
    try:
        parser.feed(_decode(body, charset))
        parser.close()
    except (AssertionError, ValueError):  # html.parser gives up on some broken markup
        pass
    meta = parser.meta
    title = meta.get("og:title") or meta.get("twitter:title") or "".join(parser.title_parts)
    description = (
        meta.get("og:description") or meta.get("description") or meta.get("twitter:description")
    )
    return Preview(
        title=clean_text(title or "", TITLE_LENGTH),
        description=clean_text(description or "", DESCRIPTION_LENGTH),
        site_name=clean_text(meta.get("og:site_name") or "", SITE_NAME_LENGTH),
    )


# --- scheduling and storing --------------------------------------------------------------------


def schedule_preview(resource: Resource) -> None:
    """Fetch the resource's link preview after the current transaction commits.

    Called by the resource actions after a create, or an edit that changed the link. The old
    preview described the old link, so it is cleared now; a resource without a link gets none.
    """
    from carecircle.resources.models import Resource
    from carecircle.resources.tasks import fetch_preview_task

    state = Resource.PreviewState.PENDING if resource.url else Resource.PreviewState.NONE
    cleared: dict[str, Any] = {
        "preview_state": state,
        "preview_title": "",
        "preview_description": "",
        "preview_site_name": "",
        "preview_fetched_at": None,
    }
    for name, value in cleared.items():
        setattr(resource, name, value)
    Resource.objects.filter(pk=resource.pk).update(**cleared)
    if not resource.url:
        return
    resource_id = resource.pk
    transaction.on_commit(lambda: fetch_preview_task.enqueue(resource_id), robust=True)


def fetch_and_store_preview(resource_id: int) -> str:
    """Fetch and store the preview of one resource; the state it was left in ("" if gone).

    Idempotent. The result is stored only if the link is still the one fetched: an edit during
    the fetch scheduled a fetch of its own. Written directly rather than through an action: it
    is the site's own bookkeeping about a link, not a member's change, and needs no permission.
    """
    from carecircle.resources.models import Resource

    row = Resource.objects.filter(pk=resource_id).values("url").first()
    if row is None:
        return ""
    url = row["url"]
    values: dict[str, Any] = {
        "preview_title": "",
        "preview_description": "",
        "preview_site_name": "",
        "preview_fetched_at": timezone.now(),
    }
    if not url:
        values["preview_state"] = Resource.PreviewState.NONE
        values["preview_fetched_at"] = None
    else:
        try:
            preview = fetch_preview(url)
        except PreviewRefused:
            values["preview_state"] = Resource.PreviewState.REFUSED
        except PreviewFailed:
            values["preview_state"] = Resource.PreviewState.FAILED
        else:
            values.update(
                preview_state=Resource.PreviewState.FETCHED,
                preview_title=preview.title,
                preview_description=preview.description,
                preview_site_name=preview.site_name,
            )
    updated = Resource.objects.filter(pk=resource_id, url=url).update(**values)
    if not updated:
        current = Resource.objects.filter(pk=resource_id).values_list("preview_state", flat=True)
        return str(current.first() or "")
    return str(values["preview_state"])
