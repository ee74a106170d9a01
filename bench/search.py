"""Search speed: indexing throughput and query latency on a generated health forum.

    .venv/bin/python bench/search.py --db sqlite   [--posts 200000]  [--sqlite-dir DIR]
    .venv/bin/python bench/search.py --db postgres [--posts 1000000] [--index-sample 100000]
        [--runs 200] [--warmup 20] [--regenerate] [--reindex] [--breakdown] [--explain]
        [--only CLASS ...] [--generate-only] [--skip-latency] [--json PATH]

Builds (or reuses) its own database: SQLite `search.sqlite3` in `--sqlite-dir` (a temp
directory by default), or the PostgreSQL database `carecircle_bench_search`. Never the
development database. Then:

1. generates the forum (bench/search_data.py) unless the same data set is already there;
2. indexing: times building the search index from the source rows with the real code path
   (the functions `manage.py rebuild_search_index` calls). With `--index-sample N`, only the
   topics holding the first N posts go through that path and the rest are filled with one
   INSERT ... SELECT that writes the same rows; both parts are reported;
3. latency: p50 / p95 / max of `queries.search` (the full path: parse, synonyms, scope,
   engine, reload, snippets) and of the bare engine call, per query class, as a visitor and as
   a signed-in member of six communities; with `--breakdown`, where the full path's time goes.

Nothing here is part of the test suite; results go to stdout (and `--json`).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
PG_NAME = "carecircle_bench_search"
TARGET_MS = {"postgres": 50.0, "sqlite": 100.0}
DEFAULT_POSTS = {"postgres": 1_000_000, "sqlite": 200_000}


# --- setup ----------------------------------------------------------------------------------------


def configure(options: argparse.Namespace) -> Path:
    """Point the site's settings at the bench database (before Django starts)."""
    work = Path(options.sqlite_dir or Path(tempfile.gettempdir()) / "carecircle_bench_search")
    work.mkdir(parents=True, exist_ok=True)
    for key in [key for key in os.environ if key.startswith("CARECIRCLE_")]:
        del os.environ[key]
    os.environ["CARECIRCLE_VAR_DIR"] = str(work)
    os.environ["CARECIRCLE_LOG_LEVEL"] = "WARNING"
    os.environ["CARECIRCLE_FIELD_KEYS"] = "YmVuY2gtb25seS1maWVsZC1lbmNyeXB0aW9uLWtleSE="
    if options.db == "postgres":
        os.environ["CARECIRCLE_DATABASE_URL"] = f"{PG_SERVER}/{PG_NAME}"
    else:
        path = work / "search.sqlite3"
        if path.resolve().parent == (ROOT / "var").resolve():
            raise SystemExit("Refusing: the SQLite bench database must not be the dev one.")
        os.environ["CARECIRCLE_SQLITE_PATH"] = str(path)
    return work


def record_path(options: argparse.Namespace, work: Path) -> Path:
    return work / f"{options.db}-dataset.json"


def reset_database(options: argparse.Namespace, work: Path) -> None:
    """Drop and recreate the bench database (only ever the bench's own)."""
    record_path(options, work).unlink(missing_ok=True)
    if options.db == "postgres":
        import psycopg

        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {PG_NAME} WITH (FORCE)")
            connection.execute(f"CREATE DATABASE {PG_NAME}")
    else:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{work / 'search.sqlite3'}{suffix}").unlink(missing_ok=True)


