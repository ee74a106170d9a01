"""Run CareCircle's load scenarios against a generated data set; see bench/README.md.

    .venv/bin/python bench/run.py --db sqlite
    .venv/bin/python bench/run.py --db postgres --workers 1 2 --duration 20

For the chosen database this generates the data set (or reuses the one it generated before
with the same parameters), checks its counters, counts the SQL queries of every page, starts
uvicorn with each number of workers, signs members in, and runs wrk against 127.0.0.1 for a
bounded time per scenario. Raw output goes to bench/results/ (not committed).
"""

from __future__ import annotations

import argparse
import http.client
import http.cookies
import json
import os
import resource
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
VAR = ROOT / "var" / "bench"
PYTHON = str(ROOT / ".venv" / "bin" / "python")
UVICORN = str(ROOT / ".venv" / "bin" / "uvicorn")
LUA = BENCH / "wrk" / "scenario.lua"
HOST = "127.0.0.1"  # load is only ever sent to this machine
PG_HOST = "127.0.0.1"
REDIS_URL = "redis://127.0.0.1:6379/5"  # its own Redis database, away from development's
PASSWORD = "bench-password-1"  # noqa: S105 - the generated members' shared test password
REPLY_TEXT = "Thank you for sharing this. It helps to know I'm not the only one."


