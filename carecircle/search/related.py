"""Related discussions and "similar topics already exist": embeddings when installed,
full-text similarity otherwise, always only topics the reader may read.

With the model, topic vectors (TopicEmbedding) are compared by cosine in numpy, brute force:
one process keeps them all in one matrix, reloaded when the table changed (checked at most
every VECTOR_CHECK_SECONDS). 100,000 topics make a 150 MB matrix and a ~50 ms product.
Without the model the significant words of the title (and of the opening, for a title too
short to say much) are OR-ed through the full-text engine. Either way the candidates are
loaded again with the read rules of the topic page: only visible and undeleted topics, none
by a member the reader blocked, never the topic itself.
"""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Max

from carecircle.communities.queries import readable_community_ids
from carecircle.core.models import ModerationState
from carecircle.discussions.models import Post, Topic
from carecircle.messaging.queries.blocks import blocked_by
from carecircle.search import embeddings
from carecircle.search.parsing import MAX_WORD_LENGTH, STOPWORDS, Clause, ParsedQuery, Term

if TYPE_CHECKING:
    import numpy as np

VECTOR_CHECK_SECONDS = 30
# Cosine below which a topic is not "about the same thing" (all-MiniLM-L6-v2: unrelated
# sentences score about 0–0.2, paraphrases 0.6 and more).
RELATED_MIN_SIMILARITY = 0.35
SIMILAR_MIN_SIMILARITY = 0.45
SEARCH_MIN_SIMILARITY = 0.25
# Candidates asked for per wanted result: some fall out on loading (blocked authors, hidden).
OVERFETCH = 4
MAX_TITLE_WORDS = 12
MAX_OPENING_WORDS = 8  # most frequent significant words of the first post added to the title's
MIN_TITLE_WORDS = 2  # a title with fewer significant words borrows the opening's
MIN_TITLE_LENGTH = 4
_WORD = re.compile(r"[^\W_]+")


# --- Reading topics ---------------------------------------------------------------------------


def _readable_ids(actor: Any) -> set[int]:
    return set(readable_community_ids(actor).values_list("pk", flat=True))


def load_topics(actor: Any, topic_ids: list[int], *, limit: int) -> list[Topic]:
    """The readable, visible, undeleted topics among `topic_ids`, in that order, at most
    `limit`; none started openly by a member `actor` blocked. One query."""
    if not topic_ids:
        return []
    queryset = Topic.objects.filter(
        pk__in=topic_ids,
        community__in=readable_community_ids(actor),
        is_deleted=False,
        moderation_state=ModerationState.VISIBLE,
    ).select_related("community")
    blocked = blocked_by(actor)
    if blocked:
        queryset = queryset.exclude(author_id__in=blocked)
    by_id = {topic.pk: topic for topic in queryset}
    return [by_id[pk] for pk in topic_ids if pk in by_id][:limit]


# --- Vectors ----------------------------------------------------------------------------------


@dataclass
class _Vectors:
    version: tuple[int, Any]
    topic_ids: np.ndarray  # int64, one per row of `matrix`
    community_ids: np.ndarray  # int64: where each topic was when its vector was written
    matrix: np.ndarray  # float32 (n, 384), rows L2-normalised
    checked_at: float


_vectors: _Vectors | None = None
_vectors_lock = threading.Lock()


def forget_vectors() -> None:
    """Drop this process's vector matrix; the next semantic lookup reloads it."""
    global _vectors
    _vectors = None


def _version() -> tuple[int, Any]:
    row = embeddings_queryset().aggregate(count=Count("pk"), latest=Max("updated_at"))
    return (row["count"], row["latest"])


def embeddings_queryset() -> Any:
    from carecircle.search.models import TopicEmbedding

    return TopicEmbedding.objects.filter(model=embeddings.MODEL_NAME)


