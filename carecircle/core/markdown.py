"""Member Markdown rendered by markdown-it-py and sanitised by nh3: no raw HTML, safe links."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

import nh3
from markdown_it import MarkdownIt

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    ["table", "strikethrough"]
)

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "del", "s", "code", "pre", "blockquote", "ul", "ol", "li",
    "a", "h3", "h4", "h5", "h6", "hr", "table", "thead", "tbody", "tr", "th", "td", "span",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "class"},
    "span": {"class"},
    "th": {"align"},
    "td": {"align"},
    "ol": {"start"},
}
# A handle ends in a word character, so "Thanks @sam." mentions sam, not "sam.".
MENTION_PATTERN = re.compile(r"(?<![\w@/])@(\w[\w.\-]{0,38}\w)")


def _demote_headings(text: str) -> str:
    # Headings inside a post must not compete with the page's own h1/h2.
    return re.sub(r"<(/?)h([12])>", lambda m: f"<{m.group(1)}h{int(m.group(2)) + 2}>", text)


def render_markdown(text: str, *, mention_url: Callable[[str], str | None] | None = None) -> str:
    """Return safe HTML for member-written Markdown; @handles become links when resolvable."""
    html = _demote_headings(_md.render(text or ""))
    if mention_url is not None:

        def link(match: re.Match[str]) -> str:
            url = mention_url(match.group(1))
            if not url:
                return match.group(0)
            return f'<a class="mention" href="{url}">@{match.group(1)}</a>'

        # Only outside tags and code: split on tags, skip code blocks.
        parts = re.split(r"(<[^>]+>)", html)
        in_code = 0
        for index, part in enumerate(parts):
            if part.startswith("<"):
                if re.match(r"<(code|pre|a)\b", part):
                    in_code += 1
                elif re.match(r"</(code|pre|a)>", part):
                    in_code = max(0, in_code - 1)
                continue
            if not in_code:
                parts[index] = MENTION_PATTERN.sub(link, part)
        html = "".join(parts)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow ugc noopener",
    )


def find_mentions(text: str) -> list[str]:
    """Handles mentioned in `text`, in order, without duplicates (code spans included)."""
    seen: list[str] = []
    for handle in MENTION_PATTERN.findall(text or ""):
        if handle not in seen:
            seen.append(handle)
    return seen


def quote_markdown(author: str, body: str, *, url: str = "") -> str:
    """A Markdown block quote of `body` attributed to `author`, ready to paste into a reply.

    With `url` (the quoted post's permalink) the author's name links to the post: readers can
    open what was quoted, and the quoted member is notified (notifications.events finds the
    permalink in the quote).
    """
    lines: Iterable[str] = (body or "").strip().splitlines() or [""]
    quoted = "\n".join(f"> {line}" if line else ">" for line in lines)
    name = f"[{_escape_link_text(author)}]({url})" if url else author
    return f"> **{name}** wrote:\n>\n{quoted}\n\n"


def _escape_link_text(text: str) -> str:
    # A name with brackets or a backslash would otherwise end the link early.
    return re.sub(r"([\\\[\]])", r"\\\1", text)


def html_to_text(html: str) -> str:
    """The readable text of rendered (already sanitised) HTML: tags dropped, entities decoded,
    runs of white space folded. For search snippets and indexes, never for display as HTML."""
    import html as html_module

    import nh3

    text = html_module.unescape(nh3.clean(html, tags=set()))
    return " ".join(text.split())