def site_env(args: argparse.Namespace) -> dict[str, str]:
    """The site's settings for the bench: debug off, its own database, posting unthrottled."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("CARECIRCLE_")}
    env.update(
        {
            "CARECIRCLE_VAR_DIR": str(VAR),
            "CARECIRCLE_DEBUG": "false",
            "CARECIRCLE_SECRET_KEY": "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
            "CARECIRCLE_FIELD_KEYS": "YmVuY2gtb25seS1maWVsZC1lbmNyeXB0aW9uLWtleSE=",
            "CARECIRCLE_ALLOWED_HOSTS": f"{HOST},localhost",
            "CARECIRCLE_SITE_URL": f"http://{HOST}",
            "CARECIRCLE_SSL_REDIRECT": "false",
            "CARECIRCLE_POST_RATE": "100000/m",
            "CARECIRCLE_LOG_LEVEL": "WARNING",
        }
    )
    if args.db == "sqlite":
        env["CARECIRCLE_SQLITE_PATH"] = str(sqlite_path(args))
    else:
        env["CARECIRCLE_DATABASE_URL"] = f"postgres://postgres@{PG_HOST}:5432/{args.pg_name}"
        env["CARECIRCLE_REDIS_URL"] = REDIS_URL
    if args.db_connections != "shipped":
        env["DJANGO_SETTINGS_MODULE"] = "bench.bench_settings"
        env["BENCH_DB_CONNECTIONS"] = args.db_connections
    if args.db_pool_max:
        env["CARECIRCLE_DB_POOL_MAX"] = str(args.db_pool_max)
    if args.visitor_cache_seconds is not None:
        env["CARECIRCLE_VISITOR_CACHE_SECONDS"] = str(args.visitor_cache_seconds)
    return env


def sqlite_path(args: argparse.Namespace) -> Path:
    return VAR / args.sqlite_name


def check_target_is_bench(args: argparse.Namespace) -> None:
    """Never touch the developer's or the tests' databases."""
    if args.db == "sqlite":
        path = sqlite_path(args).resolve()
        if path.parent != VAR.resolve() or path.name == "carecircle.sqlite3":
            raise SystemExit(f"Refusing to use {path}: bench databases live in {VAR}.")
    elif not args.pg_name.startswith("carecircle_bench"):
        raise SystemExit(
            "Refusing: the PostgreSQL bench database name must start carecircle_bench."
        )


def git(*arguments: str) -> str:
    return subprocess.run(
        ["git", *arguments], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()


def code_under_test(args: argparse.Namespace) -> tuple[Path, str]:
    """The directory to run the site from, and a description of that code for the report."""
    commit = git("rev-parse", "--short=12", args.snapshot or "HEAD")
    if args.app_dir:
        return Path(args.app_dir).resolve(), f"code in {args.app_dir} (based on {commit})"
    if not args.snapshot:
        dirty = " with uncommitted changes" if git("status", "--porcelain", "--", ".") else ""
        return ROOT, f"working tree at {commit}{dirty}"
    target = VAR / f"code-{commit}"
    if not (target / "manage.py").exists():
        target.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(
            ["git", "archive", "--format=tar", commit], cwd=ROOT, capture_output=True, check=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return target, f"commit {commit} (snapshot)"


# --- data set -----------------------------------------------------------------------------------


def dataset_args(args: argparse.Namespace) -> dict[str, int]:
    return {
        "users": args.users,
        "communities": args.communities,
        "topics": args.topics,
        "posts": args.posts,
        "seed": args.seed,
    }


def database_exists(args: argparse.Namespace) -> bool:
    if args.db == "sqlite":
        return sqlite_path(args).exists()
    output = subprocess.run(
        ["psql", "-h", PG_HOST, "-U", "postgres", "-Atc", "SELECT datname FROM pg_database"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return args.pg_name in output.split()


def prepare_dataset(args: argparse.Namespace, env: dict[str, str]) -> dict[str, Any]:
    """Generate the data set unless the same one is already there; returns its record."""
    record_path = VAR / f"{args.db}-dataset.json"
    wanted = dataset_args(args)
    if not args.regenerate and record_path.exists() and database_exists(args):
        record = json.loads(record_path.read_text())
        if record.get("args") == wanted:
            print(f"Reusing the {args.db} data set generated {record['generated_at']}")
            return record
    print(f"Generating the {args.db} data set: {wanted}")
    if args.db == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{sqlite_path(args)}{suffix}").unlink(missing_ok=True)
    else:
        pg = ["-h", PG_HOST, "-U", "postgres"]
        subprocess.run(["dropdb", *pg, "--if-exists", args.pg_name], check=True)
        subprocess.run(["createdb", *pg, args.pg_name], check=True)
    manage(args, env, "migrate", "--noinput", quiet=True)
    command = ["generate_data", *[f"--{key}={value}" for key, value in wanted.items()]]
    command.append(f"--password={PASSWORD}")
    started = time.monotonic()
    manage(args, env, *command)
    seconds = round(time.monotonic() - started, 1)
    record = {
        "args": wanted,
        "command": "manage.py " + " ".join(command),
        "generation_seconds": seconds,
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    record_path.write_text(json.dumps(record, indent=2) + "\n")
    print(f"Generated in {seconds} s")
    return record


def manage(
    args: argparse.Namespace, env: dict[str, str], *arguments: str, quiet: bool = False
) -> None:
    subprocess.run(
        [PYTHON, "manage.py", *arguments],
        cwd=args.app,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL if quiet else None,
    )


def bench_script(
    args: argparse.Namespace, env: dict[str, str], name: str, *, check: bool = True
) -> str:
    completed = subprocess.run(
        [PYTHON, str(args.app / "bench" / name)],
        cwd=args.app,
        env=env,
        capture_output=True,
        text=True,
    )
    if check and completed.returncode:
        sys.stderr.write(completed.stderr)
        raise SystemExit(f"bench/{name} failed")
    return completed.stdout


# --- HTTP helpers (standard library only: the load itself is generated by wrk) ------------------


def request(
    port: int, method: str, path: str, headers: dict[str, str] | None = None, body: str = ""
) -> tuple[int, http.client.HTTPMessage, bytes]:
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        connection.request(method, path, body=body or None, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def cookies_of(headers: http.client.HTTPMessage) -> dict[str, str]:
    jar: http.cookies.SimpleCookie = http.cookies.SimpleCookie()
    for header in headers.get_all("Set-Cookie") or []:
        jar.load(header)
    return {name: morsel.value for name, morsel in jar.items()}


def sign_in(port: int, email: str) -> tuple[str, str]:
    """Sign in through the real form; returns (sessionid, csrftoken)."""
    status, headers, _body = request(port, "GET", "/accounts/login/")
    csrftoken = cookies_of(headers).get("csrftoken", "")
    if status != 200 or not csrftoken:
        raise SystemExit(f"Sign-in page answered {status} without a CSRF cookie")
    form = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": csrftoken, "login": email, "password": PASSWORD}
    )
    status, headers, _body = request(
        port,
        "POST",
        "/accounts/login/",
        {"Cookie": f"csrftoken={csrftoken}", "Content-Type": "application/x-www-form-urlencoded"},
        form,
    )
    cookies = cookies_of(headers)
    if status != 302 or "sessionid" not in cookies:
        raise SystemExit(f"Signing in {email} failed ({status})")
    return cookies["sessionid"], cookies.get("csrftoken", csrftoken)


def signed_in_sessions(args: argparse.Namespace, port: int, emails: list[str]) -> list[str]:
    """'sessionid:csrftoken' for each member, reusing sessions still valid from earlier runs."""
    path = VAR / f"{args.db}-sessions.json"
    sessions: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    for email in emails:
        pair = sessions.get(email)
        if pair:
            status, _headers, _body = request(
                port, "GET", "/account/", {"Cookie": f"sessionid={pair.split(':')[0]}"}
            )
            if status == 200:
                continue
        sessions[email] = ":".join(sign_in(port, email))
    path.write_text(json.dumps(sessions, indent=2) + "\n")
    return [sessions[email] for email in emails]


# --- the site under test ------------------------------------------------------------------------


def priority(args: argparse.Namespace) -> list[str]:
    """A `nice` prefix for the site and wrk, so other work on the machine disturbs less."""
    return ["nice", "-n", str(args.nice)] if args.nice else []


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


class Server:
    """uvicorn with N workers in its own process group, stopped (only it) on exit."""

    def __init__(
        self,
        app: Path,
        env: dict[str, str],
        workers: int,
        log: Path,
        priority: list[str],
        interface: str,
    ) -> None:
        self.app, self.env, self.workers, self.log = app, env, workers, log
        self.priority, self.interface = priority, interface
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Server:
        command = [
            *self.priority,
            UVICORN,
            "config.asgi:application" if self.interface == "asgi" else "bench.wsgi:application",
            f"--interface={'asgi3' if self.interface == 'asgi' else 'wsgi'}",
            "--host",
            HOST,
            "--port",
            str(self.port),
            "--lifespan",
            "off",
            "--workers",
            str(self.workers),
            "--no-access-log",
            "--log-level",
            "warning",
        ]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                command, cwd=self.app, env=self.env, stdout=log, stderr=log, start_new_session=True
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                # Each worker must be up: ask a few times so both answer at least once.
                if all(request(self.port, "GET", "/health/")[0] == 200 for _ in range(4)):
                    return self
            except OSError:
                pass
            if self.process.poll() is not None:
                raise SystemExit(f"uvicorn exited; see {self.log}")
            time.sleep(0.5)
        raise SystemExit(f"uvicorn did not answer within 60 s; see {self.log}")

    def __exit__(self, *exc: object) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def cpu_seconds(self) -> float:
        """CPU time used so far by uvicorn and its worker processes."""
        assert self.process is not None
        return tree_cpu_seconds(processes(), [self.process.pid])


def processes() -> dict[int, tuple[int, str, float]]:
    """pid -> (parent pid, command, CPU seconds of it and its reaped children)."""
    found = {}
    tick = os.sysconf("SC_CLK_TCK")
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        command = text[text.index("(") + 1 : text.rindex(")")]
        fields = text[text.rindex(")") + 2 :].split()
        # After the command: [1] parent pid; [11] [12] user and system time of the process,
        # [13] [14] of its children that have exited (short-lived database backends).
        seconds = sum(int(value) for value in fields[11:15]) / tick
        found[int(stat.parent.name)] = (int(fields[1]), command, seconds)
    return found


def tree_cpu_seconds(table: dict[int, tuple[int, str, float]], roots: list[int]) -> float:
    """CPU seconds of the processes `roots` and everything below them."""
    children: dict[int, list[int]] = {}
    for pid, (parent, _command, _seconds) in table.items():
        children.setdefault(parent, []).append(pid)
    total, stack = 0.0, [pid for pid in roots if pid in table]
    while stack:
        pid = stack.pop()
        total += table[pid][2]
        stack.extend(children.get(pid, []))
    return total


def database_cpu_seconds() -> float:
    """CPU seconds of the PostgreSQL and Redis servers (all their processes)."""
    table = processes()
    roots = [
        pid
        for pid, (parent, command, _seconds) in table.items()
        if (command == "postgres" and table.get(parent, (0, "", 0))[1] != "postgres")
        or command == "redis-server"
    ]
    return tree_cpu_seconds(table, roots)


def machine_cpu() -> tuple[float, float]:
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    # user nice system idle iowait irq softirq steal (guest time is already in user)
    values = [float(value) for value in Path("/proc/stat").read_text().split()[1:9]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


# --- scenarios ----------------------------------------------------------------------------------


@dataclass
class Scenario:
    name: str
    label: str
    paths: list[str]
    signed_in: bool = False
    method: str = "GET"
    expect: int = 200
    body: str = ""
    notes: list[str] = field(default_factory=list)


def scenarios(targets: dict[str, Any]) -> list[Scenario]:
    community, hot = targets["community"], targets["hot_topic"]
    last = hot["last_page"]
    return [
        Scenario("communities", "Community list /communities/", ["/communities/"]),
        Scenario("community", f"Topic list {community['url']}", [community["url"]]),
        Scenario(
            "community-last",
            f"Topic list ?page={community['last_page']} (last)",
            [f"{community['url']}?page={community['last_page']}"],
        ),
        Scenario("topic", f"Busiest topic ({hot['reply_count']} replies), page 1", [hot["url"]]),
        Scenario("topic-last", f"Busiest topic, page {last} (last)", [f"{hot['url']}?page={last}"]),
        Scenario("topic-member", "Busiest topic, page 1, signed in", [hot["url"]], True),
        Scenario(
            "topic-last-member",
            f"Busiest topic, page {last}, signed in",
            [f"{hot['url']}?page={last}"],
            True,
        ),
        Scenario(
            "api-topics",
            "API topic list",
            [f"/api/v1/communities/{community['slug']}/topics"],
        ),
        Scenario(
            "api-posts",
            f"API post list, page {last} (last)",
            [f"/api/v1/topics/{hot['id']}/posts?page={last}"],
        ),
        Scenario(
            "reply",
            f"POST reply, signed in, {len(targets['reply_topics'])} topics",
            [f"/t/{topic_id}/reply" for topic_id in targets["reply_topics"]],
            signed_in=True,
            method="POST",
            expect=302,
            body=urllib.parse.urlencode({"body": REPLY_TEXT}),
        ),
    ]


def settle(server: Server, limit: float = 60) -> None:
    """Wait until the site is idle: requests wrk gave up on may still be running."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        before = server.cpu_seconds()
        time.sleep(1)
        if server.cpu_seconds() - before < 0.05:
            return