def prepare_dataset(options: argparse.Namespace, work: Path) -> dict[str, Any]:
    """Generate the data set unless the same one (posts, seed) is already in the database."""
    path = record_path(options, work)
    wanted = {"posts": options.posts, "seed": options.seed}
    if not options.regenerate and path.exists():
        record = json.loads(path.read_text())
        if record.get("args") == wanted:
            setup_django()
            from carecircle.discussions.models import Post

            if Post.objects.count() == options.posts:
                print(f"Reusing the {options.db} data set generated {record['generated_at']}")
                # Migrations added since (the synonym groups, say) apply to the bench too.
                from django.core.management import call_command

                call_command("migrate", verbosity=0)
                return record
    reset_database(options, work)
    setup_django()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    if options.db == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode = WAL")
    import search_data

    dataset = search_data.generate(posts=options.posts, seed=options.seed, say=say)
    record = {
        "args": wanted,
        "dataset": asdict(dataset),
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "indexed": None,
    }
    path.write_text(json.dumps(record, indent=2) + "\n")
    return record


_django_ready = False


def setup_django() -> None:
    global _django_ready
    if _django_ready:
        return
    sys.path.insert(0, str(ROOT / "bench"))
    from django_setup import setup

    setup()
    _django_ready = True


_started = time.monotonic()


def say(message: str) -> None:
    print(f"[{time.monotonic() - _started:7.1f} s] {message}", flush=True)


# --- indexing -------------------------------------------------------------------------------------

# The rows documents.topic_documents_of writes, for topics past `%s`: html_to_text of the
# generated HTML is the Markdown source with runs of white space folded (checked after the fill).
FILL_TOPICS_SQL = """
INSERT INTO search_searchdocument (kind, object_id, audience, community_id, topic_id, author_id,
    is_question, is_solved, created_at, title, body, indexed_at)
SELECT 'topic', t.id, 0, t.community_id, t.id,
       CASE WHEN t.author_alias_id IS NULL THEN t.author_id END,
       t.is_question, t.is_question AND t.accepted_post_id IS NOT NULL, t.created_at, t.title,
       btrim(regexp_replace(p.body, '[[:space:]]+', ' ', 'g')), now()
FROM discussions_topic t
JOIN discussions_post p ON p.topic_id = t.id AND p.position = 1
    AND p.moderation_state = 'visible' AND NOT p.is_deleted
WHERE t.id > %s AND t.moderation_state = 'visible' AND NOT t.is_deleted
"""
FILL_POSTS_SQL = """
INSERT INTO search_searchdocument (kind, object_id, audience, community_id, topic_id, author_id,
    is_question, is_solved, created_at, title, body, indexed_at)
SELECT 'post', p.id, 0, t.community_id, t.id,
       CASE WHEN p.alias_id IS NULL THEN p.author_id END,
       t.is_question, t.is_question AND t.accepted_post_id IS NOT NULL, p.created_at, '',
       btrim(regexp_replace(p.body, '[[:space:]]+', ' ', 'g')), now()
FROM discussions_post p
JOIN discussions_topic t ON t.id = p.topic_id
WHERE t.id > %s AND t.moderation_state = 'visible' AND NOT t.is_deleted
    AND p.position > 1 AND p.moderation_state = 'visible' AND NOT p.is_deleted
"""


def throughput(rows: int, began: float, cpu: float, **extra: int) -> dict[str, float]:
    """Rows per second of wall time, and per second of this process's own CPU time (on a shared
    machine the second says what the code itself costs; it leaves out the database server)."""
    seconds = time.perf_counter() - began
    cpu_seconds = time.process_time() - cpu
    return {
        **extra,
        "rows": rows,
        "seconds": round(seconds, 2),
        "rows_per_second": round(rows / seconds, 1) if seconds else 0.0,
        "process_cpu_seconds": round(cpu_seconds, 2),
        "rows_per_cpu_second": round(rows / cpu_seconds, 1) if cpu_seconds else 0.0,
        "load_average": round(os.getloadavg()[0], 1),
    }


def describe(timing: dict[str, float]) -> str:
    return (
        f"{timing['rows']:,} rows in {timing['seconds']:.1f} s ({timing['rows_per_second']:,.0f} "
        f"rows/s; this process's CPU {timing['process_cpu_seconds']:.1f} s, "
        f"{timing['rows_per_cpu_second']:,.0f} rows per CPU second; load {timing['load_average']})"
    )


