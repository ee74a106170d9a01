"""Real-time load: hundreds of members in one chat room; see bench/README.md "Real-time".

    .venv/bin/python bench/realtime.py                       # 500 clients, 10 messages/s, 30 s
    .venv/bin/python bench/realtime.py --clients 200 --duration 10
    .venv/bin/python bench/realtime.py --no-deflate          # no compression on either side
    .venv/bin/python bench/realtime.py --profile var/bench/realtime/server.prof

It prepares its own SQLite database under var/bench/realtime/ (a community, a chat room, the
members and their signed-in sessions), starts uvicorn (one process: the embedded default,
in-memory channel layer) and then, with asyncio + websockets clients in this process:

1. measures the server's memory before and after opening N idle sockets subscribed to the room
   (resident set size from /proc, divided by N);
2. sends messages at a fixed rate from a few senders for a while, recording when each message
   was sent and when every socket received it (latency p50/p95/p99/max), and checks that every
   socket received every message exactly once;
3. meanwhile drops some sockets and reconnects them with `after=<last id seen>`: they must end
   with every message (no gap) and, once duplicates are dropped by id as the browser does, with
   each once; raw duplicates delivered (backlog overlapping live events) are counted.

Clients send a keep-alive every 25 s as browsers do, so session checks and presence refreshes
are part of the load. With --url the site is one already running (its database must be the one
the current CARECIRCLE_* environment names, where the members are created; --pid gives its
process for memory and CPU figures).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var" / "bench" / "realtime"
RESULTS = ROOT / "bench" / "results"
PYTHON = str(ROOT / ".venv" / "bin" / "python")
HOST = "127.0.0.1"  # load is only ever sent to this machine
KEEPALIVE_SECONDS = 25
BODY_PADDING = "Thinking of you all this evening; the new dose seems to help a little. "


# The embedded default with carecircle.core.realtime.LocalChannelLayer instead of channels'
# InMemoryChannelLayer (until config/settings.py chooses it), for --channel-layer local.
LOCAL_LAYER_SETTINGS = """from config.settings import *  # noqa: F403

CHANNEL_LAYERS = {"default": {"BACKEND": "carecircle.core.realtime.LocalChannelLayer"}}
"""


def site_env(channel_layer: str = "shipped") -> dict[str, str]:
    """The site's settings for the bench: debug off, its own database, in-memory layers."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("CARECIRCLE_")}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "CARECIRCLE_VAR_DIR": str(VAR),
            "CARECIRCLE_SQLITE_PATH": str(VAR / "realtime.sqlite3"),
            "CARECIRCLE_DEBUG": "false",
            "CARECIRCLE_SECRET_KEY": "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
            "CARECIRCLE_FIELD_KEYS": "YmVuY2gtb25seS1maWVsZC1lbmNyeXB0aW9uLWtleSE=",
            "CARECIRCLE_ALLOWED_HOSTS": f"{HOST},localhost",
            "CARECIRCLE_SITE_URL": f"http://{HOST}",
            "CARECIRCLE_SSL_REDIRECT": "false",
            "CARECIRCLE_LOG_LEVEL": "WARNING",
        }
    )
    if channel_layer == "local":
        (VAR / "realtime_bench_settings.py").write_text(LOCAL_LAYER_SETTINGS)
        env["DJANGO_SETTINGS_MODULE"] = "realtime_bench_settings"
        env["PYTHONPATH"] = os.pathsep.join([str(VAR), str(ROOT)])
    return env


# --- data ---------------------------------------------------------------------------------------


