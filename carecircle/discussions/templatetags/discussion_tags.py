"""Template tags for discussion pages.

The reaction bar is drawn for every post on a topic page, four buttons each; built here in
Python it costs a fraction of the same markup through the template engine.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext, ngettext

register = template.Library()


def _people(count: int) -> str:
    return ngettext("%(counter)s person", "%(counter)s people", count) % {"counter": count}


@register.simple_tag(takes_context=True)
def reaction_bar(context: template.Context, post: Any) -> SafeString:
    """The post's reactions: toggle buttons for a member who may react, else the counts."""
    counts = post.reaction_counts or {}
    kinds = [(kind, str(label), counts.get(kind) or 0) for kind, label in context["reaction_kinds"]]
    if context.get("can_react"):
        mine: set[str] = getattr(post, "actor_reactions", set())
        url = reverse("post_react", args=[post.pk])
        buttons = format_html_join(
            "\n",
            '<button type="submit" name="kind" value="{}" class="reaction button-small" '
            'aria-pressed="{}">{}{}</button>',
            (
                (
                    kind,
                    "true" if kind in mine else "false",
                    label,
                    format_html(
                        ' <span aria-hidden="true">· {}</span>'
                        '<span class="visually-hidden">, {}</span>',
                        count,
                        _people(count),
                    )
                    if count
                    else "",
                )
                for kind, label, count in kinds
            ),
        )
        return format_html(
            '<form method="post" action="{url}" class="post-actions" id="reactions-{pk}" '
            'hx-post="{url}" hx-target="this" hx-swap="outerHTML" aria-label="{aria}">'
            '<input type="hidden" name="csrfmiddlewaretoken" value="{token}">\n{buttons}</form>',
            url=url,
            pk=post.pk,
            aria=gettext("Reactions"),
            token=context.get("csrf_token", ""),
            buttons=buttons,
        )
    if not counts:
        return SafeString("")
    badges = format_html_join(
        " ",
        '<span class="badge">{} · {}</span>',
        ((label, count) for _kind, label, count in kinds if count),
    )
    return format_html('<p class="post-actions" id="reactions-{}">{}</p>', post.pk, badges)