def verify(port: int, scenario: Scenario, sessions: list[str]) -> None:
    """One request by hand first, so a wrong status is caught instead of measured."""
    headers: dict[str, str] = {}
    body = ""
    if scenario.signed_in:
        sessionid, csrftoken = sessions[0].split(":")
        headers["Cookie"] = f"sessionid={sessionid}; csrftoken={csrftoken}"
        if scenario.method == "POST":
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            body = f"csrfmiddlewaretoken={csrftoken}&{scenario.body}"
    status, _headers, content = request(port, scenario.method, scenario.paths[0], headers, body)
    if status == 503:
        # An overloaded site: measured anyway (wrong statuses are counted), but said out loud.
        print(f"WARNING {scenario.name}: {scenario.paths[0]} answered 503: {content[:200]!r}")
        return
    if status != scenario.expect:
        raise SystemExit(
            f"{scenario.name}: {scenario.paths[0]} answered {status}: {content[:300]!r}"
        )
    if scenario.signed_in and scenario.method == "GET" and b'name="body"' not in content:
        raise SystemExit(f"{scenario.name}: the signed-in page has no reply form")


def run_wrk(
    args: argparse.Namespace,
    port: int,
    scenario: Scenario,
    sessions: list[str],
    seconds: int,
    out: Path,
) -> dict[str, Any]:
    env = dict(
        os.environ,
        BENCH_PATHS=" ".join(scenario.paths),
        BENCH_SESSIONS=" ".join(sessions) if scenario.signed_in else "",
        BENCH_METHOD=scenario.method,
        BENCH_BODY=scenario.body,
        BENCH_OUT=str(out),
    )
    command = [
        *priority(args),
        "wrk",
        f"--threads={args.threads}",
        f"--connections={args.connections}",
        f"--duration={seconds}s",
        "--timeout=10s",
        f"--script={LUA}",
        f"http://{HOST}:{port}",
    ]
    subprocess.run(command, env=env, check=True, capture_output=True, timeout=seconds + 60)
    return dict(json.loads(out.read_text()))


