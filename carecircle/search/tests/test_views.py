"""The search page: results for a small indexed data set, tabs, filters, errors, pages, limits."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from django.db import connection
from django.test import Client, override_settings

from carecircle.accounts.models import User
from carecircle.communities.models import Community
from carecircle.core.factories import make_topic
from carecircle.discussions.models import Post, Topic, TopicAlias
from carecircle.moderation.models import ContextNote
from carecircle.search.indexing import reindex_community, reindex_member, reindex_topic
from carecircle.search.models import SearchTerm
from conftest import client_for

pytestmark = pytest.mark.django_db


def at(month: int, day: int, hour: int = 12) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def dated_topic(community: Community, author: User | None, when: datetime, **fields: Any) -> Topic:
    """A topic (and its posts) written at `when`; `author=None` writes it anonymously."""
    topic = make_topic(community, author or fields.pop("alias_user"), **fields)
    if author is None:
        alias = TopicAlias.objects.create(topic=topic, user=topic.author, number=1)
        Topic.objects.filter(pk=topic.pk).update(author=None, author_alias=alias)
        Post.objects.filter(topic=topic).update(author=None, alias=alias)
    Topic.objects.filter(pk=topic.pk).update(created_at=when)
    Post.objects.filter(topic=topic).update(created_at=when)
    topic.refresh_from_db()
    return topic


@dataclass
class DataSet:
    solved: Topic  # a solved question, public
    walking: Topic  # public, caregiver's
    anonymous: Topic  # public, by the patient under an alias, an unsolved question
    private: Topic  # in the members-only community


@pytest.fixture
def data(
    community: Community, private_community: Community, patient: User, caregiver: User
) -> DataSet:
    return build_data_set(community, private_community, patient, caregiver)


def build_data_set(
    community: Community, private_community: Community, patient: User, caregiver: User
) -> DataSet:
    """Four topics about metformin, two communities and their members, all indexed."""
    solved = dated_topic(
        community,
        patient,
        at(1, 10),
        title="Tired after metformin",
        body="Does metformin make anyone else tired?",
        is_question=True,
    )
    answer = Post.objects.create(
        topic=solved,
        author=caregiver,
        position=2,
        body="Taking it with food helped me.",
        body_html="<p>Taking it with food helped me.</p>",
    )
    Post.objects.filter(pk=answer.pk).update(created_at=at(1, 11))
    Topic.objects.filter(pk=solved.pk).update(accepted_post=answer, reply_count=1)
    solved.refresh_from_db()
    walking = dated_topic(
        community,
        caregiver,
        at(2, 10),
        title="Walking after dinner",
        body="A short walk keeps my sugar steady, even on metformin.",
    )
    anonymous = dated_topic(
        community,
        None,
        at(3, 10),
        alias_user=patient,
        title="Metformin worries",
        body="I am scared to ask my doctor about metformin.",
        is_question=True,
    )
    private = dated_topic(
        private_community,
        patient,
        at(3, 20),
        title="Metformin during chemo",
        body="My oncologist said metformin is fine during chemo.",
    )
    for topic in (solved, walking, anonymous, private):
        reindex_topic(topic.pk)
    for each in (community, private_community):
        reindex_community(each.pk)
    for member in User.objects.all():
        reindex_member(member.pk)
    return DataSet(solved=solved, walking=walking, anonymous=anonymous, private=private)


def text_of(html: str) -> str:
    """The visible words of some HTML, with whitespace collapsed (highlights kept in line)."""
    html = re.sub(r"</?mark>", "", html)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def results_of(html: str) -> list[str]:
    """Each result on the page as its visible words."""
    items = re.findall(r'<li class="search-result [^"]*">(.*?)</li>', html, re.DOTALL)
    return [text_of(item) for item in items]


def links_of(html: str) -> list[str]:
    """The result title links, in order."""
    return re.findall(r'<h3 class="search-result-title"><a href="([^"]+)">', html)


def field_error(html: str, name: str) -> str:
    found = re.search(rf'<div class="field-error" id="id_{name}_error">(.*?)</div>', html, re.S)
    return text_of(found.group(1)).removeprefix("Error: ") if found else ""


def page(client: Client, query: str = "") -> tuple[int, str]:
    response = client.get("/search/" + query)
    return response.status_code, response.content.decode()


# --- the empty page and the layout ----------------------------------------------------------


def test_empty_page_offers_tips_and_is_never_cached_or_indexed(visitor_client):
    response = visitor_client.get("/search/")
    html = response.content.decode()
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    assert '<meta name="robots" content="noindex">' in html
    assert results_of(html) == []
    assert (
        "Type a word or two to search discussions, members, communities and library resources."
        in html
    )
    assert text_of(html.split('<ul class="search-tips">')[1].split("</ul>")[0]) == (
        'Put words in quotes to find them together: "brain fog" '
        "Put a minus sign before a word to leave it out: fatigue -covid "
        "Write OR in capitals to find either word: insomnia OR sleep"
    )
    # Nothing filtered yet: the filters stay folded away.
    assert '<details class="card search-filters">' in html


def test_form_is_a_plain_get_form_with_labelled_fields(visitor_client, patient_client):
    _status, html = page(visitor_client)
    assert re.search(
        r'<form method="get" action="/search/" class="search-form" role="search"', html
    )
    for name, label in [
        ("q", "Search for"),
        ("community", "Community"),
        ("author", "Written by"),
        ("after", "From"),
        ("before", "To"),
        ("sort", "Sort by"),
    ]:
        assert f'<label for="id_{name}">{label}</label>' in html
    assert '<input type="date" name="after"' in html
    assert "<legend>Questions</legend>" in html
    # A visitor belongs to no community: no "only mine" box for them.
    assert 'name="mine"' not in html
    _status, html = page(patient_client)
    assert '<label for="id_mine">Only my communities</label>' in html


def test_community_choices_are_the_communities_the_searcher_can_see(
    visitor_client, patient_client, community, private_community, hidden_community
):
    def options(html: str) -> list[str]:
        select = html.split('name="community"')[1].split("</select>")[0]
        return re.findall(r'<option value="([^"]*)"', select)

    _status, html = page(visitor_client)
    assert sorted(options(html)) == ["", "breast-cancer", "type-2-diabetes"]
    _status, html = page(patient_client)
    assert sorted(options(html)) == ["", "breast-cancer", "secret-circle", "type-2-diabetes"]


def test_every_page_has_the_header_search_box(visitor_client, patient_client, community):
    for client in (visitor_client, patient_client):
        html = client.get("/communities/").content.decode()
        box = html.split('<form class="site-search"')[1].split("</form>")[0]
        assert 'role="search" method="get" action="/search/"' in box
        assert (
            '<label for="site-search-q" class="visually-hidden">'
            "Search discussions, members and communities</label>"
        ) in box
        assert '<input type="search" id="site-search-q" name="q"' in box
        assert '<button type="submit" class="site-search-button">Search</button>' in box
        # The search page has its own box, named apart from the header's.
        html = client.get("/search/?q=metformin").content.decode()
        assert 'class="site-search"' not in html
        assert 'aria-label="Site search"' not in html
        assert html.count('role="search"') == 1
        assert 'role="search" aria-label="Search page">' in html


# --- results -------------------------------------------------------------------------------


def test_visitor_finds_public_topics_only(visitor_client, data):
    status, html = page(visitor_client, "?q=metformin&sort=newest")
    assert status == 200
    assert results_of(html) == [
        "Discussion Question Metformin worries "
        "I am scared to ask my doctor about metformin. "
        "in Type 2 Diabetes by Anonymous member 1 10 Mar 2026",
        "Discussion Walking after dinner "
        "A short walk keeps my sugar steady, even on metformin. "
        "in Type 2 Diabetes by Cam the caregiver 10 Feb 2026",
        "Discussion Solved Tired after metformin "
        "Does metformin make anyone else tired? "
        "in Type 2 Diabetes by Pat the patient 10 Jan 2026",
    ]
    assert links_of(html) == [
        data.anonymous.get_absolute_url(),
        data.walking.get_absolute_url(),
        data.solved.get_absolute_url(),
    ]
    # Every hit is on this one page: the total is exact.
    assert '<p class="search-total">3 results</p>' in html
    # The brand names are in the seeded synonym groups.
    assert (
        '<p class="meta search-expanded">Also searched: Glucophage, Fortamet, Glumetza</p>'
    ) in html
    assert "Does <mark>metformin</mark> make anyone else tired?" in html
    assert '<a href="/c/type-2-diabetes/">Type 2 Diabetes</a>' in html
    assert '<time datetime="2026-01-10T12:00:00+00:00">10 Jan 2026</time>' in html


def test_anonymous_topic_never_names_its_author(visitor_client, patient_client, data):
    for client in (visitor_client, patient_client):
        _status, html = page(client, "?q=worries")
        assert results_of(html) == [
            "Discussion Question Metformin worries "
            "I am scared to ask my doctor about metformin. "
            "in Type 2 Diabetes by Anonymous member 1 10 Mar 2026"
        ]


def test_member_also_finds_their_private_community(patient_client, data):
    _status, html = page(patient_client, "?q=metformin&sort=newest")
    assert links_of(html) == [
        data.private.get_absolute_url(),
        data.anonymous.get_absolute_url(),
        data.walking.get_absolute_url(),
        data.solved.get_absolute_url(),
    ]
    assert results_of(html)[0] == (
        "Discussion Metformin during chemo "
        "My oncologist said metformin is fine during chemo. "
        "in Breast Cancer by Pat the patient 20 Mar 2026"
    )


def test_dates_show_in_the_members_time_zone(patient, patient_client, data):
    User.objects.filter(pk=patient.pk).update(time_zone="Pacific/Auckland")
    _status, html = page(patient_client, "?q=chemo")
    # 12:00 UTC on 20 March is already 21 March in Auckland.
    assert '<time datetime="2026-03-21T01:00:00+13:00">21 Mar 2026</time>' in html


def test_oldest_first(visitor_client, data):
    _status, html = page(visitor_client, "?q=metformin&sort=oldest")
    assert links_of(html) == [
        data.solved.get_absolute_url(),
        data.walking.get_absolute_url(),
        data.anonymous.get_absolute_url(),
    ]


def test_a_reply_is_found_as_a_reply(visitor_client, data):
    _status, html = page(visitor_client, "?q=food")
    assert results_of(html) == [
        "Reply Accepted answer Reply by Cam the caregiver in Tired after metformin "
        "Taking it with food helped me. in Type 2 Diabetes 11 Jan 2026"
    ]
    assert '<p class="search-snippet">Taking it with <mark>food</mark> helped me.</p>' in html
    assert links_of(html) == [data.solved.accepted_post.get_absolute_url()]
    assert '<p class="search-total">1 result</p>' in html


def test_only_the_accepted_reply_reads_as_the_answer(visitor_client, data, patient, professional):
    # Another reply in the same solved topic, with a professional's context note under it.
    other = Post.objects.create(
        topic=data.solved,
        author=patient,
        position=3,
        body="Stop taking it with food and double the dose.",
        body_html="<p>Stop taking it with food and double the dose.</p>",
    )
    Post.objects.filter(pk=other.pk).update(created_at=at(1, 12))
    ContextNote.objects.create(
        post=other, author=professional, body="Never change a dose without your doctor."
    )
    reindex_topic(data.solved.pk)
    _status, html = page(visitor_client, "?q=food&sort=newest")
    assert results_of(html) == [
        "Reply A verified professional added context "
        "Reply by Pat the patient in Tired after metformin "
        "Stop taking it with food and double the dose. in Type 2 Diabetes 12 Jan 2026",
        "Reply Accepted answer Reply by Cam the caregiver in Tired after metformin "
        "Taking it with food helped me. in Type 2 Diabetes 11 Jan 2026",
    ]
    # A reply in a solved topic never shows the topic's "Solved".
    assert ">Solved</span>" not in html
    assert (
        '<span class="badge badge-warn search-context-badge">'
        "A verified professional added context</span>"
    ) in html
    # The topic itself is still the solved question.
    _status, html = page(visitor_client, "?q=tired&kind=discussions&sort=oldest")
    assert results_of(html)[0].startswith("Discussion Solved Tired after metformin ")


def test_communities_and_members_are_found(visitor_client, data):
    _status, html = page(visitor_client, "?q=diabetes&kind=communities")
    assert results_of(html) == ["Community Type 2 Diabetes A place to talk."]
    assert links_of(html) == ["/c/type-2-diabetes/"]
    _status, html = page(visitor_client, "?q=cam&kind=members")
    assert links_of(html) == ["/members/caregiver/"]
    assert results_of(html)[0].startswith("Member Cam the caregiver")


def test_words_and_snippets_are_escaped(visitor_client, community, patient):
    topic = dated_topic(
        community,
        patient,
        at(4, 1),
        title='<script>alert("x")</script> insulin & "pens"',
        body='Insulin <b>pens</b> & <img src=x onerror="alert(1)">',
    )
    reindex_topic(topic.pk)
    _status, html = page(visitor_client, "?q=insulin+%3Cscript%3E")
    assert "<script>alert" not in html
    assert "onerror=" not in html.replace("onerror=&quot;", "")
    assert (
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; insulin &amp; &quot;pens&quot;" in html
    )
    # What was typed is kept, escaped, in the box.
    assert 'value="insulin &lt;script&gt;"' in html


# --- tabs ----------------------------------------------------------------------------------


def test_tabs_keep_the_words_and_filters_and_show_counts(visitor_client, data):
    _status, html = page(visitor_client, "?q=metformin&sort=newest")
    nav = html.split('<nav class="search-tabs"')[1].split("</nav>")[0]
    tabs = re.findall(r'<li><a href="([^"]*)"( aria-current="page")?>(.*?)</a></li>', nav)
    assert [(href, bool(current), text_of(label)) for href, current, label in tabs] == [
        ("?q=metformin&amp;sort=newest", True, "All 3 results"),
        ("?q=metformin&amp;kind=discussions&amp;sort=newest", False, "Discussions 3 results"),
        ("?q=metformin&amp;kind=members&amp;sort=newest", False, "Members 0 results"),
        ("?q=metformin&amp;kind=communities&amp;sort=newest", False, "Communities 0 results"),
        ("?q=metformin&amp;kind=resources&amp;sort=newest", False, "Resources 0 results"),
    ]
    # One is "1 result" for screen readers, not "1 results".
    _status, html = page(visitor_client, "?q=diabetes")
    nav = html.split('<nav class="search-tabs"')[1].split("</nav>")[0].split(">", 1)[1]
    assert text_of(nav) == (
        "All 1 result Discussions 0 results Members 0 results Communities 1 result"
        " Resources 0 results"
    )


def test_a_tab_narrows_the_kinds(visitor_client, data):
    _status, html = page(visitor_client, "?q=diabetes")
    assert [text.split(" ")[0] for text in results_of(html)] == ["Community"]
    _status, html = page(visitor_client, "?q=diabetes&kind=discussions")
    assert results_of(html) == []
    assert "Nothing matched “diabetes”" in html
    nav = text_of(html.split('<nav class="search-tabs"')[1].split("</nav>")[0].split(">", 1)[1])
    # Only the kinds searched are counted: the other tabs show no number.
    assert nav == "All Discussions 0 results Members Communities Resources"
    assert re.findall(r'<a href="[^"]*" aria-current="page">(\w+)', html) == ["Discussions"]


# --- filters -------------------------------------------------------------------------------


def test_community_filter(patient_client, data):
    _status, html = page(patient_client, "?q=metformin&community=breast-cancer")
    assert links_of(html) == [data.private.get_absolute_url()]
    assert '<option value="breast-cancer" selected>Breast Cancer</option>' in html
    # Folded away even with a filter set (open, it pushes the results down a phone); the
    # summary says how many are on.
    assert ('<details class="card search-filters">\n    <summary>Filters (1 on)</summary>') in html
    _status, html = page(patient_client, "?q=metformin&community=breast-cancer&sort=newest")
    assert "<summary>Filters (2 on)</summary>" in html


def test_only_my_communities(caregiver_client, patient_client, data):
    _status, html = page(patient_client, "?q=metformin&mine=on&sort=newest")
    assert len(links_of(html)) == 4
    _status, html = page(caregiver_client, "?q=chemo&mine=on")
    assert links_of(html) == []


def test_author_filter_with_or_without_the_at_sign(visitor_client, data):
    for handle in ("caregiver", "%40caregiver", "CAREGIVER"):
        _status, html = page(visitor_client, f"?q=metformin&author={handle}")
        assert links_of(html) == [data.walking.get_absolute_url()]


def test_solved_and_unsolved_questions(visitor_client, data):
    _status, html = page(visitor_client, "?q=metformin&solved=solved")
    assert links_of(html) == [data.solved.get_absolute_url()]
    _status, html = page(visitor_client, "?q=metformin&solved=unsolved")
    assert links_of(html) == [data.anonymous.get_absolute_url()]
    assert '<input type="radio" name="solved" value="unsolved"' in html
    assert re.search(r'value="unsolved"[^>]* checked', html)


def test_date_range_includes_both_days(visitor_client, data):
    _status, html = page(visitor_client, "?q=metformin&after=2026-02-10&before=2026-03-10")
    assert sorted(links_of(html)) == sorted(
        [data.walking.get_absolute_url(), data.anonymous.get_absolute_url()]
    )
    assert 'value="2026-02-10"' in html
    assert 'value="2026-03-10"' in html


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        (
            "&community=no-such-place",
            "community",
            "We could not find that community. Choose one from the list, or “Any community”.",
        ),
        (
            "&author=nobody-here",
            "author",
            "We could not find a member with that handle. Check the spelling.",
        ),
        (
            "&author=pat%21",
            "author",
            "A handle has only letters, numbers, dots and dashes, like @pat.",
        ),
        ("&after=2026-13-01", "after", "Pick a date from the calendar, or type it as YYYY-MM-DD."),
        ("&before=yesterday", "before", "Pick a date from the calendar, or type it as YYYY-MM-DD."),
        (
            "&after=2026-03-01&before=2026-02-01",
            "before",
            "This date is before the “From” date. Swap them or change one.",
        ),
        ("&sort=random", "sort", "Choose best match, newest or oldest."),
        ("&solved=maybe", "solved", "Choose any, solved or not solved yet."),
    ],
)
def test_bad_filters_are_explained_next_to_their_field(visitor_client, data, query, field, message):
    status, html = page(visitor_client, "?q=metformin+tired" + query)
    assert status == 400
    assert field_error(html, field) == message
    assert re.search(rf'name="{field}"[^>]*aria-invalid="true"', html)
    assert "Please check the form." in html
    # What was typed is kept, and nothing is searched with a filter that is wrong.
    assert 'value="metformin tired"' in html
    assert results_of(html) == []
    # The filters open to show the field to fix.
    assert '<details class="card search-filters" open>' in html


def test_a_date_that_is_not_a_date_is_not_said_to_be_kept(visitor_client, data):
    # The browser's date box cannot show "yesterday": the summary does not promise it.
    status, html = page(visitor_client, "?q=metformin&community=type-2-diabetes&before=yesterday")
    assert status == 400
    assert (
        "<p><strong>Please check the form.</strong> We kept everything else you typed.</p>"
    ) in html
    assert "We kept everything you typed." not in html
    assert (
        '<li><a href="#id_before">To: Pick a date from the calendar, or type it as '
        "YYYY-MM-DD.</a></li>"
    ) in html
    # The chosen community stays chosen.
    assert '<option value="type-2-diabetes" selected>Type 2 Diabetes</option>' in html
    # Dates in the wrong order are real dates, kept in their boxes.
    status, html = page(
        visitor_client, "?q=metformin&community=type-2-diabetes&after=2026-03-01&before=2026-02-01"
    )
    assert status == 400
    assert ("<p><strong>Please check the form.</strong> We kept everything you typed.</p>") in html
    assert 'value="2026-03-01"' in html
    assert '<option value="type-2-diabetes" selected>Type 2 Diabetes</option>' in html


def test_unknown_community_is_the_same_as_one_the_searcher_cannot_see(
    visitor_client, patient_client, hidden_community, data
):
    status, html = page(visitor_client, "?q=metformin&community=secret-circle")
    assert status == 400
    assert field_error(html, "community").startswith("We could not find that community.")
    status, html = page(patient_client, "?q=metformin&community=secret-circle")
    assert status == 200


def test_clear_filters_keeps_the_words(visitor_client, data):
    _status, html = page(
        visitor_client, "?q=metformin&author=caregiver&sort=newest&kind=discussions"
    )
    assert '<a href="?q=metformin&amp;kind=discussions">Clear filters</a>' in html


# --- helpful states ------------------------------------------------------------------------


def test_no_results_suggests_a_spelling_and_tips(visitor_client, data):
    SearchTerm.objects.create(word="metformin", document_count=4)
    _status, html = page(visitor_client, "?q=metfromin&sort=newest")
    assert results_of(html) == []
    assert "<h2>Nothing matched “metfromin”.</h2>" in html
    # The heading says it once: no "No results" line above it.
    assert 'class="search-total"' not in html
    assert "No results" not in html
    assert (
        '<p class="search-suggestion">Did you mean '
        '<a href="?q=metformin&amp;sort=newest">metformin</a>?</p>'
    ) in html
    assert "Put words in quotes to find them together" in html


def test_nothing_matched_with_filters_offers_the_words_alone(visitor_client, data):
    _status, html = page(visitor_client, "?q=tired&kind=discussions&author=caregiver&sort=newest")
    assert results_of(html) == []
    assert "<h2>Nothing matched “tired” with these filters.</h2>" in html
    suggestions = html.split('<ul class="search-suggestions">')[1].split("</ul>")[0]
    assert re.findall(r"<li>(.*?)</li>", suggestions) == [
        '<a href="?q=tired">Search again without filters</a>',
        "Try fewer or different words, or check the spelling.",
    ]
    assert 'class="search-total"' not in html
    # A sort leaves nothing out: it is not one of "these filters".
    _status, html = page(visitor_client, "?q=zzyzx&sort=oldest")
    assert "<h2>Nothing matched “zzyzx”.</h2>" in html
    assert "search-suggestions" not in html


def test_only_exclusions_asks_for_a_word(visitor_client, data):
    _status, html = page(visitor_client, "?q=-metformin")
    assert results_of(html) == []
    assert (
        '<p class="meta search-note">Add a word to look for: a search cannot only leave '
        "words out.</p>"
    ) in html


# --- pages, queries, limits ----------------------------------------------------------------


@pytest.fixture
def many(community: Community, patient: User) -> list[Topic]:
    return build_many(community, patient)


def build_many(community: Community, patient: User) -> list[Topic]:
    """25 topics about pacing, one a day from 1 May."""
    topics = [
        dated_topic(community, patient, at(5, day), title=f"Pacing day {day}", body="Pacing.")
        for day in range(1, 26)
    ]
    for topic in topics:
        reindex_topic(topic.pk)
    return topics


def test_pages_of_twenty(visitor_client, many):
    _status, html = page(visitor_client, "?q=pacing&sort=newest")
    assert len(results_of(html)) == 20
    assert links_of(html)[0] == many[-1].get_absolute_url()
    # More pages to check: the total is an estimate.
    assert '<p class="search-total">About 25 results</p>' in html
    assert 'href="?q=pacing&amp;sort=newest&amp;page=2" rel="next">Next page</a>' in html
    assert 'rel="prev"' not in html
    _status, html = page(visitor_client, "?q=pacing&sort=newest&page=2")
    assert links_of(html) == [topic.get_absolute_url() for topic in reversed(many[:5])]
    assert 'href="?q=pacing&amp;sort=newest" rel="prev">Previous page</a>' in html
    assert 'rel="next"' not in html
    assert "<span>Page 2</span>" in html
    # The last page: every hit has been checked, so the total is exact.
    assert '<p class="search-total">25 results</p>' in html


def test_when_counting_stops_early_the_numbers_say_more_than(
    visitor_client, many, monkeypatch: pytest.MonkeyPatch
):
    # PostgreSQL reads at most a budget of rows for a combination of very common words and
    # counts what it found as "at least"; a later page reads further (here: to the end).
    if connection.vendor != "postgresql":
        pytest.skip("The walk's budget is PostgreSQL's")
    from carecircle.search.engines import postgres

    monkeypatch.setattr(
        postgres.PostgresEngine,
        "_walked",
        staticmethod(lambda query, kinds, depth: ({"topic"} & set(kinds), set(), (22, 1000))),
    )
    _status, html = page(visitor_client, "?q=pacing&sort=newest")
    assert links_of(html) == [topic.get_absolute_url() for topic in reversed(many[5:])]
    assert '<p class="search-total">At least 22 results</p>' in html
    nav = text_of(html.split('<nav class="search-tabs"')[1].split("</nav>")[0].split(">", 1)[1])
    assert nav == (
        "All 22+ results Discussions 22+ results Members 0 results Communities 0 results"
        " Resources 0 results"
    )
    response = visitor_client.get("/api/v1/search", {"q": "pacing", "sort": "newest"})
    body = response.json()
    assert (body["total"], body["total_is_capped"], body["has_next"]) == (22, True, True)
    assert body["kind_totals"]["topic"] == 22
    assert body["kind_totals_at_least"] == ["topic"]
    # Page 2 needs more than the 22 found: the search reads on, and counts exactly.
    _status, html = page(visitor_client, "?q=pacing&sort=newest&page=2")
    assert links_of(html) == [topic.get_absolute_url() for topic in reversed(many[:5])]
    assert '<p class="search-total">25 results</p>' in html


@pytest.mark.parametrize("number", ["999999999999999999999", "50", "-3", "two"])
def test_page_numbers_are_clamped(visitor_client, many, number):
    status, html = page(visitor_client, f"?q=pacing&page={number}")
    assert status == 200
    if number in ("-3", "two"):
        assert len(results_of(html)) == 20
    else:
        assert results_of(html) == []
        assert "This page is past the last result." in html
        assert '<a href="?q=pacing">Go to the first page</a>' in html


def test_query_count_is_fixed_for_twenty_results(
    visitor_client, patient_client, many, django_assert_num_queries
):
    # Warm up (content types, synonyms), then pin one search of a full page: for a member,
    # session and member (2), the community choices (2), what they may read and whom they
    # blocked (4), the page of hits and five per-kind counts (6), topics and their first
    # posts (2), their context notes (1), the policy banner (1). The number does not grow
    # with the results.
    # PostgreSQL's engine runs 3 statements instead of those 6: its word statistics (and the
    # search's settings), the page with every per-kind count in one, and, inside a caller's
    # transaction such as a test's, one that puts the settings back (2 in production).
    engine_extra = -3 if connection.vendor == "postgresql" else 0
    page(patient_client, "?q=pacing")
    with django_assert_num_queries(18 + engine_extra):
        _status, html = page(patient_client, "?q=pacing")
    assert len(results_of(html)) == 20
    # A visitor: no session, member, memberships, blocks or banner.
    with django_assert_num_queries(12 + engine_extra):
        _status, html = page(visitor_client, "?q=pacing")
    assert len(results_of(html)) == 20


@override_settings(CARECIRCLE_SEARCH_RATE="3/m")
def test_searches_are_rate_limited(patient_client, visitor_client, data):
    for _ in range(3):
        assert page(patient_client, "?q=metformin")[0] == 200
    status, html = page(patient_client, "?q=metformin")
    assert status == 429
    assert (
        '<p class="notice notice-warn" role="alert">That is a lot of searches in a short time. '
        "Please wait a minute and try again.</p>"
    ) in html
    assert results_of(html) == []
    assert 'value="metformin"' in html
    # Each member and each address counts alone; the empty page is never limited.
    assert page(visitor_client, "?q=metformin")[0] == 200
    assert page(patient_client)[0] == 200


@pytest.fixture
def caregiver_client(caregiver: User) -> Client:
    return client_for(caregiver)
