"""Link previews: the address rules, the fetcher against a local server, and storing the result.

The server runs on 127.0.0.1, which the fetcher refuses by default: fetch tests let exactly
127.0.0.1/32 and the server's port through (CARECIRCLE_PREVIEW_ALLOWED_NETWORKS / _PORTS), and
one test shows that without that setting the same server is refused. Name lookups that would
leave the machine are replaced (socket.getaddrinfo).
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.test import override_settings

from carecircle.resources import previews
from carecircle.resources.models import Resource
from carecircle.resources.previews import (
    PreviewFailed,
    PreviewRefused,
    fetch_and_store_preview,
    fetch_preview,
    is_allowed_address,
    is_public_address,
    parse_preview,
    schedule_preview,
)

PAGE = (
    b"<!doctype html><html><head><meta charset='utf-8'>"
    b"<title>Living with heart failure</title>"
    b"<meta name='description' content='Plain-language guide to heart failure.'>"
    b"<meta property='og:site_name' content='Heart Foundation'>"
    b"</head><body><h1>Welcome</h1></body></html>"
)


@dataclass
class Server:
    port: int
    stop: threading.Event
    requests: list[dict[str, str]] = field(default_factory=list)

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"


def _handler(server_state: Server) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

        def _send(self, status: int, body: bytes, content_type: str = "text/html") -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:  # noqa: N802
            server_state.requests.append({"path": self.path, "host": self.headers["Host"]})
            path, _, query = self.path.partition("?")
            if path == "/page":
                self._send(200, PAGE, "text/html; charset=utf-8")
            elif path == "/latin1":
                body = "<title>Caf\xe9 des aidants</title>".encode("latin-1")
                self._send(200, body, "text/html; charset=iso-8859-1")
            elif path == "/pdf":
                self._send(200, b"%PDF-1.4\n%%EOF", "application/pdf")
            elif path == "/missing":
                self._send(404, b"<title>Not found</title>")
            elif path == "/redirect":
                self.send_response(302)
                self.send_header("Location", query.removeprefix("to="))
                self.send_header("Content-Length", "0")
                self.end_headers()
            elif path.startswith("/hops/"):
                left = int(path.rsplit("/", 1)[1])
                self.send_response(301)
                self.send_header("Location", f"/hops/{left - 1}" if left else "/page")
                self.send_header("Content-Length", "0")
                self.end_headers()
            elif path == "/huge":
                # A title past the first 512 KB is never read; the server is cut off.
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.end_headers()
                try:
                    self.wfile.write(b"<html><head><meta property='og:title' content='Early'>")
                    padding = b"<!--" + b"x" * 65536 + b"-->"
                    for _ in range(12):
                        self.wfile.write(padding)
                    self.wfile.write(b"<meta name='description' content='Too late'>")
                    self.wfile.write(b"y" * 4 * 1024 * 1024)
                except OSError:
                    pass
            elif path == "/drip":
                # Each byte arrives within the read timeout; the whole fetch does not.
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.end_headers()
                try:
                    while not server_state.stop.wait(0.1):
                        self.wfile.write(b"<")
                        self.wfile.flush()
                except OSError:
                    pass
            elif path == "/stall":
                server_state.stop.wait(5)
            else:
                self._send(404, b"")

    return Handler


@pytest.fixture
def server() -> Iterator[Server]:
    state = Server(port=0, stop=threading.Event())
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    httpd.daemon_threads = True
    state.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield state
    state.stop.set()
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def local(server: Server) -> Iterator[Server]:
    """The local server let through: 127.0.0.1 only, its port only, the default timeouts
    (a fetch that should succeed must not fail because a busy test machine is slow)."""
    with override_settings(
        CARECIRCLE_PREVIEW_ALLOWED_NETWORKS=["127.0.0.1/32"],
        CARECIRCLE_PREVIEW_ALLOWED_PORTS=[80, 443, server.port],
    ):
        yield server


@pytest.fixture
def local_short(local: Server) -> Iterator[Server]:
    """The local server with short timeouts, for the tests of the timeouts themselves."""
    with override_settings(
        CARECIRCLE_PREVIEW_READ_TIMEOUT=0.5,
        CARECIRCLE_PREVIEW_TOTAL_TIMEOUT=1.0,
    ):
        yield local


@pytest.fixture
def fake_dns(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Names answered here instead of by a resolver (a lookup leaves the machine)."""
    answers: dict[str, list[str]] = {}
    calls: list[str] = []

    def getaddrinfo(host: str, port: int, *args: Any, **kwargs: Any) -> list[Any]:
        calls.append(host)
        if host not in answers:
            raise socket.gaierror(socket.EAI_NONAME, "unknown name")
        result = []
        for address in answers[host]:
            if ":" in address:
                result.append((socket.AF_INET6, socket.SOCK_STREAM, 6, "", (address, port, 0, 0)))
            else:
                result.append((socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port)))
        return result

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return {"answers": answers, "calls": calls}


