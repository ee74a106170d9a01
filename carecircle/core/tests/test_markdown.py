"""Member Markdown: safe HTML only, safe links, demoted headings, mentions of real members."""

from __future__ import annotations

import pytest
from django.urls import reverse

from carecircle.accounts.models import User
from carecircle.core.markdown import find_mentions, quote_markdown, render_markdown

REL = 'rel="nofollow ugc noopener"'


def members_only(handle: str) -> str | None:
    """Resolve @handles the way posts do: only existing members get a profile link."""
    user = User.objects.filter(handle=handle.lower()).first()
    return reverse("member_profile", kwargs={"handle": user.handle}) if user else None


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("<script>alert(1)</script>", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\n"),
        ("<img src=x onerror=alert(1)>", "<p>&lt;img src=x onerror=alert(1)&gt;</p>\n"),
        (
            '<div onclick="steal()">hi</div>',
            '<p>&lt;div onclick="steal()"&gt;hi&lt;/div&gt;</p>\n',
        ),
        ("<iframe src=//evil.example>", "<p>&lt;iframe src=//evil.example&gt;</p>\n"),
        ("[click](javascript:alert(1))", "<p>[click](javascript:alert(1))</p>\n"),
        ("[click](JaVaScRiPt:alert(1))", "<p>[click](JaVaScRiPt:alert(1))</p>\n"),
        ("<javascript:alert(1)>", "<p>&lt;javascript:alert(1)&gt;</p>\n"),
        (
            "[x](data:text/html;base64,PHNjcmlwdD4=)",
            "<p>[x](data:text/html;base64,PHNjcmlwdD4=)</p>\n",
        ),
        ("[x](vbscript:msgbox(1))", "<p>[x](vbscript:msgbox(1))</p>\n"),
        # An unsupported scheme keeps the words and loses the link.
        ("[files](ftp://example.org/x)", f"<p><a {REL}>files</a></p>\n"),
        # Remote images would let anyone track readers: dropped.
        ("![pixel](https://tracker.example/p.png)", "<p></p>\n"),
    ],
)
def test_dangerous_input_is_neutralised(text, html):
    assert render_markdown(text) == html


def test_raw_html_never_survives_as_markup():
    html = render_markdown('<b onmouseover="x()">bold</b> <a href="javascript:x()">a</a>')
    assert "<b" not in html
    assert "<a " not in html
    assert "&lt;b onmouseover" in html


def test_links_are_marked_nofollow_ugc_noopener():
    assert render_markdown('[our site](https://example.org/page "A title")') == (
        f'<p><a href="https://example.org/page" title="A title" {REL}>our site</a></p>\n'
    )
    assert render_markdown("<https://example.org>") == (
        f'<p><a href="https://example.org" {REL}>https://example.org</a></p>\n'
    )
    assert render_markdown("[write](mailto:help@example.org)") == (
        f'<p><a href="mailto:help@example.org" {REL}>write</a></p>\n'
    )


def test_page_level_headings_are_demoted():
    assert render_markdown("# Big\n\n## Middle\n\n### Small\n\n#### Smaller") == (
        "<h3>Big</h3>\n<h4>Middle</h4>\n<h3>Small</h3>\n<h4>Smaller</h4>\n"
    )


def test_everyday_formatting_survives():
    assert render_markdown("**bold** _it_ ~~gone~~ `code`") == (
        "<p><strong>bold</strong> <em>it</em> <s>gone</s> <code>code</code></p>\n"
    )
    assert render_markdown("3. third\n4. fourth") == (
        '<ol start="3">\n<li>third</li>\n<li>fourth</li>\n</ol>\n'
    )
    assert render_markdown("> quoted") == "<blockquote>\n<p>quoted</p>\n</blockquote>\n"
    assert "<table>" in render_markdown("| a | b |\n|---|---|\n| 1 | 2 |")


def test_empty_text():
    assert render_markdown("") == ""
    assert render_markdown(None) == ""  # type: ignore[arg-type]


@pytest.mark.django_db
def test_mentions_link_only_to_existing_members(patient):
    html = render_markdown("Hi @patient and @nobody-here", mention_url=members_only)
    assert html == (
        f'<p>Hi <a class="mention" href="/members/patient/" {REL}>@patient</a>'
        " and @nobody-here</p>\n"
    )


@pytest.mark.django_db
def test_mentions_are_case_insensitive_and_end_before_punctuation(patient, caregiver):
    html = render_markdown("Thanks @Patient. And @caregiver, too!", mention_url=members_only)
    assert html == (
        f'<p>Thanks <a class="mention" href="/members/patient/" {REL}>@Patient</a>.'
        f' And <a class="mention" href="/members/caregiver/" {REL}>@caregiver</a>, too!</p>\n'
    )


@pytest.mark.django_db
def test_no_mentions_inside_code_links_or_email_addresses(patient):
    text = (
        "`@patient` in code\n\n"
        "    @patient in a code block\n\n"
        "```\n@patient fenced\n```\n\n"
        "[@patient](https://example.org) already a link\n\n"
        "write to pat@patient.example"
    )
    html = render_markdown(text, mention_url=members_only)
    assert 'class="mention"' not in html
    assert "<code>@patient</code>" in html
    assert "<pre><code>@patient in a code block\n</code></pre>" in html
    assert "<pre><code>@patient fenced\n</code></pre>" in html
    assert f'<a href="https://example.org" {REL}>@patient</a>' in html
    assert "pat@patient.example" in html


@pytest.mark.django_db
def test_a_mention_after_code_on_the_same_line_still_links(patient):
    html = render_markdown("`code` then @patient", mention_url=members_only)
    assert f'<a class="mention" href="/members/patient/" {REL}>@patient</a>' in html


def test_a_hostile_mention_url_cannot_inject_attributes():
    html = render_markdown(
        "@patient", mention_url=lambda handle: '/members/x/" onmouseover="alert(1)'
    )
    assert html == f'<p><a class="mention" href="/members/x/" {REL}>@patient</a></p>\n'


def test_find_mentions_in_order_without_duplicates():
    assert find_mentions("@bo hi @al, @bo again; `@cy` and @di.") == ["bo", "al", "cy", "di"]
    assert find_mentions("@x is too short; @pat.the.patient- has dots") == ["pat.the.patient"]
    assert find_mentions("mail me at x@example.org") == []
    assert find_mentions("") == []


def test_quote_markdown():
    assert quote_markdown("Pat", "first line\n\nsecond line") == (
        "> **Pat** wrote:\n>\n> first line\n>\n> second line\n\n"
    )
    assert quote_markdown("Pat", "") == "> **Pat** wrote:\n>\n>\n\n"
