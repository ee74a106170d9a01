"""Both full-text engines: the same tests run on SQLite (FTS5) and PostgreSQL (tsvector).

Rows are written straight into the index table; the engine in use follows the database.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import connection

from carecircle.communities.models import Community
from carecircle.core.factories import CommunityFactory, UserFactory, make_member
from carecircle.search.engines import base, get_engine
from carecircle.search.engines import sqlite as sqlite_engine
from carecircle.search.engines.base import KindScope, Scope
from carecircle.search.models import SearchDocument
from carecircle.search.parsing import Clause, ParsedQuery, Term, parse_query

pytestmark = pytest.mark.django_db

START = datetime(2026, 1, 1, tzinfo=UTC)
_object_ids = itertools.count(1000)
_days = itertools.count(0)

TOPICS = Scope(kinds=(KindScope("topic"),))
CONTENT = Scope(kinds=(KindScope("topic"), KindScope("post")))


def doc(title: str = "", body: str = "", **fields: Any) -> SearchDocument:
    """An index row; each one a day newer than the last unless `created_at` is given."""
    values: dict[str, Any] = {
        "kind": "topic",
        "object_id": next(_object_ids),
        "audience": 0,
        "community_id": 1,
        "created_at": START + timedelta(days=next(_days)),
    }
    values.update(fields)
    return SearchDocument.objects.create(title=title, body=body, **values)


def found(text: str, scope: Scope = TOPICS, **options: Any) -> list[int]:
    """Object ids of the hits for `text`, in engine order."""
    result = get_engine().search(parse_query(text), scope, **options)
    return [hit.object_id for hit in result.hits]


def test_engine_follows_the_database() -> None:
    from django.db import connection

    assert get_engine().name == {"sqlite": "sqlite", "postgresql": "postgresql"}[connection.vendor]


def test_stemming_matches_other_forms_of_a_word() -> None:
    fatigued = doc("Always fatigued", "after chemo")
    doc("Sleep", "nothing related")
    assert found("fatigue") == [fatigued.object_id]
    assert found("FATIGUED") == [fatigued.object_id]
    assert found("fatiguing") == [fatigued.object_id]


def test_phrase_needs_adjacent_words_in_order_words_do_not() -> None:
    together = doc("", "brain fog every morning")
    apart = doc("", "the fog in my brain")
    assert found("brain fog", sort="oldest") == [together.object_id, apart.object_id]
    assert found('"brain fog"') == [together.object_id]
    assert found('"fog brain"') == []


def test_several_words_in_one_unquoted_term_need_not_be_side_by_side() -> None:
    # What synonym expansion makes of "heart attack" typed without quotes: the typed words
    # anywhere, or the group's other phrases side by side.
    apart = doc("", "my heart raced during a panic attack")
    clinical = doc("", "after a myocardial infarction last year")
    doc("", "an infarction of the myocardial kind")  # not side by side: no match
    query = ParsedQuery(
        clauses=(
            Clause(
                alternatives=(
                    Term(("heart", "attack")),
                    Term(("myocardial", "infarction"), is_phrase=True),
                )
            ),
        )
    )
    hits = get_engine().search(query, TOPICS, sort="oldest").hits
    assert [hit.object_id for hit in hits] == [apart.object_id, clinical.object_id]


def test_all_clauses_must_match() -> None:
    both = doc("Nausea", "and dizziness")
    doc("Nausea", "only")
    assert found("nausea dizziness") == [both.object_id]


def test_exclusions_of_words_and_phrases() -> None:
    together = doc("", "brain fog every morning")
    apart = doc("", "the fog in my brain")
    assert found("fog -morning") == [apart.object_id]
    assert found('fog -"brain fog"') == [apart.object_id]
    assert found("fog -morning -brain") == []
    assert found("fog -unrelated", sort="oldest") == [together.object_id, apart.object_id]


def test_or_matches_either_alternative() -> None:
    chemo = doc("Chemo week", "")
    radio = doc("Radiotherapy week", "")
    doc("Surgery week", "")
    assert found("chemo OR radiotherapy", sort="oldest") == [chemo.object_id, radio.object_id]
    assert found("week chemo OR radiotherapy", sort="oldest") == [
        chemo.object_id,
        radio.object_id,
    ]
    assert found("chemo radiotherapy") == []


def test_title_outranks_body() -> None:
    in_title = doc("Insomnia again", "long nights")
    in_body = doc("Long nights", "insomnia again and again")
    assert found("insomnia") == [in_title.object_id, in_body.object_id]
    assert found("insomnia", sort="newest") == [in_body.object_id, in_title.object_id]
    assert found("insomnia", sort="oldest") == [in_title.object_id, in_body.object_id]


def test_relevance_ties_go_to_the_newest() -> None:
    older = doc("Migraine", "")
    newer = doc("Migraine", "")
    assert found("migraine") == [newer.object_id, older.object_id]


def test_hits_carry_document_identity_and_positive_scores() -> None:
    row = doc("Vertigo", "spinning", kind="post", audience=0)
    result = get_engine().search(parse_query("vertigo"), CONTENT)
    assert len(result.hits) == 1
    hit = result.hits[0]
    assert (hit.document_id, hit.kind, hit.object_id, hit.audience) == (
        row.pk,
        "post",
        row.object_id,
        0,
    )
    assert hit.score > 0
    assert result.total == 1
    assert result.kind_totals is None


def test_kinds_are_or_ed_and_unlisted_kinds_never_match() -> None:
    topic = doc("Asthma", kind="topic")
    post = doc("Asthma", kind="post")
    community = doc("Asthma", kind="community", community_id=None)
    assert found("asthma", TOPICS) == [topic.object_id]
    assert found("asthma", CONTENT, sort="oldest") == [topic.object_id, post.object_id]
    assert found("asthma", Scope(kinds=(KindScope("community"),))) == [community.object_id]
    assert found("asthma", Scope(kinds=())) == []


def test_community_ids_restrict_content() -> None:
    one = doc("Asthma", community_id=1)
    two = doc("Asthma", community_id=2)
    doc("Asthma", community_id=3)
    scope = Scope(kinds=(KindScope("topic", community_ids=(1, 2)),))
    assert found("asthma", scope, sort="oldest") == [one.object_id, two.object_id]
    assert found("asthma", Scope(kinds=(KindScope("topic", community_ids=()),))) == []


def test_audiences_restrict_rows() -> None:
    visitor = doc("Gardener", kind="member", audience=0, community_id=None)
    member = doc("Gardener", kind="member", audience=1, community_id=None)
    doc("Gardener", kind="member", audience=2, community_id=None)
    assert found("gardener", Scope(kinds=(KindScope("member"),))) == [visitor.object_id]
    scope = Scope(kinds=(KindScope("member", audiences=(0, 1)),))
    assert found("gardener", scope, sort="oldest") == [visitor.object_id, member.object_id]


def test_shared_with_user_picks_the_audience_per_member() -> None:
    searcher, neighbour, stranger = UserFactory(), UserFactory(), UserFactory()
    shared: Community = CommunityFactory()
    other: Community = CommunityFactory()
    make_member(shared, searcher)
    make_member(shared, neighbour)
    make_member(other, stranger)
    rows = {}
    for user in (neighbour, stranger):
        for audience in (0, 1, 2):
            rows[(user.pk, audience)] = doc(
                f"Gardener {user.handle}",
                kind="member",
                object_id=user.pk,
                author_id=user.pk,
                audience=audience,
                community_id=None,
            )
    scope = Scope(kinds=(KindScope("member", shared_with_user_id=searcher.pk),))
    result = get_engine().search(parse_query("gardener"), scope, sort="oldest")
    assert [(hit.object_id, hit.audience) for hit in result.hits] == [
        (neighbour.pk, 2),
        (stranger.pk, 1),
    ]
    # Someone who shares nothing with anyone sees everyone's signed-in view.
    loner = UserFactory()
    scope = Scope(kinds=(KindScope("member", shared_with_user_id=loner.pk),))
    result = get_engine().search(parse_query("gardener"), scope, sort="oldest")
    assert [(hit.object_id, hit.audience) for hit in result.hits] == [
        (neighbour.pk, 1),
        (stranger.pk, 1),
    ]


def test_excluded_authors_never_match_but_anonymous_rows_do() -> None:
    blocked = doc("Asthma", author_id=7)
    anonymous = doc("Asthma", author_id=None)
    other = doc("Asthma", author_id=8)
    scope = Scope(kinds=(KindScope("topic"),), exclude_author_ids=(7, 9))
    assert found("asthma", scope, sort="oldest") == [anonymous.object_id, other.object_id]
    assert blocked.object_id in found("asthma")


def test_excluded_objects_never_match() -> None:
    topic = doc("Asthma", kind="topic", object_id=5)
    post = doc("Asthma", kind="post", object_id=5)
    scope = Scope(kinds=CONTENT.kinds, exclude_object_ids=(("topic", 5), ("post", 6)))
    result = get_engine().search(parse_query("asthma"), scope)
    assert [(hit.kind, hit.object_id) for hit in result.hits] == [("post", 5)]
    assert topic.pk != post.pk


def test_author_filter() -> None:
    mine = doc("Asthma", author_id=7)
    doc("Asthma", author_id=8)
    doc("Asthma", author_id=None)
    assert found("asthma", Scope(kinds=TOPICS.kinds, author_id=7)) == [mine.object_id]


def test_date_range_after_inclusive_before_exclusive() -> None:
    first = doc("Asthma", created_at=START)
    second = doc("Asthma", created_at=START + timedelta(days=1))
    doc("Asthma", created_at=START + timedelta(days=2))
    scope = Scope(kinds=TOPICS.kinds, created_after=START, created_before=START + timedelta(days=2))
    assert found("asthma", scope, sort="oldest") == [first.object_id, second.object_id]
    scope = Scope(kinds=TOPICS.kinds, created_after=START + timedelta(hours=1))
    assert found("asthma", scope, sort="oldest")[0] == second.object_id


def test_question_and_solved_filters() -> None:
    solved = doc("Asthma", is_question=True, is_solved=True)
    open_question = doc("Asthma", is_question=True, is_solved=False)
    chat = doc("Asthma", is_question=False)
    assert found("asthma", Scope(kinds=TOPICS.kinds, is_question=True), sort="oldest") == [
        solved.object_id,
        open_question.object_id,
    ]
    assert found("asthma", Scope(kinds=TOPICS.kinds, is_question=False)) == [chat.object_id]
    scope = Scope(kinds=TOPICS.kinds, is_question=True, is_solved=False)
    assert found("asthma", scope) == [open_question.object_id]
    assert found("asthma", Scope(kinds=TOPICS.kinds, is_solved=True)) == [solved.object_id]


def test_topic_filter() -> None:
    reply = doc("", "asthma", kind="post", topic_id=40)
    doc("", "asthma", kind="post", topic_id=41)
    scope = Scope(kinds=(KindScope("post"),), topic_id=40)
    assert found("asthma", scope) == [reply.object_id]


def test_limit_and_offset_page_through_results() -> None:
    rows = [doc("Asthma") for _ in range(5)]
    newest_first = [row.object_id for row in reversed(rows)]
    assert found("asthma", sort="newest", limit=2) == newest_first[:2]
    assert found("asthma", sort="newest", limit=2, offset=2) == newest_first[2:4]
    assert found("asthma", sort="newest", limit=2, offset=4) == newest_first[4:]
    assert found("asthma", limit=2, offset=2) == newest_first[2:4]
    assert found("asthma", sort="oldest", limit=2, offset=1) == newest_first[::-1][1:3]
    result = get_engine().search(parse_query("asthma"), TOPICS, limit=2, offset=10)
    assert (result.hits, result.total) == ([], 5)


@pytest.mark.parametrize("scope_driven_above", [0, 20_000])
def test_date_sorts_of_words_in_many_rows(
    monkeypatch: pytest.MonkeyPatch, scope_driven_above: int
) -> None:
    # SQLite walks the rows in scope by date once a word is in many rows; same results.
    monkeypatch.setattr(sqlite_engine, "SCOPE_DRIVEN_MATCHES", scope_driven_above)
    rows = [doc("Asthma", community_id=1) for _ in range(3)]
    doc("Asthma", community_id=2)
    doc("Eczema", community_id=1)
    scope = Scope(kinds=(KindScope("topic", community_ids=(1,)),))
    ids = [row.object_id for row in rows]
    assert found("asthma", scope, sort="newest") == ids[::-1]
    assert found("asthma", scope, sort="oldest", limit=2, offset=1) == ids[1:]
    result = get_engine().search(parse_query("asthma"), scope, sort="newest")
    assert [hit.score > 0 for hit in result.hits] == [True, True, True]
    assert found("nothing", scope, sort="newest") == []


def test_total_is_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(base, "COUNT_CAP", 3)
    for _ in range(5):
        doc("Asthma")
    doc("Asthma", kind="post")
    result = get_engine().search(parse_query("asthma"), TOPICS, limit=10)
    assert (len(result.hits), result.total) == (5, 4)
    result = get_engine().search(parse_query("asthma"), CONTENT, count_kinds=True)
    assert result.kind_totals == {"topic": 4, "post": 1}
    assert result.total == 4


def test_kind_totals_count_every_kind_in_scope() -> None:
    doc("Asthma", kind="topic")
    doc("Asthma", kind="topic")
    doc("Asthma", kind="post")
    doc("Eczema", kind="post")
    scope = Scope(kinds=(*CONTENT.kinds, KindScope("member")))
    result = get_engine().search(parse_query("asthma"), scope, count_kinds=True)
    assert result.kind_totals == {"topic": 2, "post": 1, "member": 0}
    assert result.total == 3
    empty = get_engine().search(parse_query("-asthma"), scope, count_kinds=True)
    assert (empty.hits, empty.total) == ([], 0)
    assert empty.kind_totals == {"topic": 0, "post": 0, "member": 0}


def test_member_and_community_totals_follow_edits_and_deletes() -> None:
    # Their counts go through a small index of their own (migration 0004): kept in step by
    # every write to the documents table.
    member = doc("Ann @ann", "asthma nurse", kind="member", community_id=None)
    community = doc("Asthma friends", "Breathing together", kind="community", community_id=7)
    doc("Asthma", kind="topic")
    doc("Asthma at night", kind="post")
    scope = Scope(
        kinds=(*CONTENT.kinds, KindScope("member"), KindScope("community", community_ids=(7,)))
    )

    def totals(text: str) -> dict[str, int] | None:
        return get_engine().search(parse_query(text), scope, count_kinds=True).kind_totals

    assert totals("asthma") == {"topic": 1, "post": 1, "member": 1, "community": 1}
    SearchDocument.objects.filter(pk=member.pk).update(body="eczema nurse")
    assert totals("asthma") == {"topic": 1, "post": 1, "member": 0, "community": 1}
    assert totals("eczema") == {"topic": 0, "post": 0, "member": 1, "community": 0}
    community.delete()
    assert totals("asthma") == {"topic": 1, "post": 1, "member": 0, "community": 0}
    assert totals("breathing") == {"topic": 0, "post": 0, "member": 0, "community": 0}


def test_relevance_ranks_only_the_newest_candidates(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(base, "RANK_CANDIDATES", 2)
    oldest_best = doc("Asthma", "")
    middle = doc("", "asthma")
    newest = doc("", "asthma")
    assert found("asthma") == [newest.object_id, middle.object_id]
    assert get_engine().search(parse_query("asthma"), TOPICS).total == 3
    monkeypatch.setattr(base, "RANK_CANDIDATES", 3)
    assert found("asthma")[0] == oldest_best.object_id


@pytest.mark.parametrize("sort", ["relevance", "newest", "oldest"])
def test_walking_the_newest_rows_gives_what_the_index_gives(
    monkeypatch: pytest.MonkeyPatch, sort: str
) -> None:
    # PostgreSQL walks a kind's rows in date order for a word in many of them, and asks the
    # GIN index when the walk did not hold enough: pages and counts are the same either way,
    # whichever kinds are walked.
    if connection.vendor != "postgresql":
        pytest.skip("The walk is PostgreSQL's")
    from carecircle.search.engines import postgres

    monkeypatch.setattr(base, "RANK_CANDIDATES", 3)
    monkeypatch.setattr(base, "COUNT_CAP", 3)
    for index in range(8):
        doc("Asthma" if index % 3 == 0 else "", "asthma", kind="topic" if index % 2 else "post")
    doc("", "asthma", community_id=2, kind="post")
    doc("Eczema", "", kind="post")
    doc("", "asthma", kind="member", community_id=None)
    scope = Scope(
        kinds=(KindScope("topic", (1,)), KindScope("post", (1,)), KindScope("member", None))
    )

    def run(walked: set[str], rows: int) -> tuple[list[int], int, dict[str, int] | None]:
        # One round: every walk that stops short is completed by the index (the last round).
        monkeypatch.setattr(
            postgres.PostgresEngine,
            "_walked",
            staticmethod(lambda query, kinds, depth: (walked & set(kinds), set(), (rows,))),
        )
        result = get_engine().search(
            parse_query("asthma"), scope, sort=sort, limit=2, offset=1, count_kinds=True
        )
        assert result.stopped_kinds == frozenset()
        return [hit.object_id for hit in result.hits], result.total, result.kind_totals

    by_index = run(set(), 100)
    assert by_index[1:] == (4, {"topic": 4, "post": 4, "member": 1})
    assert run({"topic", "post"}, 100) == by_index  # the walks hold enough matches
    assert run({"post"}, 100) == by_index  # one kind walked, the others from the index
    assert run({"topic", "post"}, 2) == by_index  # they do not: the index answers


def _postgres_with_caps(monkeypatch: pytest.MonkeyPatch, cap: int) -> None:
    """PostgreSQL only (the walks are its own), counting and ranking up to `cap`."""
    if connection.vendor != "postgresql":
        pytest.skip("The walk is PostgreSQL's")
    monkeypatch.setattr(base, "COUNT_CAP", cap)
    monkeypatch.setattr(base, "RANK_CANDIDATES", cap)


def _walk(
    monkeypatch: pytest.MonkeyPatch,
    budgets: tuple[int, ...],
    walked: frozenset[str] = frozenset({"post"}),
    completed: frozenset[str] = frozenset(),
) -> None:
    """These kinds walked, in rounds of these budgets; `completed`: left to the index at once."""
    from carecircle.search.engines import postgres

    monkeypatch.setattr(
        postgres.PostgresEngine,
        "_walked",
        staticmethod(
            lambda query, kinds, depth: (set(walked) & set(kinds), set(completed), budgets)
        ),
    )


def test_a_walk_stops_at_its_budget_and_says_the_count_is_at_least(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A combination of common words may need tens of thousands of rows read to find 1,000
    # matches: the walk reads at most its budget of rows in scope, counts what it found as
    # "at least", and the page comes from the newest of them.
    _postgres_with_caps(monkeypatch, 3)
    matches = [doc("", "asthma", kind="post") for _ in range(4)]
    doc("", "asthma", kind="post", community_id=2)  # out of scope: never read by the walk
    doc("", "eczema", kind="post")  # the newest row in scope: read, not a match
    scope = Scope(kinds=(KindScope("post", (1,)),))

    def search(budgets: tuple[int, ...], limit: int = 1) -> Any:
        _walk(monkeypatch, budgets)
        return get_engine().search(
            parse_query("asthma"), scope, sort="newest", limit=limit, count_kinds=True
        )

    # Four rows read (eczema and the three newest matches), a fifth in scope left: stopped.
    result = search((4, 100))
    assert result.stopped_kinds == frozenset({"post"})
    assert result.kind_totals == {"post": 3}
    assert result.total == 3
    assert [hit.object_id for hit in result.hits] == [matches[3].object_id]
    # Five rows are every row in scope: the walk read them all, the count is exact.
    result = search((5, 100))
    assert result.stopped_kinds == frozenset()
    assert result.kind_totals == {"post": 4}
    # The budget holds the cap's matches and more: nothing to say.
    monkeypatch.setattr(base, "COUNT_CAP", 2)
    result = search((4, 100))
    assert result.stopped_kinds == frozenset()
    assert result.kind_totals == {"post": 3}


def test_a_stopped_walk_that_cannot_fill_the_page_runs_again_with_more(
    monkeypatch: pytest.MonkeyPatch, django_assert_num_queries: Any
) -> None:
    _postgres_with_caps(monkeypatch, 3)
    matches = [doc("", "asthma", kind="post") for _ in range(4)]
    for _ in range(3):
        doc("", "eczema", kind="post")
    scope = Scope(kinds=(KindScope("post", (1,)),))

    def search(budgets: tuple[int, ...]) -> Any:
        _walk(monkeypatch, budgets)
        return get_engine().search(
            parse_query("asthma"), scope, sort="relevance", limit=2, offset=1, count_kinds=True
        )

    # Four rows read hold one match, fewer than the page needs: the next budget reads them all
    # (one statement more; the word statistics are left out here, the settings put back).
    with django_assert_num_queries(3):
        result = search((4, 100))
    assert result.stopped_kinds == frozenset()
    assert result.kind_totals == {"post": 4}
    assert len(result.hits) == 2
    # The last budget stops short too: the index completes the walk, and counts exactly.
    result = search((4, 5))
    assert result.stopped_kinds == frozenset()
    assert result.kind_totals == {"post": 4}
    assert {hit.object_id for hit in result.hits} <= {match.object_id for match in matches}


def test_pages_come_only_from_matches_newer_than_where_a_walk_stopped(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Replies are walked and stop after a budget; topics come whole from the index. A page
    # must not go on with older topics while the replies between them were never read.
    _postgres_with_caps(monkeypatch, 10)
    old_topic = doc("Asthma", "")
    old_post = doc("", "asthma", kind="post")
    new_posts = [doc("", "asthma", kind="post") for _ in range(2)]
    new_topic = doc("Asthma", "")
    scope = Scope(kinds=(KindScope("topic", (1,)), KindScope("post", (1,))))

    def search(sort: str, budgets: tuple[int, ...], limit: int = 10) -> Any:
        _walk(monkeypatch, budgets)
        return get_engine().search(
            parse_query("asthma"), scope, sort=sort, limit=limit, count_kinds=True
        )

    # Two replies read of three: the oldest reply is past the edge, and so is the old topic.
    for sort in ("newest", "relevance"):
        result = search(sort, (2, 100), limit=1)
        assert result.stopped_kinds == frozenset({"post"})
        assert result.kind_totals == {"topic": 2, "post": 2}
        assert result.total == 4
        hits = search(sort, (2, 100), limit=3).hits
        assert {hit.object_id for hit in hits} == {
            new_topic.object_id,
            *(post.object_id for post in new_posts),
        }
    # A page needs more than those three: the next budget reads every reply.
    result = search("newest", (2, 100), limit=4)
    assert result.stopped_kinds == frozenset()
    assert [hit.object_id for hit in result.hits] == [
        new_topic.object_id,
        new_posts[1].object_id,
        new_posts[0].object_id,
        old_post.object_id,
    ]
    # Oldest first: the walk starts at the other end, and so does the edge.
    result = search("oldest", (1, 100), limit=2)
    assert result.stopped_kinds == frozenset({"post"})
    assert [hit.object_id for hit in result.hits] == [old_topic.object_id, old_post.object_id]


def test_a_stopped_count_stays_at_least_past_the_cap_and_for_a_count_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _postgres_with_caps(monkeypatch, 3)
    doc("", "asthma", kind="post")
    for _ in range(2):
        doc("", "eczema", kind="post")
    for _ in range(4):
        doc("Asthma", "")  # newer than every reply
    scope = Scope(kinds=(KindScope("topic", (1,)), KindScope("post", (1,))))
    engine = get_engine()
    # Two replies read, no match: the topics (newer than the edge) fill the page and pass the
    # cap; the replies' count is still "at least".
    _walk(monkeypatch, (2, 100))
    result = engine.search(parse_query("asthma"), scope, limit=1, count_kinds=True)
    assert result.total == 4
    assert result.kind_totals == {"topic": 4, "post": 0}
    assert result.stopped_kinds == frozenset({"post"})
    # A count alone (limit 0) that found nothing before the edge reads on.
    only_posts = Scope(kinds=(KindScope("post", (1,)),))
    assert engine.search(parse_query("asthma"), only_posts, limit=0).total == 1


def test_a_kind_cheap_for_the_index_is_completed_in_the_first_round(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _postgres_with_caps(monkeypatch, 3)
    matches = [doc("", "asthma", kind="post") for _ in range(3)]
    for _ in range(3):
        doc("", "eczema", kind="post")
    scope = Scope(kinds=(KindScope("post", (1,)),))
    _walk(monkeypatch, (2, 100), completed=frozenset({"post"}))
    result = get_engine().search(
        parse_query("asthma"), scope, sort="newest", limit=5, count_kinds=True
    )
    assert result.stopped_kinds == frozenset()
    assert result.kind_totals == {"post": 3}
    assert [hit.object_id for hit in result.hits] == [m.object_id for m in reversed(matches)]


def test_the_first_budget_expects_enough_matches_for_several_pages() -> None:
    from carecircle.search.engines.postgres import (
        FIRST_WALK_MOST,
        WALK_BUDGETS,
        walk_budgets,
    )

    assert walk_budgets(0.5) == WALK_BUDGETS  # common words: the least budget
    assert walk_budgets(0.0) == WALK_BUDGETS
    assert walk_budgets(0.01) == (12_000, *WALK_BUDGETS[1:])  # 120 matches expected
    assert walk_budgets(0.0001) == (FIRST_WALK_MOST, *WALK_BUDGETS[1:])


def test_a_search_is_two_statements_and_leaves_the_settings_as_they_were(
    django_assert_num_queries,
) -> None:
    # PostgreSQL: the word statistics (which also set JIT, work_mem and sorts for the
    # transaction), then the page and every per-kind count in one statement; inside a caller's
    # transaction (as in a test) a third statement puts the settings back.
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's engine")
    from carecircle.search.engines import postgres

    doc("Asthma", "")
    doc("", "asthma", kind="post")

    def settings() -> list[str]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT setting FROM pg_settings WHERE name = ANY(%s) ORDER BY name",
                [list(postgres.PLANNER_SETTINGS)],
            )
            return [row[0] for row in cursor.fetchall()]

    before = settings()
    with django_assert_num_queries(3):
        result = get_engine().search(parse_query("asthma"), CONTENT, count_kinds=True)
    assert result.kind_totals == {"topic": 1, "post": 1}
    assert settings() == before


def test_document_frequency_counts_rows_by_stem() -> None:
    doc("Fatigued", "")
    doc("", "fatigue and fatigue")
    doc("Sleep", "")
    frequencies = get_engine().document_frequency(["fatigue", "sleeping", "absent", 'x"y'])
    assert frequencies == {"fatigue": 2, "sleeping": 1, "absent": 0, 'x"y': 0}


@pytest.mark.parametrize(
    "text",
    [
        'fatigue"',
        '"fatigue',
        'fatigue NEAR("a" "b")',
        "fatigue*",
        "^fatigue",
        "body:fatigue",
        "fatigue & | ! ( ) < > <-> :* \\",
        "fatigue'); DROP TABLE search_searchdocument; --",
        "fatigue' OR '1'='1",
        "fatigue -- ;",
        "fatigue {}[]%_",
    ],
)
def test_hostile_input_is_only_words(text: str) -> None:
    fatigued = doc("Fatigued", "")
    doc("Other", "")
    hits = found(text)
    expected_words = parse_query(text).words() - {"fatigue"}
    # Every extra word is an ordinary word that this index does not hold.
    assert hits == ([] if expected_words else [fatigued.object_id])
    assert SearchDocument.objects.count() == 2


def test_hostile_input_special_words() -> None:
    fatigued = doc("Fatigued", "near title body")
    assert found("fatigue NEAR title:body*") == [fatigued.object_id]
    # "AND OR NOT" is the stopwords "and" or "not", dropped: only upper-case OR is an operator.
    assert found("fatigue AND OR NOT") == [fatigued.object_id]


def test_empty_query_touches_nothing() -> None:
    doc("Asthma")
    for text in ("", "   ", "-asthma", "!!!"):
        result = get_engine().search(parse_query(text), TOPICS, count_kinds=True)
        assert (result.hits, result.total, result.kind_totals) == ([], 0, {"topic": 0})


def test_stopwords_only_phrase_with_other_words() -> None:
    breath = doc("", "out of breath on stairs")
    assert found('"out of breath" stairs') == [breath.object_id]