# --- addresses ---------------------------------------------------------------------------------

PUBLIC = ["8.8.8.8", "93.184.216.34", "1.1.1.1", "2606:4700:4700::1111", "2a00:1450:4001::200e"]
NOT_PUBLIC = [
    "127.0.0.1",
    "127.8.9.10",
    "10.0.0.1",
    "172.16.5.4",
    "172.31.255.255",
    "192.168.1.1",
    "169.254.169.254",
    "100.64.0.1",
    "100.127.255.254",
    "0.0.0.0",  # noqa: S104 - an address to refuse, not one to bind
    "0.1.2.3",
    "224.0.0.1",
    "239.255.255.250",
    "240.0.0.1",
    "255.255.255.255",
    "198.18.0.1",
    "192.0.0.8",
    "192.0.2.1",
    "::1",
    "::",
    "fe80::1",
    "fc00::1",
    "fd12:3456:789a::1",
    "fec0::1",
    "ff02::1",
    "::ffff:127.0.0.1",
    "::ffff:10.0.0.1",
    "::ffff:8.8.8.8",
    "::127.0.0.1",
    "64:ff9b::7f00:1",
    "2002:7f00:1::1",
    "2001:0:4136:e378:8000:63bf:3fff:fdd2",
    "2001:db8::1",
]


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_are_allowed(address: str) -> None:
    assert is_public_address(ipaddress.ip_address(address)) is True


@pytest.mark.parametrize("address", NOT_PUBLIC)
def test_private_loopback_and_special_addresses_are_refused(address: str) -> None:
    assert is_public_address(ipaddress.ip_address(address)) is False
    assert is_allowed_address(ipaddress.ip_address(address)) is False


def test_allowed_networks_let_through_only_what_they_name() -> None:
    with override_settings(CARECIRCLE_PREVIEW_ALLOWED_NETWORKS="127.0.0.1/32"):
        assert is_allowed_address(ipaddress.ip_address("127.0.0.1")) is True
        assert is_allowed_address(ipaddress.ip_address("127.0.0.2")) is False
        assert is_allowed_address(ipaddress.ip_address("::1")) is False
        assert is_allowed_address(ipaddress.ip_address("10.0.0.1")) is False


# --- refusals before any connection ------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.org/file",
        "file:///etc/passwd",
        "gopher://example.org/",
        "http://user:secret@example.org/",
        "http://example.org:8080/",
        "https://example.org:22/",
    ],
)
def test_schemes_ports_and_credentials_are_refused(url: str, fake_dns: dict[str, Any]) -> None:
    with pytest.raises(PreviewRefused):
        fetch_preview(url)
    assert fake_dns["calls"] == []


def test_loopback_is_refused_by_default(server: Server) -> None:
    with override_settings(CARECIRCLE_PREVIEW_ALLOWED_PORTS=[server.port]):
        for host in ("127.0.0.1", "[::1]", "localhost", "2130706433", "0x7f.1"):
            with pytest.raises(PreviewRefused):
                fetch_preview(server.url("/page", host=host))
    assert server.requests == []


def test_names_resolving_to_private_addresses_are_refused(
    local: Server, fake_dns: dict[str, Any]
) -> None:
    fake_dns["answers"].update(
        {
            "intranet.example": ["10.1.2.3"],
            "metadata.example": ["169.254.169.254"],
            "v6.example": ["fd00::5"],
            # One public and one private answer: refused whichever a connection would pick.
            "rebind.example": ["93.184.216.34", "127.0.0.2"],
        }
    )
    for host in fake_dns["answers"]:
        with pytest.raises(PreviewRefused):
            fetch_preview(local.url("/page", host=host))
    assert local.requests == []


def test_unknown_names_fail(local: Server, fake_dns: dict[str, Any]) -> None:
    with pytest.raises(PreviewFailed):
        fetch_preview(local.url("/page", host="nowhere.example"))


# --- fetching from the local server ------------------------------------------------------------


def test_fetches_title_description_and_site_name(local: Server) -> None:
    assert fetch_preview(local.url("/page")) == previews.Preview(
        title="Living with heart failure",
        description="Plain-language guide to heart failure.",
        site_name="Heart Foundation",
    )
    assert local.requests == [{"path": "/page", "host": f"127.0.0.1:{local.port}"}]


def test_name_is_looked_up_once_and_the_connection_pinned(
    local: Server, fake_dns: dict[str, Any]
) -> None:
    fake_dns["answers"]["library.example"] = ["127.0.0.1"]
    preview = fetch_preview(local.url("/page", host="library.example"))
    assert preview.title == "Living with heart failure"
    # The Host header names the site; the connection went to the address checked.
    assert local.requests == [{"path": "/page", "host": f"library.example:{local.port}"}]
    assert fake_dns["calls"] == ["library.example"]