def run_indexing(options: argparse.Namespace, record: dict[str, Any], work: Path) -> dict[str, Any]:
    """Build the index from the source rows with the rebuild command's own functions."""
    from django.db import connection

    from carecircle.discussions.models import Post, Topic
    from carecircle.search import indexing
    from carecircle.search.models import SearchDocument

    if record.get("indexed") and not options.reindex:
        print(f"Reusing the index built {record['indexed']['at']}")
        return dict(record["indexed"])
    say("emptying the search index")
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM search_searchdocument")
        if connection.vendor == "sqlite":
            # The external-content FTS table is kept by triggers; start it empty too.
            cursor.execute("INSERT INTO search_fts(search_fts) VALUES ('delete-all')")
    result: dict[str, Any] = {"batch_size": options.batch_size}
    timings: dict[str, dict[str, float]] = {}

    def timed_kind(kind: str) -> None:
        began, cpu = time.perf_counter(), time.process_time()
        reported = [0.0]

        def progress(kind: str, done: int, total: int) -> None:
            if total and done / total - reported[0] >= 0.1:
                reported[0] = done / total
                say(f"  {kind}: {done:,} of {total:,} sources")

        count = indexing.rebuild_kind(kind, batch_size=options.batch_size, progress=progress)
        timings[kind] = throughput(count.rows, began, cpu, sources=count.sources)
        say(f"indexed {kind}: {count.sources:,} sources, {describe(timings[kind])}")

    sample = options.index_sample
    if not sample or sample >= options.posts:
        timed_kind("topic")
    else:
        # The first topics holding about `sample` posts, through the real batch path.
        last_topic = 0
        covered = 0
        for topic_id, replies in Topic.objects.order_by("pk").values_list("pk", "reply_count"):
            last_topic = topic_id
            covered += replies + 1
            if covered >= sample:
                break
        began, cpu = time.perf_counter(), time.process_time()
        sources = rows = 0
        cursor_id = 0
        while True:
            ids = list(
                indexing._sources("topic")
                .filter(pk__gt=cursor_id, pk__lte=last_topic)
                .order_by("pk")
                .values_list("pk", flat=True)[: options.batch_size]
            )
            if not ids:
                break
            cursor_id = ids[-1]
            from django.db import transaction

            with transaction.atomic():
                current, documents = indexing._rows_of("topic", ids)
                indexing.replace_rows(current, documents)
            sources += len(ids)
            rows += len(documents)
        sampled = throughput(rows, began, cpu, sources=sources)
        timings["topic (sample, real path)"] = sampled
        say(f"indexed a sample through the real path: {sources:,} topics, {describe(sampled)}")
        began, cpu = time.perf_counter(), time.process_time()
        with connection.cursor() as cursor:
            # Filling a GIN index row by row is far slower than building it once: drop it and
            # build it again from its own definition (the bench database only).
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = "
                "'search_searchdocument' AND indexdef ILIKE '%%USING gin%%'"
            )
            gin_indexes = cursor.fetchall()
            for name, _definition in gin_indexes:
                cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
            cursor.execute(FILL_TOPICS_SQL, [last_topic])
            filled = cursor.rowcount
            cursor.execute(FILL_POSTS_SQL, [last_topic])
            filled += cursor.rowcount
            cursor.execute("SET maintenance_work_mem = '1GB'")
            for _name, definition in gin_indexes:
                cursor.execute(definition)
        timings["topic (rest, INSERT ... SELECT)"] = throughput(filled, began, cpu)
        say(
            "filled the rest with INSERT ... SELECT: "
            f"{describe(timings['topic (rest, INSERT ... SELECT)'])}"
        )
        # The fill must write what the real path would: rebuild 200 filled topics with it and
        # count the rows it had to change (0 expected).
        check_ids = list(
            Topic.objects.filter(pk__gt=last_topic).order_by("?").values_list("pk", flat=True)[:200]
        )
        current, documents = indexing._rows_of("topic", check_ids)
        changed = indexing.replace_rows(current, documents)
        result["fill_check"] = {
            "topics": len(check_ids),
            "rows": len(documents),
            "rewritten": changed,
        }
        say(f"fill check: {changed} of {len(documents)} rows differed from the real path")
    timed_kind("member")
    timed_kind("community")
    began = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    say(f"ANALYZE in {time.perf_counter() - began:.1f} s")
    result["timings"] = timings
    result["documents"] = SearchDocument.objects.count()
    result["posts"] = Post.objects.count()
    result["at"] = datetime.now(UTC).isoformat(timespec="seconds")
    record["indexed"] = result
    record_path(options, work).write_text(json.dumps(record, indent=2) + "\n")
    return result