def _current_vectors() -> _Vectors:
    global _vectors
    now = time.monotonic()
    current = _vectors
    if current is not None and now - current.checked_at < VECTOR_CHECK_SECONDS:
        return current
    with _vectors_lock:
        current = _vectors
        if current is not None and now - current.checked_at < VECTOR_CHECK_SECONDS:
            return current
        version = _version()
        if current is not None and current.version == version:
            current.checked_at = now
            return current
        import numpy as np

        topic_ids: list[int] = []
        community_ids: list[int] = []
        rows: list[np.ndarray] = []
        for topic_id, community_id, data in (
            embeddings_queryset()
            .values_list("topic_id", "topic__community_id", "vector")
            .iterator(chunk_size=2000)
        ):
            vector = embeddings.vector_from_bytes(data)
            if vector.shape != (embeddings.DIMENSIONS,):
                continue
            topic_ids.append(topic_id)
            community_ids.append(community_id)
            rows.append(vector)
        matrix = np.vstack(rows) if rows else np.zeros((0, embeddings.DIMENSIONS), dtype=np.float32)
        _vectors = _Vectors(
            version=version,
            topic_ids=np.asarray(topic_ids, dtype=np.int64),
            community_ids=np.asarray(community_ids, dtype=np.int64),
            matrix=matrix,
            checked_at=now,
        )
        return _vectors


def _nearest(
    actor: Any,
    vector: np.ndarray,
    *,
    limit: int,
    min_similarity: float,
    community_ids: set[int] | None = None,
    exclude_topic_id: int | None = None,
) -> list[int]:
    """Ids of the topics whose vectors are closest to `vector`, best first, in readable
    communities (narrowed to `community_ids` when given)."""
    import numpy as np

    vectors = _current_vectors()
    if not len(vectors.topic_ids):
        return []
    allowed = _readable_ids(actor)
    if community_ids is not None:
        allowed &= community_ids
    if not allowed:
        return []
    scores = vectors.matrix @ vector.astype(np.float32)
    keep = np.isin(vectors.community_ids, np.fromiter(allowed, dtype=np.int64))
    keep &= scores >= min_similarity
    if exclude_topic_id is not None:
        keep &= vectors.topic_ids != exclude_topic_id
    candidates = np.flatnonzero(keep)
    if not len(candidates):
        return []
    if len(candidates) > limit:
        top = np.argpartition(-scores[candidates], limit - 1)[:limit]
        candidates = candidates[top]
    ordered = candidates[np.argsort(-scores[candidates], kind="stable")]
    return [int(topic_id) for topic_id in vectors.topic_ids[ordered]]


def _stored_vector(topic_id: int) -> np.ndarray | None:
    import numpy as np

    vectors = _current_vectors()
    rows = np.flatnonzero(vectors.topic_ids == topic_id)
    return vectors.matrix[int(rows[0])] if len(rows) else None


def _use_embeddings(use_embeddings: bool | None) -> bool:
    return embeddings.is_available() and use_embeddings is not False


def semantic_topic_ids(
    actor: Any, text: str, limit: int = 50, *, min_similarity: float = SEARCH_MIN_SIMILARITY
) -> list[int]:
    """Ids of readable topics near `text` in meaning, best first; [] without the model.

    Only candidates: callers load them again with the read rules (see `load_topics`).
    """
    if not embeddings.is_available() or not text.strip() or limit <= 0:
        return []
    # A query or title, never a document: short enough to embed while a page waits.
    vector = embeddings.embed_texts([text.strip()[:1000]])[0]
    return _nearest(actor, vector, limit=limit, min_similarity=min_similarity)


# --- Full-text similarity -----------------------------------------------------------------------


def significant_words(text: str) -> list[str]:
    """Lower-case words of `text` that say what it is about: no stopwords, no one- or
    two-letter words, no bare numbers; first occurrence order, no repeats."""
    seen: dict[str, None] = {}
    for word in _WORD.findall(text.lower()):
        if len(word) < 3 or len(word) > MAX_WORD_LENGTH or word.isdigit() or word in STOPWORDS:
            continue
        seen.setdefault(word, None)
    return list(seen)


def _any_of(words: list[str]) -> ParsedQuery:
    return ParsedQuery(clauses=(Clause(alternatives=tuple(Term((word,)) for word in words)),))