def measure(
    args: argparse.Namespace, server: Server, scenario: Scenario, sessions: list[str], stamp: str
) -> dict[str, Any]:
    settle(server)
    verify(server.port, scenario, sessions)
    if args.warmup:
        run_wrk(args, server.port, scenario, sessions, args.warmup, RESULTS / "warmup.json")
    out = RESULTS / f"{stamp}-{args.db}-w{server.workers}-{scenario.name}.json"
    server_before, machine_before = server.cpu_seconds(), machine_cpu()
    database_before = database_cpu_seconds()
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    summary = run_wrk(args, server.port, scenario, sessions, args.duration, out)
    children_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    server_after, machine_after = server.cpu_seconds(), machine_cpu()
    database_share = (
        (database_cpu_seconds() - database_before)
        / (summary["duration_us"] / 1e6)
        / (os.cpu_count() or 1)
    )
    seconds = summary["duration_us"] / 1e6
    cores = os.cpu_count() or 1
    busy = (machine_after[0] - machine_before[0]) / (machine_after[1] - machine_before[1])
    server_share = (server_after - server_before) / seconds / cores
    wrk_share = (
        (
            (children_after.ru_utime + children_after.ru_stime)
            - (children_before.ru_utime + children_before.ru_stime)
        )
        / seconds
        / cores
    )
    latency = summary["latency_us"]
    errors = summary["errors"]
    return {
        "scenario": scenario.name,
        "label": scenario.label,
        "workers": server.workers,
        "requests": summary["requests"],
        "seconds": round(seconds, 1),
        "rps": round(summary["requests"] / seconds, 1),
        "p50_ms": round(latency["p50"] / 1000, 1),
        "p90_ms": round(latency["p90"] / 1000, 1),
        "p99_ms": round(latency["p99"] / 1000, 1),
        "max_ms": round(latency["max"] / 1000, 1),
        "errors": errors["connect"] + errors["read"] + errors["write"] + errors["timeout"],
        "bad_status": errors["status"],
        # Shares of the whole machine's CPU during the run: the site, the database servers
        # (PostgreSQL and Redis, whoever uses them), wrk, and everything else.
        "cpu_machine_pct": round(busy * 100),
        "cpu_server_pct": round(server_share * 100),
        "cpu_database_pct": round(database_share * 100),
        "cpu_wrk_pct": round(wrk_share * 100),
        "cpu_other_pct": max(0, round((busy - server_share - database_share - wrk_share) * 100)),
    }