def prepare_data(clients: int, fresh: bool) -> dict[str, Any]:
    """Create (in this process) a community, a room and `clients` members with sessions."""
    if fresh:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{VAR / 'realtime.sqlite3'}{suffix}").unlink(missing_ok=True)
    sys.path[:0] = [str(VAR), str(ROOT)]  # VAR: the --channel-layer local settings
    import django

    django.setup()
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from carecircle.accounts.models import User
    from carecircle.communities.models import Community, GuidelinesAcceptance, Membership
    from carecircle.messaging.actions.rooms import create_room
    from carecircle.signin.actions import SESSION_SEEN_AT, SESSION_STARTED_AT
    from carecircle.signin.models import MemberSession
    from carecircle.signin.sessions import SessionStore, session_key_hash

    call_command("migrate", interactive=False, verbosity=0)
    run_id = uuid.uuid4().hex[:8]
    now = timezone.now()
    unusable = make_password(None)
    manager = User.objects.create(
        email=f"manager-{run_id}@bench.carecircle.test",
        handle=f"manager{run_id}",
        display_name="Bench manager",
        password=unusable,
        is_site_manager=True,
    )
    community = Community.objects.create(
        name=f"Bench community {run_id}",
        slug=f"bench-{run_id}",
        description="Where the real-time bench meets.",
        guidelines="Be kind.",
        created_by=manager,
    )
    members = User.objects.bulk_create(
        User(
            email=f"member{number}-{run_id}@bench.carecircle.test",
            handle=f"m{number}x{run_id}",
            display_name=f"Member {number}",
            password=unusable,
        )
        for number in range(clients)
    )
    Membership.objects.bulk_create(
        Membership(
            community=community,
            user=member,
            role=Membership.Role.MEMBER,
            guidelines_version=community.guidelines_version,
            guidelines_accepted_at=now,
        )
        for member in members
    )
    GuidelinesAcceptance.objects.bulk_create(
        GuidelinesAcceptance(
            community=community, user=member, guidelines_version=community.guidelines_version
        )
        for member in members
    )
    Community.objects.filter(pk=community.pk).update(member_count=len(members))
    room = create_room(actor=manager, community=community, name="Evening support")
    cookies = []
    member_sessions = []
    stamp = now.timestamp()
    for member in members:
        session = SessionStore()
        session[SESSION_KEY] = str(member.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = member.get_session_auth_hash()
        session[SESSION_STARTED_AT] = stamp
        session[SESSION_SEEN_AT] = stamp
        session.create()
        assert session.session_key
        cookies.append(session.session_key)
        member_sessions.append(
            MemberSession(
                user=member,
                session_key_hash=session_key_hash(session.session_key),
                created_at=now,
                last_seen_at=now,
                device="Bench client",
            )
        )
    MemberSession.objects.bulk_create(member_sessions)
    connection.close()
    return {"room": room.pk, "cookies": cookies}


# --- the server ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def start_server(args: argparse.Namespace, env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    port = free_port()
    command = [PYTHON]
    if args.profile:
        command += ["-m", "cProfile", "-o", str(Path(args.profile).resolve())]
    command += [
        "-m", "uvicorn", "config.asgi:application", "--host", HOST, "--port", str(port),
        "--lifespan", "off", "--no-access-log", "--log-level", "warning",
    ]  # fmt: skip
    if not args.deflate:
        command += ["--ws-per-message-deflate", "false"]
    log = (VAR / "server.log").open("ab")
    app = Path(args.app_dir).resolve() if args.app_dir else ROOT
    if args.app_dir:
        env = {**env, "PYTHONPATH": os.pathsep.join([str(VAR), str(app)])}
    process = subprocess.Popen(
        command, cwd=app, env=env, stdout=log, stderr=log, start_new_session=True
    )
    url = f"http://{HOST}:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"uvicorn exited; see {VAR / 'server.log'}")
        try:
            with urllib.request.urlopen(f"{url}/health/", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return process, url
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"uvicorn did not answer within 60 s; see {VAR / 'server.log'}")


def stop_server(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGINT)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def rss_kib(pid: int | None) -> int | None:
    """Resident set size of the process (kB), from /proc."""
    if pid is None:
        return None
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return None


def cpu_seconds(pid: int | None) -> float | None:
    if pid is None:
        return None
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# --- clients ------------------------------------------------------------------------------------


@dataclass
class Client:
    """One browser tab in the room."""

    number: int
    cookie: str
    socket: Any = None
    reader: asyncio.Task | None = None
    # message id -> when it first arrived; ids in arrival order; deliveries of an id it had
    arrived: dict[int, float] = field(default_factory=dict)
    order: list[int] = field(default_factory=list)
    duplicates: int = 0
    # WebSocket messages and other (non-message) events received, to see what the load was
    messages: int = 0
    other_events: int = 0
    live_since: float = 0.0
    replies: dict[str, asyncio.Future] = field(default_factory=dict)
    caught_up: asyncio.Event = field(default_factory=asyncio.Event)
    keepalive: asyncio.Task | None = None

    @property
    def last_id(self) -> int:
        return max(self.arrived, default=0)


async def open_client(client: Client, url: str, stream: str, args: argparse.Namespace,
                      after: int | None = None) -> None:  # fmt: skip
    from websockets.asyncio.client import connect

    client.caught_up = asyncio.Event()
    client.socket = await connect(
        url.replace("http://", "ws://") + "/ws/",
        origin=url,  # type: ignore[arg-type]
        additional_headers={"Cookie": f"sessionid={client.cookie}"},
        compression="deflate" if args.deflate else None,
        open_timeout=60,
        ping_interval=None,
        max_queue=None,
    )
    client.reader = asyncio.create_task(read(client))
    frame: dict[str, Any] = {"type": "subscribe", "stream": stream}
    if after is not None:
        frame["after"] = after
    await client.socket.send(json.dumps(frame))
    await asyncio.wait_for(client.caught_up.wait(), 120)
    client.live_since = time.perf_counter()
    client.keepalive = asyncio.create_task(keep_alive(client))


async def read(client: Client) -> None:
    from websockets.exceptions import ConnectionClosed

    try:
        async for raw in client.socket:
            now = time.perf_counter()
            client.messages += 1
            # Only frames the bench looks at are decoded (presence changes are counted).
            if raw.startswith('{"type":"batch"'):
                for frame in json.loads(raw)["frames"]:
                    take(client, frame, now)
            elif any(word in raw for word in INTERESTING):
                take(client, json.loads(raw), now)
            elif raw.startswith('{"type":"event"'):
                client.other_events += 1
    except ConnectionClosed:
        pass


INTERESTING = ('"message.new"', '"reply"', '"caught_up"', '"error"', '"signed_out"')


def take(client: Client, frame: dict, now: float) -> None:
    kind = frame["type"]
    if kind == "event" and frame["event"]["type"] != "message.new":
        client.other_events += 1
    elif kind == "event":
        message_id = frame["event"]["message"]["id"]
        if message_id in client.arrived:
            client.duplicates += 1
        else:
            client.arrived[message_id] = now
            client.order.append(message_id)
    elif kind == "reply":
        future = client.replies.pop(str(frame.get("ref")), None)
        if future is not None and not future.done():
            future.set_result((frame, now))
    elif kind == "caught_up":
        client.caught_up.set()
    elif kind in ("error", "signed_out"):
        print(f"client {client.number}: {json.dumps(frame)[:300]}", file=sys.stderr)


async def keep_alive(client: Client) -> None:
    """A keep-alive every 25 s, as the browser sends (first one at a random moment)."""
    await asyncio.sleep(random.uniform(0, KEEPALIVE_SECONDS))
    while True:
        await client.socket.send('{"type":"ping"}')
        await asyncio.sleep(KEEPALIVE_SECONDS)


async def close_client(client: Client) -> None:
    if client.keepalive:
        client.keepalive.cancel()
    if client.socket is not None:
        await client.socket.close()
    if client.reader:
        await client.reader


@dataclass
class Sent:
    client_id: str
    sender: int
    sent_at: float
    message_id: int | None = None
    replied_at: float | None = None
    error: str = ""


async def send_messages(senders: list[Client], stream: str, args: argparse.Namespace,
                        sent: list[Sent]) -> None:  # fmt: skip
    """`args.rate` messages a second in all, round robin over the senders, for the duration."""
    interval = 1 / args.rate
    total = int(args.rate * args.duration)
    start = time.perf_counter()
    pending = []
    for number in range(total):
        await asyncio.sleep(max(0.0, start + number * interval - time.perf_counter()))
        sender = senders[number % len(senders)]
        record = Sent(client_id=str(uuid.uuid4()), sender=sender.number, sent_at=0.0)
        ref = str(number)
        future: asyncio.Future = asyncio.get_running_loop().create_future()
        sender.replies[ref] = future
        body = f"Message {number} from member {sender.number}. {BODY_PADDING}"
        record.sent_at = time.perf_counter()
        await sender.socket.send(
            json.dumps({"type": "send", "stream": stream, "ref": ref,
                        "client_id": record.client_id, "body": body})
        )  # fmt: skip
        sent.append(record)
        pending.append(asyncio.create_task(await_reply(record, future)))
    await asyncio.gather(*pending)


async def await_reply(record: Sent, future: asyncio.Future) -> None:
    try:
        frame, at = await asyncio.wait_for(future, 30)
    except TimeoutError:
        record.error = "no reply"
        return
    record.replied_at = at
    if frame.get("ok"):
        record.message_id = frame["data"]["id"]
    else:
        record.error = f"{frame.get('code')}: {frame.get('message')}"


async def watch_the_loop(url: str, stop: asyncio.Event, rtts: list[float]) -> None:
    """A visitor's socket pinging every 0.2 s: its round trips show how busy the server's
    event loop is (a visitor's keep-alive needs no database)."""
    from websockets.asyncio.client import connect

    address = url.replace("http://", "ws://") + "/ws/"
    async with connect(address, origin=url) as socket:  # type: ignore[arg-type]
        await socket.recv()  # hello
        while not stop.is_set():
            started = time.perf_counter()
            await socket.send('{"type":"ping"}')
            await socket.recv()
            rtts.append((time.perf_counter() - started) * 1000)
            await asyncio.sleep(0.2)


async def drop_and_reconnect(clients: list[Client], url: str, stream: str,
                             args: argparse.Namespace) -> None:  # fmt: skip
    """Close these sockets a third of the way in and reconnect them with after=<last id>."""
    await asyncio.sleep(args.duration / 3)
    await asyncio.gather(*(close_client(client) for client in clients))
    await asyncio.sleep(args.offline_seconds)
    semaphore = asyncio.Semaphore(args.connect_concurrency)

    async def reconnect(client: Client) -> None:
        async with semaphore:
            await open_client(client, url, stream, args, after=client.last_id)

    await asyncio.gather(*(reconnect(client) for client in clients))


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


async def scenario(args: argparse.Namespace, url: str, pid: int | None,
                   data: dict[str, Any]) -> dict[str, Any]:  # fmt: skip
    stream = f"room:{data['room']}"
    cookies = data["cookies"]
    report: dict[str, Any] = {}

    # Warm-up: the code paths of connecting, subscribing and sending are loaded before the
    # memory is measured; these sockets are then closed.
    warm = [Client(number=-1 - n, cookie=cookies[n]) for n in range(3)]
    for client in warm:
        await open_client(client, url, stream, args)
    warm_sent: list[Sent] = []
    args_warm = argparse.Namespace(**{**vars(args), "rate": 10, "duration": 0.3})
    await send_messages(warm[:1], stream, args_warm, warm_sent)
    for client in warm:
        await close_client(client)
    await asyncio.sleep(3)

    clients = [Client(number=n, cookie=cookie) for n, cookie in enumerate(cookies)]
    rss_before = rss_kib(pid)
    started = time.perf_counter()
    semaphore = asyncio.Semaphore(args.connect_concurrency)

    async def connect(client: Client) -> None:
        async with semaphore:
            await open_client(client, url, stream, args)

    await asyncio.gather(*(connect(client) for client in clients))
    report["connect_seconds"] = round(time.perf_counter() - started, 1)
    await asyncio.sleep(args.settle_seconds)  # presence announcements of the last joiners
    rss_after = rss_kib(pid)
    if rss_before and rss_after:
        report["rss_before_mib"] = round(rss_before / 1024, 1)
        report["rss_after_mib"] = round(rss_after / 1024, 1)
        report["kib_per_idle_connection"] = round((rss_after - rss_before) / len(clients), 1)

    senders = clients[: args.senders]
    reconnecting = clients[len(clients) - args.reconnecting :] if args.reconnecting else []
    sent: list[Sent] = []
    cpu_before, own_before = cpu_seconds(pid), time.process_time()
    load_started = time.perf_counter()
    for client in clients:
        client.messages = client.other_events = 0
    stop_watching = asyncio.Event()
    rtts: list[float] = []
    watcher = asyncio.create_task(watch_the_loop(url, stop_watching, rtts))
    await asyncio.gather(
        send_messages(senders, stream, args, sent),
        drop_and_reconnect(reconnecting, url, stream, args) if reconnecting else asyncio.sleep(0),
    )
    stop_watching.set()
    await watcher
    expected = {record.message_id for record in sent if record.message_id is not None}
    deadline = time.perf_counter() + args.drain_seconds
    while time.perf_counter() < deadline and any(
        not expected <= client.arrived.keys() for client in clients
    ):
        await asyncio.sleep(0.1)
    load_seconds = time.perf_counter() - load_started
    cpu_after, own_after = cpu_seconds(pid), time.process_time()
    if cpu_before is not None and cpu_after is not None:
        report["server_cpu_percent"] = round(100 * (cpu_after - cpu_before) / load_seconds)
        # Independent of how much of the machine the server got: its CPU time per delivery.
        deliveries = sum(len(client.arrived) for client in clients)
        report["server_cpu_us_per_delivery"] = round(
            1e6 * (cpu_after - cpu_before) / max(1, deliveries)
        )
    report["bench_client_cpu_percent"] = round(100 * (own_after - own_before) / load_seconds)

    by_client_id = {record.message_id: record for record in sent if record.message_id}
    # Latency is measured on the sockets that stayed connected; the reconnected ones are
    # checked for completeness (what they missed came from the backlog, late by design).
    steady = [client for client in clients if client not in reconnecting]
    latencies = [
        (client.arrived[message_id] - by_client_id[message_id].sent_at) * 1000
        for client in steady
        for message_id in expected
        if message_id in client.arrived
    ]
    reply_ms = [(record.replied_at - record.sent_at) * 1000 for record in sent if record.replied_at]
    report.update(
        clients=len(clients),
        senders=len(senders),
        messages_sent=len(sent),
        messages_stored=len(expected),
        send_errors=sorted({record.error for record in sent if record.error}),
        deliveries=len(latencies),
        latency_ms={
            "p50": round(statistics.median(latencies), 1) if latencies else None,
            "p95": round(percentile(latencies, 0.95), 1) if latencies else None,
            "p99": round(percentile(latencies, 0.99), 1) if latencies else None,
            "max": round(max(latencies), 1) if latencies else None,
        },
        server_loop_ms={
            "p50": round(statistics.median(rtts), 1) if rtts else None,
            "p99": round(percentile(rtts, 0.99), 1) if rtts else None,
        },
        reply_ms={
            "p50": round(statistics.median(reply_ms), 1) if reply_ms else None,
            "p99": round(percentile(reply_ms, 0.99), 1) if reply_ms else None,
        },
        steady_missing=sum(len(expected - client.arrived.keys()) for client in steady),
        steady_duplicates=sum(client.duplicates for client in steady),
        steady_out_of_order=sum(out_of_order(client.order, expected) for client in steady),
        websocket_messages=sum(client.messages for client in clients),
        other_events=sum(client.other_events for client in clients),
        reconnected=len(reconnecting),
        reconnected_missing=sum(len(expected - c.arrived.keys()) for c in reconnecting),
        reconnected_duplicates_dropped=sum(c.duplicates for c in reconnecting),
    )
    await asyncio.gather(*(close_client(client) for client in clients))
    return report


def out_of_order(order: list[int], expected: set[int]) -> int:
    """How many of the measured messages arrived after one with a higher id."""
    highest, count = 0, 0
    for message_id in order:
        if message_id not in expected:
            continue
        if message_id < highest:
            count += 1
        highest = max(highest, message_id)
    return count


def table(report: dict[str, Any]) -> str:
    latency, reply = report["latency_ms"], report["reply_ms"]
    rows = [
        ("clients (sockets in the room)", report["clients"]),
        (
            "senders / messages sent / stored",
            f"{report['senders']} / {report['messages_sent']} / {report['messages_stored']}",
        ),
        ("send errors", ", ".join(report["send_errors"]) or "none"),
        ("deliveries measured", report["deliveries"]),
        (
            "during the load: WebSocket messages / other events (presence ...) received",
            f"{report['websocket_messages']} / {report['other_events']}",
        ),
        (
            "latency send -> receipt p50 / p95 / p99 / max (ms)",
            f"{latency['p50']} / {latency['p95']} / {latency['p99']} / {latency['max']}",
        ),
        ("reply to sender p50 / p99 (ms)", f"{reply['p50']} / {reply['p99']}"),
        (
            "server event loop: visitor ping round trip p50 / p99 (ms)",
            f"{report['server_loop_ms']['p50']} / {report['server_loop_ms']['p99']}",
        ),
        (
            "steady sockets: missing / duplicate / out of order",
            f"{report['steady_missing']} / {report['steady_duplicates']}"
            f" / {report['steady_out_of_order']}",
        ),
        (
            "reconnected sockets: missing / duplicates dropped by id",
            f"{report['reconnected']} sockets: {report['reconnected_missing']}"
            f" / {report['reconnected_duplicates_dropped']}",
        ),
        (
            "server RSS before / after opening (MiB)",
            f"{report.get('rss_before_mib')} / {report.get('rss_after_mib')}",
        ),
        ("memory per idle connection (KiB)", report.get("kib_per_idle_connection")),
        (
            "server CPU time per delivery, everything included (us)",
            report.get("server_cpu_us_per_delivery"),
        ),
        ("opening all sockets took (s)", report["connect_seconds"]),
        (
            "server CPU / bench client CPU during the load (%)",
            f"{report.get('server_cpu_percent')} / {report['bench_client_cpu_percent']}",
        ),
    ]
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"{name.ljust(width)}  {value}" for name, value in rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--senders", type=int, default=10)
    parser.add_argument("--rate", type=float, default=10, help="messages a second, all senders")
    parser.add_argument("--duration", type=float, default=30, help="seconds of sending")
    parser.add_argument("--reconnecting", type=int, default=50, help="sockets that drop")
    parser.add_argument("--offline-seconds", type=float, default=2)
    parser.add_argument("--connect-concurrency", type=int, default=25)
    parser.add_argument("--settle-seconds", type=float, default=5)
    parser.add_argument("--drain-seconds", type=float, default=10)
    parser.add_argument("--no-deflate", dest="deflate", action="store_false",
                        help="no permessage-deflate (browsers ask for it)")  # fmt: skip
    parser.add_argument(
        "--channel-layer",
        choices=["shipped", "local"],
        default="shipped",
        help="the settings' layer, or carecircle.core.realtime.LocalChannelLayer",
    )
    parser.add_argument(
        "--app-dir",
        help="run the server from this copy of the code (git archive <commit> | tar -x -C DIR)",
    )
    parser.add_argument("--profile", help="run the server under cProfile, writing here")
    parser.add_argument("--url", help="a site already running (see the module docstring)")
    parser.add_argument("--pid", type=int, help="with --url: its process, for memory and CPU")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if args.reconnecting >= args.clients - args.senders:
        raise SystemExit("--reconnecting must leave some steady sockets besides the senders")
    random.seed(args.seed)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 65536)), hard))
    VAR.mkdir(parents=True, exist_ok=True)
    env = site_env(args.channel_layer)
    if not args.url:
        os.environ.clear()
        os.environ.update(env)
    load_before = [round(value, 2) for value in os.getloadavg()]
    print(f"Load average: {load_before}. Preparing {args.clients} members and a room ...")
    data = prepare_data(args.clients, fresh=not args.url)
    process = None
    if args.url:
        url, pid = args.url.rstrip("/"), args.pid
    else:
        process, url = start_server(args, env)
        pid = process.pid
    try:
        import uvloop

        print(f"Running against {url} ...", flush=True)
        report = uvloop.run(scenario(args, url, pid, data))
    finally:
        if process is not None:
            stop_server(process)
    report["settings"] = {key: value for key, value in vars(args).items() if key != "url"}
    report["load_average_before"] = load_before
    report["date"] = datetime.now(UTC).isoformat(timespec="seconds")
    print(table(report))
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"realtime-{datetime.now(UTC):%Y%m%d-%H%M%S}.json"
    path.write_text(json.dumps(report, indent=2) + "\n")
    print(f"Raw results: {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
