"""The report page: what is shown, the reasons, errors kept, htmx, thanks and crisis help."""

# ruff: noqa: F811 - fixtures imported from the support module are redefined as arguments

from __future__ import annotations

import pytest

from carecircle.communities.models import Community
from carecircle.moderation.models import CrisisResource, Report, ReportReason, ReviewItem
from carecircle.moderation.tests.test_views_support import (  # noqa: F401 - fixtures
    bad_topic,
    first_post,
    snapshot,
    text,
)
from conftest import client_for

pytestmark = pytest.mark.django_db


def _url(kind: str, target_id: int) -> str:
    return f"/report/{kind}/{target_id}/"


def test_the_form_shows_an_excerpt_and_every_reason(bad_topic, patient, community):
    ReportReason.objects.create(community=community, label="Fundraising", description="Asks money")
    ReportReason.objects.create(community=community, label="Old rule", is_active=False)
    post = first_post(bad_topic)

    response = client_for(patient).get(_url("post", post.pk))

    page = text(response)
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    assert "Cinnamon cures diabetes, stop insulin." in page
    for value in ("spam", "abusive", "medically_inaccurate", "crisis", "other"):
        assert f'value="{value}"' in page
    custom = ReportReason.objects.get(label="Fundraising")
    assert f'value="custom:{custom.pk}"' in page and "Asks money" in page
    assert "Old rule" not in page
    assert 'value="custom"' not in page
    assert page.index("Fundraising") < page.index("Something else")


def test_someone_who_cannot_read_it_gets_not_found_without_the_words(private_topic, outsider):
    post = first_post(private_topic)
    before = snapshot()

    get = client_for(outsider).get(_url("post", post.pk))
    post_response = client_for(outsider).post(_url("post", post.pk), {"reason": "spam"})

    assert (get.status_code, post_response.status_code) == (404, 404)
    assert "Only members see this" not in text(get)
    assert snapshot() == before


def test_visitors_are_sent_to_sign_in(bad_topic, visitor_client):
    post = first_post(bad_topic)
    response = visitor_client.get(_url("post", post.pk))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_unknown_kinds_are_not_found(patient):
    assert client_for(patient).get("/report/poll/1/").status_code == 404


def test_a_report_thanks_the_member_and_is_queued(bad_topic, patient, community):
    post = first_post(bad_topic)

    response = client_for(patient).post(
        _url("post", post.pk), {"reason": "spam", "note": "Selling pills"}
    )

    assert response.status_code == 200
    assert "Thank you — moderators will look at this." in text(response)
    assert "If someone is in immediate danger" not in text(response)
    saved = Report.objects.get()
    assert (saved.reporter_id, saved.reason, saved.note) == (patient.pk, "spam", "Selling pills")
    assert (saved.item.community_id, saved.item.queue, saved.item.post_id) == (
        community.pk,
        ReviewItem.Queue.GENERAL,
        post.pk,
    )


def test_a_community_reason_is_sent_as_custom(bad_topic, patient, community):
    reason = ReportReason.objects.create(community=community, label="Fundraising")
    post = first_post(bad_topic)

    client_for(patient).post(_url("post", post.pk), {"reason": f"custom:{reason.pk}"})

    saved = Report.objects.get()
    assert (saved.reason, saved.custom_reason_id) == ("custom", reason.pk)


def test_a_crisis_report_shows_where_to_get_help(bad_topic, patient):
    CrisisResource.objects.create(name="Samaritans", phone="116 123", country="GB")
    CrisisResource.objects.create(name="Emergency services", phone="999", is_emergency=True)
    post = first_post(bad_topic)

    response = client_for(patient).post(_url("post", post.pk), {"reason": "crisis"})

    page = text(response)
    assert "If someone is in immediate danger" in page
    assert "Samaritans" in page and 'href="tel:116123"' in page
    assert page.index("Emergency services") < page.index("Samaritans")
    item = Report.objects.get().item
    assert (item.queue, item.is_urgent) == (ReviewItem.Queue.SAFEGUARDING, True)


def test_errors_show_next_to_the_field_and_the_note_is_kept(bad_topic, patient):
    post = first_post(bad_topic)

    no_reason = client_for(patient).post(
        _url("post", post.pk), {"reason": "", "note": "Kept words"}
    )
    other = client_for(patient).post(_url("post", post.pk), {"reason": "other", "note": "  "})

    assert no_reason.status_code == 400
    assert 'id="error_reason"' in text(no_reason) and "Kept words</textarea>" in text(no_reason)
    assert other.status_code == 400 and 'id="error_note"' in text(other)
    assert 'value="other" checked' in text(other)
    assert Report.objects.count() == 0


def test_reporting_twice_says_it_was_reported_already(bad_topic, patient):
    post = first_post(bad_topic)
    client_for(patient).post(_url("post", post.pk), {"reason": "spam"})
    before = snapshot()

    response = client_for(patient).post(_url("post", post.pk), {"reason": "abusive"})

    assert response.status_code == 200
    assert "You have already reported this." in text(response)
    assert snapshot() == before


def test_own_posts_offer_no_form(bad_topic, caregiver):
    post = first_post(bad_topic)
    before = snapshot()

    get = client_for(caregiver).get(_url("post", post.pk))
    sent = client_for(caregiver).post(_url("post", post.pk), {"reason": "spam"})

    assert "This is your own." in text(get) and 'name="reason"' not in text(get)
    assert sent.status_code == 403
    assert snapshot() == before


def test_htmx_gets_the_form_part_with_errors_as_200_and_the_thanks_part(bad_topic, patient):
    post = first_post(bad_topic)
    client = client_for(patient)

    bad = client.post(_url("post", post.pk), {"reason": ""}, headers={"HX-Request": "true"})
    good = client.post(_url("post", post.pk), {"reason": "spam"}, headers={"HX-Request": "true"})

    assert bad.status_code == 200
    assert text(bad).lstrip().startswith('<div id="report-panel"')
    assert 'id="error_reason"' in text(bad) and "<html" not in text(bad)
    assert good.status_code == 200 and "<html" not in text(good)
    assert "Thank you — moderators will look at this." in text(good)


def test_a_topic_and_a_member_can_be_reported(bad_topic, patient, caregiver, community: Community):
    topic_page = client_for(patient).get(_url("topic", bad_topic.pk))
    member_page = client_for(patient).get(_url("member", caregiver.pk))
    client_for(patient).post(_url("member", caregiver.pk), {"reason": "abusive"})

    assert "Stop your insulin" in text(topic_page)
    assert "Cam the caregiver" in text(member_page)
    assert Report.objects.get().item.kind == ReviewItem.Kind.MEMBER