# --- report -------------------------------------------------------------------------------------


def results_table(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| scenario | workers | req/s | p50 ms | p90 ms | p99 ms | errors | CPU % site/db/other |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        errors = row["errors"] + row["bad_status"]
        lines.append(
            f"| {row['label']} | {row['workers']} | {row['rps']:.0f} | {row['p50_ms']} | "
            f"{row['p90_ms']} | {row['p99_ms']} | {errors} | "
            f"{row['cpu_server_pct']}/{row['cpu_database_pct']}/{row['cpu_other_pct']} |"
        )
    return "\n".join(lines)


def query_table(counts: dict[str, Any]) -> str:
    lines = [
        "| page | visitor | visitor, cached | member | member SQL ms |",
        "|---|---:|---:|---:|---:|",
    ]
    for page in counts["pages"]:
        cached = page.get("visitor_cached", {}).get("queries", "")
        lines.append(
            f"| {page['page']} | {page['visitor']['queries']} | {cached} | "
            f"{page['member']['queries']} | {page['member']['sql_ms']} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], required=True)
    parser.add_argument("--users", type=int, default=5000)
    parser.add_argument("--communities", type=int, default=12)
    parser.add_argument("--topics", type=int, default=10000)
    parser.add_argument("--posts", type=int, default=200000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--regenerate", action="store_true", help="Generate even if reusable.")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--duration", type=int, default=20, help="Seconds per scenario.")
    parser.add_argument("--warmup", type=int, default=3, help="Unmeasured seconds first.")
    parser.add_argument("--only", nargs="*", default=[], help="Run only these scenarios.")
    parser.add_argument("--sqlite-name", default="bench.sqlite3")
    parser.add_argument("--pg-name", default="carecircle_bench")
    parser.add_argument(
        "--db-connections",
        choices=["shipped", "per-request", "persistent"],
        default="shipped",
        help="Database connection handling: as config/settings.py ships it, or one of the "
        "variants in bench/bench_settings.py.",
    )
    parser.add_argument(
        "--db-pool-max",
        type=int,
        default=0,
        help="PostgreSQL connection pool size per worker (CARECIRCLE_DB_POOL_MAX); "
        "default: the settings' own.",
    )
    parser.add_argument(
        "--interface",
        choices=["asgi", "wsgi"],
        default="asgi",
        help="Serve through config.asgi (as deployed) or bench/wsgi.py (uvicorn's WSGI threads).",
    )
    parser.add_argument(
        "--app-dir",
        default="",
        help="Run the site from this copy of the project (e.g. a patched snapshot).",
    )
    parser.add_argument(
        "--visitor-cache-seconds",
        type=float,
        default=None,
        help="CARECIRCLE_VISITOR_CACHE_SECONDS for the site (0: every visitor's request "
        "reaches Django); default: the settings' own.",
    )
    parser.add_argument(
        "--nice",
        type=int,
        default=0,
        help="Scheduling priority of uvicorn and wrk (negative needs root); the database "
        "server keeps its own.",
    )
    parser.add_argument(
        "--snapshot",
        nargs="?",
        const="HEAD",
        default="",
        metavar="COMMIT",
        help="Run a commit (default HEAD), exported to var/bench/, not the working tree: "
        "edits in progress then cannot disturb a run, and runs can share one commit.",
    )
    args = parser.parse_args()
    if not 1 <= args.duration <= 120:
        raise SystemExit("--duration must be between 1 and 120 seconds.")
    check_target_is_bench(args)
    VAR.mkdir(parents=True, exist_ok=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    env = site_env(args)

    args.app, code = code_under_test(args)
    print(f"Code under test: {code}")
    dataset = prepare_dataset(args, env)
    manage(args, env, "migrate", "--noinput", quiet=True)
    manage(args, env, "collectstatic", "--noinput", quiet=True)
    print(bench_script(args, env, "check_data.py", check=False).strip())
    targets = json.loads(bench_script(args, env, "targets.py"))
    print(f"Data set: {targets['counts']}")
    counts = json.loads(bench_script(args, env, "query_counts.py"))
    (RESULTS / f"{stamp}-{args.db}-queries.json").write_text(json.dumps(counts, indent=2))
    print(query_table(counts))

    rows: list[dict[str, Any]] = []
    selected = [s for s in scenarios(targets) if not args.only or s.name in args.only]
    for workers in args.workers:
        log = RESULTS / f"{stamp}-{args.db}-uvicorn.log"
        with Server(args.app, env, workers, log, priority(args), args.interface) as server:
            sessions = signed_in_sessions(args, server.port, targets["members"])
            for scenario in selected:
                row = measure(args, server, scenario, sessions, stamp)
                rows.append(row)
                print(
                    f"{args.db} w{workers} {scenario.name:18} {row['rps']:8.1f} req/s  "
                    f"p50 {row['p50_ms']:6.1f}  p90 {row['p90_ms']:6.1f}  "
                    f"p99 {row['p99_ms']:6.1f} ms  errors {row['errors'] + row['bad_status']}  "
                    f"cpu site {row['cpu_server_pct']}% db {row['cpu_database_pct']}% "
                    f"other {row['cpu_other_pct']}%",
                    flush=True,
                )
    after = json.loads(bench_script(args, env, "targets.py"))["counts"]
    print(bench_script(args, env, "check_data.py", check=False).strip())
    report = {
        "db": args.db,
        "stamp": stamp,
        "code": code,
        "dataset": dataset,
        "counts_before": targets["counts"],
        "counts_after": after,
        "targets": {key: targets[key] for key in ("community", "hot_topic", "small_topic")},
        "connections": args.connections,
        "nice": args.nice,
        "db_connections": args.db_connections,
        "db_pool_max": args.db_pool_max,
        "visitor_cache_seconds": args.visitor_cache_seconds,
        "interface": args.interface,
        "duration": args.duration,
        "cpu_count": os.cpu_count(),
        "results": rows,
        "queries": counts,
    }
    (RESULTS / f"{stamp}-{args.db}.json").write_text(json.dumps(report, indent=2) + "\n")
    markdown = (
        f"## {args.db}, {targets['counts']['posts']} posts, {args.interface}, connections "
        f"{args.db_connections}, visitor cache "
        f"{'default' if args.visitor_cache_seconds is None else args.visitor_cache_seconds} s, "
        f"{code} ({stamp})\n\n"
        f"{results_table(rows)}\n\nSQL queries per page:\n\n{query_table(counts)}\n"
    )
    (RESULTS / f"{stamp}-{args.db}.md").write_text(markdown)
    print("\n" + markdown)
    print(f"Raw results: {RESULTS}/{stamp}-{args.db}.*")


if __name__ == "__main__":
    main()
