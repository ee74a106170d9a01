import pytest

from carecircle.communities import actions
from carecircle.communities.models import Membership


@pytest.mark.django_db
def test_join_creates_membership_with_guidelines_version(community, outsider):
    membership = actions.join_community(actor=outsider, community=community, accept_guidelines=True)
    assert membership.guidelines_version == 1
    assert Membership.objects.filter(community=community, user=outsider).count() == 1
