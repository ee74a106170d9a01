"""snippet_html: escaped first, <mark> on stem matches, the window with most matches, "…" cuts."""

from __future__ import annotations

from carecircle.search.snippets import snippet_html


def test_short_text_is_whole_with_marks_on_stem_matches() -> None:
    # Snowball stems "tired" and "tire" alike: marks follow the stem, as matching does.
    assert snippet_html("Tired after walking; the walks tire me.", {"walk", "tired"}) == (
        "<mark>Tired</mark> after <mark>walking</mark>; the <mark>walks</mark> "
        "<mark>tire</mark> me."
    )


def test_no_words_gives_the_opening() -> None:
    text = "one two three four five six"
    assert snippet_html(text, set(), length=13) == "one two three…"
    assert snippet_html("", {"flu"}) == ""


def test_whitespace_is_collapsed() -> None:
    assert snippet_html("flu\n\n  and\tfever ", {"fever"}) == "flu and <mark>fever</mark>"


def test_accents_match_like_the_engines() -> None:
    assert snippet_html("Un café à Montréal", {"cafe", "montreal"}) == (
        "Un <mark>café</mark> à <mark>Montréal</mark>"
    )


def test_the_window_with_most_different_words_is_shown_with_cuts_on_spaces() -> None:
    filler = " ".join(["word"] * 30)  # 149 characters
    text = f"fatigue early. {filler} fatigue and fog together here. {filler} the end"
    assert snippet_html(text, {"fatigue", "fog"}, length=60) == (
        "…word word word word <mark>fatigue</mark> and <mark>fog</mark> together here. word…"
    )


def test_more_matches_win_when_the_words_are_the_same() -> None:
    filler = " ".join(["word"] * 30)
    text = f"pain once. {filler} pain and more pain. {filler}"
    assert snippet_html(text, {"pain"}, length=40) == (
        "…word word <mark>pain</mark> and more <mark>pain</mark>. word word…"
    )


def test_a_match_at_the_start_has_no_leading_ellipsis() -> None:
    text = "Insulin pump " + " ".join(["word"] * 40)
    assert snippet_html(text, {"insulin"}, length=30) == "<mark>Insulin</mark> pump word word word…"


def test_script_tags_are_escaped() -> None:
    text = '<script>alert("x")</script> my flu & fever'
    assert snippet_html(text, {"flu", "script"}) == (
        "&lt;<mark>script</mark>&gt;alert(&quot;x&quot;)&lt;/<mark>script</mark>&gt; "
        "my <mark>flu</mark> &amp; fever"
    )


def test_attributes_and_entities_cannot_break_out() -> None:
    text = "<img src=x onerror='alert(1)'> &lt;b&gt; &amp; mark"
    html = snippet_html(text, {"mark", "lt", "amp", "img"})
    assert html == (
        "&lt;<mark>img</mark> src=x onerror=&#x27;alert(1)&#x27;&gt; "
        "&amp;<mark>lt</mark>;b&amp;gt; &amp;<mark>amp</mark>; <mark>mark</mark>"
    )
    assert "<img" not in html and "'" not in html


def test_a_cut_never_splits_an_entity_or_a_mark() -> None:
    text = "&&&& " * 20 + "flu " + "<<<< " * 20
    html = snippet_html(text, {"flu"}, length=30)
    assert html == (
        "…&amp;&amp;&amp;&amp; &amp;&amp;&amp;&amp; <mark>flu</mark> &lt;&lt;&lt;&lt; "
        "&lt;&lt;&lt;&lt;…"
    )


def test_a_word_longer_than_the_window_is_not_a_window() -> None:
    text = "a" * 50 + " flu " + "b" * 50
    assert snippet_html(text, {"a" * 50, "flu"}, length=20) == "…<mark>flu</mark>…"