def test_charset_from_the_header(local: Server) -> None:
    assert fetch_preview(local.url("/latin1")).title == "Café des aidants"


def test_non_html_and_errors_fail(local: Server) -> None:
    with pytest.raises(PreviewFailed, match="not a web page"):
        fetch_preview(local.url("/pdf"))
    with pytest.raises(PreviewFailed, match="404"):
        fetch_preview(local.url("/missing"))


def test_redirects_are_followed_up_to_three(local: Server) -> None:
    assert fetch_preview(local.url("/hops/2")).title == "Living with heart failure"
    assert [request["path"] for request in local.requests] == [
        "/hops/2",
        "/hops/1",
        "/hops/0",
        "/page",
    ]
    local.requests.clear()
    with pytest.raises(PreviewFailed, match="too many redirects"):
        fetch_preview(local.url("/hops/3"))
    assert len(local.requests) == 4


@pytest.mark.parametrize(
    "target",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.7/",
        "http://[::1]/",
        "http://127.0.0.2/",
        "http://0.0.0.0/",
        "file:///etc/passwd",
    ],
)
def test_redirects_to_private_addresses_are_refused(local: Server, target: str) -> None:
    with pytest.raises(PreviewRefused):
        fetch_preview(local.url(f"/redirect?to={target}"))
    assert [request["path"] for request in local.requests] == [f"/redirect?to={target}"]


def test_huge_responses_are_cut_at_the_size_cap(local: Server) -> None:
    started = time.monotonic()
    preview = fetch_preview(local.url("/huge"))
    assert preview.title == "Early"
    # The description comes after 768 KB of padding: past the 512 KB read.
    assert preview.description == ""
    assert time.monotonic() - started < 1.0


def test_a_server_dripping_bytes_is_cut_at_the_total_timeout(local_short: Server) -> None:
    started = time.monotonic()
    with pytest.raises(PreviewFailed, match="too long"):
        fetch_preview(local_short.url("/drip"))
    assert 0.9 < time.monotonic() - started < 1.6


def test_a_silent_server_times_out(local_short: Server) -> None:
    started = time.monotonic()
    # The read timeout (0.5 s) ends it before the whole fetch's (1 s): still "too long".
    with pytest.raises(PreviewFailed, match="too long"):
        fetch_preview(local_short.url("/stall"))
    assert time.monotonic() - started < 1.0


# --- parsing -----------------------------------------------------------------------------------


def test_parse_prefers_open_graph_and_keeps_plain_bounded_text() -> None:
    html = (
        "<html><head><title>  Heart\n failure &amp; you </title>"
        "<meta property='og:title' content='Heart failure: a guide'>"
        "<meta property='og:description' content='Line one\x00\u202e\nline two'>"
        "</head><body><title>Not this</title></body></html>"
    ).encode()
    assert parse_preview(html) == previews.Preview(
        title="Heart failure: a guide", description="Line one line two", site_name=""
    )
    assert (
        parse_preview(b"<title>  Heart\n failure &amp; you </title>").title == "Heart failure & you"
    )
    # Markup in the text is only text: escaped wherever it is shown.
    assert parse_preview(b"<title>&lt;b&gt;bold&lt;/b&gt;</title>").title == "<b>bold</b>"
    long = parse_preview(b"<meta name='description' content='" + b"a" * 5000 + b"'>")
    assert len(long.description) == 1000
    assert long.description.endswith("…")


def test_parse_uses_the_pages_own_charset() -> None:
    html = "<meta charset='windows-1252'><title>Caf\xe9</title>".encode("cp1252")
    assert parse_preview(html).title == "Café"
    assert parse_preview(b"<title>\xff\xfe broken</title>").title == "\ufffd\ufffd broken"


# --- storing -----------------------------------------------------------------------------------


def _resource(url: str) -> Resource:
    return Resource.objects.create(kind=Resource.Kind.WEBSITE, title="Heart failure", url=url)


@pytest.mark.django_db
def test_schedule_then_fetch_stores_the_preview(
    local: Server, django_capture_on_commit_callbacks: Any
) -> None:
    resource = _resource(local.url("/page"))
    with django_capture_on_commit_callbacks(execute=True):
        schedule_preview(resource)
        assert resource.preview_state == Resource.PreviewState.PENDING
    resource.refresh_from_db()
    assert resource.preview_state == Resource.PreviewState.FETCHED
    assert resource.preview_title == "Living with heart failure"
    assert resource.preview_description == "Plain-language guide to heart failure."
    assert resource.preview_site_name == "Heart Foundation"
    assert resource.preview_fetched_at is not None