# --- latency --------------------------------------------------------------------------------------


def query_classes(dataset: dict[str, Any]) -> list[tuple[str, list[tuple[str, dict[str, Any]]]]]:
    """Query classes: each a list of (text, filter arguments) variants taken in turn."""
    from datetime import date

    last = datetime.fromisoformat(dataset["last_at"]).date()
    year_ago = date(last.year - 1, last.month, min(last.day, 28))
    big = dataset["community_slugs"][:3]
    common = ["pain", "tired", "doctor", "medication", "fatigue", "sleep", "anxiety", "blood"]
    return [
        ("common word", [(word, {}) for word in common]),
        (
            "rare word",
            [
                (word, {})
                for word in [
                    "adalimumab",
                    "semaglutide",
                    "natalizumab",
                    "lamotrigine",
                    "sarcoidosis",
                    "gastroparesis",
                    "amyloidosis",
                    "tofacitinib",
                ]  # fmt: skip
            ],
        ),
        (
            "3 words",
            [
                (text, {})
                for text in [
                    "tired pain doctor",
                    "sleep medication anxiety",
                    "blood test results",
                    "fatigue energy exercise",
                    "nurse appointment scan",
                    "mood stress therapy",
                ]  # fmt: skip
            ],
        ),
        (
            "phrase",
            [
                (f'"{text}"', {})
                for text in [
                    "side effects",
                    "brain fog",
                    "blood pressure",
                    "chest pain",
                    "back pain",
                ]
            ],
        ),
        (
            "synonyms",
            [
                (text, {})
                for text in [
                    "heart attack",
                    "high blood pressure",
                    "short of breath",
                    "panic attack",
                    "tiredness",
                ]  # fmt: skip
            ],
        ),
        ("exclusion", [("pain -back", {}), ("tired -sleep", {}), ("medication -side", {})]),
        (
            "community filter",
            [(word, {"community": slug}) for word in ["pain", "medication"] for slug in big],
        ),
        (
            "date range",
            [(word, {"after": year_ago, "before": last}) for word in ["pain", "tired", "doctor"]],
        ),
        ("sort newest", [(word, {"sort": "newest"}) for word in common[:4]]),
    ]


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "runs": len(ordered),
        "p50_ms": round(statistics.median(ordered) * 1000, 2),
        "p95_ms": round(p95 * 1000, 2),
        "max_ms": round(ordered[-1] * 1000, 2),
    }


