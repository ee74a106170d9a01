"""Policy documents, consents, the signup checkbox and the new-version banner."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from carecircle.accounts.models import User
from carecircle.core.errors import ValidationFailed
from carecircle.core.models import AuditEvent
from carecircle.privacy import actions, queries
from carecircle.privacy.models import ConsentRecord, PolicyDocument

pytestmark = pytest.mark.django_db

MIDDLEWARE_PATH = "carecircle.privacy.middleware.PolicyUpdateMiddleware"


def _doc(kind: str) -> PolicyDocument:
    return PolicyDocument.objects.get(kind=kind, version=1)


def test_version_one_of_each_document_is_published_and_public():
    assert [(d.kind, d.version) for d in queries.current_documents()] == [
        ("privacy", 1),
        ("terms", 1),
        ("research_contact", 1),
    ]
    for url, title in (
        ("/account/privacy/terms/", "Terms of use"),
        ("/account/privacy/policy/", "Privacy policy"),
        ("/account/privacy/documents/research_contact/", "Contact me about research studies"),
    ):
        response = Client().get(url)
        assert response.status_code == 200
        assert f"<h1>{title}</h1>" in response.content.decode()


def test_signup_needs_the_checkbox_and_records_both_acceptances(mail_dir):
    data = {
        "email": "new@example.org",
        "password1": "a long and unusual passphrase 42",
        "password2": "a long and unusual passphrase 42",
        "display_name": "New person",
    }
    response = Client().post("/accounts/signup/", data)
    assert response.status_code == 200
    assert "Please tick this box to join" in response.content.decode()
    assert User.objects.count() == 0

    Client().post("/accounts/signup/", {**data, "accept_terms": "on"})

    user = User.objects.get()
    assert sorted(
        ConsentRecord.objects.filter(user=user).values_list("document__kind", "withdrawn_at")
    ) == [("privacy", None), ("terms", None)]


def test_optional_consent_can_be_given_and_withdrawn(patient):
    research = _doc("research_contact")
    actions.accept_document(actor=patient, document_id=research.pk)
    record = actions.withdraw_consent(actor=patient, document_id=research.pk)
    assert record.withdrawn_at is not None
    assert list(
        AuditEvent.objects.filter(subject=patient).order_by("id").values_list("verb", flat=True)
    ) == ["consent.accept", "consent.withdraw"]
    again = actions.accept_document(actor=patient, document_id=research.pk)
    assert again.pk == record.pk and again.withdrawn_at is None


def test_required_documents_cannot_be_withdrawn(patient):
    actions.accept_current_documents(actor=patient)
    terms = _doc("terms")
    with pytest.raises(ValidationFailed) as raised:
        actions.withdraw_consent(actor=patient, document_id=terms.pk)
    assert raised.value.code == "required_document"
    assert ConsentRecord.objects.get(user=patient, document=terms).withdrawn_at is None


def test_my_consents_page_lists_consents_and_guidelines(community, patient):
    actions.accept_current_documents(actor=patient)
    client = Client()
    client.force_login(patient)
    page = client.get("/account/privacy/consents/").content.decode()
    assert "Terms of use" in page and "Privacy policy" in page
    assert "Type 2 Diabetes" in page
    assert "I agree: Contact me about research studies" in page

    response = client.post(f"/account/privacy/consents/{_doc('research_contact').pk}/give")

    assert response.status_code == 302
    assert (
        "Withdraw: Contact me about research studies"
        in client.get("/account/privacy/consents/").content.decode()
    )


def publish_terms_v2(admin) -> PolicyDocument:
    return actions.publish_policy_document(
        actor=admin,
        document=PolicyDocument(
            kind="terms",
            version=2,
            title="Terms of use",
            summary="Shorter.",
            body="New.",
            published_at=timezone.now(),
        ),
    )


def test_a_new_version_shows_a_banner_until_accepted(settings, community, patient, admin):
    assert MIDDLEWARE_PATH in settings.MIDDLEWARE
    actions.accept_current_documents(actor=patient)
    client = Client()
    client.force_login(patient)
    assert "We updated our terms" not in client.get("/").content.decode()

    terms = publish_terms_v2(admin)
    page = client.get("/").content.decode()
    assert "We updated our terms" in page
    assert page.index("We updated our terms") > page.index('id="main"')
    assert [d.version for d in queries.pending_documents(patient)] == [2]

    response = client.post(
        "/account/privacy/updates/", {"accept": "yes", "next": "/", "document": [terms.pk]}
    )

    assert response.status_code == 302 and response["Location"] == "/"
    assert queries.pending_documents(patient) == []
    assert "We updated our terms" not in client.get("/").content.decode()


@pytest.mark.django_db
def test_demo_people_have_agreed_to_the_current_documents_like_anyone_who_signed_up():
    from carecircle.core.demo import load_demo
    from carecircle.privacy.queries import pending_documents

    people = load_demo()
    assert people
    assert [person.handle for person in people if pending_documents(person)] == []


def test_a_version_published_after_the_page_was_shown_is_not_accepted_unseen(patient, admin):
    actions.accept_current_documents(actor=patient)
    shown = [d.pk for d in queries.current_documents() if d.is_required]
    publish_terms_v2(admin)
    client = Client()
    client.force_login(patient)
    before = list(ConsentRecord.objects.order_by("pk").values())
    response = client.post(
        "/account/privacy/updates/", {"accept": "yes", "next": "/", "document": shown}
    )
    assert response.status_code == 200
    assert "A newer version was published" in response.content.decode()
    assert list(ConsentRecord.objects.order_by("pk").values()) == before
    assert [d.version for d in queries.pending_documents(patient)] == [2]


def test_publishing_is_audited(admin):
    terms = publish_terms_v2(admin)
    event = AuditEvent.objects.get(verb="policy.publish")
    assert (event.actor_id, event.target_id, event.data) == (
        admin.pk,
        str(terms.pk),
        {"kind": "terms", "version": 2},
    )


def test_a_member_who_has_accepted_costs_no_query_for_the_terms_check(patient):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    actions.accept_current_documents(actor=patient)
    client = Client()
    client.force_login(patient)
    client.get("/")  # finds everything accepted and remembers it in the session
    with CaptureQueriesContext(connection) as queries_run:
        page = client.get("/").content.decode()
    assert "We updated our terms" not in page
    assert [q["sql"] for q in queries_run.captured_queries if "privacy_" in q["sql"]] == []