@pytest.mark.django_db
def test_refused_and_failed_links_store_no_text(server: Server, local: Server) -> None:
    refused = _resource("http://169.254.169.254/latest/meta-data/")
    assert fetch_and_store_preview(refused.pk) == Resource.PreviewState.REFUSED
    failed = _resource(local.url("/pdf"))
    assert fetch_and_store_preview(failed.pk) == Resource.PreviewState.FAILED
    for resource in (refused, failed):
        resource.refresh_from_db()
        assert (resource.preview_title, resource.preview_description) == ("", "")


@pytest.mark.django_db
def test_a_link_changed_during_the_fetch_keeps_its_own_state(
    local: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    resource = _resource(local.url("/page"))
    real_fetch = previews.fetch_preview

    def fetch_then_edit(url: str) -> previews.Preview:
        preview = real_fetch(url)
        Resource.objects.filter(pk=resource.pk).update(
            url="https://example.org/new", preview_state=Resource.PreviewState.PENDING
        )
        return preview

    monkeypatch.setattr(previews, "fetch_preview", fetch_then_edit)
    assert fetch_and_store_preview(resource.pk) == Resource.PreviewState.PENDING
    resource.refresh_from_db()
    assert (resource.preview_state, resource.preview_title) == ("pending", "")


@pytest.mark.django_db
def test_no_link_means_no_preview_and_no_task(django_capture_on_commit_callbacks: Any) -> None:
    resource = _resource("")
    with django_capture_on_commit_callbacks() as callbacks:
        schedule_preview(resource)
    assert callbacks == []
    resource.refresh_from_db()
    assert resource.preview_state == Resource.PreviewState.NONE
    assert fetch_and_store_preview(resource.pk) == Resource.PreviewState.NONE
    assert fetch_and_store_preview(resource.pk + 1000) == ""


@pytest.mark.django_db
def test_refresh_fetches_again_only_old_previews(local: Server) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from carecircle.resources.tasks import refresh_previews_task

    old = _resource(local.url("/page"))
    recent = _resource(local.url("/page"))
    archived = _resource(local.url("/page"))
    Resource.objects.filter(pk__in=[old.pk, archived.pk]).update(
        preview_state=Resource.PreviewState.FETCHED,
        preview_fetched_at=timezone.now() - timedelta(days=31),
    )
    Resource.objects.filter(pk=recent.pk).update(
        preview_state=Resource.PreviewState.FETCHED,
        preview_fetched_at=timezone.now() - timedelta(days=29),
    )
    Resource.objects.filter(pk=archived.pk).update(status=Resource.Status.ARCHIVED)
    assert refresh_previews_task.call() == 1
    old.refresh_from_db()
    assert old.preview_title == "Living with heart failure"
    assert old.preview_fetched_at > timezone.now() - timedelta(minutes=1)
    assert local.requests == [{"path": "/page", "host": f"127.0.0.1:{local.port}"}]


# --- TLS ---------------------------------------------------------------------------------------


def _self_signed(directory: Any, name: str) -> tuple[str, str]:
    """A certificate for `name` (and its key), as PEM files."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return str(cert_path), str(key_path)


def test_https_sends_the_host_name_and_verifies_the_certificate(
    tmp_path: Any, fake_dns: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    import ssl

    cert, key = _self_signed(tmp_path, "library.example")
    state = Server(port=0, stop=threading.Event())
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    httpd.daemon_threads = True
    names: list[str | None] = []
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(cert, key)
    server_context.sni_callback = lambda sock, name, context: names.append(name)  # type: ignore[assignment]
    httpd.socket = server_context.wrap_socket(httpd.socket, server_side=True)
    state.port = httpd.server_address[1]
    threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True).start()
    fake_dns["answers"]["library.example"] = ["127.0.0.1"]
    url = f"https://library.example:{state.port}/page"
    try:
        with override_settings(
            CARECIRCLE_PREVIEW_ALLOWED_NETWORKS=["127.0.0.1/32"],
            CARECIRCLE_PREVIEW_ALLOWED_PORTS=[state.port],
            CARECIRCLE_PREVIEW_TOTAL_TIMEOUT=2.0,
        ):
            # Not signed by a trusted authority: refused by the client, nothing fetched.
            with pytest.raises(PreviewFailed):
                fetch_preview(url)
            assert state.requests == []
            trusting = ssl.create_default_context
            monkeypatch.setattr(
                ssl, "create_default_context", lambda *args, **kwargs: trusting(cafile=cert)
            )
            assert fetch_preview(url).title == "Living with heart failure"
    finally:
        state.stop.set()
        httpd.shutdown()
        httpd.server_close()
    assert state.requests == [{"path": "/page", "host": f"library.example:{state.port}"}]
    assert names[-1] == "library.example"