class Breakdown:
    """Wraps the steps of queries.search to see where its time goes (a separate pass)."""

    STEPS = (
        ("queries", "parse_query", "parse"),
        ("synonyms", "expand", "synonyms"),
        ("queries", "_context", "context"),
        ("queries", "_scope", "scope"),
        ("queries", "with_sealed_alternatives", "sealed"),
        ("queries", "_load_results", "reload+snippets"),
        ("snippets", "snippet_html", "snippets"),
        ("suggestions", "suggest", "suggest"),
    )

    def __init__(self) -> None:
        import importlib

        self.totals: dict[str, float] = {}
        self.originals: list[tuple[Any, str, Any]] = []
        self.modules = {
            name: importlib.import_module(f"carecircle.search.{name}")
            for name in ("queries", "synonyms", "snippets", "suggestions")
        }

    def _wrap(self, label: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            began = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.totals[label] = self.totals.get(label, 0.0) + time.perf_counter() - began

        return wrapper

    def __enter__(self) -> Breakdown:
        for module_name, attribute, label in self.STEPS:
            module = self.modules[module_name]
            if hasattr(module, attribute):
                original = getattr(module, attribute)
                self.originals.append((module, attribute, original))
                setattr(module, attribute, self._wrap(label, original))
        queries = self.modules["queries"]
        original_get_engine = queries.get_engine
        self.originals.append((queries, "get_engine", original_get_engine))
        wrap = self._wrap

        def get_engine() -> Any:
            engine = original_get_engine()
            engine.search = wrap("engine", engine.search)
            return engine

        queries.get_engine = get_engine  # type: ignore[attr-defined]
        return self

    def __exit__(self, *exc: object) -> None:
        for module, attribute, original in reversed(self.originals):
            setattr(module, attribute, original)


class SqlTimer:
    """Counts statements and their time on the default connection."""

    def __init__(self) -> None:
        self.count = 0
        self.seconds = 0.0
        self.statements: list[tuple[float, str, Any]] = []
        self.keep = False

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            spent = time.perf_counter() - began
            self.count += 1
            self.seconds += spent
            if self.keep:
                self.statements.append((spent, sql, params))


def run_latency(options: argparse.Namespace, record: dict[str, Any]) -> list[dict[str, Any]]:
    from django.contrib.auth.models import AnonymousUser
    from django.db import connection

    from carecircle.accounts.models import User
    from carecircle.search import queries, synonyms
    from carecircle.search.engines import get_engine
    from carecircle.search.parsing import parse_query

    dataset = record["dataset"]
    actors = [
        ("visitor", AnonymousUser()),
        ("member of 6", User.objects.get(pk=dataset["searcher_id"])),
    ]
    classes = query_classes(dataset)
    if options.only:
        classes = [item for item in classes if any(part in item[0] for part in options.only)]
    engine = get_engine()
    rows: list[dict[str, Any]] = []
    for actor_label, actor in actors:
        for class_label, variants in classes:
            prepared = []
            for text, arguments in variants:
                filters = queries.SearchFilters(**arguments)
                context = queries._context(actor)
                scope = queries._scope(context, filters)
                expanded = synonyms.expand(parse_query(text))
                query = expanded
                if any(kind.kind == "member" for kind in scope.kinds):
                    query = queries.with_sealed_alternatives(expanded)
                prepared.append((text, filters, scope, query))

            def full(index: int, actor: Any = actor, prepared: list[Any] = prepared) -> Any:
                text, filters, _scope, _query = prepared[index % len(prepared)]
                return queries.search(actor, text, filters, page=1, use_embeddings=False)

            def bare(index: int, prepared: list[Any] = prepared) -> Any:
                _text, filters, scope, query = prepared[index % len(prepared)]
                return engine.search(
                    query,
                    scope,
                    sort=filters.sort,
                    limit=queries.PAGE_SIZE + 1,
                    offset=0,
                    count_kinds=True,
                )

            row: dict[str, Any] = {"actor": actor_label, "class": class_label}
            loads = [os.getloadavg()[0]]
            for path, call in (("full", full), ("engine", bare)):
                for index in range(options.warmup):
                    call(index)
                samples = []
                for index in range(options.runs):
                    began = time.perf_counter()
                    call(index)
                    samples.append(time.perf_counter() - began)
                row[path] = percentiles(samples)
                loads.append(os.getloadavg()[0])
            # The machine is shared: the one-minute load average around this class's runs.
            row["load"] = [round(min(loads), 1), round(max(loads), 1)]
            # What a first page looks like (same for every run of a variant).
            sample = full(0)
            row["results"] = len(sample.results)
            row["total"] = sample.total
            row["expanded"] = sample.expanded
            if options.breakdown:
                timer = SqlTimer()
                with Breakdown() as breakdown, connection.execute_wrapper(timer):
                    runs = options.breakdown_runs
                    began = time.perf_counter()
                    for index in range(runs):
                        full(index)
                    wall = time.perf_counter() - began
                row["breakdown_ms"] = {
                    "total": round(wall / runs * 1000, 2),
                    **{
                        label: round(seconds / runs * 1000, 2)
                        for label, seconds in breakdown.totals.items()
                    },
                    "sql": round(timer.seconds / runs * 1000, 2),
                    "statements": round(timer.count / runs, 1),
                }
            rows.append(row)
            say(
                f"{actor_label:12} {class_label:17} full p50 {row['full']['p50_ms']:7.1f} "
                f"p95 {row['full']['p95_ms']:7.1f}  engine p50 {row['engine']['p50_ms']:7.1f} "
                f"p95 {row['engine']['p95_ms']:7.1f}  results {row['results']:2} "
                f"total {row['total']}  load {row['load'][0]}-{row['load'][1]}"
            )
    return rows


def explain(options: argparse.Namespace, record: dict[str, Any]) -> None:
    """EXPLAIN ANALYZE every statement of one full search per query class (PostgreSQL)."""
    from django.contrib.auth.models import AnonymousUser
    from django.db import connection, transaction

    from carecircle.accounts.models import User
    from carecircle.search import queries

    actor: Any = AnonymousUser()
    if options.explain_as == "member":
        actor = User.objects.get(pk=record["dataset"]["searcher_id"])
    for class_label, variants in query_classes(record["dataset"]):
        if options.only and not any(part in class_label for part in options.only):
            continue
        text, arguments = variants[0]
        timer = SqlTimer()
        timer.keep = True
        with connection.execute_wrapper(timer):
            queries.search(actor, text, queries.SearchFilters(**arguments), use_embeddings=False)
        print(f"\n### {class_label}: {text!r} {arguments or ''}")
        slowest = sorted(timer.statements, key=lambda item: -item[0])[:3]
        plans: dict[int, str] = {}
        # Every statement again, in order and in one transaction: the settings an engine makes
        # for its transaction (PostgreSQL's JIT, work_mem, sorts) apply as they did.
        with transaction.atomic(), connection.cursor() as cursor:
            for index, (_spent, sql, params) in enumerate(timer.statements):
                prefix = "EXPLAIN (ANALYZE, BUFFERS) "
                if connection.vendor != "postgresql":
                    prefix = "EXPLAIN QUERY PLAN "
                if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
                    cursor.execute(sql, params)
                    continue
                cursor.execute(prefix + sql, params)
                plans[index] = "\n".join(
                    str(line[0] if connection.vendor == "postgresql" else line)
                    for line in cursor.fetchall()
                )
        for spent, sql, params in slowest:
            print(f"-- {spent * 1000:.1f} ms: {sql[:3000]}\n-- params: {str(params)[:500]}")
            print(plans.get(timer.statements.index((spent, sql, params)), "(not a query)"))


def table(rows: list[dict[str, Any]], target: float) -> str:
    lines = [
        "| searcher | query class | full p50 | full p95 | full max | engine p50 | engine p95 "
        "| engine max | results (total) | load | p95 < target (full / engine) |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for row in rows:
        full, bare = row["full"], row["engine"]
        total = f"{row['total']:,}" + ("+" if row["total"] > 1000 else "")
        lines.append(
            f"| {row['actor']} | {row['class']} | {full['p50_ms']:.1f} | {full['p95_ms']:.1f} | "
            f"{full['max_ms']:.1f} | {bare['p50_ms']:.1f} | {bare['p95_ms']:.1f} | "
            f"{bare['max_ms']:.1f} | {row['results']} ({total}) | "
            f"{row['load'][0]}–{row['load'][1]} | "
            f"{'yes' if full['p95_ms'] < target else 'NO'} / "
            f"{'yes' if bare['p95_ms'] < target else 'NO'} |"
        )
    return "\n".join(lines)


def breakdown_table(rows: list[dict[str, Any]]) -> str:
    labels = [
        "total", "engine", "reload+snippets", "snippets", "context", "scope", "synonyms",
        "sealed", "parse", "suggest", "sql", "statements",
    ]  # fmt: skip
    lines = [
        "| searcher | query class | " + " | ".join(labels) + " |",
        "|---|---|" + "---:|" * len(labels),
    ]
    for row in rows:
        parts = row.get("breakdown_ms")
        if not parts:
            continue
        lines.append(
            f"| {row['actor']} | {row['class']} | "
            + " | ".join(str(parts.get(label, "")) for label in labels)
            + " |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument(
        "--posts", type=int, default=None, help="Default: 1M PostgreSQL, 200k SQLite"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--sqlite-dir", default="", help="Where the SQLite bench database lives.")
    parser.add_argument("--regenerate", action="store_true", help="Drop and generate again.")
    parser.add_argument("--reindex", action="store_true", help="Build the index again.")
    parser.add_argument(
        "--index-sample",
        type=int,
        default=0,
        help="Index only the topics holding about this many posts through the real path; "
        "fill the rest with INSERT ... SELECT (PostgreSQL only; 0: everything, real path).",
    )
    parser.add_argument("--batch-size", type=int, default=500, help="As rebuild_search_index.")
    parser.add_argument("--runs", type=int, default=200, help="Timed runs per class and path.")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--only", nargs="*", default=[], help="Query classes containing these.")
    parser.add_argument("--breakdown", action="store_true", help="Where the full path's time goes.")
    parser.add_argument("--breakdown-runs", type=int, default=40)
    parser.add_argument("--explain", action="store_true", help="EXPLAIN the slowest statements.")
    parser.add_argument("--explain-as", choices=["visitor", "member"], default="visitor")
    parser.add_argument("--generate-only", action="store_true", help="Stop after the data set.")
    parser.add_argument("--skip-latency", action="store_true")
    parser.add_argument("--json", default="", help="Write the results to this file.")
    options = parser.parse_args()
    options.posts = options.posts or DEFAULT_POSTS[options.db]
    if options.index_sample and options.db != "postgres":
        parser.error("--index-sample is for PostgreSQL (the fill SQL is PostgreSQL's).")
    work = configure(options)
    record = prepare_dataset(options, work)
    setup_django()
    from django.db import connection

    if connection.vendor != ("postgresql" if options.db == "postgres" else "sqlite"):
        raise SystemExit("The settings did not pick the bench database.")
    if options.generate_only:
        return
    indexed = run_indexing(options, record, work)
    output: dict[str, Any] = {
        "db": options.db,
        "database": connection.settings_dict["NAME"],
        "dataset": record["dataset"],
        "indexing": indexed,
        "machine": {"cores": os.cpu_count(), "load_average": os.getloadavg()},
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    if options.explain:
        explain(options, record)
    if not options.skip_latency:
        rows = run_latency(options, record)
        output["latency"] = rows
        output["target_p95_ms"] = TARGET_MS[options.db]
        print()
        print(
            f"{options.db}, {record['dataset']['posts']:,} posts, "
            f"{indexed['documents']:,} index rows, {options.runs} runs per class after "
            f"{options.warmup} warm-up; times in ms; target p95 < {TARGET_MS[options.db]:.0f} ms"
        )
        print(table(rows, TARGET_MS[options.db]))
        if options.breakdown:
            print("\nWhere the full path's time goes (mean ms per search):")
            print(breakdown_table(rows))
    if options.json:
        Path(options.json).write_text(json.dumps(output, indent=2, default=str) + "\n")
        print(f"Results written to {options.json}")


if __name__ == "__main__":
    main()