def _full_text_ids(
    actor: Any,
    words: list[str],
    *,
    limit: int,
    community_ids: set[int] | None = None,
    exclude_topic_id: int | None = None,
) -> list[int]:
    from carecircle.search.engines import KindScope, Scope, get_engine

    if not words:
        return []
    allowed = _readable_ids(actor)
    if community_ids is not None:
        allowed &= community_ids
    if not allowed:
        return []
    scope = Scope(
        kinds=(KindScope("topic", community_ids=tuple(sorted(allowed))),),
        exclude_author_ids=tuple(sorted(blocked_by(actor))),
        exclude_object_ids=(("topic", exclude_topic_id),) if exclude_topic_id else (),
    )
    found = get_engine().search(_any_of(words), scope, sort="relevance", limit=limit)
    return [hit.object_id for hit in found.hits if hit.kind == "topic"]


def _opening_words(topic: Topic) -> list[str]:
    body_html = (
        Post.objects.filter(
            topic=topic, position=1, is_deleted=False, moderation_state=ModerationState.VISIBLE
        )
        .values_list("body_html", flat=True)
        .first()
    )
    opening = " ".join(
        embeddings.plain_text(body_html or "").split(" ")[: embeddings.OPENING_WORDS]
    )
    significant = set(significant_words(opening))
    counts = Counter(word for word in _WORD.findall(opening.lower()) if word in significant)
    return [word for word, _count in counts.most_common(MAX_OPENING_WORDS)]


def _stems(words: list[str]) -> set[str]:
    import snowballstemmer

    return set(snowballstemmer.stemmer("english").stemWords(words))


# --- Public -------------------------------------------------------------------------------------


def related_topics(
    actor: Any, topic: Any, *, limit: int = 5, use_embeddings: bool | None = None
) -> list[Any]:
    """Up to `limit` readable topics about the same thing as `topic` (never itself).

    `use_embeddings`: False forces full-text similarity (None: the model when installed).
    A topic whose vector is not written yet also falls back to full text: documents are
    never embedded while a page waits.
    """
    wanted = limit * OVERFETCH
    if _use_embeddings(use_embeddings):
        vector = _stored_vector(topic.pk)
        if vector is not None:
            ids = _nearest(
                actor,
                vector,
                limit=wanted,
                min_similarity=RELATED_MIN_SIMILARITY,
                exclude_topic_id=topic.pk,
            )
            return load_topics(actor, ids, limit=limit)
    # The title says what a topic is about; the opening's words only help a title too short
    # to say it, as they pull in every topic that shares a common word.
    words = significant_words(topic.title)[:MAX_TITLE_WORDS]
    if len(words) < MIN_TITLE_WORDS:
        words += [word for word in _opening_words(topic) if word not in words]
    ids = _full_text_ids(actor, words, limit=wanted, exclude_topic_id=topic.pk)
    return load_topics(actor, ids, limit=limit)


def similar_topics(
    actor: Any,
    title: str,
    *,
    community: Any = None,
    limit: int = 5,
    use_embeddings: bool | None = None,
) -> list[Any]:
    """Readable topics whose subject looks like `title`, for the new-topic hint.

    In `community` only when given. Nothing for a title too short to say anything. Without
    the model a topic's title must share at least two significant words with `title` (one
    when `title` has only one), so a single common word does not raise the hint.
    """
    title = (title or "").strip()[:200]
    words = significant_words(title)[:MAX_TITLE_WORDS]
    if len(title) < MIN_TITLE_LENGTH or not words:
        return []
    community_ids = {community.pk} if community is not None else None
    wanted = limit * OVERFETCH
    if _use_embeddings(use_embeddings):
        vector = embeddings.embed_texts([title])[0]
        ids = _nearest(
            actor,
            vector,
            limit=wanted,
            min_similarity=SIMILAR_MIN_SIMILARITY,
            community_ids=community_ids,
        )
        return load_topics(actor, ids, limit=limit)
    ids = _full_text_ids(actor, words, limit=wanted, community_ids=community_ids)
    wanted_stems = _stems(words)
    needed = min(2, len(wanted_stems))
    return [
        topic
        for topic in load_topics(actor, ids, limit=wanted)
        if len(_stems(significant_words(topic.title)) & wanted_stems) >= needed
    ][:limit]
