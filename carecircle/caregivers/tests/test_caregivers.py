"""Caregiver links: consent on both sides, what the patient shares, posting for them."""

from __future__ import annotations

import pytest

from carecircle.caregivers import actions
from carecircle.caregivers.models import CaregiverLink
from carecircle.caregivers.queries import fields_shared_with_carer
from carecircle.core.errors import ConflictError, PermissionDeniedError, ValidationFailed
from carecircle.core.factories import CommunityFactory, make_member
from carecircle.core.models import AuditEvent
from carecircle.discussions import actions as discussion_actions
from carecircle.discussions.models import Post, Topic
from carecircle.discussions.tests.helpers import db_state
from conftest import client_for

pytestmark = pytest.mark.django_db


def links_state() -> list[dict]:
    return list(CaregiverLink.objects.order_by("pk").values())


@pytest.fixture
def active_link(patient, caregiver, community) -> CaregiverLink:
    link = actions.request_caregiver_link(
        actor=caregiver, other_handle="@patient", actor_is="carer"
    )
    actions.answer_caregiver_link(actor=patient, link_id=link.pk, accept=True)
    return CaregiverLink.objects.get(pk=link.pk)


def test_a_request_waits_for_the_other_side_and_shares_nothing(patient, caregiver):
    link = actions.request_caregiver_link(
        actor=patient, other_handle="caregiver", actor_is="patient"
    )
    assert (link.patient, link.carer, link.status, link.requested_by) == (
        patient,
        caregiver,
        "pending",
        "patient",
    )
    assert fields_shared_with_carer(caregiver, patient) == frozenset()
    event = AuditEvent.objects.get(verb="caregiver.request")
    assert (event.actor_id, event.subject_id) == (patient.pk, patient.pk)


def test_the_asker_cannot_accept_their_own_request(patient, caregiver):
    link = actions.request_caregiver_link(
        actor=patient, other_handle="caregiver", actor_is="patient"
    )
    before = links_state()
    with pytest.raises(PermissionDeniedError):
        actions.answer_caregiver_link(actor=patient, link_id=link.pk, accept=True)
    assert links_state() == before


def test_a_stranger_cannot_see_or_answer_a_link(patient, caregiver, outsider):
    link = actions.request_caregiver_link(
        actor=patient, other_handle="caregiver", actor_is="patient"
    )
    before = links_state()
    with pytest.raises(Exception) as raised:
        actions.answer_caregiver_link(actor=outsider, link_id=link.pk, accept=True)
    assert getattr(raised.value, "code", "") == "not_found"
    assert links_state() == before


def test_duplicate_and_self_requests_are_refused(patient, caregiver):
    actions.request_caregiver_link(actor=patient, other_handle="caregiver", actor_is="patient")
    with pytest.raises(ConflictError):
        actions.request_caregiver_link(actor=caregiver, other_handle="patient", actor_is="carer")
    with pytest.raises(ValidationFailed):
        actions.request_caregiver_link(actor=patient, other_handle="patient", actor_is="carer")
    assert CaregiverLink.objects.count() == 1


def test_only_the_patient_decides_what_is_shared(active_link, patient, caregiver, community):
    before = links_state()
    with pytest.raises(PermissionDeniedError):
        actions.update_caregiver_sharing(
            actor=caregiver,
            link_id=active_link.pk,
            shared_fields=["conditions"],
            may_post=True,
            post_community_ids=[community.pk],
        )
    assert links_state() == before
    actions.update_caregiver_sharing(
        actor=patient,
        link_id=active_link.pk,
        shared_fields=["story", "conditions"],
        may_post=True,
        post_community_ids=[community.pk],
    )
    assert fields_shared_with_carer(caregiver, patient) == {"conditions", "story"}
    event = AuditEvent.objects.get(verb="caregiver.update_sharing")
    assert event.data == {
        "fields": ["conditions", "story"],
        "may_post": True,
        "communities": [community.pk],
    }


def test_a_carer_posts_for_the_patient_only_where_allowed(
    active_link, patient, caregiver, community
):
    other_community = CommunityFactory(name="Heart Health", slug="heart-health")
    make_member(other_community, patient)
    with pytest.raises(PermissionDeniedError):
        discussion_actions.create_topic(
            actor=caregiver,
            community=community,
            title="Asking for Pat",
            body="Hi",
            on_behalf_of=patient,
        )
    actions.update_caregiver_sharing(
        actor=patient,
        link_id=active_link.pk,
        shared_fields=[],
        may_post=True,
        post_community_ids=[community.pk],
    )
    topic = discussion_actions.create_topic(
        actor=caregiver,
        community=community,
        title="Asking for Pat",
        body="Hi",
        on_behalf_of=patient,
    )
    post = Post.objects.get(topic=topic, position=1)
    assert (post.author_id, post.on_behalf_of_id) == (caregiver.pk, patient.pk)
    page = client_for(None).get(topic.get_absolute_url()).content.decode()
    assert f"{caregiver.display_name}" in page
    assert f"for {patient.display_name}" in page
    # Not in a community the patient did not choose (the caregiver is not even a member there).
    before = db_state()
    with pytest.raises(PermissionDeniedError):
        discussion_actions.create_topic(
            actor=caregiver,
            community=other_community,
            title="Asking for Pat",
            body="Hi",
            on_behalf_of=patient,
        )
    assert db_state() == before


