"""The person a share is for hears of it in their bell; nothing says what was shared."""

from __future__ import annotations

import pytest

from carecircle.accounts.models import User
from carecircle.communities.models import Community
from carecircle.journal.actions.sharing import share_journal
from carecircle.journal.models import JournalShare
from carecircle.journal.tests.test_sharing_access import make_world
from carecircle.notifications.models import Notification
from carecircle.notifications.presenters import describe

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("audience", ["member", "caregiver", "community"])
def test_the_member_or_carer_is_told_and_a_community_is_not(
    audience: str,
    patient: User,
    caregiver: User,
    moderator: User,
    outsider: User,
    community: Community,
    django_capture_on_commit_callbacks,
) -> None:
    world = make_world(patient, caregiver, moderator, outsider, community)
    target = {
        "member": {"member": world.intended},
        "caregiver": {"caregiver_link": world.link},
        "community": {"community": world.community},
    }[audience]
    before = Notification.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        share = share_journal(actor=world.owner, audience=audience, parts=["mood"], **target)
    notices = list(Notification.objects.filter(kind="journal_share"))
    if audience == "community":
        assert Notification.objects.count() == before
        return
    recipient = world.intended if audience == "member" else world.carer
    assert [(n.recipient_id, n.actor_id, n.url) for n in notices] == [
        (recipient.pk, world.owner.pk, f"/journal/shared/{share.pk}/")
    ]
    assert describe(notices[0]) == (
        f"{world.owner.display_name} shared part of their health journal with you"
    )
    assert JournalShare.objects.get(pk=share.pk).audience == audience
