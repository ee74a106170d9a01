"""The MiniLM model run in numpy, and the topic vectors kept by a task."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from carecircle.core.factories import make_topic
from carecircle.core.models import ModerationState
from carecircle.discussions.models import Post, Topic
from carecircle.search import embeddings, related
from carecircle.search.models import TopicEmbedding

pytestmark = pytest.mark.skipif(
    not embeddings.is_available(), reason="the optional 'embeddings' extra is not installed"
)

# sentence-transformers' own output for all-MiniLM-L6-v2 (first six components, normalised),
# as published with other runtimes' test suites.
REFERENCE = {
    "This is an example sentence": [
        0.06765693,
        0.06349593,
        0.04871314,
        0.07930495,
        0.03744806,
        0.00265273,
    ],
    "Each sentence is converted.": [
        0.07853645,
        0.08856265,
        -0.00209270,
        -0.00717247,
        -0.01252624,
        0.01881747,
    ],
    "": [-0.11883835, 0.04829856, -0.00254805, -0.01101118, 0.05195070, 0.01029179],
    "Café déjà vu — 東京": [
        0.05083271,
        0.00967685,
        0.09635572,
        -0.00997369,
        -0.01987603,
        0.01692343,
    ],
}


@pytest.fixture(autouse=True)
def _fresh_vectors():
    related.forget_vectors()
    yield
    related.forget_vectors()


def test_vectors_are_384_wide_float32_and_unit_length() -> None:
    import numpy as np

    vectors = embeddings.embed_texts(["heart attack", "Tired all the time after metformin"])

    assert vectors.shape == (2, 384)
    assert vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_no_texts_give_an_empty_matrix() -> None:
    assert embeddings.embed_texts([]).shape == (0, 384)


def test_vectors_match_the_published_reference() -> None:
    import numpy as np

    vectors = embeddings.embed_texts(list(REFERENCE))

    assert np.abs(vectors[:, :6] - np.array(list(REFERENCE.values()))).max() < 1e-5


def test_batches_give_the_same_vectors_as_one_text_at_a_time() -> None:
    import numpy as np

    texts = ["short", "a much longer sentence about insulin pumps and night sugar lows", "x y"]
    together = embeddings.embed_texts(texts)
    alone = np.vstack([embeddings.embed_texts([text]) for text in texts])

    assert np.abs(together - alone).max() < 1e-5


def test_meaning_outranks_shared_words() -> None:
    heart, infarction, gardening = embeddings.embed_texts(
        ["heart attack", "myocardial infarction", "gardening tips"]
    )

    assert float(heart @ infarction) > float(heart @ gardening) + 0.3


def test_long_text_is_cut_at_256_tokens() -> None:
    import numpy as np

    words = " ".join(f"word{i}" for i in range(600))
    longer = words + " " + "completely different ending about cats " * 50

    first, second = embeddings.embed_texts([words, longer])

    assert np.abs(first - second).max() < 1e-6


def test_topic_text_is_the_title_and_the_opening_words() -> None:
    body = "<p>" + " ".join(f"w{i}" for i in range(300)) + "</p><p>after</p>"

    text = embeddings.topic_text("Sleep after surgery", body)

    assert text == "Sleep after surgery. " + " ".join(f"w{i}" for i in range(200))
    assert embeddings.topic_text("Title only", "") == "Title only"
    assert embeddings.plain_text("<p>One &amp; two</p><p>three</p>") == "One & two three"


def test_embedding_a_topic_writes_its_vector_once(topic: Topic) -> None:
    assert embeddings.embed_topic(topic.pk) == "written"
    row = TopicEmbedding.objects.get(topic=topic)
    written_at = row.updated_at

    assert row.model == "all-MiniLM-L6-v2"
    assert len(bytes(row.vector)) == 384 * 4
    assert embeddings.embed_topic(topic.pk) == "unchanged"
    row.refresh_from_db()
    assert row.updated_at == written_at
    assert TopicEmbedding.objects.count() == 1


def test_a_changed_title_rewrites_the_vector(topic: Topic) -> None:
    embeddings.embed_topic(topic.pk)
    before = TopicEmbedding.objects.get(topic=topic)
    Topic.objects.filter(pk=topic.pk).update(title="Night sweats and insulin")

    assert embeddings.embed_topic(topic.pk) == "written"
    after = TopicEmbedding.objects.get(topic=topic)
    assert after.source_hash != before.source_hash
    assert bytes(after.vector) != bytes(before.vector)


@pytest.mark.parametrize(
    "change",
    [
        {"is_deleted": True},
        {"moderation_state": ModerationState.HIDDEN},
        {"moderation_state": ModerationState.PENDING},
    ],
)
def test_a_topic_no_longer_visible_loses_its_vector(topic: Topic, change: dict) -> None:
    embeddings.embed_topic(topic.pk)
    Topic.objects.filter(pk=topic.pk).update(**change)

    assert embeddings.embed_topic(topic.pk) == "deleted"
    assert not TopicEmbedding.objects.filter(topic_id=topic.pk).exists()
    assert embeddings.embed_topic(topic.pk) == "deleted"


def test_a_hidden_first_post_leaves_only_the_title(topic: Topic) -> None:
    Post.objects.filter(topic=topic, position=1).update(moderation_state=ModerationState.HIDDEN)
    embeddings.embed_topic(topic.pk)
    row = TopicEmbedding.objects.get(topic=topic)

    assert row.source_hash == embeddings._source_hash(topic.community_id, "Tired after metformin")


def test_a_topic_that_does_not_exist_is_a_no_op(db: None) -> None:
    assert embeddings.embed_topic(987654) == "deleted"
    assert TopicEmbedding.objects.count() == 0


def test_embed_later_runs_after_commit(topic: Topic, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        embeddings.embed_topic_later(topic.pk)
    assert not TopicEmbedding.objects.exists()

    for callback in callbacks:
        callback()

    assert list(TopicEmbedding.objects.values_list("topic_id", flat=True)) == [topic.pk]


def test_the_command_backfills_visible_topics_and_removes_others(community, patient) -> None:
    visible = [make_topic(community, patient, title=f"Visible topic {i}") for i in range(3)]
    hidden = make_topic(community, patient, title="Hidden later")
    embeddings.embed_topic(hidden.pk)
    Topic.objects.filter(pk=hidden.pk).update(moderation_state=ModerationState.HIDDEN)
    out, err = io.StringIO(), io.StringIO()

    call_command("embed_topics", "--batch-size", "2", stdout=out, stderr=err)

    assert set(TopicEmbedding.objects.values_list("topic_id", flat=True)) == {t.pk for t in visible}
    assert out.getvalue().startswith("Embedded 3 topics, 0 unchanged, 1 removed, in ")
    assert "3/3 100%" in err.getvalue()

    out = io.StringIO()
    call_command("embed_topics", stdout=out, stderr=io.StringIO())
    assert out.getvalue().startswith("Embedded 0 topics, 3 unchanged, 0 removed, in ")


def test_the_catch_up_job_embeds_only_visible_topics_without_a_vector(community, patient) -> None:
    done = make_topic(community, patient, title="Already embedded")
    embeddings.embed_topic(done.pk)
    before = TopicEmbedding.objects.get(topic=done).updated_at
    missing = [make_topic(community, patient, title=f"Missing {i}") for i in range(2)]
    held = make_topic(community, patient, title="Waiting for approval")
    Topic.objects.filter(pk=held.pk).update(moderation_state=ModerationState.PENDING)

    assert embeddings.embed_missing_topics_task.call() == 2

    assert set(TopicEmbedding.objects.values_list("topic_id", flat=True)) == {
        done.pk,
        *(topic.pk for topic in missing),
    }
    assert TopicEmbedding.objects.get(topic=done).updated_at == before
    assert embeddings.embed_missing_topics_task.call() == 0
