"""Community moderation settings, report reasons, watched words; site words; crisis resources."""

# ruff: noqa: F811 - fixtures imported from the support module are redefined as arguments

from __future__ import annotations

import pytest

from carecircle.moderation.models import (
    CrisisResource,
    ModerationSettings,
    ReportReason,
    WatchedWord,
)
from carecircle.moderation.tests.test_views_support import (  # noqa: F401 - fixtures
    community_manager,
    site_admin,
    snapshot,
    text,
)
from conftest import client_for

pytestmark = pytest.mark.django_db

SETTINGS = "/c/type-2-diabetes/moderation/settings/"
POLICY = {
    "form": "settings",
    "premoderate_first_posts": "2",
    "auto_hide_reports": "4",
    "auto_hide_trust_level": "3",
    "new_member_posts_per_day": "5",
    "show_medical_notice": "on",
    "medical_notice": "Not medical advice.",
}


def test_a_community_manager_saves_the_policy(community_manager, community):
    response = client_for(community_manager).post(SETTINGS, POLICY)

    assert (response.status_code, response["Location"]) == (302, SETTINGS)
    saved = ModerationSettings.objects.get(community=community)
    assert (
        saved.premoderate_first_posts,
        saved.auto_hide_reports,
        saved.auto_hide_trust_level,
        saved.new_member_posts_per_day,
        saved.show_medical_notice,
        saved.medical_notice,
    ) == (2, 4, 3, 5, True, "Not medical advice.")
    assert 'value="4"' in text(client_for(community_manager).get(SETTINGS))


def test_a_bad_number_is_shown_next_to_its_field_and_the_rest_is_kept(community_manager):
    response = client_for(community_manager).post(SETTINGS, {**POLICY, "auto_hide_reports": "lots"})

    page = text(response)
    assert response.status_code == 400
    assert 'id="error_auto_hide_reports"' in page and 'value="lots"' in page
    assert "Not medical advice.</textarea>" in page
    assert ModerationSettings.objects.count() == 0


def test_moderators_and_members_may_not_change_settings(community, moderator, patient):
    before = snapshot()
    for member in (moderator, patient):
        assert client_for(member).get(SETTINGS).status_code == 403
        assert client_for(member).post(SETTINGS, POLICY).status_code == 403
    assert snapshot() == before


def test_report_reasons_are_added_and_stopped(community_manager, community):
    client = client_for(community_manager)
    client.post(SETTINGS, {"form": "reason_add", "label": "Fundraising", "description": "Money"})
    reason = ReportReason.objects.get()
    assert (reason.community_id, reason.label, reason.is_active) == (
        community.pk,
        "Fundraising",
        True,
    )

    client.post(SETTINGS, {"form": "reason_deactivate", "reason_id": str(reason.pk)})

    reason.refresh_from_db()
    assert reason.is_active is False
    assert "not offered" in text(client.get(SETTINGS))


def test_a_bad_pattern_is_shown_next_to_the_field(community_manager, community):
    response = client_for(community_manager).post(
        SETTINGS, {"form": "word_add", "pattern": "(a+)+$", "is_regex": "on", "action": "flag"}
    )

    page = text(response)
    assert response.status_code == 400
    assert 'id="error_pattern"' in page and 'value="(a+)+$"' in page
    assert WatchedWord.objects.filter(community__isnull=False).count() == 0


def test_watched_words_are_added_and_removed(community_manager, community):
    client = client_for(community_manager)
    client.post(
        SETTINGS,
        {"form": "word_add", "pattern": "miracle cure", "action": "replace", "replacement": "***"},
    )
    word = WatchedWord.objects.get(community=community)
    assert (word.pattern, word.action, word.replacement) == ("miracle cure", "replace", "***")
    assert "miracle cure" in text(client.get(SETTINGS))

    client.post(SETTINGS, {"form": "word_delete", "word_id": str(word.pk)})

    assert WatchedWord.objects.filter(community=community).count() == 0


def test_site_watched_words_are_for_site_admins(site_admin, moderator, community):
    WatchedWord.objects.create(community=community, pattern="only-here", action="flag")
    before = snapshot()
    assert (
        client_for(moderator)
        .post("/moderation/watched-words/", {"pattern": "x", "action": "flag"})
        .status_code
        == 403
    )
    assert snapshot() == before

    client_for(site_admin).post(
        "/moderation/watched-words/", {"form": "word_add", "pattern": "buy now", "action": "block"}
    )

    word = WatchedWord.objects.get(pattern="buy now")
    assert (word.community_id, word.action) == (None, "block")
    page = text(client_for(site_admin).get("/moderation/watched-words/"))
    assert "buy now" in page and "only-here" not in page


def test_crisis_resources_are_added_and_removed_by_site_admins(site_admin, moderator):
    before = snapshot()
    assert client_for(moderator).get("/moderation/crisis-resources/").status_code == 403
    assert snapshot() == before
    client = client_for(site_admin)

    missing = client.post("/moderation/crisis-resources/", {"form": "resource_add", "name": ""})
    assert missing.status_code == 400 and 'id="error_name"' in text(missing)
    client.post(
        "/moderation/crisis-resources/",
        {"form": "resource_add", "name": "Kind Line", "country": "gb", "phone": "0800 111"},
    )
    resource = CrisisResource.objects.get(name="Kind Line")
    assert (resource.name, resource.country, resource.phone) == ("Kind Line", "GB", "0800 111")

    client.post(
        "/moderation/crisis-resources/",
        {"form": "resource_delete", "resource_id": str(resource.pk)},
    )

    assert not CrisisResource.objects.filter(pk=resource.pk).exists()
