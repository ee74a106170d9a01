"""Profiles through the moderation gate: personal details ask to confirm, medical claims do not."""

from __future__ import annotations

import pytest

from carecircle.accounts import actions
from carecircle.accounts.models import Profile
from carecircle.accounts.tests.test_profile_views import form_data
from carecircle.core.errors import ConfirmationNeeded

PHONE_BIO = "Caring for my dad. Ring 020 7946 0958 if you are nearby."


def test_personal_details_in_about_me_ask_first_and_change_nothing(patient):
    Profile.objects.get_or_create(user=patient)
    before = list(Profile.objects.filter(user=patient).values())
    with pytest.raises(ConfirmationNeeded) as caught:
        actions.update_profile_details(actor=patient, bio=PHONE_BIO)
    assert caught.value.field == "bio"
    assert [(d["kind"], d["label"]) for d in caught.value.details] == [
        ("personal_details", "phone_number")
    ]
    assert list(Profile.objects.filter(user=patient).values()) == before
    actions.update_profile_details(actor=patient, bio=PHONE_BIO, confirmed=True)
    assert Profile.objects.get(user=patient).bio == PHONE_BIO


def test_medical_claims_on_ones_own_profile_are_saved_as_written(patient):
    story = "I stopped taking my insulin and cinnamon cures diabetes, I believe."
    actions.update_profile_details(actor=patient, story=story)
    assert Profile.objects.get(user=patient).story == story


def test_the_profile_page_asks_then_saves_anyway(patient, patient_client):
    response = patient_client.post("/account/profile/", form_data(bio=PHONE_BIO))
    page = response.content.decode()
    assert response.status_code == 400
    assert "You may be sharing personal details: a phone number (02• •••• •958)." in page
    assert "Save anyway" in page and PHONE_BIO in page
    assert Profile.objects.get(user=patient).bio != PHONE_BIO
    saved = patient_client.post("/account/profile/", form_data(bio=PHONE_BIO, confirmed="1"))
    assert saved.status_code == 302
    assert Profile.objects.get(user=patient).bio == PHONE_BIO


def test_a_member_page_offers_a_report_link_to_other_members_only(patient, caregiver):
    from conftest import client_for

    url = f"/members/{patient.handle}/"
    assert f'href="/report/member/{patient.pk}/"' in client_for(caregiver).get(url).text
    assert "/report/member/" not in client_for(patient).get(url).text


def test_wording_that_needs_approval_is_refused_and_nothing_is_published(patient, caregiver):
    from django.test import Client
    from django.urls import reverse

    from carecircle.core.errors import ValidationFailed
    from carecircle.moderation.models import ReviewItem, WatchedWord

    WatchedWord.objects.create(community=None, pattern="cheap pills", action="require_approval")
    Profile.objects.get_or_create(user=patient)
    before = list(Profile.objects.filter(user=patient).values())
    with pytest.raises(ValidationFailed) as caught:
        actions.update_profile_details(actor=patient, story="I sell cheap pills, ask me")
    assert (caught.value.code, caught.value.field) == ("needs_approval", "story")
    assert list(Profile.objects.filter(user=patient).values()) == before
    assert not ReviewItem.objects.exists()
    reader = Client()
    reader.force_login(caregiver)
    page = reader.get(reverse("member_profile", kwargs={"handle": "patient"})).content.decode()
    assert "cheap pills" not in page


def test_the_profile_page_keeps_wording_that_needs_approval_next_to_its_field(
    patient, patient_client
):
    from carecircle.moderation.models import WatchedWord

    WatchedWord.objects.create(community=None, pattern="cheap pills", action="require_approval")
    response = patient_client.post("/account/profile/", form_data(bio="I sell cheap pills"))
    page = response.content.decode()
    assert response.status_code == 400
    assert "a moderator must approve first" in page
    assert "I sell cheap pills" in page
    assert Profile.objects.get(user=patient).bio != "I sell cheap pills"