def test_ending_the_link_stops_everything_at_once(active_link, patient, caregiver, community):
    actions.update_caregiver_sharing(
        actor=patient,
        link_id=active_link.pk,
        shared_fields=["conditions"],
        may_post=True,
        post_community_ids=[community.pk],
    )
    actions.end_caregiver_link(actor=caregiver, link_id=active_link.pk)
    assert fields_shared_with_carer(caregiver, patient) == frozenset()
    topics = Topic.objects.count()
    with pytest.raises(PermissionDeniedError):
        discussion_actions.create_topic(
            actor=caregiver,
            community=community,
            title="Asking for Pat",
            body="Hi",
            on_behalf_of=patient,
        )
    assert Topic.objects.count() == topics


def test_the_page_flow(patient, caregiver, community):
    carer_client = client_for(caregiver)
    bad = carer_client.post(
        "/account/caregivers/request/", {"other_handle": "nobody-here", "actor_is": "carer"}
    )
    assert bad.status_code == 400
    assert "could not find a member" in bad.content.decode()
    assert 'value="nobody-here"' in bad.content.decode()
    assert (
        carer_client.post(
            "/account/caregivers/request/", {"other_handle": "patient", "actor_is": "carer"}
        ).status_code
        == 302
    )
    link = CaregiverLink.objects.get()
    patient_client = client_for(patient)
    page = patient_client.get("/account/caregivers/").content.decode()
    assert "says they care for you" in page
    assert (
        patient_client.post(
            f"/account/caregivers/{link.pk}/answer/", {"answer": "accept"}
        ).status_code
        == 302
    )
    response = patient_client.post(
        f"/account/caregivers/{link.pk}/sharing/",
        {"shared": ["conditions"], "may_post": "on", "post_communities": [str(community.pk)]},
    )
    assert response.status_code == 302
    link.refresh_from_db()
    assert (link.status, link.shared_fields, link.may_post) == ("active", ["conditions"], True)
    form = carer_client.get(f"/c/{community.slug}/new-topic/").content.decode()
    assert 'value="for:patient"' in form


def test_a_declined_request_is_not_shown_as_declined_to_the_asker(patient, caregiver):
    link = actions.request_caregiver_link(actor=caregiver, other_handle="patient", actor_is="carer")
    actions.answer_caregiver_link(actor=patient, link_id=link.pk, accept=False)
    asker_view = client_for(caregiver).get("/api/v1/me/caregiver-links").json()
    assert asker_view == []
    assert client_for(patient).get("/api/v1/me/caregiver-links").json()[0]["status"] == "declined"


def test_the_api_round_trip(patient, caregiver, community):
    carer = client_for(caregiver)
    created = carer.post(
        "/api/v1/me/caregiver-links",
        data={"other_handle": "patient", "actor_is": "carer"},
        content_type="application/json",
    )
    assert created.status_code == 201
    link_id = created.json()["id"]
    answered = client_for(patient).post(
        f"/api/v1/me/caregiver-links/{link_id}/answer",
        data={"accept": True},
        content_type="application/json",
    )
    assert answered.json()["status"] == "active"
    shared = client_for(patient).put(
        f"/api/v1/me/caregiver-links/{link_id}/sharing",
        data={"shared_fields": ["story"], "may_post": True, "post_communities": [community.slug]},
        content_type="application/json",
    )
    assert shared.status_code == 200
    assert shared.json()["post_communities"] == [community.slug]
    unknown = client_for(patient).put(
        f"/api/v1/me/caregiver-links/{link_id}/sharing",
        data={"shared_fields": [], "may_post": True, "post_communities": ["no-such-place"]},
        content_type="application/json",
    )
    assert unknown.status_code == 400
    ended = carer.delete(f"/api/v1/me/caregiver-links/{link_id}")
    assert ended.json()["status"] == "ended"


def test_a_carer_sees_exactly_the_shared_health_fields_on_the_profile(
    active_link, patient, caregiver, outsider
):
    from carecircle.accounts.actions import update_profile_details

    update_profile_details(
        actor=patient,
        conditions=["Canary-condition-71"],
        treatments=["Canary-treatment-72"],
        story="Canary-story-73",
    )
    actions.update_caregiver_sharing(
        actor=patient,
        link_id=active_link.pk,
        shared_fields=["conditions"],
        may_post=False,
        post_community_ids=[],
    )
    carer_page = client_for(caregiver).get("/members/patient/").content.decode()
    api = client_for(caregiver).get("/api/v1/members/patient").content.decode()
    for text in (carer_page, api):
        assert "Canary-condition-71" in text
        assert "Canary-treatment-72" not in text
        assert "Canary-story-73" not in text
    assert (
        "Canary-condition-71" not in client_for(outsider).get("/members/patient/").content.decode()
    )
    actions.end_caregiver_link(actor=patient, link_id=active_link.pk)
    assert (
        "Canary-condition-71" not in client_for(caregiver).get("/members/patient/").content.decode()
    )


def test_a_hidden_profile_still_shows_the_carer_what_was_shared_with_them(
    active_link, patient, caregiver, outsider
):
    from carecircle.accounts.actions import update_profile_details

    update_profile_details(actor=patient, conditions=["Canary-condition-81"], is_hidden=True)
    actions.update_caregiver_sharing(
        actor=patient,
        link_id=active_link.pk,
        shared_fields=["conditions"],
        may_post=False,
        post_community_ids=[],
    )
    assert "Canary-condition-81" in client_for(caregiver).get("/members/patient/").content.decode()
    other = client_for(outsider).get("/members/patient/").content.decode()
    assert "Canary-condition-81" not in other
    assert "keeps their profile private" in other
