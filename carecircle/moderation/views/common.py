"""What the moderation pages share: reading input safely and describing review items."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from django.utils.text import Truncator
from django.utils.translation import gettext as _

from carecircle.communities.models import Community
from carecircle.moderation.models import Report, ReviewItem

EXCERPT_CHARS = 200
GUIDELINE_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)


def excerpt(text: str, chars: int = EXCERPT_CHARS) -> str:
    return Truncator(" ".join((text or "").split())).chars(chars)


def guideline_headings(community: Community | None) -> list[str]:
    """The headings of a community's guidelines, offered as suggestions for "which guideline"."""
    if community is None:
        return []
    return [match.strip() for match in GUIDELINE_HEADING.findall(community.guidelines or "")][:30]


def reason_label(report: Report) -> str:
    if report.reason == Report.Reason.CUSTOM and report.custom_reason is not None:
        return report.custom_reason.label
    return str(report.get_reason_display())


def reasons_summary(item: ReviewItem) -> list[tuple[str, int]]:
    """[(reason, how many reports gave it)], most common first, from the prefetched reports."""
    counts = Counter(reason_label(report) for report in item.reports.all())
    return counts.most_common()


def item_excerpt(item: ReviewItem) -> str:
    """A short excerpt for the queue. Private and chat messages show no words in lists: their
    text is read only on the item's own page."""
    if item.kind == ReviewItem.Kind.POST and item.post is not None:
        return excerpt(item.body_snapshot if item.post.is_deleted else item.post.body)
    if item.kind == ReviewItem.Kind.TOPIC and item.topic is not None:
        return excerpt(item.topic.title)
    if item.kind == ReviewItem.Kind.MEMBER and item.member is not None:
        return str(item.member.display_name)
    if item.kind == ReviewItem.Kind.MESSAGE:
        return _("A message (open the item to read it)")
    if item.kind == ReviewItem.Kind.APPEAL:
        return _("An appeal (open the item to read it)")
    return excerpt(item.body_snapshot)


def item_row(item: ReviewItem) -> dict[str, Any]:
    return {
        "item": item,
        "excerpt": item_excerpt(item),
        "reasons": reasons_summary(item),
        "flags": [str(flag.get("label") or flag.get("source") or "") for flag in item.flags or []],
    }
