"""Posts that cite library resources: found from the resource links in the post's text.

A post cites a resource by linking to its page: `/library/<id>/` or `/library/<id>/<slug>/`,
written as a relative link or with this site's own host name (any scheme, any port). A link
to the same path on another site is not a citation. Only resources that exist, are published
and sit in the post's community library or the site library are recorded: a link to another
community's resource, or to a suggestion nobody reviewed yet, stays a plain link.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from carecircle.resources.models import Resource, ResourceCitation

# A link starts at the beginning of the text or after a space or an opening bracket or quote,
# so "/library/3/" inside someone else's address (https://elsewhere.example/library/3/) is only
# seen together with its host, and then refused by the host check below.
_LINK = re.compile(
    r"""(?:^|(?<=[\s(<\[{"']))"""
    r"""(?:(?:https?:)?//(?P<host>[^/\s?#()<>\[\]"']+))?"""
    # [0-9], not \d: \d also matches other scripts' digits ("٣"), which are not links here.
    r"""/library/(?P<id>[0-9]{1,18})(?![\w-])""",
    re.IGNORECASE,
)

# More links than this in one post are ignored: no member cites hundreds of resources, and it
# bounds the query a hostile post can cause.
MAX_CITATIONS_PER_POST = 50


def site_hosts() -> set[str]:
    """The host names that mean "this site" in a link: SITE_URL's and the exact ALLOWED_HOSTS."""
    hosts = set()
    site_host = urlsplit(settings.SITE_URL).hostname
    if site_host:
        hosts.add(site_host.lower())
    for host in settings.ALLOWED_HOSTS:
        # Wildcards ("*", ".example.org") name many sites, not this one.
        if host and not host.startswith((".", "*")):
            hosts.add(host.strip("[]").lower())
    return hosts


def _host_name(netloc: str) -> str | None:
    try:
        return urlsplit(f"//{netloc}").hostname
    except ValueError:
        return None


def cited_ids(text: str) -> list[int]:
    """The resource ids linked from `text` (relative or on this site's host), first seen first."""
    hosts: set[str] | None = None
    found: list[int] = []
    for match in _LINK.finditer(text or ""):
        netloc = match.group("host")
        if netloc is not None:
            if hosts is None:
                hosts = site_hosts()
            host = _host_name(netloc)
            if host is None or host.lower() not in hosts:
                continue
        resource_id = int(match.group("id"))
        if resource_id not in found:
            found.append(resource_id)
        if len(found) >= MAX_CITATIONS_PER_POST:
            break
    return found


def citable_resources(*, community_id: int | None, ids: list[int]) -> list[int]:
    """Of `ids`, the published resources of that community's library or the site library."""
    if not ids:
        return []
    library = Q(community__isnull=True)
    if community_id is not None:
        library |= Q(community_id=community_id)
    return list(
        Resource.objects.filter(library, pk__in=ids, status=Resource.Status.PUBLISHED).values_list(
            "pk", flat=True
        )
    )


def recount_citations(resource_ids: Iterable[int]) -> None:
    """Set each resource's `citation_count` to its number of citation rows, counted in SQL.

    Counted, not incremented: rows also go without this module's knowledge (a post or topic
    deleted, a member's posts erased: the rows cascade), and a counter that only moves by
    +1/-1 would drift. One UPDATE, so concurrent writers each leave the count of the rows
    committed when they ran. The stored count covers every citation, readable or not; what a
    reader is shown is `queries.readable_citation_counts`.
    """
    ids = sorted(set(resource_ids))
    if not ids:
        return
    rows = (
        ResourceCitation.objects.filter(resource_id=OuterRef("pk"))
        .order_by()
        .values("resource_id")
        .annotate(total=Count("pk"))
        .values("total")
    )
    Resource.objects.filter(pk__in=ids).update(
        citation_count=Coalesce(Subquery(rows, output_field=IntegerField()), 0)
    )


def citation_deleted(sender: Any, instance: ResourceCitation, **kwargs: Any) -> None:
    """post_delete receiver (connected in apps.py): recount after any citation row goes,
    including rows deleted by a cascade from their post."""
    recount_citations([instance.resource_id])


def record_citations(post: Any) -> None:
    """Make the post's citations match the resource links now in its body (inside a transaction).

    Links removed by an edit drop their citation; the counts of the resources concerned are
    recounted from the rows.
    """
    wanted = set(citable_resources(community_id=post.topic.community_id, ids=cited_ids(post.body)))
    existing = set(ResourceCitation.objects.filter(post=post).values_list("resource_id", flat=True))
    removed = existing - wanted
    added = wanted - existing
    if removed:
        ResourceCitation.objects.filter(post=post, resource_id__in=removed).delete()
    if added:
        ResourceCitation.objects.bulk_create(
            [ResourceCitation(post=post, resource_id=resource_id) for resource_id in sorted(added)],
            ignore_conflicts=True,
        )
    recount_citations(removed | added)
