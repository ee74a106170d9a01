"""Small helpers shared by the communities tests."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

from carecircle.communities.models import Community, GuidelinesAcceptance, Invitation, Membership
from carecircle.core.models import AuditEvent


def post_json(client: Client, path: str, payload: dict[str, Any], **extra: Any) -> Any:
    return client.post(path, data=json.dumps(payload), content_type="application/json", **extra)


def patch_json(client: Client, path: str, payload: dict[str, Any], **extra: Any) -> Any:
    return client.patch(path, data=json.dumps(payload), content_type="application/json", **extra)


def snapshot() -> dict[str, Any]:
    """Everything a community write can touch, to prove a denied request changed nothing."""
    return {
        "communities": list(
            Community.objects.order_by("pk").values(
                "pk",
                "name",
                "slug",
                "description",
                "guidelines",
                "guidelines_version",
                "kind",
                "visibility",
                "member_count",
            )
        ),
        "memberships": list(
            Membership.objects.order_by("pk").values(
                "pk", "community_id", "user_id", "role", "guidelines_version"
            )
        ),
        "acceptances": GuidelinesAcceptance.objects.count(),
        "invitations": list(
            Invitation.objects.order_by("pk").values("pk", "community_id", "user_id", "accepted_at")
        ),
        "audit_events": AuditEvent.objects.count(),
    }
