"""Onboarding pages, the sign-in redirect, welcome pages, the new-member tag and profile badges."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from carecircle.accounts.models import Profile, User
from carecircle.accounts.privacy import visibility_of
from carecircle.communities.models import Membership
from carecircle.core.factories import CommunityFactory, UserFactory, make_member, make_topic
from carecircle.engagement import actions
from carecircle.engagement.models import BadgeAward, CommunityWelcome, OnboardingState
from carecircle.engagement.tests.helpers import db_state
from carecircle.notifications.models import NotificationSettings
from conftest import client_for

pytestmark = pytest.mark.django_db

PASSWORD = "a long and unusual passphrase 42"
SIGNUP = {
    "email": "nia@example.org",
    "password1": PASSWORD,
    "password2": PASSWORD,
    "accept_terms": "on",
    "display_name": "Nia",
    "roles": ["caregiver"],
}
LINK = re.compile(r"http://testserver(/accounts/confirm-email/[^/\s]+/)")


def html(response) -> str:
    return response.content.decode()


@pytest.fixture
def newcomer():
    member = UserFactory(display_name="Nia Newcomer", handle="newcomer")
    actions.start_onboarding(actor=member)
    return member


@pytest.fixture
def newcomer_client(newcomer) -> Client:
    return client_for(newcomer)


# --- sign up, sign in -----------------------------------------------------------------------


def test_a_new_member_is_sent_to_onboarding_after_confirming_and_signing_in():
    client = Client()
    client.post("/accounts/signup/", SIGNUP)
    member = User.objects.get()
    assert OnboardingState.objects.get(user=member).is_open is True
    [path] = LINK.findall(mail.outbox[0].body)

    confirmed = client.post(path)
    assert confirmed["Location"] == "/welcome/"
    signed_in = Client().post("/accounts/login/", {"login": SIGNUP["email"], "password": PASSWORD})
    assert signed_in["Location"] == "/welcome/"
    assert client.get("/welcome/")["Location"] == "/welcome/why/"


def test_after_skipping_signing_in_goes_home():
    Client().post("/accounts/signup/", SIGNUP)
    member = User.objects.get()
    from allauth.account.models import EmailAddress

    EmailAddress.objects.filter(user=member).update(verified=True)
    client = Client()
    client.post("/accounts/login/", {"login": SIGNUP["email"], "password": PASSWORD})
    response = client.post("/welcome/skip/")
    assert response["Location"] == "/"
    assert OnboardingState.objects.get().skipped_at is not None

    again = Client().post("/accounts/login/", {"login": SIGNUP["email"], "password": PASSWORD})
    assert again["Location"] == "/"


def test_existing_members_are_not_sent_to_onboarding(patient):
    response = Client().post(
        "/accounts/login/", {"login": patient.email, "password": "correct horse battery staple"}
    )
    assert response["Location"] == "/"


def test_onboarding_pages_need_sign_in(visitor_client):
    response = visitor_client.get("/welcome/why/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_welcome_resumes_at_the_saved_step(newcomer, newcomer_client):
    actions.advance_onboarding(actor=newcomer, step="roles")
    actions.advance_onboarding(actor=newcomer, step="communities")
    assert newcomer_client.get("/welcome/")["Location"] == "/welcome/privacy/"


# --- each step ------------------------------------------------------------------------------


def test_every_step_page_renders_with_progress(newcomer_client):
    for number, path in enumerate(
        ["why", "communities", "privacy", "notifications", "introduce"], start=1
    ):
        response = newcomer_client.get(f"/welcome/{path}/")
        assert response.status_code == 200, path
        assert f"Step {number} of 5" in html(response)
        assert "Skip this step" in html(response)
        assert "Skip the rest and start exploring" in html(response)


def test_roles_step_saves_and_moves_on(newcomer, newcomer_client):
    response = newcomer_client.post(
        "/welcome/why/", {"is_patient": "on", "is_caregiver": "on", "operation": "save"}
    )
    assert response["Location"] == "/welcome/communities/"
    newcomer.refresh_from_db()
    assert (newcomer.is_patient, newcomer.is_caregiver, newcomer.is_professional) == (
        True,
        True,
        False,
    )


def test_the_roles_step_ignores_a_posted_professional_flag(newcomer, newcomer_client):
    response = newcomer_client.post(
        "/welcome/why/", {"is_patient": "on", "is_professional": "on", "operation": "save"}
    )

    assert response["Location"] == "/welcome/communities/"
    newcomer.refresh_from_db()
    assert (newcomer.is_patient, newcomer.is_professional) == (True, False)


def test_skipping_a_step_saves_nothing_of_it(newcomer, newcomer_client):
    before = db_state()
    response = newcomer_client.post("/welcome/why/", {"is_patient": "on", "operation": "skip_step"})
    assert response["Location"] == "/welcome/communities/"
    newcomer.refresh_from_db()
    assert newcomer.is_patient is False
    after = db_state()
    state_key = "engagement.OnboardingState"
    assert [row["step"] for row in after.pop(state_key)] == ["communities"]
    before.pop(state_key)
    assert after == before


def test_communities_are_suggested_from_conditions_and_synonyms(newcomer_client):
    from carecircle.accounts.models import Condition

    Condition.objects.update_or_create(name="Type 2 diabetes", defaults={"synonyms": "sugar, T2D"})
    CommunityFactory(name="Type 2 Diabetes", slug="type-2-diabetes", description="Living with it")
    CommunityFactory(name="Long Covid", slug="long-covid", description="After the virus")
    CommunityFactory(name="Hidden", slug="hidden", visibility="hidden")

    # A POST: conditions never travel in the address (logs, history).
    response = newcomer_client.post(
        "/welcome/communities/", {"conditions": "sugar", "operation": "find"}
    )
    assert response.status_code == 200
    # The only GET form is the header's site search; the conditions never go in an address.
    assert html(response).count('method="get"') == 1
    assert 'method="get" action="/search/"' in html(response)

    page = html(response)
    suggested, _sep, others = page.partition("Other communities")
    assert 'value="type-2-diabetes"' in suggested
    assert 'value="long-covid"' in others
    assert "hidden" not in re.findall(r'name="communities" value="([^"]+)"', page)
    assert 'href="/c/type-2-diabetes/guidelines/"' in page


def test_joining_without_accepting_the_guidelines_shows_the_error_and_keeps_the_choice(
    newcomer, newcomer_client
):
    CommunityFactory(name="Long Covid", slug="long-covid")
    before = db_state()
    response = newcomer_client.post(
        "/welcome/communities/", {"communities": ["long-covid"], "operation": "save"}
    )
    assert response.status_code == 400
    page = html(response)
    assert "Please read and accept the community guidelines to join." in page
    assert 'value="long-covid" checked' in page
    assert db_state() == before


def test_joining_with_the_guidelines_accepted(newcomer, newcomer_client):
    community = CommunityFactory(name="Long Covid", slug="long-covid")
    response = newcomer_client.post(
        "/welcome/communities/",
        {"communities": ["long-covid"], "accept_guidelines": "on", "operation": "save"},
    )
    assert response["Location"] == "/welcome/privacy/"
    membership = Membership.objects.get(user=newcomer)
    assert (membership.community, membership.guidelines_version) == (community, 1)


def test_privacy_post_changes_only_the_actors_own_profile(newcomer, newcomer_client, patient):
    Profile.objects.create(user=patient, bio="Patient's words", is_hidden=False)
    patient_before = list(Profile.objects.filter(user=patient).values())
    response = newcomer_client.post(
        "/welcome/privacy/",
        {
            "visibility_bio": "shared",
            "visibility_role": "private",
            "visibility_location": "members",
            "visibility_joined": "private",
            "visibility_conditions": "private",
            "is_hidden": "on",
            "operation": "save",
            # A forged extra field naming someone else changes nothing for them.
            "user": str(patient.pk),
        },
    )
    assert response["Location"] == "/welcome/notifications/"
    profile = Profile.objects.get(user=newcomer)
    levels = visibility_of(profile)
    assert (levels["bio"], levels["role"], levels["joined"], profile.is_hidden) == (
        "shared",
        "private",
        "private",
        True,
    )
    assert list(Profile.objects.filter(user=patient).values()) == patient_before


def test_privacy_with_a_bad_level_shows_the_error_by_the_field(newcomer, newcomer_client):
    before = db_state()
    response = newcomer_client.post(
        "/welcome/privacy/",
        {
            "visibility_bio": "the-world",
            "visibility_role": "members",
            "visibility_location": "members",
            "visibility_joined": "members",
            "visibility_conditions": "private",
            "operation": "save",
        },
    )
    assert response.status_code == 400
    assert 'id="id_visibility_bio_error"' in html(response)
    assert db_state() == before


def test_notifications_step_starts_at_no_digest_and_saves_the_opt_in(newcomer, newcomer_client):
    page = html(newcomer_client.get("/welcome/notifications/"))
    assert re.search(r'value="off"[^>]*checked', page)
    assert not re.search(r'value="(daily|weekly)"[^>]*checked', page)

    response = newcomer_client.post(
        "/welcome/notifications/",
        {"digest": "daily", "email_includes_details": "on", "operation": "save"},
    )
    assert response["Location"] == "/welcome/introduce/"
    row = NotificationSettings.objects.get(user=newcomer)
    assert (row.digest, row.email_includes_details) == ("daily", True)


def test_introduction_saves_the_bio_and_completes(newcomer, newcomer_client):
    response = newcomer_client.post(
        "/welcome/introduce/", {"bio": "Caring for my dad.", "operation": "save"}
    )
    assert response["Location"] == "/welcome/done/"
    assert Profile.objects.get(user=newcomer).bio == "Caring for my dad."
    assert OnboardingState.objects.get(user=newcomer).completed_at is not None
    done = newcomer_client.get("/welcome/done/")
    assert "Welcome to CareCircle. Here are some good places to start:" in html(done)


def test_an_over_long_introduction_keeps_the_text(newcomer, newcomer_client):
    text = "word " * 70
    response = newcomer_client.post("/welcome/introduce/", {"bio": text, "operation": "save"})
    assert response.status_code == 400
    page = html(response)
    assert "Please keep “about me” to 300 characters" in page
    assert text.strip() in page
    assert not Profile.objects.filter(user=newcomer).exclude(bio="").exists()


# --- welcome messages -----------------------------------------------------------------------


@pytest.fixture
def community_manager(community):
    manager = UserFactory(display_name="Community Manager", handle="cmanager")
    make_member(community, manager, Membership.Role.MANAGER)
    return manager


def test_members_read_the_default_welcome_until_a_manager_writes_one(
    community, community_manager, patient_client
):
    page = html(patient_client.get("/c/type-2-diabetes/welcome/"))
    assert "Welcome to Type 2 Diabetes! We are glad you are here." in page
    assert "Edit the welcome message" not in page

    actions.update_welcome_message(
        actor=community_manager, community=community, body="Hi *there*", is_enabled=True
    )
    page = html(patient_client.get("/c/type-2-diabetes/welcome/"))
    assert "<p>Hi <em>there</em></p>" in page


def test_a_members_only_welcome_is_hidden_from_outsiders(private_community, outsider):
    response = client_for(outsider).get("/c/breast-cancer/welcome/")
    assert response.status_code == 403


def test_a_manager_edits_the_welcome_message_on_its_page(community, community_manager):
    client = client_for(community_manager)
    assert client.get("/c/type-2-diabetes/welcome-message/").status_code == 200
    response = client.post(
        "/c/type-2-diabetes/welcome-message/", {"body": "Be welcome", "is_enabled": "on"}
    )
    assert response["Location"] == "/c/type-2-diabetes/welcome-message/"
    welcome = CommunityWelcome.objects.get()
    assert (welcome.body, welcome.is_enabled, welcome.updated_by) == (
        "Be welcome",
        True,
        community_manager,
    )


@pytest.mark.parametrize("persona", ["patient", "moderator", "outsider"])
def test_non_managers_cannot_edit_the_welcome_message(request, community, persona):
    client = client_for(request.getfixturevalue(persona))
    before = db_state()
    assert client.get("/c/type-2-diabetes/welcome-message/").status_code == 403
    response = client.post("/c/type-2-diabetes/welcome-message/", {"body": "Defaced"})
    assert response.status_code == 403
    assert db_state() == before


def test_an_over_long_welcome_message_keeps_the_text(community, community_manager):
    text = "y" * 5001
    response = client_for(community_manager).post(
        "/c/type-2-diabetes/welcome-message/", {"body": text, "is_enabled": "on"}
    )
    assert response.status_code == 400
    assert "Please keep the welcome message to 5000 characters (it has 5001)." in html(response)
    assert text in html(response)
    assert CommunityWelcome.objects.count() == 0


# --- the new-member tag ---------------------------------------------------------------------


def joined_ago(user, delta):
    User.objects.filter(pk=user.pk).update(date_joined=timezone.now() - delta)


BOUNDARY = timedelta(days=21)


@pytest.mark.parametrize(
    ("delta", "shown"),
    [(BOUNDARY - timedelta(minutes=1), True), (BOUNDARY + timedelta(minutes=1), False)],
)
def test_the_new_member_tag_shows_for_the_first_three_weeks(
    topic, patient, caregiver, delta, shown
):
    joined_ago(patient, delta)
    page = html(client_for(caregiver).get(topic.get_absolute_url()))
    assert ("New member" in page) is shown
    assert ("joined in the last 3 weeks — say hello" in page) is shown

    profile = html(client_for(caregiver).get("/members/patient/"))
    assert ("New member" in profile) is shown


def test_the_new_member_tag_respects_a_hidden_join_date(topic, patient, caregiver):
    joined_ago(patient, timedelta(days=1))
    Profile.objects.create(user=patient, visibility={"joined": "private"})
    assert "New member" not in html(client_for(caregiver).get(topic.get_absolute_url()))
    assert "New member" not in html(client_for(caregiver).get("/members/patient/"))


def test_the_new_member_tag_is_not_shown_to_visitors(topic, patient, visitor_client):
    Profile.objects.create(user=patient, visibility={"joined": "everyone"})
    assert "New member" not in html(visitor_client.get(topic.get_absolute_url()))


def test_the_new_member_tag_costs_no_query(community, patient, caregiver):
    topic = make_topic(community, patient, replies=4)

    def topic_queries() -> int:
        from django.core.cache import cache

        cache.clear()
        client = client_for(caregiver)
        with CaptureQueriesContext(connection) as context:
            response = client.get(topic.get_absolute_url())
        assert response.status_code == 200
        return len(context.captured_queries), html(response)

    joined_ago(patient, timedelta(days=400))
    old_count, old_page = topic_queries()
    joined_ago(patient, timedelta(days=1))
    new_count, new_page = topic_queries()
    assert ("New member" in old_page, "New member" in new_page) == (False, True)
    assert new_count == old_count


# --- badges on the profile ------------------------------------------------------------------


def test_badges_show_on_a_visible_profile_and_hide_with_it(patient, caregiver):
    BadgeAward.objects.create(user=patient, badge="first_post")
    page = html(client_for(caregiver).get("/members/patient/"))
    assert 'id="badges"' in page
    assert "First post" in page

    Profile.objects.create(user=patient, is_hidden=True)
    page = html(client_for(caregiver).get("/members/patient/"))
    assert 'id="badges"' not in page
    assert "First post" not in page
    own = html(client_for(patient).get("/members/patient/"))
    assert "First post" in own
