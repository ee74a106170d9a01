"""A file resource through the page without JavaScript: stored, attached, served as the
resource is read (an outsider of a members-only library gets 404 for the file too)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from carecircle.accounts.models import User
from carecircle.communities.models import Community, Membership
from carecircle.core.factories import UserFactory, make_member
from carecircle.resources.models import Resource
from carecircle.uploads.models import Upload
from conftest import client_for

PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)

pytestmark = pytest.mark.usefixtures("upload_root")


def test_a_curator_adds_a_pdf_and_only_library_readers_get_it(
    private_community: Community, patient: User, outsider: User
) -> None:
    curator = UserFactory()
    make_member(private_community, curator, Membership.Role.MODERATOR)
    page = reverse("resource_create", args=[private_community.slug])
    missing_title = client_for(curator).post(
        page,
        {
            "kind": "file",
            "title": "",
            "reading_level": "easy",
            "file": SimpleUploadedFile("leaflet.pdf", PDF, content_type="application/pdf"),
        },
    )
    # The stored file is kept for the second try, by its id in the form.
    assert missing_title.status_code == 400
    upload = Upload.objects.get()
    assert f'name="upload_id" value="{upload.pk}"' in missing_title.text
    assert "leaflet.pdf" in missing_title.text
    assert upload.resource_id is None

    added = client_for(curator).post(
        page,
        {
            "kind": "file",
            "title": "Foot care leaflet",
            "reading_level": "easy",
            "upload_id": str(upload.pk),
            "upload_description": "Five steps to check your feet",
        },
    )
    assert added.status_code == 302
    resource = Resource.objects.get()
    upload.refresh_from_db()
    assert (upload.resource_id, upload.alt_text, Upload.objects.count()) == (
        resource.pk,
        "Five steps to check your feet",
        1,
    )
    file_url = reverse("upload_file", args=[upload.pk, "file"])
    assert file_url in client_for(patient).get(resource.get_absolute_url()).text
    served = client_for(patient).get(file_url)
    assert served.status_code == 200
    assert served["Content-Disposition"].startswith("attachment")
    assert client_for(outsider).get(file_url).status_code == 404
    assert client_for(None).get(file_url).status_code == 404
