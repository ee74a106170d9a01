"""Reads for the privacy pages, each scoped to the member (or to site admins)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.cache import cache
from django.db.models import Max, QuerySet
from django.utils import timezone

from carecircle.accounts.models import User
from carecircle.communities.models import GuidelinesAcceptance
from carecircle.core.models import AuditEvent
from carecircle.privacy.models import ConsentRecord, DataExport, PolicyDocument
from carecircle.privacy.permissions import check_can_browse_audit_log


def is_memorialised(user: Any) -> bool:
    """True for a member marked as in memory; profiles show "In memory" for them."""
    return getattr(user, "memorialised_at", None) is not None


def current_documents() -> list[PolicyDocument]:
    """The newest published version of each kind of document, required ones first."""
    latest = (
        PolicyDocument.objects.filter(published_at__isnull=False, published_at__lte=timezone.now())
        .values("kind")
        .annotate(version=Max("version"))
    )
    wanted = {(row["kind"], row["version"]) for row in latest}
    documents = [
        document
        for document in PolicyDocument.objects.filter(kind__in=[kind for kind, _v in wanted])
        if (document.kind, document.version) in wanted
    ]
    return sorted(documents, key=lambda d: (not d.is_required, d.kind))


REQUIRED_IDS_CACHE_KEY = "privacy:required-document-ids"
REQUIRED_IDS_SECONDS = 60


def current_required_document_ids() -> list[int]:
    """Ids of the current version of each required document, sorted; one cached query.

    Kept in the cache for a minute (publishing clears it), so checking on every page whether
    a member has accepted them costs nothing once they have.
    """
    cached = cache.get(REQUIRED_IDS_CACHE_KEY)
    if cached is not None:
        return list(cached)
    rows = (
        PolicyDocument.objects.filter(
            kind__in=PolicyDocument.REQUIRED_KINDS,
            published_at__isnull=False,
            published_at__lte=timezone.now(),
        )
        .order_by("kind", "-version")
        .values_list("pk", "kind")
    )
    newest: dict[str, int] = {}
    for pk, kind in rows:
        newest.setdefault(kind, pk)
    ids = sorted(newest.values())
    cache.set(REQUIRED_IDS_CACHE_KEY, ids, REQUIRED_IDS_SECONDS)
    return ids


def has_accepted(user: Any, document_ids: list[int]) -> bool:
    """Whether the member holds an unwithdrawn consent to every one of `document_ids`."""
    accepted = ConsentRecord.objects.filter(
        user=user, document_id__in=document_ids, withdrawn_at__isnull=True
    ).count()
    return accepted == len(document_ids)


def current_document(kind: str) -> PolicyDocument | None:
    return next((d for d in current_documents() if d.kind == kind), None)


def pending_documents(user: Any) -> list[PolicyDocument]:
    """Required documents whose current version the member has not accepted."""
    if not getattr(user, "is_authenticated", False):
        return []
    required = [d for d in current_documents() if d.is_required]
    accepted = set(
        ConsentRecord.objects.filter(
            user=user, document__in=required, withdrawn_at__isnull=True
        ).values_list("document_id", flat=True)
    )
    return [d for d in required if d.pk not in accepted]


@dataclass(frozen=True)
class OptionalConsent:
    document: PolicyDocument
    record: ConsentRecord | None

    @property
    def is_given(self) -> bool:
        return self.record is not None and self.record.is_active


def consents_of(user: User) -> QuerySet[ConsentRecord]:
    """Everything the member agreed to, newest first."""
    return ConsentRecord.objects.filter(user=user).select_related("document")


def optional_consents_of(user: User) -> list[OptionalConsent]:
    documents = [d for d in current_documents() if not d.is_required]
    records = {
        r.document_id: r for r in ConsentRecord.objects.filter(user=user, document__in=documents)
    }
    return [OptionalConsent(document=d, record=records.get(d.pk)) for d in documents]


def guidelines_acceptances_of(user: User) -> QuerySet[GuidelinesAcceptance]:
    return GuidelinesAcceptance.objects.filter(user=user).select_related("community")


def exports_of(user: User) -> QuerySet[DataExport]:
    return DataExport.objects.filter(user=user)


def get_own_export(user: User, export_id: int) -> DataExport | None:
    """The member's own export, or None (someone else's is never found)."""
    return DataExport.objects.filter(pk=export_id, user=user).first()


def activity_about(user: User) -> QuerySet[AuditEvent]:
    """Audit events whose subject is the member, newest first, with the acting member."""
    return AuditEvent.objects.filter(subject=user).select_related("actor").order_by("-id")


@dataclass(frozen=True)
class AuditFilters:
    verb: str = ""
    actor: str = ""
    subject: str = ""
    since: date | None = None
    until: date | None = None


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def audit_log(actor: Any, filters: AuditFilters) -> QuerySet[AuditEvent]:
    """The whole audit log, filtered, newest first; site admins only."""
    check_can_browse_audit_log(actor)
    query = AuditEvent.objects.select_related("actor", "subject").order_by("-id")
    if filters.verb:
        query = query.filter(verb=filters.verb)
    if filters.actor:
        query = query.filter(actor__handle=filters.actor.lower().lstrip("@"))
    if filters.subject:
        query = query.filter(subject__handle=filters.subject.lower().lstrip("@"))
    if filters.since:
        query = query.filter(created_at__gte=_start_of(filters.since))
    if filters.until:
        query = query.filter(created_at__lt=_start_of(filters.until + timedelta(days=1)))
    return query


def audit_verbs() -> list[str]:
    return list(AuditEvent.objects.order_by("verb").values_list("verb", flat=True).distinct())
